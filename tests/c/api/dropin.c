/*
 * dropin.c - calculate_sector_weights, the article's entry point: every failure, with its status,
 * its located message and every buffer unchanged (NULL and empty ranges, size overflow,
 * out-of-range codes, non-finite weights, overlap, misalignment).
 */
#include "helpers.h"

void test_dropin_errors(void)
{
    const size_t P = 10, B = 2000, S = 18, N = P * B, M = P * S;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 21);
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);
    const uintmax_t BIG = UINTMAX_MAX;

    /* NULL with a non-empty range, for each buffer. */
    arm(out, ob);
    EXPECT_MSG("drop-in NULL weights", calculate_sector_weights(NULL, P, d.c, B, out, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_bond_weights is NULL but must hold %zu elements", N));
    arm(out, ob);
    EXPECT_MSG("drop-in NULL sectors", calculate_sector_weights(d.w, P, NULL, B, out, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_bond_sectors is NULL but must hold %zu elements", N));
    watch(d.w, N * sizeof(double));
    watch(d.c, N * sizeof(int32_t));
    EXPECT_MSG("drop-in NULL output", calculate_sector_weights(d.w, P, d.c, B, NULL, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_sector_weights is NULL but must hold %zu elements", M));
    EXPECT_MSG("drop-in NULL output, zero bonds", calculate_sector_weights(NULL, P, NULL, 0, NULL, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_sector_weights is NULL but must hold %zu elements", M));

    /* NULL with an empty range is fine. */
    EXPECT_OK("drop-in all NULL, 0 portfolios", calculate_sector_weights(NULL, 0, NULL, B, NULL, S));
    EXPECT_OK("drop-in all NULL, 0 of everything", calculate_sector_weights(NULL, 0, NULL, 0, NULL, 0));
    EXPECT_OK("drop-in all NULL, 0 bonds and 0 sectors",
              calculate_sector_weights(NULL, P, NULL, 0, NULL, 0));
    EXPECT_OK("drop-in UINTMAX_MAX empty portfolios of 0 sectors",
              calculate_sector_weights(NULL, BIG, NULL, 0, NULL, 0));
    fill_pattern(out, ob);
    EXPECT_OK("drop-in NULL inputs, 0 bonds", calculate_sector_weights(NULL, P, NULL, 0, out, S));
    {
        size_t j = 0;
        while (j < M && out[j] == 0.0 && !signbit(out[j]))
            j++;
        CHECK(j == M, "drop-in with 0 bonds: output[%zu] = %g, expected +0.0", j, j < M ? out[j] : 0.0);
    }

    /* Size overflow: products, byte sizes (incl. uintmax_t values), address-space wrap. */
    arm(out, ob);
    EXPECT_MSG("drop-in pf_size*num_bonds overflows (UINTMAX_MAX x 2)",
               calculate_sector_weights(d.w, BIG, d.c, 2, out, S), SW_ERROR_SIZE_OVERFLOW,
               "pf_size * num_bonds = 18446744073709551615 x 2 overflows size_t");
    arm(out, ob);
    EXPECT_MSG("drop-in pf_size*num_bonds overflows (2^32 x 2^32)",
               calculate_sector_weights(d.w, (uintmax_t)1 << 32, d.c, (uintmax_t)1 << 32, out, S),
               SW_ERROR_SIZE_OVERFLOW, "pf_size * num_bonds = 4294967296 x 4294967296 overflows size_t");
    arm(out, ob);
    EXPECT_MSG("drop-in pf_size*num_sectors overflows",
               calculate_sector_weights(d.w, 2, d.c, 3, out, BIG), SW_ERROR_SIZE_OVERFLOW,
               "pf_size * num_sectors = 2 x 18446744073709551615 overflows size_t");
    arm(out, ob);
    EXPECT_MSG("drop-in weights byte size = PTRDIFF_MAX + 1",
               calculate_sector_weights(d.w, 1, d.c, (uintmax_t)1 << 60, out, S), SW_ERROR_SIZE_OVERFLOW,
               "portfolios_bond_weights would hold 1152921504606846976 elements of 8 bytes, more than "
               "PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("drop-in weights byte size overflows size_t (2^59 portfolios x 4 bonds)",
               calculate_sector_weights(d.w, (uintmax_t)1 << 59, d.c, 4, out, S), SW_ERROR_SIZE_OVERFLOW,
               "portfolios_bond_weights would hold 2305843009213693952 elements of 8 bytes, more than "
               "PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("drop-in output byte size = PTRDIFF_MAX + 1",
               calculate_sector_weights(d.w, 1, d.c, 0, out, (uintmax_t)1 << 60), SW_ERROR_SIZE_OVERFLOW,
               "portfolios_sector_weights would hold 1152921504606846976 elements of 8 bytes, more "
               "than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("drop-in output of UINTMAX_MAX doubles", calculate_sector_weights(d.w, BIG, d.c, 0, out, 1),
               SW_ERROR_SIZE_OVERFLOW,
               "portfolios_sector_weights would hold 18446744073709551615 elements of 8 bytes, more "
               "than PTRDIFF_MAX bytes");
    if (sizeof(void *) == 8) {
        /* A pointer near the top of the address space: its range would wrap. Never dereferenced. */
        const double *top = (const double *)(uintptr_t)(UINTPTR_MAX - 15);
        arm(out, ob);
        EXPECT_MSG("drop-in weights range wraps the address space",
                   calculate_sector_weights(top, 1, d.c, 4, out, S), SW_ERROR_SIZE_OVERFLOW,
                   msgf("portfolios_bond_weights = %#" PRIxPTR " with 4 elements wraps around the address "
                        "space",
                        (uintptr_t)top));
    }
#if UINTMAX_MAX > SIZE_MAX
    arm(out, ob);
    EXPECT_SUB("drop-in pf_size beyond size_t", calculate_sector_weights(d.w, BIG, d.c, 1, out, S),
               SW_ERROR_SIZE_OVERFLOW, "pf_size = ", "does not fit in size_t");
#endif

    /* Sector codes: -1, num_sectors, INT32_MIN, INT32_MAX, 25; at the first, a middle and the last
     * bond. */
    {
        static const int32_t bad_codes[] = {-1, 18, INT32_MIN, INT32_MAX, 25, 19, -18};
        static const size_t spots[][2] = {{7, 1043}, {0, 0}, {9, 1999}};
        for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
            for (size_t k = 0; k < sizeof bad_codes / sizeof bad_codes[0]; k++) {
                size_t p = spots[s][0], b = spots[s][1];
                int32_t keep = d.c[p * B + b];
                d.c[p * B + b] = bad_codes[k];
                arm(out, ob);
                watch(d.w, N * sizeof(double));
                EXPECT_MSG(msgf("drop-in sector code %d at bond %zu of portfolio %zu", (int)bad_codes[k], b, p),
                           call_dropin(&d, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                           msgf("sector code %d at bond %zu of portfolio %zu is outside 0..18",
                                (int)bad_codes[k], b, p));
                d.c[p * B + b] = keep;
            }
        }
    }

    /* Non-finite weights. */
    {
        const double bad[] = {NAN, -NAN, INFINITY, -INFINITY};
        const char *shown[] = {"NaN", "NaN", "inf", "-inf"};
        for (size_t k = 0; k < 4; k++) {
            double keep = d.w[12];
            d.w[12] = bad[k];
            arm(out, ob);
            EXPECT_MSG(msgf("drop-in weight %s at bond 12 of portfolio 0", shown[k]), call_dropin(&d, out),
                       SW_ERROR_NON_FINITE,
                       msgf("weight %s at bond 12 of portfolio 0 is not finite", shown[k]));
            d.w[12] = keep;
        }
        /* The first bad bond wins; a bond with both a bad code and a bad weight reports the code. */
        d.w[5 * B + 10] = INFINITY;
        d.c[5 * B + 10] = 99;
        d.w[5 * B + 11] = NAN;
        arm(out, ob);
        EXPECT_MSG("drop-in bad code and weight on the same bond", call_dropin(&d, out),
                   SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code 99 at bond 10 of portfolio 5 is outside 0..18");
        d.c[5 * B + 10] = 1;
        arm(out, ob);
        EXPECT_MSG("drop-in first of two bad weights", call_dropin(&d, out), SW_ERROR_NON_FINITE,
                   "weight inf at bond 10 of portfolio 5 is not finite");
        d.w[5 * B + 10] = 0.25;
        d.w[5 * B + 11] = 0.5;
    }

    /* num_sectors == 0 with bonds present. */
    EXPECT_MSG("drop-in num_sectors 0 with bonds, NULL output", calculate_sector_weights(d.w, P, d.c, B, NULL, 0),
               SW_ERROR_INVALID_ARGUMENT, msgf("num_sectors is 0 but there are %zu bonds to group", N));
    arm(out, ob);
    EXPECT_MSG("drop-in num_sectors 0 with bonds", calculate_sector_weights(d.w, P, d.c, B, out, 0),
               SW_ERROR_INVALID_ARGUMENT, msgf("num_sectors is 0 but there are %zu bonds to group", N));

    /* Output overlapping an input. */
    {
        double *sh = NEW(double, 64);
        for (int i = 0; i < 64; i++)
            sh[i] = 0.25 * i;
        int32_t codes[10] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1};
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("drop-in output overlaps weights", calculate_sector_weights(sh, 1, codes, 10, sh + 5, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_weights");
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("drop-in output == weights", calculate_sector_weights(sh, 1, codes, 10, sh, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_weights");
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("drop-in output ends inside weights", calculate_sector_weights(sh + 3, 1, codes, 10, sh, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_weights");
        /* Adjacent is not overlapping: output right after the 10 weights. */
        for (int i = 0; i < 64; i++)
            sh[i] = 0.25 * i;
        EXPECT_OK("drop-in output adjacent to weights", calculate_sector_weights(sh, 1, codes, 10, sh + 10, 4));
        CHECK(sh[10] == 0.0 + 1.0 + 2.0 && sh[11] == 0.25 + 1.25 + 2.25 && sh[12] == 0.5 + 1.5 &&
                  sh[13] == 0.75 + 1.75,
              "drop-in adjacent output: wrong sums %g %g %g %g", sh[10], sh[11], sh[12], sh[13]);

        /* Output overlapping the codes: one 8-aligned block holds both. */
        double *blk = NEW(double, 32);
        int32_t *cb = (int32_t *)(void *)blk;
        for (int i = 0; i < 10; i++)
            cb[i] = i % 4;
        arm(blk + 4, 28 * sizeof(double));
        watch(blk, 4 * sizeof(double));
        EXPECT_MSG("drop-in output overlaps sectors", calculate_sector_weights(sh, 1, cb, 10, blk + 4, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_sectors");
        free(blk);
        free(sh);
    }

    /* Misaligned pointers (made from a char buffer); an error, never undefined behaviour. */
    {
        unsigned char *raw = NEW(unsigned char, (N + 8) * sizeof(double));
        const double *w1 = (const double *)(const void *)(raw + 1);
        const double *w4 = (const double *)(const void *)(raw + 4);
        const int32_t *c2 = (const int32_t *)(const void *)(raw + 2);
        int32_t *c4 = (int32_t *)(void *)(raw + 4); /* aligned for int32_t: valid */
        double *o4 = (double *)(void *)(raw + 4);
        arm(out, ob);
        EXPECT_MSG("drop-in weights misaligned by 1", calculate_sector_weights(w1, P, d.c, B, out, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_bond_weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)w1));
        arm(out, ob);
        EXPECT_MSG("drop-in weights misaligned by 4", calculate_sector_weights(w4, P, d.c, B, out, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_bond_weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)w4));
        arm(out, ob);
        EXPECT_MSG("drop-in sectors misaligned by 2", calculate_sector_weights(d.w, P, c2, B, out, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_bond_sectors = %#" PRIxPTR " is not aligned to 4 bytes", (uintptr_t)c2));
        arm(raw, (N + 8) * sizeof(double));
        EXPECT_MSG("drop-in output misaligned by 4", calculate_sector_weights(d.w, P, d.c, B, o4, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_sector_weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)o4));
        EXPECT_OK("drop-in misaligned pointers with empty ranges",
                  calculate_sector_weights(w1, 0, c2, B, o4, S));
        /* int32_t codes at a 4-aligned (not 8-aligned) address are fine. */
        memcpy(c4, d.c, N * sizeof(int32_t));
        double *o_a = NEW(double, M), *o_b = NEW(double, M);
        EXPECT_OK("drop-in codes 4-aligned", calculate_sector_weights(d.w, P, c4, B, o_a, S));
        EXPECT_OK("drop-in codes aligned", calculate_sector_weights(d.w, P, d.c, B, o_b, S));
        CHECK(memcmp(o_a, o_b, M * sizeof(double)) == 0, "4-aligned codes give different results");
        free(o_a);
        free(o_b);
        free(raw);
    }
    free(out);
    data_free(&d);
}

