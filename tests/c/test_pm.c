/*
 * test_pm.c - the portfolio-manager entry points from C: sw_compare_to_targets and
 * sw_evaluate_orders against a naive C reference, every error with its status, located message
 * and untouched outputs, and bit-identical results for every thread count.
 * Prints "N passed, M failed"; exits 1 on any failure.
 */
#include "sector_weights.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                                              \
    do {                                                                                                              \
        if (cond) {                                                                                                   \
            passed++;                                                                                                 \
        } else {                                                                                                      \
            failed++;                                                                                                 \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                                      \
            fprintf(stderr, __VA_ARGS__);                                                                             \
            fprintf(stderr, "\n");                                                                                    \
        }                                                                                                             \
    } while (0)

static const char *detail(void)
{
    static char buf[512];
    sw_last_error_message(buf, sizeof buf);
    return buf;
}

static uint64_t rng_state = 0x1234567;
static uint64_t next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A book: P portfolios with holdings and order lists. */
typedef struct {
    size_t p, s, nh, no;
    double *hv, *ov;
    int32_t *hc, *oc;
    int64_t *ho, *oo;
} Book;

static Book make_book(size_t p, size_t s, size_t max_holdings, size_t max_orders)
{
    Book b = {p, s, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL};
    b.ho = malloc((p + 1) * sizeof(int64_t));
    b.oo = malloc((p + 1) * sizeof(int64_t));
    size_t *nh = malloc(p * sizeof(size_t)), *no = malloc(p * sizeof(size_t));
    for (size_t q = 0; q < p; q++) {
        nh[q] = 1 + next() % max_holdings;
        no[q] = 1 + next() % max_orders;
        b.nh += nh[q];
        b.no += no[q];
    }
    b.hv = malloc(b.nh * sizeof(double));
    b.hc = malloc(b.nh * sizeof(int32_t));
    b.ov = malloc(b.no * sizeof(double));
    b.oc = malloc(b.no * sizeof(int32_t));
    size_t h = 0, o = 0;
    for (size_t q = 0; q < p; q++) {
        b.ho[q] = (int64_t)h;
        b.oo[q] = (int64_t)o;
        for (size_t i = 0; i < nh[q]; i++, h++) {
            b.hv[h] = 1.0 + (double)(next() % 1000); /* integral values: every order sums exactly */
            b.hc[h] = (int32_t)(next() % s);
        }
        for (size_t i = 0; i < no[q]; i++, o++) {
            b.ov[o] = (double)((int64_t)(next() % 2001) - 1000);
            b.oc[o] = (int32_t)(next() % s);
        }
        if (b.ov[o - 1] == 0.0)
            b.ov[o - 1] = 5.0; /* never an all-zero list */
    }
    b.ho[p] = (int64_t)h;
    b.oo[p] = (int64_t)o;
    free(nh);
    free(no);
    return b;
}

static void free_book(Book *b)
{
    free(b->hv);
    free(b->ov);
    free(b->hc);
    free(b->oc);
    free(b->ho);
    free(b->oo);
}

typedef struct {
    double *before, *orders, *after, *active;
    uint8_t *breaches;
    size_t cells;
} Out;

static Out make_out(size_t cells)
{
    Out o = {malloc(cells * sizeof(double) + 1), malloc(cells * sizeof(double) + 1), malloc(cells * sizeof(double) + 1),
             malloc(cells * sizeof(double) + 1), malloc(cells + 1), cells};
    return o;
}

static void fill(Out *o)
{
    memset(o->before, 0xAB, o->cells * sizeof(double));
    memset(o->orders, 0xAB, o->cells * sizeof(double));
    memset(o->after, 0xAB, o->cells * sizeof(double));
    memset(o->active, 0xAB, o->cells * sizeof(double));
    memset(o->breaches, 0xAB, o->cells);
}

static int untouched(const Out *o)
{
    const unsigned char *bufs[] = {(const unsigned char *)o->before, (const unsigned char *)o->orders,
                                   (const unsigned char *)o->after, (const unsigned char *)o->active};
    for (int j = 0; j < 4; j++)
        for (size_t i = 0; i < o->cells * sizeof(double); i++)
            if (bufs[j][i] != 0xAB)
                return 0;
    for (size_t i = 0; i < o->cells; i++)
        if (o->breaches[i] != 0xAB)
            return 0;
    return 1;
}

