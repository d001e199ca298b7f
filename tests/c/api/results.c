/*
 * results.c - the numbers: valid edge values (subnormals, -0.0, DBL_MAX), every entry point
 * against the naive reference on random data (exactly for dyadic data, within a proven bound
 * otherwise), bit-identical results and errors for every thread count, and outputs much larger
 * than their inputs.
 */
#include "helpers.h"

#include <float.h>

/* ------------------------------------------------------------------------------------------ */
/* Valid edge values                                                                           */

void test_valid_values(void)
{
    /* Subnormals and -0.0 are ordinary numbers; negative weights are valid. */
    const double tiny = ldexp(1.0, -1074); /* smallest subnormal */
    double w[10] = {tiny, tiny, tiny, -0.0, -0.0, DBL_MIN / 2, -DBL_MIN / 4, -1.5, 2.25, -0.75};
    int32_t c[10] = {0, 0, 0, 1, 1, 2, 2, 4, 4, 4};
    double out[5];
    fill_pattern(out, sizeof out);
    EXPECT_OK("subnormal, -0.0 and negative weights", calculate_sector_weights(w, 1, c, 10, out, 5));
    CHECK(out[0] == 3 * tiny, "3 smallest subnormals sum to %g, expected %g", out[0], 3 * tiny);
    CHECK(out[1] == 0.0, "a sector of -0.0 weights sums to %g", out[1]);
    CHECK(out[2] == DBL_MIN / 4, "DBL_MIN/2 - DBL_MIN/4 gave %g", out[2]);
    CHECK(out[3] == 0.0 && !signbit(out[3]), "an empty sector must be +0.0, got %g", out[3]);
    CHECK(out[4] == 0.0, "-1.5 + 2.25 - 0.75 gave %g", out[4]);
    double out2[5];
    EXPECT_OK("the same through sw_sector_weights", sw_sector_weights(w, 10, c, 10, 1, 5, out2, 5));
    CHECK(memcmp(out, out2, sizeof out) == 0, "drop-in and sw_sector_weights differ");

    /* All-negative portfolio, normalised: rows still add up to 1. */
    double wn[4] = {-1.0, -3.0, -2.0, -2.0};
    int32_t cn[4] = {0, 1, 1, 2};
    int64_t on[2] = {0, 4};
    double o3[3];
    EXPECT_OK("normalise a short-only portfolio", sw_sector_weights_ragged(wn, 4, cn, 4, on, 2, 3, SW_NORMALIZE, o3, 3));
    CHECK(o3[0] == 0.125 && o3[1] == 0.625 && o3[2] == 0.25, "short-only normalised row: %g %g %g", o3[0], o3[1],
          o3[2]);

    /* Large finite weights are valid inputs. */
    double wl[2] = {DBL_MAX, -DBL_MAX};
    int32_t cl[2] = {0, 0};
    double ol[1];
    EXPECT_OK("DBL_MAX - DBL_MAX", calculate_sector_weights(wl, 1, cl, 2, ol, 1));
    CHECK(ol[0] == 0.0, "DBL_MAX - DBL_MAX gave %g", ol[0]);
}

/* ------------------------------------------------------------------------------------------ */
/* Correctness on random data, all entry points                                                */

