/*
 * partial.c - partial results (sw_partial_*): rows split into parts in any order, partials merged
 * along different orders and trees, saved to bytes and read back: the same bytes and result as one
 * partial of all rows, equal to the reference where every sum is exact (dyadic data); every
 * failure with its status, its message and the outputs unchanged; every truncation and
 * single-byte corruption of saved bytes is SW_ERROR_BAD_PARTIAL.
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

/* The partial of rows idx[0..m) of d (weights, sector codes, portfolio codes pc). */
static SwPartial *part_of(const Data *d, const int32_t *pc, const size_t *idx, size_t m)
{
    double *w = NEW(double, m + 1);
    int32_t *c = NEW(int32_t, m + 1), *p = NEW(int32_t, m + 1);
    for (size_t i = 0; i < m; i++) {
        w[i] = d->w[idx[i]];
        c[i] = d->c[idx[i]];
        p[i] = pc[idx[i]];
    }
    SwColumn cw = col(w, m, SW_FLOAT64), cc = col(c, m, SW_INT32), cp = col(p, m, SW_INT32);
    SwPartial *out = NULL;
    EXPECT_OK("sw_partial_from_rows", sw_partial_from_rows(&cw, NULL, &cc, d->S, &cp, d->P, 0, &out));
    free(w);
    free(c);
    free(p);
    return out;
}

/* The saved bytes of a partial (*len of them; malloc'ed). */
static uint8_t *saved(const SwPartial *p, size_t *len)
{
    *len = 0;
    EXPECT_OK("size query", sw_partial_to_bytes(p, NULL, 0, len));
    uint8_t *buf = NEW(uint8_t, *len);
    size_t n = 0;
    EXPECT_OK("sw_partial_to_bytes", sw_partial_to_bytes(p, buf, *len, &n));
    CHECK(n == *len, "sw_partial_to_bytes wrote %zu bytes, the size query said %zu", n, *len);
    return buf;
}

