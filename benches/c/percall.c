/* Every call's time, back to back, for the library or for compare.py's OpenMP C sector sum, in
 * one process each: how often a call is slow on this machine, whoever makes it. Slow calls are
 * those above 1.4x the median; one call before the timed ones starts the threads. docs/performance.md ("Results: issue 15 suite") quotes it.
 *
 *   cargo build --release
 *   gcc -O3 -march=native -fopenmp -fno-strict-aliasing -shared -fPIC benches/c/contenders.c -o /tmp/contenders.so
 *   gcc -O2 benches/c/percall.c -o /tmp/percall -ldl
 *   OMP_WAIT_POLICY=PASSIVE /tmp/percall target/release/libsector_weights.so 1 20000000 18 60
 *   OMP_WAIT_POLICY=PASSIVE /tmp/percall /tmp/contenders.so 1 20000000 18 60     # omp_sector_sum
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s LIB P B S ROUNDS\n", argv[0]);
        return 2;
    }
    size_t P = atol(argv[2]), B = atol(argv[3]), S = atol(argv[4]), n = P * B;
    int rounds = atoi(argv[5]);
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) return fprintf(stderr, "%s\n", dlerror()), 1;
    /* The library's drop-in, else the OpenMP C contender of contenders.c. */
    sw_fn f = (sw_fn)dlsym(h, "calculate_sector_weights");
    const char *name = "library";
    if (!f) f = (sw_fn)dlsym(h, "omp_sector_sum"), name = "OpenMP C";
    double *w = malloc(n * 8 + 8), *out = malloc(P * S * 8 + 8), *t = malloc(rounds * 8 + 8),
           *sorted = malloc(rounds * 8 + 8);
    int32_t *c = malloc(n * 4 + 4);
    if (!f || !w || !out || !t || !sorted || !c || rounds < 1) return 1;
    fill_data(w, c, n, S);
    if (f(w, P, c, B, out, S) != 0) return 1;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        if (f(w, P, c, B, out, S) != 0) return 1;
        t[r] = now() - t0;
    }
    memcpy(sorted, t, rounds * 8);
    qsort(sorted, rounds, 8, by_value);
    double median = sorted[rounds / 2];
    int slow = 0;
    printf("%s %zux%zux%zu, ms per call:", name, P, B, S);
    for (int r = 0; r < rounds; r++) {
        printf(" %.1f", t[r] * 1e3);
        slow += t[r] > 1.4 * median;
    }
    printf("\nmedian %.2f ms; %d of %d calls above 1.4x the median\n", median * 1e3, slow, rounds);
    return 0;
}