static void free_out(Out *o)
{
    free(o->before);
    free(o->orders);
    free(o->after);
    free(o->active);
    free(o->breaches);
}

static int32_t evaluate(const Book *b, const double *t, size_t tn, const double *tol, size_t toln, Out *o)
{
    size_t with = tn ? o->cells : 0;
    return sw_evaluate_orders(b->hv, b->nh, b->hc, b->nh, b->ho, b->p + 1, b->ov, b->no, b->oc, b->no, b->oo,
                              b->p + 1, b->s, t, tn, tol, toln, o->before, o->cells, o->orders, o->cells, o->after,
                              o->cells, o->active, with, o->breaches, with);
}

static void test_against_reference(size_t p, size_t s, size_t max_holdings, size_t max_orders)
{
    Book b = make_book(p, s, max_holdings, max_orders);
    Out o = make_out(p * s);
    double target = 1.0 / (double)s, tolerance = 0.02;
    int32_t st = evaluate(&b, &target, 1, &tolerance, 1, &o);
    CHECK(st == SW_OK, "evaluate %zux%zu: status %d (%s)", p, s, st, detail());
    double *held = calloc(s, sizeof(double)), *ord = calloc(s, sizeof(double));
    double worst = 0.0;
    int breach_mismatch = 0;
    for (size_t q = 0; q < p && st == SW_OK; q++) {
        memset(held, 0, s * sizeof(double));
        memset(ord, 0, s * sizeof(double));
        double total = 0.0, gross = 0.0, net = 0.0;
        for (int64_t i = b.ho[q]; i < b.ho[q + 1]; i++) {
            held[b.hc[i]] += b.hv[i];
            total += b.hv[i];
        }
        for (int64_t i = b.oo[q]; i < b.oo[q + 1]; i++) {
            ord[b.oc[i]] += b.ov[i];
            gross += fabs(b.ov[i]);
            net += b.ov[i];
        }
        for (size_t k = 0; k < s; k++) {
            size_t i = q * s + k;
            /* Integral inputs: sums are exact in any order, so the quotients are identical. */
            double want_after = (held[k] + ord[k]) / (total + net);
            double d = fabs(o.before[i] - held[k] / total) + fabs(o.orders[i] - ord[k] / gross) +
                       fabs(o.after[i] - want_after);
            if (d > worst)
                worst = d;
            if (o.active[i] != o.after[i] - target || o.breaches[i] != (fabs(o.active[i]) > tolerance))
                breach_mismatch++;
        }
    }
    CHECK(worst == 0.0, "evaluate %zux%zu: max difference from the naive reference %g", p, s, worst);
    CHECK(breach_mismatch == 0, "evaluate %zux%zu: %d active/breach cells wrong", p, s, breach_mismatch);

    /* Bit-identical for every thread count. */
    Out o2 = make_out(p * s);
    size_t threads[] = {1, 2, 3, 0};
    for (int j = 0; j < 4; j++) {
        sw_set_num_threads(threads[j]);
        st = evaluate(&b, &target, 1, &tolerance, 1, &o2);
        CHECK(st == SW_OK && memcmp(o.after, o2.after, p * s * sizeof(double)) == 0 &&
                  memcmp(o.before, o2.before, p * s * sizeof(double)) == 0,
              "evaluate %zux%zu with %zu threads differs", p, s, threads[j]);
    }
    sw_set_num_threads(0);
    free(held);
    free(ord);
    free_out(&o);
    free_out(&o2);
    free_book(&b);
}

/* Applies one edit to a fresh small book, expects `status` with `text` and untouched outputs. */
static void expect_error(const char *what, void (*edit)(Book *), int32_t status, const char *text)
{
    Book b = make_book(3, 5, 20, 6);
    edit(&b);
    Out o = make_out(3 * 5);
    fill(&o);
    double target = 0.2, tolerance = 0.01;
    int32_t st = evaluate(&b, &target, 1, &tolerance, 1, &o);
    CHECK(st == status, "%s: status %d, want %d (%s)", what, st, status, detail());
    CHECK(strstr(detail(), text) != NULL, "%s: message \"%s\" lacks \"%s\"", what, detail(), text);
    CHECK(untouched(&o), "%s: outputs changed on error", what);
    free_out(&o);
    free_book(&b);
}

