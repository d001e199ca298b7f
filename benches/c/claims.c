/* Two threads summing 20 portfolios of 50,000 bonds into neighbouring rows of S doubles (the
 * plain C loop per row), the rows claimed one at a time either alternately from one counter or
 * the calling thread from the front and the other from the back (exec.rs `share`), the rows
 * starting OFF bytes past a 64-byte boundary. Rows that are not a whole number of cache lines
 * share a line with the next row; claimed alternately, the two threads take such lines from each
 * other. Prints the best, first quartile and median time of REPS runs (the best is the run that
 * had both cores on a shared machine).
 *
 *   gcc -O2 benches/c/claims.c -o /tmp/claims -lpthread
 *   /tmp/claims 1000 16 0 301    # S OFF MODE REPS; MODE 0: alternate, 1: two-ended
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { P = 20, B = 50000 };
static size_t S;
static int two_ended;
static double *rows, *w;
static int32_t *c;
static atomic_int front, back;

/* The next row for the caller (front) or the helper (back), or -1. */
static int claim(int from_back) {
    if (!two_ended) {
        int t = atomic_fetch_add(&front, 1);
        return t < P ? t : -1;
    }
    for (;;) {
        int f = atomic_load(&front), b = atomic_load(&back);
        if (f >= b) return -1;
        if (from_back ? atomic_compare_exchange_weak(&back, &b, b - 1)
                      : atomic_compare_exchange_weak(&front, &f, f + 1))
            return from_back ? b - 1 : f;
    }
}

static void work(int from_back) {
    for (int p; (p = claim(from_back)) >= 0;) {
        double *row = rows + p * S;
        memset(row, 0, S * 8);
        for (size_t i = (size_t)p * B; i < (size_t)(p + 1) * B; i++) row[c[i]] += w[i];
    }
}

static void *helper(void *unused) {
    (void)unused;
    work(1);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s S OFF MODE REPS\n", argv[0]);
        return 2;
    }
    S = atol(argv[1]);
    int off = atoi(argv[2]), reps = atoi(argv[4]);
    two_ended = atoi(argv[3]);
    char *raw = aligned_alloc(64, (P * S * 8 + 128 + 63) / 64 * 64);
    w = malloc((size_t)P * B * 8), c = malloc((size_t)P * B * 4);
    double *t = malloc(reps * 8 + 8);
    if (!raw || !w || !c || !t || reps < 1) return 1;
    rows = (double *)(raw + off);
    fill_data(w, c, (size_t)P * B, S);
    for (int r = 0; r < reps; r++) {
        atomic_store(&front, 0);
        atomic_store(&back, P);
        pthread_t h;
        double t0 = now();
        if (pthread_create(&h, 0, helper, 0) != 0) return 1;
        work(0);
        pthread_join(h, 0);
        t[r] = now() - t0;
    }
    qsort(t, reps, sizeof(double), by_value);
    printf("S=%zu, rows at +%d bytes, %s: best %.3f ms, first quartile %.3f, median %.3f\n", S, off,
           two_ended ? "two-ended" : "alternate", t[0] * 1e3, t[reps / 4] * 1e3, t[reps / 2] * 1e3);
    return 0;
}
