/* Isolated calls right after a neighbour library's OpenMP parallel region, with OpenMP's default
 * (spinning) wait policy: the neighbour's idle threads spin on both cores while the library is
 * called. Build A runs with a pool of THREADS_A (2 by default), build B with 1 thread; the two are
 * called alternately (the order swapped every round), one call per neighbour region, and the
 * medians compared. This is issue 15's "with a spinning OpenMP neighbour, no slower than the
 * single-thread call", for one case at a time and with more calls than compare.py's run N.
 *
 *   cargo build --release && cp target/release/libsector_weights.so /tmp/a.so && cp /tmp/a.so /tmp/b.so
 *   gcc -O2 -fopenmp benches/c/neighbour.c -o /tmp/neighbour -ldl
 *   /tmp/neighbour /tmp/a.so /tmp/b.so 20 50000 18 201    # P B S ROUNDS [THREADS_A]
 *
 * The two paths must be different files (dlopen loads one copy per path). Leave OMP_WAIT_POLICY
 * unset: the point is the spinning default.
 */
#include <dlfcn.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

/* One parallel region of a neighbour library: after it, its threads spin for a while. */
static void neighbour(void) {
    volatile long sink = 0;
    long s = 0;
#pragma omp parallel reduction(+ : s)
    s += omp_get_thread_num();
    sink = s;
    (void)sink;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: %s LIB_A LIB_B P B S ROUNDS [THREADS_A]\n", argv[0]);
        return 2;
    }
    size_t P = atol(argv[3]), B = atol(argv[4]), S = atol(argv[5]), n = P * B;
    int rounds = atoi(argv[6]);
    size_t threads_a = argc > 7 ? (size_t)atol(argv[7]) : 2;
    sw_fn f[2] = {load_build(argv[1], threads_a), load_build(argv[2], 1)};
    if (!f[0] || !f[1] || rounds < 1) return 1;
    double *w = malloc(n * 8 + 8), *out = malloc(P * S * 8 + 8);
    int32_t *c = malloc(n * 4 + 4);
    double *t[2] = {malloc(rounds * 8 + 8), malloc(rounds * 8 + 8)};
    if (!w || !out || !c || !t[0] || !t[1]) return 1;
    fill_data(w, c, n, S);
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 2; k++) {
            int which = (r + k) % 2;
            neighbour();
            double t0 = now();
            if (f[which](w, P, c, B, out, S) != 0) return 1;
            t[which][r] = now() - t0;
        }
    for (int k = 0; k < 2; k++) qsort(t[k], rounds, 8, by_value);
    printf("%zux%zux%zu after a spinning OpenMP region, %d calls each: %zu threads %.1f us, 1 thread "
           "%.1f us (median), ratio %.3f\n",
           P, B, S, rounds, threads_a, t[0][rounds / 2] * 1e6, t[1][rounds / 2] * 1e6,
           t[0][rounds / 2] / t[1][rounds / 2]);
    return 0;
}