static void bad_order_code(Book *b) { b->oc[b->oo[1] + 0] = 5; }
static void bad_holding_code(Book *b) { b->hc[b->ho[2] + 0] = -1; }
static void nan_order(Book *b) { b->ov[b->oo[2]] = NAN; }
static void inf_holding(Book *b) { b->hv[0] = INFINITY; }
static void empty_order_list(Book *b)
{
    /* Give list 1's orders to list 2: list 1 becomes empty. */
    b->oo[2] = b->oo[1];
}
static void zero_orders(Book *b)
{
    for (int64_t i = b->oo[0]; i < b->oo[1]; i++)
        b->ov[i] = 0.0;
}
static void empty_portfolio(Book *b) { b->ho[1] = 0; }
static void pro_forma_zero(Book *b)
{
    /* Sell exactly the whole of portfolio 0: orders = -total, in one sector. */
    double total = 0.0;
    for (int64_t i = b->ho[0]; i < b->ho[1]; i++)
        total += b->hv[i];
    for (int64_t i = b->oo[0]; i < b->oo[1]; i++)
        b->ov[i] = 0.0;
    b->ov[b->oo[0]] = -total;
}
static void bad_offsets(Book *b) { b->oo[0] = 1; }
static void decreasing_offsets(Book *b) { b->ho[2] = b->ho[1] - 1; }