static void check_all_entry_points(const char *label, const Data *d, int kind)
{
    const size_t M = d->P * d->S;
    double *a = NEW(double, M), *b = NEW(double, M), *r = NEW(double, M), *e = NEW(double, M);
    Ref ref = reference(d, 0);
    fill_pattern(a, M * sizeof(double));
    fill_pattern(b, M * sizeof(double));
    fill_pattern(r, M * sizeof(double));
    fill_pattern(e, M * sizeof(double));
    if (d->B || d->n == 0) {
        EXPECT_OK(msgf("%s: drop-in", label), call_dropin(d, a));
        EXPECT_OK(msgf("%s: sw_sector_weights", label), call_checked(d, b));
    }
    EXPECT_OK(msgf("%s: ragged", label), call_ragged(d, 0, r));
    if (d->B || d->n == 0) {
        if (kind == KIND_DYADIC || kind == KIND_DYADIC_POS)
            check_exact(msgf("%s: drop-in vs reference", label), a, ref.sum, M);
        else
            check_close(msgf("%s: drop-in vs reference", label), a, &ref, M);
        CHECK(memcmp(a, b, M * sizeof(double)) == 0, "%s: drop-in and sw_sector_weights differ", label);
        CHECK(memcmp(a, r, M * sizeof(double)) == 0, "%s: drop-in and ragged (uniform offsets) differ", label);
    } else if (kind == KIND_DYADIC || kind == KIND_DYADIC_POS) {
        check_exact(msgf("%s: ragged vs reference", label), r, ref.sum, M);
    } else {
        check_close(msgf("%s: ragged vs reference", label), r, &ref, M);
    }
    /* Exposures with every value 1.0 are the weights' sums, bit for bit. */
    double *ones = NEW(double, d->n);
    for (size_t i = 0; i < d->n; i++)
        ones[i] = 1.0;
    EXPECT_OK(msgf("%s: exposures x 1.0", label),
              sw_sector_exposures(d->w, d->n, ones, d->n, d->c, d->n, d->off, d->P + 1, d->S, 0, e, M));
    CHECK(memcmp(e, r, M * sizeof(double)) == 0, "%s: exposures with values 1.0 differ from weights", label);
    free(ones);
    /* Exposures with the real values. */
    Ref refv = reference(d, 1);
    EXPECT_OK(msgf("%s: exposures", label), call_expo(d, 0, e));
    if (kind == KIND_DYADIC || kind == KIND_DYADIC_POS)
        check_exact(msgf("%s: exposures vs reference", label), e, refv.sum, M);
    else
        check_close(msgf("%s: exposures vs reference", label), e, &refv, M);
    /* Normalised (positive data only: totals are never 0). */
    if (kind == KIND_DYADIC_POS && d->P && d->S) {
        int empty = 0;
        for (size_t p = 0; p < d->P; p++)
            empty |= d->off[p] == d->off[p + 1];
        if (!empty) {
            EXPECT_OK(msgf("%s: ragged normalised", label), call_ragged(d, SW_NORMALIZE, r));
            check_normalized(msgf("%s: ragged normalised vs reference", label), r, &ref, d->P, d->S);
            EXPECT_OK(msgf("%s: exposures normalised", label), call_expo(d, SW_NORMALIZE, e));
            check_normalized(msgf("%s: exposures normalised vs reference", label), e, &refv, d->P, d->S);
        }
    }
    ref_free(&refv);
    ref_free(&ref);
    free(a);
    free(b);
    free(r);
    free(e);
}

