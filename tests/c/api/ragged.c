/*
 * ragged.c - sw_sector_weights_ragged and sw_sector_exposures (offsets, SW_NORMALIZE, values):
 * every failure, with its status, its located message and every buffer unchanged.
 */
#include "helpers.h"

static const size_t RAGGED_SIZES[] = {300, 0, 1200, 7, 493}; /* offsets 0 300 300 1500 1507 2000 */

void test_ragged_errors(void)
{
    const size_t P = 5, S = 18, M = P * S;
    Data d = data_new(P, RAGGED_SIZES, 0, S, KIND_DYADIC_POS, 41);
    const size_t N = d.n;
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);
    int64_t *off = d.off;

    /* NULLs. */
    arm(out, ob);
    EXPECT_MSG("ragged NULL weights", sw_sector_weights_ragged(NULL, N, d.c, N, off, P + 1, S, 0, out, M),
               SW_ERROR_NULL_POINTER, "weights is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("ragged NULL sectors", sw_sector_weights_ragged(d.w, N, NULL, N, off, P + 1, S, 0, out, M),
               SW_ERROR_NULL_POINTER, "sectors is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("ragged NULL offsets", sw_sector_weights_ragged(d.w, N, d.c, N, NULL, P + 1, S, 0, out, M),
               SW_ERROR_NULL_POINTER, "offsets is NULL but must hold 6 elements");
    EXPECT_MSG("ragged NULL out", sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, S, 0, NULL, M),
               SW_ERROR_NULL_POINTER, "out is NULL but must hold 90 elements");
    EXPECT_MSG("ragged NULL offsets of length 0 (offsets must hold at least the 0)",
               sw_sector_weights_ragged(NULL, 0, NULL, 0, NULL, 0, S, 0, NULL, 0), SW_ERROR_BAD_OFFSETS,
               "offsets is empty but must hold num_portfolios + 1 elements, starting with 0");

    /* Empty work. */
    {
        int64_t zero[3] = {0, 0, 0};
        EXPECT_OK("ragged 0 portfolios", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 1, S, 0, NULL, 0));
        EXPECT_OK("ragged 0 portfolios, normalised",
                  sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 1, S, SW_NORMALIZE, NULL, 0));
        EXPECT_OK("ragged 2 empty portfolios, 0 sectors", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 0, 0, NULL, 0));
        double o8[8];
        fill_pattern(o8, sizeof o8);
        EXPECT_OK("ragged 2 empty portfolios", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 4, 0, o8, 8));
        int zeros = 1;
        for (int i = 0; i < 8; i++)
            zeros &= (o8[i] == 0.0);
        CHECK(zeros, "ragged: empty portfolios must give rows of zeros");
        arm(o8, sizeof o8);
        EXPECT_MSG("ragged normalise empty portfolios", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 4, SW_NORMALIZE, o8, 8),
                   SW_ERROR_ZERO_TOTAL, "portfolio 0 (0 bonds) has a total of 0 and cannot be normalised");
        EXPECT_MSG("ragged normalise empty portfolios, 0 sectors",
                   sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 0, SW_NORMALIZE, NULL, 0), SW_ERROR_ZERO_TOTAL,
                   "portfolio 0 (0 bonds) has a total of 0 and cannot be normalised");
    }

    /* Bad offsets. */
    {
        struct {
            size_t idx;
            int64_t val;
            const char *msg;
        } cases[] = {
            {0, 1, "offsets[0] is 1 but must be 0"},
            {0, -1, "offsets[0] is -1 but must be 0"},
            {0, INT64_MIN, "offsets[0] is -9223372036854775808 but must be 0"},
            {3, 299, "offsets[3] = 299 is less than offsets[2] = 300 (offsets must never decrease)"},
            {1, -5, "offsets[1] = -5 is less than offsets[0] = 0 (offsets must never decrease)"},
            {2, 2001, "offsets[2] = 2001 is past the end of the 2000 bonds"},
            {1, INT64_MAX, "offsets[1] = 9223372036854775807 is past the end of the 2000 bonds"},
            {5, 1999, "offsets[5] = 1999 but the last offset must equal the number of bonds, 2000"},
            {5, 2001, "offsets[5] = 2001 is past the end of the 2000 bonds"},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            int64_t keep = off[cases[k].idx];
            off[cases[k].idx] = cases[k].val;
            arm(out, ob);
            EXPECT_MSG(msgf("ragged bad offsets[%zu] = %" PRId64, cases[k].idx, cases[k].val),
                       call_ragged(&d, 0, out), SW_ERROR_BAD_OFFSETS, cases[k].msg);
            off[cases[k].idx] = keep;
        }
        arm(out, ob);
        EXPECT_MSG("ragged offsets shorter than the bonds", sw_sector_weights_ragged(d.w, N, d.c, N, off, 5, S, 0, out, 72),
                   SW_ERROR_BAD_OFFSETS, "offsets[4] = 1507 but the last offset must equal the number of bonds, 2000");
    }

    /* Flags. */
    arm(out, ob);
    EXPECT_MSG("ragged flags = 4", call_ragged(&d, 4, out), SW_ERROR_INVALID_ARGUMENT,
               "flags = 0x4 has bits other than SW_NORMALIZE (1) and SW_EXACT (2)");
    arm(out, ob);
    EXPECT_MSG("ragged flags = all bits", call_ragged(&d, 0xFFFFFFFFu, out), SW_ERROR_INVALID_ARGUMENT,
               "flags = 0xffffffff has bits other than SW_NORMALIZE (1) and SW_EXACT (2)");

    /* Zero totals. */
    arm(out, ob);
    EXPECT_MSG("ragged normalise with an empty portfolio", call_ragged(&d, SW_NORMALIZE, out), SW_ERROR_ZERO_TOTAL,
               "portfolio 1 (0 bonds) has a total of 0 and cannot be normalised");
    {
        double w[4] = {1.0, 2.0, 0.25, -0.25};
        int32_t c[4] = {0, 1, 0, 1};
        int64_t o[3] = {0, 2, 4};
        double o4[4];
        arm(o4, sizeof o4);
        EXPECT_MSG("ragged normalise a portfolio whose weights cancel",
                   sw_sector_weights_ragged(w, 4, c, 4, o, 3, 2, SW_NORMALIZE, o4, 4), SW_ERROR_ZERO_TOTAL,
                   "portfolio 1 (2 bonds) has a total of 0 and cannot be normalised");
    }

    /* Lengths and sizes. */
    arm(out, ob);
    EXPECT_MSG("ragged sectors_len mismatch", sw_sector_weights_ragged(d.w, N, d.c, N - 1, off, P + 1, S, 0, out, M),
               SW_ERROR_LENGTH_MISMATCH, "sectors has 1999 elements but must have 2000 (one code per weight)");
    arm(out, ob);
    EXPECT_MSG("ragged out_len mismatch", sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, S, 0, out, M - 1),
               SW_ERROR_LENGTH_MISMATCH, "out has 89 elements but must have 90 (5 portfolios x 18 sectors)");
    arm(out, ob);
    EXPECT_MSG("ragged offsets_len bytes = PTRDIFF_MAX + 1",
               sw_sector_weights_ragged(d.w, N, d.c, N, off, (size_t)1 << 60, S, 0, out, M), SW_ERROR_SIZE_OVERFLOW,
               "offsets would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("ragged num_portfolios*num_sectors overflows",
               sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, SIZE_MAX, 0, out, M), SW_ERROR_SIZE_OVERFLOW,
               "num_portfolios * num_sectors = 5 x 18446744073709551615 overflows size_t");
    EXPECT_MSG("ragged num_sectors 0 with bonds", sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, 0, 0, NULL, 0),
               SW_ERROR_INVALID_ARGUMENT, "num_sectors is 0 but there are 2000 bonds to group");

    /* Codes and weights: the position is counted inside the portfolio. */
    {
        int32_t keep = d.c[300 + 17];
        d.c[300 + 17] = 18;
        arm(out, ob);
        EXPECT_MSG("ragged code at bond 17 of portfolio 2", call_ragged(&d, 0, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code 18 at bond 17 of portfolio 2 is outside 0..18");
        d.c[300 + 17] = keep;
        keep = d.c[1507];
        d.c[1507] = INT32_MIN;
        arm(out, ob);
        EXPECT_MSG("ragged code at bond 0 of portfolio 4", call_ragged(&d, SW_NORMALIZE, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code -2147483648 at bond 0 of portfolio 4 is outside 0..18");
        d.c[1507] = keep;
        double kw = d.w[1506];
        d.w[1506] = -INFINITY;
        arm(out, ob);
        EXPECT_MSG("ragged weight at bond 6 of portfolio 3", call_ragged(&d, 0, out), SW_ERROR_NON_FINITE,
                   "weight -inf at bond 6 of portfolio 3 is not finite");
        d.w[1506] = kw;
    }

    /* Overlap with offsets and weights; misaligned offsets. */
    {
        double *blk = NEW(double, 16);
        int64_t *ob6 = (int64_t *)(void *)blk;
        memcpy(ob6, off, 6 * sizeof(int64_t));
        arm(blk + 6, 10 * sizeof(double));
        watch(blk, 6 * sizeof(double));
        EXPECT_MSG("ragged out right after offsets (adjacent, but too short)",
                   sw_sector_weights_ragged(d.w, N, d.c, N, ob6, 6, S, 0, blk + 6, 10), SW_ERROR_LENGTH_MISMATCH,
                   "out has 10 elements but must have 90 (5 portfolios x 18 sectors)");
        arm(blk, 16 * sizeof(double));
        EXPECT_MSG("ragged out overlaps offsets", sw_sector_weights_ragged(NULL, 0, NULL, 0, ob6, 3, 2, 0, blk + 2, 4),
                   SW_ERROR_OVERLAP, "output out overlaps offsets");
        free(blk);
        double *sh = NEW(double, N + M);
        memcpy(sh, d.w, N * sizeof(double));
        arm(sh + N - 1, (M + 1) * sizeof(double));
        watch(sh, (N - 1) * sizeof(double));
        EXPECT_MSG("ragged out overlaps weights by one element",
                   sw_sector_weights_ragged(sh, N, d.c, N, off, P + 1, S, 0, sh + N - 1, M), SW_ERROR_OVERLAP,
                   "output out overlaps weights");
        free(sh);
        unsigned char *raw = NEW(unsigned char, 8 * 8);
        int64_t *o4 = (int64_t *)(void *)(raw + 4);
        memcpy(o4, off, 6 * sizeof(int64_t));
        arm(out, ob);
        EXPECT_MSG("ragged offsets misaligned", sw_sector_weights_ragged(d.w, N, d.c, N, o4, 6, S, 0, out, M),
                   SW_ERROR_MISALIGNED, msgf("offsets = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)o4));
        free(raw);
    }
    free(out);
    data_free(&d);
}

void test_exposure_errors(void)
{
    const size_t P = 5, S = 18, M = P * S;
    Data d = data_new(P, RAGGED_SIZES, 0, S, KIND_DYADIC_POS, 51);
    const size_t N = d.n;
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);

    arm(out, ob);
    EXPECT_MSG("exposures NULL values",
               sw_sector_exposures(d.w, N, NULL, N, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_NULL_POINTER,
               "values is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("exposures NULL weights",
               sw_sector_exposures(NULL, N, d.v, N, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_NULL_POINTER,
               "weights is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("exposures values_len mismatch",
               sw_sector_exposures(d.w, N, d.v, N - 1, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_LENGTH_MISMATCH,
               "values has 1999 elements but must have 2000 (one value per weight)");
    arm(out, ob);
    EXPECT_MSG("exposures values_len bytes = PTRDIFF_MAX + 1",
               sw_sector_exposures(d.w, N, d.v, (size_t)1 << 60, d.c, N, d.off, P + 1, S, 0, out, M),
               SW_ERROR_SIZE_OVERFLOW,
               "values would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    EXPECT_OK("exposures empty", sw_sector_exposures(NULL, 0, NULL, 0, NULL, 0, d.off, 1, S, 0, NULL, 0));

    const double bad[] = {NAN, INFINITY, -INFINITY};
    const char *shown[] = {"NaN", "inf", "-inf"};
    for (size_t k = 0; k < 3; k++) {
        double keep = d.v[1506];
        d.v[1506] = bad[k];
        arm(out, ob);
        EXPECT_MSG(msgf("exposures value %s", shown[k]), call_expo(&d, 0, out), SW_ERROR_NON_FINITE,
                   msgf("value %s at bond 6 of portfolio 3 is not finite", shown[k]));
        d.v[1506] = keep;
    }
    {
        double kw = d.w[1506], kv = d.v[1506];
        d.w[1506] = NAN;
        d.v[1506] = INFINITY;
        arm(out, ob);
        EXPECT_MSG("exposures bad weight and value on one bond: the weight is named", call_expo(&d, 0, out),
                   SW_ERROR_NON_FINITE, "weight NaN at bond 6 of portfolio 3 is not finite");
        d.w[1506] = kw;
        d.v[1506] = kv;
        int32_t kc = d.c[1999];
        d.c[1999] = -1;
        arm(out, ob);
        EXPECT_MSG("exposures code at the last bond", call_expo(&d, SW_NORMALIZE, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code -1 at bond 492 of portfolio 4 is outside 0..18");
        d.c[1999] = kc;
    }
    arm(out, ob);
    EXPECT_MSG("exposures flags", call_expo(&d, 4, out), SW_ERROR_INVALID_ARGUMENT,
               "flags = 0x4 has bits other than SW_NORMALIZE (1) and SW_EXACT (2)");
    {
        /* Zero total from zero values (portfolio 0), and from an empty portfolio (1). */
        double *v0 = NEW(double, N);
        memcpy(v0, d.v, N * sizeof(double));
        for (size_t i = 0; i < 300; i++)
            v0[i] = 0.0;
        arm(out, ob);
        EXPECT_MSG("exposures normalise zero exposure",
                   sw_sector_exposures(d.w, N, v0, N, d.c, N, d.off, P + 1, S, SW_NORMALIZE, out, M),
                   SW_ERROR_ZERO_TOTAL, "portfolio 0 (300 bonds) has a total of 0 and cannot be normalised");
        free(v0);
        arm(out, ob);
        EXPECT_MSG("exposures normalise an empty portfolio", call_expo(&d, SW_NORMALIZE, out), SW_ERROR_ZERO_TOTAL,
                   "portfolio 1 (0 bonds) has a total of 0 and cannot be normalised");
    }
    {
        double *sh = NEW(double, N + M);
        memcpy(sh, d.v, N * sizeof(double));
        arm(sh + 10, (N + M - 10) * sizeof(double));
        watch(sh, 10 * sizeof(double));
        EXPECT_MSG("exposures out overlaps values",
                   sw_sector_exposures(d.w, N, sh, N, d.c, N, d.off, P + 1, S, 0, sh + 10, M), SW_ERROR_OVERLAP,
                   "output out overlaps values");
        free(sh);
        unsigned char *raw = NEW(unsigned char, (N + 2) * sizeof(double));
        const double *v3 = (const double *)(const void *)(raw + 3);
        arm(out, ob);
        EXPECT_MSG("exposures values misaligned",
                   sw_sector_exposures(d.w, N, v3, N, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_MISALIGNED,
                   msgf("values = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)v3));
        free(raw);
    }
    free(out);
    data_free(&d);
}