static void test_errors(void)
{
    expect_error("order code", bad_order_code, SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code 5 at order 0 of order list 1");
    expect_error("holding code", bad_holding_code, SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code -1 at bond 0 of portfolio 2");
    expect_error("NaN order", nan_order, SW_ERROR_NON_FINITE, "weight NaN at order 0 of order list 2");
    expect_error("inf holding", inf_holding, SW_ERROR_NON_FINITE, "weight inf at bond 0 of portfolio 0");
    expect_error("empty order list", empty_order_list, SW_ERROR_ZERO_TOTAL, "order list 1 (0 orders) is empty or all zero");
    expect_error("all-zero order list", zero_orders, SW_ERROR_ZERO_TOTAL, "order list 0");
    expect_error("empty portfolio", empty_portfolio, SW_ERROR_ZERO_TOTAL, "portfolio 0 (0 holdings) has a total of 0");
    expect_error("pro-forma zero", pro_forma_zero, SW_ERROR_ZERO_TOTAL, "so the allocation after the orders is undefined");
    expect_error("order offsets", bad_offsets, SW_ERROR_BAD_OFFSETS, "order_offsets[0] is 1 but must be 0");
    expect_error("holding offsets", decreasing_offsets, SW_ERROR_BAD_OFFSETS, "portfolio_offsets[2]");
}

static void test_sells_larger_than_holdings(void)
{
    /* Hold 100 of sector 0 and 50 of sector 1; sell 80 of sector 1 (more than held), buy 30 of 0. */
    double hv[] = {100.0, 50.0}, ov[] = {-80.0, 30.0};
    int32_t hc[] = {0, 1}, oc[] = {1, 0};
    int64_t ho[] = {0, 2}, oo[] = {0, 2};
    double before[2], orders[2], after[2];
    int32_t st = sw_evaluate_orders(hv, 2, hc, 2, ho, 2, ov, 2, oc, 2, oo, 2, 2, NULL, 0, NULL, 0, before, 2, orders,
                                    2, after, 2, NULL, 0, NULL, 0);
    CHECK(st == SW_OK, "sells larger than holdings: status %d (%s)", st, detail());
    CHECK(before[0] == 100.0 / 150.0 && before[1] == 50.0 / 150.0, "before %g %g", before[0], before[1]);
    CHECK(orders[0] == 30.0 / 110.0 && orders[1] == -80.0 / 110.0, "orders %g %g", orders[0], orders[1]);
    CHECK(after[0] == 130.0 / 100.0 && after[1] == -30.0 / 100.0, "after %g %g (a short position)", after[0], after[1]);
}

static void test_compare_to_targets(void)
{
    double actual[] = {0.5, 0.3, 0.2, 0.1, 0.1, 0.8};
    double active[6];
    uint8_t br[6];
    double t1 = 0.3, tol1 = 0.15;
    int32_t st = sw_compare_to_targets(actual, 6, &t1, 1, &tol1, 1, 3, active, 6, br, 6);
    CHECK(st == SW_OK, "compare scalar: %d (%s)", st, detail());
    uint8_t want1[] = {1, 0, 0, 1, 1, 1};
    CHECK(memcmp(br, want1, 6) == 0, "compare scalar breaches");
    CHECK(active[5] == 0.8 - 0.3, "compare scalar active");
    double ts[] = {0.5, 0.3, 0.2}, tols[] = {0.0, 0.0, 0.5};
    st = sw_compare_to_targets(actual, 6, ts, 3, tols, 3, 3, active, 6, br, 6);
    uint8_t want2[] = {0, 0, 0, 1, 1, 1};
    CHECK(st == SW_OK && memcmp(br, want2, 6) == 0, "compare per sector");
    st = sw_compare_to_targets(actual, 6, actual, 6, tols, 3, 3, active, 6, br, 6);
    CHECK(st == SW_OK && active[0] == 0.0 && active[5] == 0.0, "compare per cell");

    /* Errors leave both outputs alone. */
    struct {
        const double *t;
        size_t tn;
        const double *tol;
        size_t toln;
        size_t s;
        int32_t status;
        const char *text;
    } bad[] = {
        {ts, 2, tols, 3, 3, SW_ERROR_LENGTH_MISMATCH, "targets has 2 elements but must have 1, 3"},
        {ts, 3, (const double[]){-0.5}, 1, 3, SW_ERROR_INVALID_ARGUMENT, "tolerance[0] = -0.5 is negative"},
        {(const double[]){NAN}, 1, tols, 3, 3, SW_ERROR_NON_FINITE, "targets[0] = NaN is not finite"},
        {ts, 3, tols, 3, 4, SW_ERROR_LENGTH_MISMATCH, "actual has 6 elements, not a multiple of num_sectors = 4"},
        {ts, 3, tols, 3, 0, SW_ERROR_INVALID_ARGUMENT, "num_sectors must be at least 1"},
        {NULL, 3, tols, 3, 3, SW_ERROR_NULL_POINTER, "targets is NULL but must hold 3 elements"},
    };
    for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
        memset(active, 0xAB, sizeof active);
        memset(br, 0xAB, sizeof br);
        st = sw_compare_to_targets(actual, 6, bad[j].t, bad[j].tn, bad[j].tol, bad[j].toln, bad[j].s, active, 6, br, 6);
        int same = 1;
        for (size_t i = 0; i < sizeof active; i++)
            same &= ((unsigned char *)active)[i] == 0xAB;
        for (size_t i = 0; i < sizeof br; i++)
            same &= br[i] == 0xAB;
        CHECK(st == bad[j].status, "compare case %zu: status %d want %d (%s)", j, st, bad[j].status, detail());
        CHECK(strstr(detail(), bad[j].text) != NULL, "compare case %zu: \"%s\" lacks \"%s\"", j, detail(), bad[j].text);
        CHECK(same, "compare case %zu: output changed", j);
    }
    /* active overlapping actual. */
    double buf[12];
    memcpy(buf, actual, sizeof actual);
    st = sw_compare_to_targets(buf, 6, &t1, 1, &tol1, 1, 3, buf + 3, 6, br, 6);
    CHECK(st == SW_ERROR_OVERLAP && memcmp(buf, actual, sizeof actual) == 0, "compare overlap: %d", st);
}

int main(void)
{
    test_against_reference(1, 18, 100, 10);
    test_against_reference(20, 18, 5000, 500);
    test_against_reference(3, 1000, 60000, 200); /* parallel, chunked portfolios */
    test_errors();
    test_sells_larger_than_holdings();
    test_compare_to_targets();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
