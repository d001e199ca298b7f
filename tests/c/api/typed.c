/*
 * typed.c - the typed entry points sw_grouped_sums and sw_ragged_sums from C: results against the
 * reference, rows in any order, every code and weight type read in place (bit-identical to the
 * int32/float64 call), both grouped strategies (one table, buckets), every thread count, and the
 * errors that name rows, with the output untouched.
 */
#include "helpers.h"

static SwColumn col(const void *data, size_t len, int32_t dtype)
{
    SwColumn c;
    c.data = data;
    c.len = len;
    c.dtype = dtype;
    return c;
}

/* The rows of d in a random order: weights, values, sector codes and portfolio codes. */
typedef struct Rows {
    size_t n;
    double *w, *v;
    int32_t *c, *p;
} Rows;

static Rows shuffled(const Data *d, uint64_t seed)
{
    Rows r;
    r.n = d->n;
    r.w = NEW(double, d->n + 1);
    r.v = NEW(double, d->n + 1);
    r.c = NEW(int32_t, d->n + 1);
    r.p = NEW(int32_t, d->n + 1);
    size_t *order = NEW(size_t, d->n + 1);
    for (size_t i = 0; i < d->n; i++)
        order[i] = i;
    for (size_t i = d->n; i > 1; i--) { /* Fisher-Yates with an xorshift */
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        size_t j = (size_t)(seed % i), t = order[i - 1];
        order[i - 1] = order[j], order[j] = t;
    }
    for (size_t p = 0; p < d->P; p++)
        for (int64_t i = d->off[p]; i < d->off[p + 1]; i++) {
            size_t at = order[i];
            r.w[at] = d->w[i], r.v[at] = d->v[i], r.c[at] = d->c[i], r.p[at] = (int32_t)p;
        }
    free(order);
    return r;
}

static void rows_free(Rows *r)
{
    free(r->w), free(r->v), free(r->c), free(r->p);
}

static int32_t grouped(const Rows *r, const SwColumn *w, const SwColumn *v, const SwColumn *c, size_t S,
                       size_t P, uint32_t flags, double *out)
{
    SwColumn p = col(r->p, r->n, SW_INT32);
    return sw_grouped_sums(w, v, c, S, &p, P, flags, out, P * S);
}

/* Shuffled rows summed by portfolio code equal the reference (exact on dyadic data), plain,
 * normalised and as exposures; with 1, 2 and 3 threads the bits are the same. */
static void grouped_vs_reference(size_t P, size_t B, size_t S, const char *what)
{
    Data d = data_new(P, NULL, B, S, KIND_DYADIC_POS, 11 + P + S);
    Ref ref = reference(&d, 0), rexp = reference(&d, 1);
    Rows r = shuffled(&d, 0x9e3779b97f4a7c15ull ^ P);
    SwColumn w = col(r.w, r.n, SW_FLOAT64), v = col(r.v, r.n, SW_FLOAT64), c = col(r.c, r.n, SW_INT32);
    double *out = NEW(double, P * S + 1), *first = NEW(double, P * S + 1);
    for (size_t t = 1; t <= 3; t++) {
        CHECK(sw_set_num_threads(t) == SW_OK, "sw_set_num_threads(%zu)", t);
        EXPECT_OK(msgf("%s: grouped sums, %zu threads", what, t), grouped(&r, &w, NULL, &c, S, P, 0, out));
        check_exact(msgf("%s: grouped sums, %zu threads", what, t), out, ref.sum, P * S);
        if (t == 1)
            memcpy(first, out, P * S * sizeof *out);
        else
            CHECK(memcmp(first, out, P * S * sizeof *out) == 0, "%s: %zu threads changed the bits", what, t);
        EXPECT_OK(msgf("%s: normalised, %zu threads", what, t), grouped(&r, &w, NULL, &c, S, P, SW_NORMALIZE, out));
        check_normalized(msgf("%s: normalised, %zu threads", what, t), out, &ref, P, S);
        EXPECT_OK(msgf("%s: exposures, %zu threads", what, t), grouped(&r, &w, &v, &c, S, P, 0, out));
        check_close(msgf("%s: exposures, %zu threads", what, t), out, &rexp, P * S);
    }
    CHECK(sw_set_num_threads(0) == SW_OK, "sw_set_num_threads(0)");
    free(out), free(first), rows_free(&r), ref_free(&ref), ref_free(&rexp), data_free(&d);
}

/* Sector codes narrowed to `dtype` (every code of the data fits it). */
static void *codes_as(const int32_t *c, size_t n, int32_t dtype)
{
    size_t size = dtype == SW_INT8 || dtype == SW_UINT8 ? 1 : dtype == SW_INT16 || dtype == SW_UINT16 ? 2
                : dtype == SW_INT64 ? 8 : 4;
    unsigned char *buf = NEW(unsigned char, n * size + 8);
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case SW_INT8: ((int8_t *)buf)[i] = (int8_t)c[i]; break;
        case SW_INT16: ((int16_t *)buf)[i] = (int16_t)c[i]; break;
        case SW_INT64: ((int64_t *)buf)[i] = c[i]; break;
        case SW_UINT8: ((uint8_t *)buf)[i] = (uint8_t)c[i]; break;
        case SW_UINT16: ((uint16_t *)buf)[i] = (uint16_t)c[i]; break;
        case SW_UINT32: ((uint32_t *)buf)[i] = (uint32_t)c[i]; break;
        default: ((int32_t *)buf)[i] = c[i]; break;
        }
    }
    return buf;
}

