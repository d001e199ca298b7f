/*
 * old_prototype.c - proof that the library is a drop-in for C callers of the article's routine.
 *
 * This file does NOT include sector_weights.h. It declares calculate_sector_weights exactly as the
 * article's callers did, returning void, and links against libsector_weights. Such a caller passes
 * the same six arguments in the same registers and never reads the int32_t status the library
 * returns in eax/w0, so it works unchanged: it gets the right numbers, and bad input is rejected
 * (output untouched, process alive) even though this caller cannot see the status.
 *
 * Run by `make test-c`; prints "N passed, 0 failed" and exits non-zero on any failure.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The article's prototype, verbatim in meaning: no header, no status. */
void calculate_sector_weights(const double *portfolios_bond_weights, uintmax_t pf_size,
                              const int32_t *portfolios_bond_sectors, uintmax_t num_bonds,
                              double *portfolios_sector_weights, uintmax_t num_sectors);

/* Optional: even an old caller can ask what went wrong (declared by hand as well). */
size_t sw_last_error_message(char *buf, size_t len);

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL: %s\n", what);
    }
}

int main(void)
{
    enum { PF = 20, BONDS = 5000, SECTORS = 18 };
    double *w = (double *)malloc(sizeof(double) * PF * BONDS);
    int32_t *c = (int32_t *)malloc(sizeof(int32_t) * PF * BONDS);
    double out[PF * SECTORS], want[PF * SECTORS], before[PF * SECTORS];
    if (!w || !c)
        return 2;

    /* Weights that are multiples of 2^-16, so every summation order gives the exact same sums. */
    uint32_t s = 12345u;
    for (int i = 0; i < PF * BONDS; i++) {
        s = s * 1664525u + 1013904223u;
        w[i] = (double)(s >> 16) / 65536.0;
        s = s * 1664525u + 1013904223u;
        c[i] = (int32_t)((s >> 8) % SECTORS);
    }
    memset(want, 0, sizeof want);
    for (int p = 0; p < PF; p++)
        for (int i = 0; i < BONDS; i++)
            want[p * SECTORS + c[p * BONDS + i]] += w[p * BONDS + i];

    /* 1. Valid input: the exact numbers. */
    for (int k = 0; k < PF * SECTORS; k++)
        out[k] = -1.0;
    calculate_sector_weights(w, PF, c, BONDS, out, SECTORS);
    check(memcmp(out, want, sizeof out) == 0, "valid input: results differ from the naive loop");

    /* 2. A sector code >= num_sectors: the article's routine writes past the output buffer here.
     *    Now nothing is written and the process carries on. */
    c[7 * BONDS + 1043] = 25;
    for (int k = 0; k < PF * SECTORS; k++)
        out[k] = 42.0;
    memcpy(before, out, sizeof out);
    calculate_sector_weights(w, PF, c, BONDS, out, SECTORS);
    check(memcmp(out, before, sizeof out) == 0, "bad sector code: output was modified");
    char msg[256];
    sw_last_error_message(msg, sizeof msg);
    check(strcmp(msg, "sector code 25 at bond 1043 of portfolio 7 is outside 0..18") == 0,
          "bad sector code: the detail does not locate it");
    c[7 * BONDS + 1043] = 3;

    /* 3. A negative code, a NULL input, a num_bonds one too large for a NULL output: all rejected. */
    c[0] = -1;
    calculate_sector_weights(w, PF, c, BONDS, out, SECTORS);
    check(memcmp(out, before, sizeof out) == 0, "negative sector code: output was modified");
    c[0] = 0;
    calculate_sector_weights(NULL, PF, c, BONDS, out, SECTORS);
    check(memcmp(out, before, sizeof out) == 0, "NULL weights: output was modified");
    calculate_sector_weights(w, PF, c, BONDS, NULL, SECTORS);
    sw_last_error_message(msg, sizeof msg);
    check(strstr(msg, "portfolios_sector_weights is NULL") != NULL, "NULL output: not reported");

    /* 4. And valid input works again afterwards. */
    calculate_sector_weights(w, PF, c, BONDS, out, SECTORS);
    memset(want, 0, sizeof want);
    for (int p = 0; p < PF; p++)
        for (int i = 0; i < BONDS; i++)
            want[p * SECTORS + c[p * BONDS + i]] += w[p * BONDS + i];
    check(memcmp(out, want, sizeof out) == 0, "valid input after errors: results differ");

    free(w);
    free(c);
    printf("old_prototype: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
