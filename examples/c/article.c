/*
 * article.c - the blog post's scenario, in C, on the safe drop-in.
 *
 * 20 ETF portfolios x 50,000 bonds, 18 sectors (the article's Sector enum), random market-value
 * weights normalised per portfolio (fixed seed), target weight 1/18. One call to the article's
 * entry point, calculate_sector_weights, now with a status to check; then one log line per
 * sector in the article's format, and a timing of the call next to a plain single-thread C loop
 * that checks nothing (best of several runs), on 20 x 50,000 and on 1 x 100 bonds. Then the
 * portfolio manager's question: an order list of 500 orders per portfolio evaluated in one call
 * (sw_evaluate_orders) against the 1/18 target with a tolerance band.
 *
 * Build:  cc -O2 -Iinclude examples/c/article.c -Ltarget/release -Wl,-rpath,$PWD/target/release \
 *            -lsector_weights -lpthread -lm -o build/c/article
 * Run:    build/c/article [--print N] [--runs R]
 *           --print N  log lines for the first N portfolios only (default: all 20)
 *           --runs R   timing: best of R runs (default 20; 0 skips the timing)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "sector_weights.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The article's Sector enum, in its order. */
static const char *const SECTORS[] = {
    "BANKING",           "BASIC_INDUSTRY",     "BROKERAGE_ASSET_MANAGERS", "CAPITAL_GOODS",
    "COMMUNICATIONS",    "CONSUMER_CYCLICAL",  "CONSUMER_NON_CYCLICAL",    "ELECTRIC",
    "ENERGY",            "FINANCE_COMPANIES",  "FOREIGN_AGENCIES",         "INSURANCE",
    "NATURAL_GAS",       "OTHER_INDUSTRY",     "OTHER_UTILITY",            "REIT",
    "TECHNOLOGY",        "TRANSPORTATION",
};
enum { NUM_SECTORS = sizeof SECTORS / sizeof SECTORS[0], NUM_PORTFOLIOS = 20, NUM_BONDS = 50000 };

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The article's mock portfolio: uniform weights normalised to 1, uniform sector codes. */
static void prepare_mock_portfolios(double *w, int32_t *c, size_t pf, size_t bonds, uint64_t seed)
{
    for (size_t p = 0; p < pf; p++) {
        double total = 0.0;
        for (size_t i = 0; i < bonds; i++) {
            w[p * bonds + i] = (double)(splitmix(&seed) >> 11) / 9007199254740992.0;
            c[p * bonds + i] = (int32_t)(splitmix(&seed) % NUM_SECTORS);
            total += w[p * bonds + i];
        }
        for (size_t i = 0; i < bonds; i++)
            w[p * bonds + i] /= total;
    }
}