/* Every code type gives the int32 call's bits; float32 weights give the bits of float64 weights
 * holding the same values (read in place, widened exactly). */
static void every_type(void)
{
    const size_t P = 7, B = 300, S = 18;
    Data d = data_new(P, NULL, B, S, KIND_ARTICLE, 5);
    Rows r = shuffled(&d, 77);
    SwColumn w = col(r.w, r.n, SW_FLOAT64), c = col(r.c, r.n, SW_INT32);
    double *want = NEW(double, P * S), *out = NEW(double, P * S);
    EXPECT_OK("int32 codes", grouped(&r, &w, NULL, &c, S, P, SW_NORMALIZE, want));
    const int32_t types[] = {SW_INT8, SW_INT16, SW_INT64, SW_UINT8, SW_UINT16, SW_UINT32};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        void *codes = codes_as(r.c, r.n, types[t]);
        SwColumn ct = col(codes, r.n, types[t]);
        EXPECT_OK(msgf("codes of dtype %d", types[t]), grouped(&r, &w, NULL, &ct, S, P, SW_NORMALIZE, out));
        CHECK(memcmp(want, out, P * S * sizeof *out) == 0, "codes of dtype %d change the bits", types[t]);
        free(codes);
    }
    float *w32 = NEW(float, r.n);
    for (size_t i = 0; i < r.n; i++)
        w32[i] = (float)r.w[i], r.w[i] = (double)w32[i];
    SwColumn wf = col(w32, r.n, SW_FLOAT32);
    EXPECT_OK("float64 weights holding float32 values", grouped(&r, &w, NULL, &c, S, P, SW_NORMALIZE, want));
    EXPECT_OK("float32 weights", grouped(&r, &wf, NULL, &c, S, P, SW_NORMALIZE, out));
    CHECK(memcmp(want, out, P * S * sizeof *out) == 0, "float32 weights differ from the same values as float64");
    free(w32), free(want), free(out), rows_free(&r), data_free(&d);
}

/* sw_ragged_sums with int32/float64 columns gives sw_sector_weights_ragged's bits. */
static void ragged_sums_match_ragged(void)
{
    const size_t sizes[] = {0, 1, 5000, 70000, 3, 20000};
    const size_t P = sizeof sizes / sizeof sizes[0], S = 18;
    Data d = data_new(P, sizes, 0, S, KIND_MIXED, 3);
    double *want = NEW(double, P * S), *out = NEW(double, P * S);
    SwColumn w = col(d.w, d.n, SW_FLOAT64), c = col(d.c, d.n, SW_INT32);
    EXPECT_OK("sw_sector_weights_ragged", call_ragged(&d, 0, want));
    EXPECT_OK("sw_ragged_sums", sw_ragged_sums(&w, NULL, &c, S, d.off, P + 1, 0, out, P * S));
    CHECK(memcmp(want, out, P * S * sizeof *out) == 0, "sw_ragged_sums differs from sw_sector_weights_ragged");
    free(want), free(out), data_free(&d);
}

/* Errors name rows of the caller's columns; the output is untouched. */
static void errors_name_rows(void)
{
    const double w[4] = {1, 2, 3, 4};
    const int8_t c8[4] = {0, 1, -1, 2};
    const int64_t c64[4] = {0, 1, 2, 4294967296LL};
    const int32_t p[4] = {0, 1, 1, 0}, p_bad[4] = {0, 25, 1, 0};
    double out[6];
    SwColumn wc = col(w, 4, SW_FLOAT64), cc8 = col(c8, 4, SW_INT8), cc64 = col(c64, 4, SW_INT64);
    SwColumn pc = col(p, 4, SW_INT32), pbad = col(p_bad, 4, SW_INT32);
    arm(out, sizeof out);
    EXPECT_MSG("int8 code -1", sw_grouped_sums(&wc, NULL, &cc8, 3, &pc, 2, 0, out, 6), SW_ERROR_SECTOR_OUT_OF_RANGE,
               "sector code -1 at row 2 (portfolio 1) is outside 0..3");
    arm(out, sizeof out);
    EXPECT_MSG("int64 code 2^32", sw_grouped_sums(&wc, NULL, &cc64, 3, &pc, 2, 0, out, 6), SW_ERROR_SECTOR_OUT_OF_RANGE,
               "sector code 4294967296 at row 3 (portfolio 0) is outside 0..3");
    arm(out, sizeof out);
    EXPECT_SUB("portfolio code 25", sw_grouped_sums(&wc, NULL, &cc64, 3, &pbad, 2, 0, out, 6),
               SW_ERROR_SECTOR_OUT_OF_RANGE, "portfolio code 25 at row 1", "outside 0..2");
    SwColumn wrong = col(w, 4, SW_FLOAT64);
    arm(out, sizeof out);
    EXPECT_SUB("float codes", sw_grouped_sums(&wc, NULL, &wrong, 3, &pc, 2, 0, out, 6), SW_ERROR_INVALID_ARGUMENT,
               "sectors has dtype 9", "integer type");
}

void test_typed(void)
{
    grouped_vs_reference(20, 2000, 18, "20 x 2,000 x 18 (one table)");
    grouped_vs_reference(3000, 12, 18, "3,000 x 12 x 18 (54,000 cells: buckets)");
    every_type();
    ragged_sums_match_ragged();
    errors_name_rows();
}