void test_random_correctness(void)
{
    static const struct {
        size_t P, B, S;
        int kind;
    } shapes[] = {
        {1, 1, 1, KIND_DYADIC},        {1, 100, 18, KIND_DYADIC},     {3, 5, 2, KIND_DYADIC_POS},
        {4, 7, 3, KIND_DYADIC_POS},    {7, 333, 65, KIND_DYADIC},     {2, 1000, 100, KIND_DYADIC_POS},
        {20, 50000, 18, KIND_ARTICLE}, {20, 50000, 18, KIND_DYADIC},  {3, 200000, 18, KIND_DYADIC},
        {1, 1000000, 18, KIND_DYADIC}, {1, 70000, 3, KIND_DYADIC_POS}, {50000, 3, 40, KIND_DYADIC_POS},
        {2, 40000, 300, KIND_MIXED},   {0, 0, 18, KIND_DYADIC},       {5, 0, 18, KIND_DYADIC},
        {1, 16384, 1, KIND_MIXED},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        Data d = data_new(shapes[i].P, NULL, shapes[i].B, shapes[i].S, shapes[i].kind, 1000 + i);
        check_all_entry_points(msgf("random %zu x %zu x %zu (kind %d)", shapes[i].P, shapes[i].B, shapes[i].S,
                                    shapes[i].kind),
                               &d, shapes[i].kind);
        data_free(&d);
    }
    /* Ragged shapes: empty portfolios, a large one that is chunked, tiny ones. */
    {
        const size_t sizes[] = {1, 70000, 0, 150000, 33, 0, 65536, 65537};
        Data d = data_new(8, sizes, 0, 30, KIND_DYADIC, 77);
        check_all_entry_points("random ragged with empty and chunked portfolios", &d, KIND_DYADIC);
        data_free(&d);
        const size_t sizes2[] = {300, 1, 1200, 7, 493, 65, 2};
        d = data_new(7, sizes2, 0, 18, KIND_DYADIC_POS, 78);
        check_all_entry_points("random ragged, all non-empty", &d, KIND_DYADIC_POS);
        data_free(&d);
        const size_t sizes3[] = {40000, 40000};
        d = data_new(2, sizes3, 0, 18, KIND_MIXED, 79);
        check_all_entry_points("random ragged mixed-sign", &d, KIND_MIXED);
        data_free(&d);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Determinism: bit-identical for every thread count                                           */

void test_determinism(void)
{
    const size_t sizes[] = {1, 70000, 0, 150000, 33, 131072, 65537};
    Data ds[3];
    ds[0] = data_new(3, NULL, 200000, 18, KIND_MIXED, 501);
    ds[1] = data_new(1, NULL, 1000000, 18, KIND_MIXED, 502);
    ds[2] = data_new(7, sizes, 0, 100, KIND_MIXED, 503);
    static const size_t threads[] = {1, 2, 3, 0, 1};
    for (int k = 0; k < 3; k++) {
        const Data *d = &ds[k];
        const size_t M = d->P * d->S;
        double *first[4], *cur[4];
        for (int f = 0; f < 4; f++) {
            first[f] = NEW(double, M);
            cur[f] = NEW(double, M);
        }
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            CHECK(sw_set_num_threads(threads[t]) == SW_OK, "sw_set_num_threads(%zu) failed", threads[t]);
            double **dst = t == 0 ? first : cur;
            int32_t st[4];
            st[0] = d->B ? call_dropin(d, dst[0]) : call_ragged(d, 0, dst[0]);
            st[1] = d->B ? call_checked(d, dst[1]) : call_ragged(d, 0, dst[1]);
            st[2] = call_expo(d, 0, dst[2]);
            st[3] = call_ragged(d, 0, dst[3]);
            for (int f = 0; f < 4; f++) {
                CHECK(st[f] == SW_OK, "determinism data %d, threads %zu, entry %d: status %d", k, threads[t], f,
                      (int)st[f]);
                if (t > 0)
                    CHECK(memcmp(first[f], cur[f], M * sizeof(double)) == 0,
                          "determinism data %d entry %d: %zu threads differ from 1 thread", k, f, threads[t]);
            }
        }
        if (d->B) {
            Ref ref = reference(d, 0);
            check_close(msgf("determinism data %d vs reference", k), first[0], &ref, M);
            ref_free(&ref);
        }
        for (int f = 0; f < 4; f++) {
            free(first[f]);
            free(cur[f]);
        }
    }
    /* The reported error does not depend on the thread count either. */
    Data *d = &ds[0];
    d->w[1 * 200000 + 199999] = NAN;       /* portfolio 1, last bond */
    d->c[2 * 200000 + 5] = 18;             /* portfolio 2 */
    d->c[0 * 200000 + 150000] = -7;        /* portfolio 0, third chunk */
    d->w[0 * 200000 + 70000] = INFINITY;   /* portfolio 0, second chunk: the first bad bond */
    double *out = NEW(double, d->P * d->S);
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        sw_set_num_threads(threads[t]);
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("first error with %zu threads", threads[t]), call_dropin(d, out), SW_ERROR_NON_FINITE,
                   "weight inf at bond 70000 of portfolio 0 is not finite");
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("first error (ragged) with %zu threads", threads[t]), call_ragged(d, 0, out),
                   SW_ERROR_NON_FINITE, "weight inf at bond 70000 of portfolio 0 is not finite");
    }
    d->w[70000] = 0.5;
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        sw_set_num_threads(threads[t]);
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("error in the third chunk with %zu threads", threads[t]), call_checked(d, out),
                   SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code -7 at bond 150000 of portfolio 0 is outside 0..18");
    }
    d->c[150000] = 1;
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        sw_set_num_threads(threads[t]);
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("lowest failing portfolio wins with %zu threads", threads[t]), call_dropin(d, out),
                   SW_ERROR_NON_FINITE, "weight NaN at bond 199999 of portfolio 1 is not finite");
    }
    d->w[200000 + 199999] = 0.5;
    arm(out, d->P * d->S * sizeof(double));
    EXPECT_MSG("large: code at bond 5 of portfolio 2", call_checked(d, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
               "sector code 18 at bond 5 of portfolio 2 is outside 0..18");
    d->c[400005] = 2;
    {
        /* 1 x 1,000,000: a bad bond deep inside one portfolio. */
        Data *one = &ds[1];
        one->c[987654] = INT32_MAX;
        arm(out, 18 * sizeof(double));
        watch(one->w, one->n * sizeof(double));
        EXPECT_MSG("1 x 1e6: code at bond 987654", call_dropin(one, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code 2147483647 at bond 987654 of portfolio 0 is outside 0..18");
        one->c[987654] = 0;
    }
    sw_set_num_threads(0);
    free(out);
    for (int k = 0; k < 3; k++)
        data_free(&ds[k]);
}

/* ------------------------------------------------------------------------------------------ */
/* Output much larger than the input (the library checks everything, then writes directly)     */

void test_wide_output(void)
{
    const size_t P = 40000, B = 2, S = 50, M = P * S;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 601);
    double *out = NEW(double, M);
    Ref ref = reference(&d, 0);
    static const size_t threads[] = {1, 2, 0};
    for (size_t t = 0; t < 3; t++) {
        sw_set_num_threads(threads[t]);
        d.c[(P - 1) * B + 1] = 50;
        arm(out, M * sizeof(double));
        EXPECT_MSG(msgf("wide output: bad code in the last portfolio, %zu threads", threads[t]), call_dropin(&d, out),
                   SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code 50 at bond 1 of portfolio 39999 is outside 0..50");
        d.c[(P - 1) * B + 1] = 3;
        d.w[(P / 2) * B] = NAN;
        arm(out, M * sizeof(double));
        EXPECT_MSG(msgf("wide output: NaN in the middle, %zu threads", threads[t]), call_checked(&d, out),
                   SW_ERROR_NON_FINITE, "weight NaN at bond 0 of portfolio 20000 is not finite");
        d.w[(P / 2) * B] = 0.125;
    }
    ref_free(&ref);
    ref = reference(&d, 0);
    fill_pattern(out, M * sizeof(double));
    EXPECT_OK("wide output: success", call_dropin(&d, out));
    check_exact("wide output vs reference (empty sectors are 0)", out, ref.sum, M);
    double *one_sector = NEW(double, 4 * 100000);
    Data d2 = data_new(4, NULL, 3, 100000, KIND_DYADIC, 602);
    Ref r2 = reference(&d2, 0);
    fill_pattern(one_sector, 4 * 100000 * sizeof(double));
    EXPECT_OK("100,000 sectors, 3 bonds", call_checked(&d2, one_sector));
    check_exact("100,000 sectors vs reference", one_sector, r2.sum, 4 * 100000);
    ref_free(&r2);
    data_free(&d2);
    free(one_sector);
    sw_set_num_threads(0);
    ref_free(&ref);
    free(out);
    data_free(&d);
}

