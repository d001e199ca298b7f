/*
 * bad_inputs.c - feeds every kind of bad input to libsector_weights and shows what comes back.
 *
 * The article's routine would crash, or silently write outside the caller's buffers, on most of
 * these. Here each call returns a status; the program prints its number, its name, the static
 * message (sw_status_message) and the located detail (sw_last_error_message), and checks that the
 * output buffer is byte-for-byte what it was. The process survives all of them.
 *
 * Build:  cc -O2 -Iinclude examples/c/bad_inputs.c -Ltarget/release -Wl,-rpath,$PWD/target/release \
 *            -lsector_weights -lpthread -lm -o build/c/bad_inputs
 * Run:    build/c/bad_inputs        (exit status 0 when every input got the expected status)
 */
#include "sector_weights.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF 10
#define BONDS 2000
#define SECTORS 18
#define OUT_LEN (PF * SECTORS)

static double weights[PF * BONDS + 8];
static int32_t codes[PF * BONDS + 8];
static double out[OUT_LEN + 8];
static double before[OUT_LEN + 8];
static int cases, wrong;

/* Call this before each bad call: marks the output with a pattern and remembers it. */
static void prepare(void)
{
    for (int i = 0; i < OUT_LEN + 8; i++)
        out[i] = -12345.0 - i;
    memcpy(before, out, sizeof out);
}

static void report(const char *what, int32_t status, int32_t expected)
{
    char detail[512];
    sw_last_error_message(detail, sizeof detail);
    int unchanged = memcmp(out, before, sizeof out) == 0;
    cases++;
    printf("[%2d] %s\n", cases, what);
    printf("     status %d %s: %s\n", (int)status, sw_status_name(status), sw_status_message(status));
    printf("     detail: %s\n", detail);
    printf("     output unchanged: %s\n", unchanged ? "yes" : "NO");
    if (status != expected || !unchanged) {
        wrong++;
        printf("     UNEXPECTED: wanted %s with the output unchanged\n", sw_status_name(expected));
    }
}

