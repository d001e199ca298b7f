/*
 * checked.c - sw_sector_weights, the checked uniform entry point (every length passed): every
 * failure, with its status, its located message and every buffer unchanged.
 */
#include "helpers.h"

void test_checked_errors(void)
{
    const size_t P = 10, B = 2000, S = 18, N = P * B, M = P * S;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 31);
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);
    const size_t P60 = (size_t)1 << 60;

    /* NULL with a non-empty range. */
    arm(out, ob);
    EXPECT_MSG("checked NULL weights", sw_sector_weights(NULL, N, d.c, N, P, S, out, M), SW_ERROR_NULL_POINTER,
               msgf("weights is NULL but must hold %zu elements", N));
    arm(out, ob);
    EXPECT_MSG("checked NULL sectors", sw_sector_weights(d.w, N, NULL, N, P, S, out, M), SW_ERROR_NULL_POINTER,
               msgf("sectors is NULL but must hold %zu elements", N));
    EXPECT_MSG("checked NULL out", sw_sector_weights(d.w, N, d.c, N, P, S, NULL, M), SW_ERROR_NULL_POINTER,
               msgf("out is NULL but must hold %zu elements", M));

    /* NULL with an empty range; empty work. */
    EXPECT_OK("checked all NULL, 0 portfolios", sw_sector_weights(NULL, 0, NULL, 0, 0, S, NULL, 0));
    EXPECT_OK("checked all NULL, 0 sectors", sw_sector_weights(NULL, 0, NULL, 0, P, 0, NULL, 0));
    EXPECT_OK("checked huge portfolio count, 0 sectors", sw_sector_weights(NULL, 0, NULL, 0, SIZE_MAX, 0, NULL, 0));
    fill_pattern(out, ob);
    EXPECT_OK("checked 0 bonds", sw_sector_weights(NULL, 0, NULL, 0, P, S, out, M));
    {
        size_t j = 0;
        while (j < M && out[j] == 0.0 && !signbit(out[j]))
            j++;
        CHECK(j == M, "checked with 0 bonds: out[%zu] is not +0.0", j);
    }

    /* Length mismatches. */
    arm(out, ob);
    EXPECT_MSG("checked sectors_len = weights_len - 1", sw_sector_weights(d.w, N, d.c, N - 1, P, S, out, M),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("sectors has %zu elements but must have %zu (one code per weight)", N - 1, N));
    arm(out, ob);
    EXPECT_MSG("checked sectors_len = weights_len + 1", sw_sector_weights(d.w, N, d.c, N + 1, P, S, out, M),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("sectors has %zu elements but must have %zu (one code per weight)", N + 1, N));
    arm(out, ob);
    EXPECT_MSG("checked sectors given, weights empty", sw_sector_weights(NULL, 0, d.c, 3, P, S, out, M),
               SW_ERROR_LENGTH_MISMATCH, "sectors has 3 elements but must have 0 (one code per weight)");
    arm(out, ob + 8);
    EXPECT_MSG("checked out_len one short", sw_sector_weights(d.w, N, d.c, N, P, S, out, M - 1),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("out has %zu elements but must have %zu (10 portfolios x 18 sectors)", M - 1, M));
    arm(out, ob + 8);
    EXPECT_MSG("checked out_len one long", sw_sector_weights(d.w, N, d.c, N, P, S, out, M + 1),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("out has %zu elements but must have %zu (10 portfolios x 18 sectors)", M + 1, M));
    arm(out, ob);
    EXPECT_MSG("checked weights_len not a multiple of num_portfolios",
               sw_sector_weights(d.w, N + 1, d.c, N + 1, P, S, out, M), SW_ERROR_LENGTH_MISMATCH,
               msgf("weights has %zu elements, not a multiple of num_portfolios = 10", N + 1));
    arm(out, ob);
    EXPECT_MSG("checked more portfolios than bonds", sw_sector_weights(d.w, N, d.c, N, N + 1, S, out, M),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("weights has %zu elements, not a multiple of num_portfolios = %zu", N, N + 1));
    EXPECT_MSG("checked bonds but 0 portfolios", sw_sector_weights(d.w, N, d.c, N, 0, S, NULL, 0),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("weights has %zu elements but must have 0 (0 portfolios x 0 bonds)", N));

    /* Size overflow: products and byte sizes. */
    EXPECT_MSG("checked num_portfolios*num_sectors overflows", sw_sector_weights(NULL, 0, NULL, 0, SIZE_MAX, 2, NULL, 0),
               SW_ERROR_SIZE_OVERFLOW, "num_portfolios * num_sectors = 18446744073709551615 x 2 overflows size_t");
    EXPECT_MSG("checked output bytes = PTRDIFF_MAX + 1", sw_sector_weights(NULL, 0, NULL, 0, P60, 1, NULL, 0),
               SW_ERROR_SIZE_OVERFLOW, "the output of 1152921504606846976 x 1 doubles exceeds PTRDIFF_MAX bytes");
    EXPECT_MSG("checked output bytes overflow size_t",
               sw_sector_weights(NULL, 0, NULL, 0, (size_t)1 << 31, (size_t)1 << 31, NULL, 0), SW_ERROR_SIZE_OVERFLOW,
               "the output of 2147483648 x 2147483648 doubles exceeds PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked weights_len bytes = PTRDIFF_MAX + 1", sw_sector_weights(d.w, P60, d.c, N, P, S, out, M),
               SW_ERROR_SIZE_OVERFLOW,
               "weights would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked sectors_len bytes = PTRDIFF_MAX + 1",
               sw_sector_weights(d.w, N, d.c, (size_t)1 << 61, P, S, out, M), SW_ERROR_SIZE_OVERFLOW,
               "sectors would hold 2305843009213693952 elements of 4 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked sectors_len = SIZE_MAX", sw_sector_weights(d.w, N, d.c, SIZE_MAX, P, S, out, M),
               SW_ERROR_SIZE_OVERFLOW,
               "sectors would hold 18446744073709551615 elements of 4 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked out_len bytes = PTRDIFF_MAX + 1", sw_sector_weights(d.w, N, d.c, N, P, S, out, P60),
               SW_ERROR_SIZE_OVERFLOW,
               "out would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    if (sizeof(void *) == 8) {
        double *top = (double *)(uintptr_t)(UINTPTR_MAX - 7);
        EXPECT_MSG("checked out range wraps the address space", sw_sector_weights(NULL, 0, NULL, 0, 1, 2, top, 2),
                   SW_ERROR_SIZE_OVERFLOW,
                   msgf("out = %#" PRIxPTR " with 2 elements wraps around the address space", (uintptr_t)top));
    }

    /* Codes and weights, located. */
    {
        static const int32_t bad_codes[] = {-1, 18, INT32_MIN, INT32_MAX};
        for (size_t k = 0; k < 4; k++) {
            int32_t keep = d.c[7 * B + 1043];
            d.c[7 * B + 1043] = bad_codes[k];
            arm(out, ob);
            EXPECT_MSG(msgf("checked sector code %d", (int)bad_codes[k]), call_checked(&d, out),
                       SW_ERROR_SECTOR_OUT_OF_RANGE,
                       msgf("sector code %d at bond 1043 of portfolio 7 is outside 0..18", (int)bad_codes[k]));
            d.c[7 * B + 1043] = keep;
        }
        const double bad[] = {NAN, INFINITY, -INFINITY};
        const char *shown[] = {"NaN", "inf", "-inf"};
        for (size_t k = 0; k < 3; k++) {
            double keep = d.w[3 * B + 12];
            d.w[3 * B + 12] = bad[k];
            arm(out, ob);
            EXPECT_MSG(msgf("checked weight %s", shown[k]), call_checked(&d, out), SW_ERROR_NON_FINITE,
                       msgf("weight %s at bond 12 of portfolio 3 is not finite", shown[k]));
            d.w[3 * B + 12] = keep;
        }
    }

    /* num_sectors == 0 with bonds. */
    EXPECT_MSG("checked num_sectors 0 with bonds", sw_sector_weights(d.w, N, d.c, N, P, 0, NULL, 0),
               SW_ERROR_INVALID_ARGUMENT, msgf("num_sectors is 0 but there are %zu bonds to group", N));

    /* Overlap. */
    {
        double *sh = NEW(double, 64);
        int32_t codes[8] = {0, 1, 0, 1, 0, 1, 0, 1};
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("checked out overlaps weights", sw_sector_weights(sh, 8, codes, 8, 2, 2, sh + 7, 4),
                   SW_ERROR_OVERLAP, "output out overlaps weights");
        double *blk = NEW(double, 16);
        int32_t *cb = (int32_t *)(void *)blk;
        arm(blk, 16 * sizeof(double));
        EXPECT_MSG("checked out overlaps sectors", sw_sector_weights(sh, 8, cb, 8, 2, 2, blk + 3, 4),
                   SW_ERROR_OVERLAP, "output out overlaps sectors");
        free(blk);
        free(sh);
    }

    /* Misaligned. */
    {
        unsigned char *raw = NEW(unsigned char, (N + 8) * sizeof(double));
        const double *w1 = (const double *)(const void *)(raw + 1);
        const int32_t *c1 = (const int32_t *)(const void *)(raw + 1);
        double *o2 = (double *)(void *)(raw + 2);
        arm(out, ob);
        EXPECT_MSG("checked weights misaligned", sw_sector_weights(w1, N, d.c, N, P, S, out, M), SW_ERROR_MISALIGNED,
                   msgf("weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)w1));
        arm(out, ob);
        EXPECT_MSG("checked sectors misaligned", sw_sector_weights(d.w, N, c1, N, P, S, out, M), SW_ERROR_MISALIGNED,
                   msgf("sectors = %#" PRIxPTR " is not aligned to 4 bytes", (uintptr_t)c1));
        arm(raw, (N + 8) * sizeof(double));
        EXPECT_MSG("checked out misaligned", sw_sector_weights(d.w, N, d.c, N, P, S, o2, M), SW_ERROR_MISALIGNED,
                   msgf("out = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)o2));
        free(raw);
    }
    free(out);
    data_free(&d);
}