static int same_bytes(const SwPartial *a, const SwPartial *b)
{
    size_t na, nb;
    uint8_t *x = saved(a, &na), *y = saved(b, &nb);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Splits the rows of d into k random parts and merges their partials in a chain (in a random
 * order) and as a balanced tree (through bytes): both must be the whole's bytes. */
static void check_split(const Data *d, const int32_t *pc, const SwPartial *whole, size_t k, uint64_t seed)
{
    size_t *idx = NEW(size_t, d->n + 1), *start = NEW(size_t, k + 1);
    SwPartial **parts = NEW(SwPartial *, k);
    size_t m = 0;
    for (size_t j = 0; j < k; j++) { /* part j: the rows i with hash(i) % k == j, backwards */
        start[j] = m;
        for (size_t i = d->n; i-- > 0;)
            if (((i * 2654435761u) ^ seed) % k == j)
                idx[m++] = i;
    }
    start[k] = m;
    for (size_t j = 0; j < k; j++)
        parts[j] = part_of(d, pc, idx + start[j], start[j + 1] - start[j]);
    /* A chain from the last part to the first, the arguments' order alternating. */
    SwPartial *chain = NULL;
    for (size_t t = k; t-- > 0;) {
        SwPartial *merged = NULL;
        if (!chain) {
            size_t len;
            uint8_t *b = saved(parts[t], &len);
            EXPECT_OK("chain first", sw_partial_from_bytes(b, len, &merged));
            free(b);
        } else {
            EXPECT_OK("chain merge", t % 2 ? sw_partial_merge(chain, parts[t], &merged)
                                           : sw_partial_merge(parts[t], chain, &merged));
        }
        sw_partial_free(chain);
        chain = merged;
    }
    CHECK(same_bytes(chain, whole), "%zu parts merged in a chain are not the whole's bytes", k);
    sw_partial_free(chain);
    /* A balanced tree, each level through bytes. */
    size_t live = k;
    while (live > 1) {
        size_t half = 0;
        for (size_t j = 0; j + 1 < live; j += 2) {
            SwPartial *merged = NULL, *copy = NULL;
            EXPECT_OK("tree merge", sw_partial_merge(parts[j + 1], parts[j], &merged));
            size_t len;
            uint8_t *b = saved(merged, &len);
            EXPECT_OK("tree from bytes", sw_partial_from_bytes(b, len, &copy));
            free(b);
            sw_partial_free(merged);
            sw_partial_free(parts[j]);
            sw_partial_free(parts[j + 1]);
            parts[half++] = copy;
        }
        if (live % 2)
            parts[half++] = parts[live - 1];
        live = half;
    }
    CHECK(same_bytes(parts[0], whole), "%zu parts merged as a tree are not the whole's bytes", k);
    sw_partial_free(parts[0]);
    free(parts);
    free(idx);
    free(start);
}

/* Portfolio codes of d's rows (row i of portfolio p gets p), for the grouped layout. */
static int32_t *codes_of(const Data *d)
{
    int32_t *pc = NEW(int32_t, d->n + 1);
    for (size_t p = 0; p < d->P; p++)
        for (int64_t i = d->off[p]; i < d->off[p + 1]; i++)
            pc[i] = (int32_t)p;
    return pc;
}

static const size_t PARTIAL_SIZES[] = {700, 0, 2500, 9, 1300};

void test_partial_merges(void)
{
    const size_t P = 5, S = 18, M = P * S;
    Data d = data_new(P, PARTIAL_SIZES, 0, S, KIND_DYADIC, 16);
    int32_t *pc = codes_of(&d);
    size_t *all = NEW(size_t, d.n + 1);
    for (size_t i = 0; i < d.n; i++)
        all[i] = i;
    SwPartial *whole = part_of(&d, pc, all, d.n);
    /* Dyadic data: every sum is exact, so the naive loop is the reference bit for bit. */
    Ref r = reference(&d, 0);
    double *out = NEW(double, M + SLACK);
    EXPECT_OK("sw_partial_result", sw_partial_result(whole, 0, out, M));
    check_exact("partial result", out, r.sum, M);
    size_t np = 0, ns = 0;
    EXPECT_OK("sw_partial_shape", sw_partial_shape(whole, &np, &ns));
    CHECK(np == P && ns == S, "shape %zu x %zu, expected %zu x %zu", np, ns, P, S);
    /* The ragged layout of the same rows. */
    SwColumn cw = col(d.w, d.n, SW_FLOAT64), cc = col(d.c, d.n, SW_INT32);
    SwPartial *ragged = NULL;
    EXPECT_OK("sw_partial_from_ragged", sw_partial_from_ragged(&cw, NULL, &cc, S, d.off, P + 1, 0, &ragged));
    CHECK(same_bytes(ragged, whole), "the ragged partial is not the grouped one");
    sw_partial_free(ragged);
    for (size_t k = 1; k <= (g_quick ? 3u : 9u); k++)
        check_split(&d, pc, whole, k, 77 + k);
    sw_partial_free(whole);
    sw_partial_free(NULL);
    ref_free(&r);
    free(out);
    free(all);
    free(pc);
    data_free(&d);
}

/* Every truncation and every single-byte corruption of saved bytes: SW_ERROR_BAD_PARTIAL, and
 * the handle pointer untouched. */
static void check_bad_bytes(const uint8_t *good, size_t len)
{
    uint8_t *b = NEW(uint8_t, len + 1);
    SwPartial *h;
    size_t bad = 0, tried = 0;
    for (size_t n = 0; n <= len + 1; n++) {
        if (n == len)
            continue;
        memcpy(b, good, len);
        b[len] = 0;
        arm(&h, sizeof h);
        int32_t st = sw_partial_from_bytes(b, n, &h);
        bad += st == SW_ERROR_BAD_PARTIAL;
        tried++;
        EXPECT_SUB("truncated or extended bytes", st, SW_ERROR_BAD_PARTIAL, "saved partial", NULL);
    }
    for (size_t i = 0; i < len; i++) {
        for (unsigned x = 1; x < 256; x += (g_quick ? 127 : 1)) {
            memcpy(b, good, len);
            b[i] ^= (uint8_t)x;
            h = NULL;
            int32_t st = sw_partial_from_bytes(b, len, &h);
            bad += st == SW_ERROR_BAD_PARTIAL && h == NULL;
            tried++;
        }
    }
    CHECK(bad == tried, "%zu of %zu damaged buffers were not refused with SW_ERROR_BAD_PARTIAL", tried - bad,
          tried);
    free(b);
}

void test_partial_errors(void)
{
    const double w[4] = {0.5, 0.25, 0.25, 1.0};
    const int32_t s[4] = {0, 1, 25, 1}, p[4] = {0, 0, 1, 1}, ok_s[4] = {0, 1, 1, 1};
    SwColumn cw = col(w, 4, SW_FLOAT64), cs = col(s, 4, SW_INT32), cp = col(p, 4, SW_INT32);
    SwColumn cok = col(ok_s, 4, SW_INT32);
    SwPartial *h, *a = NULL, *b = NULL;

    arm(&h, sizeof h);
    EXPECT_MSG("partial bad sector", sw_partial_from_rows(&cw, NULL, &cs, 18, &cp, 2, 0, &h),
               SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code 25 at row 2 (portfolio 1) is outside 0..18");
    arm(&h, sizeof h);
    EXPECT_MSG("partial flags", sw_partial_from_rows(&cw, NULL, &cok, 18, &cp, 2, 1, &h),
               SW_ERROR_INVALID_ARGUMENT, "flags = 0x1 but this function defines no flags: pass 0");
    arm(&h, sizeof h);
    EXPECT_MSG("partial NULL portfolios", sw_partial_from_rows(&cw, NULL, &cok, 18, NULL, 2, 0, &h),
               SW_ERROR_NULL_POINTER, "portfolios is NULL but a column must be given");
    EXPECT_MSG("partial NULL out", sw_partial_from_rows(&cw, NULL, &cok, 18, &cp, 2, 0, NULL),
               SW_ERROR_NULL_POINTER, "out is NULL but must hold 1 elements");
    EXPECT_OK("partial a", sw_partial_from_rows(&cw, NULL, &cok, 2, &cp, 2, 0, &a));
    EXPECT_OK("partial b", sw_partial_from_rows(&cw, NULL, &cok, 3, &cp, 2, 0, &b));

    arm(&h, sizeof h);
    EXPECT_MSG("merge shapes", sw_partial_merge(a, b, &h), SW_ERROR_LENGTH_MISMATCH,
               "cannot merge partial results of 2 portfolios x 2 sectors with 2 x 3");
    arm(&h, sizeof h);
    EXPECT_MSG("merge NULL", sw_partial_merge(a, NULL, &h), SW_ERROR_NULL_POINTER,
               "b is NULL but must point to a partial result (SwPartial)");

    size_t len = 0;
    uint8_t *good = saved(a, &len);
    uint8_t *small = NEW(uint8_t, len);
    size_t needed = 12345;
    arm(small, len - 1);
    watch(&needed, sizeof needed);
    EXPECT_SUB("to_bytes too small", sw_partial_to_bytes(a, small, len - 1, &needed), SW_ERROR_LENGTH_MISMATCH,
               "buf has", "query it with buf = NULL and len = 0");
    EXPECT_MSG("to_bytes NULL", sw_partial_to_bytes(NULL, NULL, 0, &needed), SW_ERROR_NULL_POINTER,
               "p is NULL but must point to a partial result (SwPartial)");

    double out[4];
    arm(out, sizeof out);
    EXPECT_MSG("result length", sw_partial_result(a, 0, out, 3), SW_ERROR_LENGTH_MISMATCH,
               "out has 3 elements but must have 4");
    arm(out, sizeof out);
    EXPECT_SUB("result flags", sw_partial_result(a, 2, out, 4), SW_ERROR_INVALID_ARGUMENT, "flags = 0x2", NULL);
    EXPECT_OK("result normalised", sw_partial_result(a, SW_NORMALIZE, out, 4));
    CHECK(out[0] == 2.0 / 3.0 && out[1] == 1.0 / 3.0 && out[2] == 0.0 && out[3] == 1.0,
          "normalised result %g %g %g %g", out[0], out[1], out[2], out[3]);
    {
        const double z[2] = {1.0, -1.0};
        const int32_t zs[2] = {0, 1}, zp[2] = {0, 0};
        SwColumn czw = col(z, 2, SW_FLOAT64), czs = col(zs, 2, SW_INT32), czp = col(zp, 2, SW_INT32);
        SwPartial *zero = NULL;
        EXPECT_OK("partial zero total", sw_partial_from_rows(&czw, NULL, &czs, 2, &czp, 1, 0, &zero));
        arm(out, 2 * sizeof(double));
        EXPECT_SUB("result zero total", sw_partial_result(zero, SW_NORMALIZE, out, 2), SW_ERROR_ZERO_TOTAL,
                   "exact total of 0", NULL);
        sw_partial_free(zero);
    }
    check_bad_bytes(good, len);
    arm(&h, sizeof h);
    EXPECT_MSG("foreign bytes", sw_partial_from_bytes((const uint8_t *)"PK\3\4 a zip file", 16, &h),
               SW_ERROR_BAD_PARTIAL, "not a saved partial result of sector-weights");
    free(good);
    free(small);
    sw_partial_free(a);
    sw_partial_free(b);
}
