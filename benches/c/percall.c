/* Every call's time for one or more builds (the library's drop-in, or compare.py's OpenMP C sector
 * sum), called in turn in one process: how often a call is slow on this machine, and whose. Slow
 * calls are those above 1.4x that build's median; one call of each before the timed ones starts
 * the threads. With FLOOR=1 in the environment, each call follows an OpenMP region that reads the
 * weights (as in compare.py, where other contenders run between the library's samples).
 * docs/performance.md ("One call in twenty") quotes it.
 *
 *   cargo build --release
 *   gcc -O3 -march=native -fopenmp -fno-strict-aliasing -shared -fPIC benches/c/contenders.c -o /tmp/contenders.so
 *   gcc -O2 -fopenmp benches/c/percall.c -o /tmp/percall -ldl
 *   OMP_WAIT_POLICY=PASSIVE FLOOR=1 /tmp/percall 1 20000000 18 100 target/release/libsector_weights.so /tmp/contenders.so
 */
#include <dlfcn.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#define MAX_BUILDS 4

/* A neighbour's OpenMP region: every weight read once. */
static double floor_region(const double *w, size_t n) {
    double s = 0;
#pragma omp parallel for simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) s += w[i];
    return s;
}

/* The library's drop-in in `path`, else compare.py's OpenMP C contender (contenders.c). */
static sw_fn load(const char *path, const char **name) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return fprintf(stderr, "%s\n", dlerror()), (sw_fn)0;
    sw_fn f = (sw_fn)dlsym(h, "calculate_sector_weights");
    *name = "library";
    if (!f) f = (sw_fn)dlsym(h, "omp_sector_sum"), *name = "OpenMP C";
    return f;
}

int main(int argc, char **argv) {
    if (argc < 6 || argc - 5 > MAX_BUILDS) {
        fprintf(stderr, "usage: %s P B S ROUNDS LIB [LIB...]   (at most %d)\n", argv[0], MAX_BUILDS);
        return 2;
    }
    size_t P = atol(argv[1]), B = atol(argv[2]), S = atol(argv[3]), n = P * B;
    int rounds = atoi(argv[4]), builds = argc - 5, floor = getenv("FLOOR") != NULL;
    sw_fn f[MAX_BUILDS];
    const char *name[MAX_BUILDS];
    double *t[MAX_BUILDS], *w = malloc(n * 8 + 8), *out = malloc(P * S * 8 + 8),
                           *sorted = malloc(rounds * 8 + 8);
    int32_t *c = malloc(n * 4 + 4);
    if (!w || !out || !sorted || !c || rounds < 1) return 1;
    fill_data(w, c, n, S);
    volatile double sink = 0;
    for (int k = 0; k < builds; k++) {
        if (!(f[k] = load(argv[5 + k], &name[k])) || !(t[k] = malloc(rounds * 8 + 8))) return 1;
        if (f[k](w, P, c, B, out, S) != 0) return 1;
    }
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < builds; k++) {
            if (floor) sink += floor_region(w, n);
            double t0 = now();
            if (f[k](w, P, c, B, out, S) != 0) return 1;
            t[k][r] = now() - t0;
        }
    for (int k = 0; k < builds; k++) {
        memcpy(sorted, t[k], rounds * 8);
        qsort(sorted, rounds, 8, by_value);
        double median = sorted[rounds / 2];
        int slow = 0;
        printf("%s (%s) %zux%zux%zu%s, ms per call:", name[k], argv[5 + k], P, B, S,
               floor ? " after an OpenMP region" : "");
        for (int r = 0; r < rounds; r++) {
            printf(" %.1f", t[k][r] * 1e3);
            slow += t[k][r] > 1.4 * median;
        }
        printf("\n  median %.2f ms; %d of %d calls above 1.4x the median\n", median * 1e3, slow, rounds);
    }
    return 0;
}
