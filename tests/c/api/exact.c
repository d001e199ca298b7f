/*
 * exact.c - exact mode (SW_EXACT): sums that are the correctly rounded exact sums (what Python's
 * math.fsum returns), whatever the order of the bonds or the thread count, combinable with
 * SW_NORMALIZE, with the default mode's errors and an untouched output on error.
 */
#include "helpers.h"

static int32_t ragged(const double *w, const int32_t *c, size_t n, size_t s, uint32_t flags, double *out)
{
    int64_t off[2] = {0, (int64_t)n};
    return sw_sector_weights_ragged(w, n, c, n, off, 2, s, flags, out, s);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

void test_exact(void)
{
    /* The classic cases: exact sums the default mode cannot give. */
    {
        const double w[] = {1e300, 1e-300, -1e300, 1e16, 1.0, -1e16, 0.1, 0.2, 0.3};
        const int32_t c[] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
        double out[3];
        EXPECT_OK("exact classic", ragged(w, c, 9, 3, SW_EXACT, out));
        CHECK(same_bits(out[0], 1e-300), "1e300 + 1e-300 - 1e300 = 1e-300, got %g", out[0]);
        CHECK(same_bits(out[1], 1.0), "1e16 + 1 - 1e16 = 1, got %g", out[1]);
        CHECK(same_bits(out[2], 0.6), "0.1 + 0.2 + 0.3 = 0.6 exactly rounded, got %.17g", out[2]);
    }
    /* Any order and any thread count: the same bits. */
    {
        enum { N = 200000, S = 18 };
        double *w = NEW(double, N), *r = NEW(double, N), a[S], b[S];
        int32_t *c = NEW(int32_t, N), *rc = NEW(int32_t, N);
        uint64_t x = 42;
        for (size_t i = 0; i < N; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            double m = (double)(x >> 11) / 9007199254740992.0 - 0.5;
            w[i] = ldexp(m, (int)((x >> 3) % 200) - 100);
            c[i] = (int32_t)((x >> 40) % S);
        }
        for (size_t i = 0; i < N; i++) {
            r[i] = w[N - 1 - i];
            rc[i] = c[N - 1 - i];
        }
        EXPECT_OK("exact forward", ragged(w, c, N, S, SW_EXACT | SW_NORMALIZE, a));
        const size_t threads[] = {1, 2, 3, 8};
        for (size_t t = 0; t < 4; t++) {
            EXPECT_OK("exact threads", sw_set_num_threads(threads[t]));
            EXPECT_OK("exact reversed", ragged(r, rc, N, S, SW_EXACT | SW_NORMALIZE, b));
            int same = 1;
            for (size_t k = 0; k < S; k++)
                same &= same_bits(a[k], b[k]);
            CHECK(same, "reversed rows on %zu threads give the same bits", threads[t]);
        }
        EXPECT_OK("exact threads default", sw_set_num_threads(0));
        free(w), free(r), free(c), free(rc);
    }
    /* Errors: the default mode's, with the output untouched. */
    {
        const double w[] = {1e308, 1e308};
        const int32_t c[] = {0, 0};
        double out[2];
        arm(out, sizeof out);
        EXPECT_MSG("exact overflow", ragged(w, c, 2, 2, SW_EXACT, out), SW_ERROR_NON_FINITE,
                   "the sum of sector 0 of portfolio 0 overflows (inf): every weight is finite, but together they "
                   "exceed the double range");
        const double z[] = {1e16, 1.0, -1e16, -1.0};
        const int32_t zc[] = {0, 1, 0, 1};
        arm(out, sizeof out);
        EXPECT_MSG("exact zero total", ragged(z, zc, 4, 2, SW_EXACT | SW_NORMALIZE, out), SW_ERROR_ZERO_TOTAL,
                   "portfolio 0 (4 bonds) has a total of 0 and cannot be normalised");
        arm(out, sizeof out);
        EXPECT_MSG("exact unknown flag", ragged(z, zc, 4, 2, SW_EXACT | 8, out), SW_ERROR_INVALID_ARGUMENT,
                   "flags = 0xa has bits other than SW_NORMALIZE (1) and SW_EXACT (2)");
    }
    /* Grouped rows in any order (sw_grouped_sums). */
    {
        const double w[] = {0.1, 1.0, 0.2, 0.3};
        const int32_t s[] = {0, 1, 0, 0}, p[] = {0, 0, 0, 0};
        SwColumn wc = {w, 4, SW_FLOAT64}, sc = {s, 4, SW_INT32}, pc = {p, 4, SW_INT32};
        double out[2];
        EXPECT_OK("exact grouped", sw_grouped_sums(&wc, NULL, &sc, 2, &pc, 1, SW_EXACT, out, 2));
        CHECK(same_bits(out[0], 0.6) && same_bits(out[1], 1.0), "grouped exact sums, got %.17g %.17g", out[0], out[1]);
    }
}