/* The baseline: the article's inner loop in plain C, one thread, no checks at all. */
__attribute__((noinline)) static void plain_loop(const double *w, size_t pf, const int32_t *c, size_t bonds,
                                                 double *out, size_t sectors)
{
    for (size_t p = 0; p < pf; p++) {
        double *row = out + p * sectors;
        for (size_t k = 0; k < sectors; k++)
            row[k] = 0.0;
        for (size_t i = 0; i < bonds; i++)
            row[c[p * bonds + i]] += w[p * bonds + i];
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best of `runs` timings of `calls` calls each; returns seconds per call. mode 0 = library. */
static double best_per_call(int mode, const double *w, size_t pf, const int32_t *c, size_t bonds, double *out,
                            int runs, long calls)
{
    double best = INFINITY;
    for (int r = 0; r < runs; r++) {
        double t0 = now_seconds();
        for (long i = 0; i < calls; i++) {
            if (mode == 0) {
                if (calculate_sector_weights(w, pf, c, bonds, out, NUM_SECTORS) != SW_OK) {
                    fprintf(stderr, "calculate_sector_weights failed while timing\n");
                    exit(1);
                }
            } else {
                plain_loop(w, pf, c, bonds, out, NUM_SECTORS);
            }
            __asm__ volatile("" ::: "memory"); /* every call's output counts */
        }
        double t = (now_seconds() - t0) / (double)calls;
        if (t < best)
            best = t;
    }
    return best;
}

static void print_time(const char *what, double seconds)
{
    if (seconds >= 1e-3)
        printf("    %-52s %9.3f ms\n", what, seconds * 1e3);
    else if (seconds >= 1e-6)
        printf("    %-52s %9.1f us\n", what, seconds * 1e6);
    else
        printf("    %-52s %9.1f ns\n", what, seconds * 1e9);
}

int main(int argc, char **argv)
{
    int print_n = NUM_PORTFOLIOS, runs = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--print") == 0 && i + 1 < argc) {
            print_n = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--print N] [--runs R]\n", argv[0]);
            return 2;
        }
    }
    const size_t pf = NUM_PORTFOLIOS, bonds = NUM_BONDS, n = pf * bonds;
    double *w = (double *)malloc(n * sizeof(double));
    int32_t *c = (int32_t *)malloc(n * sizeof(int32_t));
    double *out = (double *)malloc(pf * NUM_SECTORS * sizeof(double));
    double *plain = (double *)malloc(pf * NUM_SECTORS * sizeof(double));
    if (!w || !c || !out || !plain) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    prepare_mock_portfolios(w, c, pf, bonds, 42);
    const double target_weight = 1.0 / NUM_SECTORS;

    printf("sector-weights %s: %zu portfolios x %zu bonds, %d sectors, target weight 1/%d\n", sw_version(), pf, bonds,
           NUM_SECTORS, NUM_SECTORS);

    /* The one call. Unlike the article's void routine, it says whether it worked. */
    int32_t status = calculate_sector_weights(w, pf, c, bonds, out, NUM_SECTORS);
    if (status != SW_OK) {
        char detail[256];
        sw_last_error_message(detail, sizeof detail);
        fprintf(stderr, "calculate_sector_weights failed: %s (%s)\n", sw_status_message(status), detail);
        return 1;
    }

    /* The article's log line; its C++ path logged every portfolio as worker 0, and so do we. */
    for (int p = 0; p < print_n && p < (int)pf; p++) {
        printf("-- portfolio %d --\n", p);
        for (int k = 0; k < NUM_SECTORS; k++) {
            double mv_pct = out[p * NUM_SECTORS + k];
            printf("worker: 0 %s: %.3f, target_weight: %.3f, diff_from_tol: %.3f\n", SECTORS[k], mv_pct,
                   target_weight, mv_pct - target_weight);
        }
    }
    if (print_n < (int)pf)
        printf("(log lines for portfolios %d..%zu not printed; --print %zu shows all)\n", print_n < 0 ? 0 : print_n,
               pf - 1, pf);

    /* Cross-check against the plain loop, and each portfolio's weights add up to 1. */
    plain_loop(w, pf, c, bonds, plain, NUM_SECTORS);
    double max_diff = 0.0, max_row_err = 0.0;
    for (size_t p = 0; p < pf; p++) {
        double row = 0.0;
        for (int k = 0; k < NUM_SECTORS; k++) {
            double d = fabs(out[p * NUM_SECTORS + k] - plain[p * NUM_SECTORS + k]);
            if (d > max_diff)
                max_diff = d;
            row += out[p * NUM_SECTORS + k];
        }
        if (fabs(row - 1.0) > max_row_err)
            max_row_err = fabs(row - 1.0);
    }
    /* Both sum the same 50,000 terms of [0,1] per portfolio in different orders. */
    const double bound = 2.0 * (double)bonds * DBL_EPSILON;
    printf("check: max |library - plain loop| = %.3g (bound %.3g), max |row sum - 1| = %.3g\n", max_diff, bound,
           max_row_err);
    if (!(max_diff <= bound) || !(max_row_err <= 1e-9)) {
        fprintf(stderr, "check failed\n");
        return 1;
    }

    /* The portfolio manager's real question: an order list per portfolio (500 orders, buys and
     * sells), evaluated in one call: allocation before, the orders' own mix, pro-forma after, and
     * the after allocation against the 1/18 target with a 0.5% tolerance band. Holdings are the
     * same weights, treated as market values (scaled to 100 million per portfolio). */
    {
        enum { ORDERS = 500 };
        const size_t no = pf * ORDERS;
        double *mv = (double *)malloc(n * sizeof(double));
        double *ov = (double *)malloc(no * sizeof(double));
        int32_t *oc = (int32_t *)malloc(no * sizeof(int32_t));
        int64_t *hold_off = (int64_t *)malloc((pf + 1) * sizeof(int64_t));
        int64_t *order_off = (int64_t *)malloc((pf + 1) * sizeof(int64_t));
        double *res = (double *)malloc(4 * pf * NUM_SECTORS * sizeof(double));
        uint8_t *breaches = (uint8_t *)malloc(pf * NUM_SECTORS);
        if (!mv || !ov || !oc || !hold_off || !order_off || !res || !breaches) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        uint64_t seed = 7;
        for (size_t i = 0; i < n; i++)
            mv[i] = w[i] * 1e8;
        for (size_t i = 0; i < no; i++) {
            /* Orders of up to 50,000 (a few bp of the portfolio), about 60% buys, skewed to TECHNOLOGY. */
            double size = 1000.0 + (double)(splitmix(&seed) % 49000);
            ov[i] = (splitmix(&seed) % 10 < 6) ? size : -size;
            oc[i] = (splitmix(&seed) % 4 == 0) ? 16 : (int32_t)(splitmix(&seed) % NUM_SECTORS);
        }
        for (size_t p = 0; p <= pf; p++) {
            hold_off[p] = (int64_t)(p * bonds);
            order_off[p] = (int64_t)(p * ORDERS);
        }
        const double tolerance = 0.005;
        double *before = res, *orders = res + pf * NUM_SECTORS, *after = res + 2 * pf * NUM_SECTORS,
               *active = res + 3 * pf * NUM_SECTORS;
        const size_t cells = pf * NUM_SECTORS;
        int32_t st = sw_evaluate_orders(mv, n, c, n, hold_off, pf + 1, ov, no, oc, no, order_off, pf + 1,
                                        NUM_SECTORS, &target_weight, 1, &tolerance, 1, before, cells, orders, cells,
                                        after, cells, active, cells, breaches, cells);
        if (st != SW_OK) {
            char detail[256];
            sw_last_error_message(detail, sizeof detail);
            fprintf(stderr, "sw_evaluate_orders failed: %s (%s)\n", sw_status_message(st), detail);
            return 1;
        }
        printf("order list of portfolio 0 (%d orders), target %.4f, tolerance %.4f:\n", ORDERS, target_weight,
               tolerance);
        printf("  %-26s %8s %8s %8s %8s %8s\n", "sector", "before", "orders", "after", "target", "active");
        int total_breaches = 0;
        for (size_t i = 0; i < cells; i++)
            total_breaches += breaches[i];
        for (int k = 0; k < NUM_SECTORS; k++)
            printf("  %-26s %8.4f %8.4f %8.4f %8.4f %+8.4f%s\n", SECTORS[k], before[k], orders[k], after[k],
                   target_weight, active[k], breaches[k] ? "  BREACH" : "");
        printf("breaches after the orders: %d of %zu sector allocations across %zu portfolios\n", total_breaches,
               cells, pf);
        free(mv);
        free(ov);
        free(oc);
        free(hold_off);
        free(order_off);
        free(res);
        free(breaches);
    }

    if (runs > 0) {
        size_t default_threads = sw_get_num_threads();
        char label[96];
        printf("timing, best of %d runs (clock_gettime CLOCK_MONOTONIC):\n", runs);
        printf("  %zu x %zu bonds, %d sectors:\n", pf, bonds, NUM_SECTORS);
        snprintf(label, sizeof label, "calculate_sector_weights, default pool (%zu threads)", default_threads);
        print_time(label, best_per_call(0, w, pf, c, bonds, out, runs, 1));
        sw_set_num_threads(1);
        print_time("calculate_sector_weights, 1 thread", best_per_call(0, w, pf, c, bonds, out, runs, 1));
        sw_set_num_threads(0);
        print_time("plain C loop, 1 thread, no checks", best_per_call(1, w, pf, c, bonds, plain, runs, 1));

        const long calls = 100000;
        printf("  1 x 100 bonds, %d sectors (per call, %ld calls per run):\n", NUM_SECTORS, calls);
        print_time("calculate_sector_weights", best_per_call(0, w, 1, c, 100, out, runs, calls));
        print_time("plain C loop, no checks", best_per_call(1, w, 1, c, 100, plain, runs, calls));
    }
    free(w);
    free(c);
    free(out);
    free(plain);
    return 0;
}