int main(void)
{
    for (int i = 0; i < PF * BONDS; i++) {
        weights[i] = 1.0 / BONDS;
        codes[i] = i % SECTORS;
    }
    const uintmax_t BIG = UINTMAX_MAX;
    unsigned char *raw = (unsigned char *)malloc(PF * BONDS * sizeof(double) + 16);
    if (!raw)
        return 1;

    printf("sector-weights %s: every bad input is rejected before anything is written\n\n", sw_version());

    prepare();
    report("NULL weights pointer with 10 x 2000 bonds",
           calculate_sector_weights(NULL, PF, codes, BONDS, out, SECTORS), SW_ERROR_NULL_POINTER);
    prepare();
    report("NULL output pointer",
           calculate_sector_weights(weights, PF, codes, BONDS, NULL, SECTORS), SW_ERROR_NULL_POINTER);
    prepare();
    report("pf_size * num_bonds overflows (UINTMAX_MAX portfolios)",
           calculate_sector_weights(weights, BIG, codes, 2, out, SECTORS), SW_ERROR_SIZE_OVERFLOW);
    prepare();
    report("2^60 bonds: more than PTRDIFF_MAX bytes of weights",
           calculate_sector_weights(weights, 1, codes, (uintmax_t)1 << 60, out, SECTORS), SW_ERROR_SIZE_OVERFLOW);

    codes[7 * BONDS + 1043] = 25;
    prepare();
    report("sector code 25 at bond 1043 of portfolio 7 (the article's routine writes out of bounds)",
           calculate_sector_weights(weights, PF, codes, BONDS, out, SECTORS), SW_ERROR_SECTOR_OUT_OF_RANGE);
    codes[7 * BONDS + 1043] = -1;
    prepare();
    report("negative sector code", calculate_sector_weights(weights, PF, codes, BONDS, out, SECTORS),
           SW_ERROR_SECTOR_OUT_OF_RANGE);
    codes[7 * BONDS + 1043] = SECTORS;
    prepare();
    report("sector code == num_sectors", calculate_sector_weights(weights, PF, codes, BONDS, out, SECTORS),
           SW_ERROR_SECTOR_OUT_OF_RANGE);
    codes[7 * BONDS + 1043] = 1043 % SECTORS;

    weights[12] = NAN;
    prepare();
    report("NaN weight (the article's routine silently poisons the sector)",
           calculate_sector_weights(weights, PF, codes, BONDS, out, SECTORS), SW_ERROR_NON_FINITE);
    weights[12] = -INFINITY;
    prepare();
    report("-Inf weight", calculate_sector_weights(weights, PF, codes, BONDS, out, SECTORS), SW_ERROR_NON_FINITE);
    weights[12] = 1.0 / BONDS;

    prepare();
    report("num_sectors = 0 with bonds to group", calculate_sector_weights(weights, PF, codes, BONDS, out, 0),
           SW_ERROR_INVALID_ARGUMENT);

    /* The output placed inside the weights: the library refuses instead of overwriting its input. */
    memcpy(before, weights, sizeof(double) * (OUT_LEN + 8));
    cases++;
    {
        int32_t st = calculate_sector_weights(weights, PF, codes, BONDS, weights + 100, SECTORS);
        char detail[512];
        sw_last_error_message(detail, sizeof detail);
        int unchanged = memcmp(weights, before, sizeof(double) * (OUT_LEN + 8)) == 0;
        printf("[%2d] output buffer overlapping the weights\n", cases);
        printf("     status %d %s: %s\n", (int)st, sw_status_name(st), sw_status_message(st));
        printf("     detail: %s\n", detail);
        printf("     weights unchanged: %s\n", unchanged ? "yes" : "NO");
        if (st != SW_ERROR_OVERLAP || !unchanged)
            wrong++;
    }

    prepare();
    report("weights pointer misaligned by one byte",
           calculate_sector_weights((const double *)(const void *)(raw + 1), PF, codes, BONDS, out, SECTORS),
           SW_ERROR_MISALIGNED);

    prepare();
    report("sw_sector_weights: out_len does not match num_portfolios * num_sectors",
           sw_sector_weights(weights, PF * BONDS, codes, PF * BONDS, PF, SECTORS, out, OUT_LEN - 1),
           SW_ERROR_LENGTH_MISMATCH);
    prepare();
    report("sw_sector_weights: fewer sector codes than weights",
           sw_sector_weights(weights, PF * BONDS, codes, PF * BONDS - 1, PF, SECTORS, out, OUT_LEN),
           SW_ERROR_LENGTH_MISMATCH);

    {
        int64_t offsets[4] = {0, 500, 400, 2000};
        prepare();
        report("sw_sector_weights_ragged: decreasing offsets",
               sw_sector_weights_ragged(weights, 2000, codes, 2000, offsets, 4, SECTORS, 0, out, 3 * SECTORS),
               SW_ERROR_BAD_OFFSETS);
        int64_t past[3] = {0, 2500, 2000};
        prepare();
        report("sw_sector_weights_ragged: offset past the last bond",
               sw_sector_weights_ragged(weights, 2000, codes, 2000, past, 3, SECTORS, 0, out, 2 * SECTORS),
               SW_ERROR_BAD_OFFSETS);
        int64_t with_empty[3] = {0, 2000, 2000};
        prepare();
        report("SW_NORMALIZE with an empty portfolio (total 0)",
               sw_sector_weights_ragged(weights, 2000, codes, 2000, with_empty, 3, SECTORS, SW_NORMALIZE, out,
                                        2 * SECTORS),
               SW_ERROR_ZERO_TOTAL);
        int64_t one[2] = {0, 2000};
        prepare();
        report("unknown flag bits",
               sw_sector_weights_ragged(weights, 2000, codes, 2000, one, 2, SECTORS, 0x10, out, SECTORS),
               SW_ERROR_INVALID_ARGUMENT);
        static double durations[2000];
        for (int i = 0; i < 2000; i++)
            durations[i] = 5.0;
        durations[1999] = INFINITY;
        prepare();
        report("sw_sector_exposures: infinite value (duration)",
               sw_sector_exposures(weights, 2000, durations, 2000, codes, 2000, one, 2, SECTORS, 0, out, SECTORS),
               SW_ERROR_NON_FINITE);
    }

    prepare();
    report("sw_set_num_threads(5000)", sw_set_num_threads(5000), SW_ERROR_INVALID_ARGUMENT);

    /* Still alive, and a valid call works. */
    int32_t st = calculate_sector_weights(weights, PF, codes, BONDS, out, SECTORS);
    printf("\nafter %d bad inputs the process is alive; a valid call returns %d (%s), portfolio 0 sector 0 = %.6f\n",
           cases, (int)st, sw_status_name(st), out[0]);
    if (st != SW_OK)
        wrong++;
    free(raw);
    if (wrong) {
        printf("%d case(s) did not behave as expected\n", wrong);
        return 1;
    }
    printf("all %d bad inputs were rejected with the expected status and untouched output\n", cases);
    return 0;
}
