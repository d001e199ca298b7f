/* One library build against the plain C loop and the OpenMP C sector sum of compare.py, called in
 * turn (the order rotated every round) in one process: the median of each and the library's
 * ratios. OpenMP reads OMP_NUM_THREADS and OMP_WAIT_POLICY (use PASSIVE, as compare.py does).
 *
 *   cargo build --release && cp target/release/libsector_weights.so /tmp/a.so
 *   gcc -O3 -march=native -fopenmp -fno-strict-aliasing -shared -fPIC benches/c/contenders.c \
 *       -o /tmp/contenders.so
 *   gcc -O2 benches/c/peers.c -o /tmp/peers -ldl
 *   OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 /tmp/peers /tmp/a.so /tmp/contenders.so 20 50000 1000 2 61
 *                                                      # LIB CONTENDERS P B S THREADS ROUNDS
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s LIB CONTENDERS P B S THREADS ROUNDS\n", argv[0]);
        return 2;
    }
    size_t P = atol(argv[3]), B = atol(argv[4]), S = atol(argv[5]), n = P * B;
    int threads = atoi(argv[6]), rounds = atoi(argv[7]);
    sw_fn f[3];
    if (!(f[0] = load_build(argv[1], (size_t)threads))) return 1;
    void *h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (!h) return fprintf(stderr, "%s\n", dlerror()), 1;
    f[1] = (sw_fn)dlsym(h, "c_loop");
    f[2] = (sw_fn)dlsym(h, "omp_sector_sum");
    double *w = malloc(n * 8 + 8), *out[3], *t[3];
    int32_t *c = malloc(n * 4 + 4);
    if (!w || !c || !f[1] || !f[2] || rounds < 1) return 1;
    for (int k = 0; k < 3; k++)
        if (!(out[k] = malloc(P * S * 8 + 8)) || !(t[k] = malloc(rounds * 8 + 8))) return 1;
    fill_data(w, c, n, S);
    for (int r = 0; r < rounds; r++)
        for (int j = 0; j < 3; j++) {
            int k = (j + r) % 3;
            double t0 = now();
            if (f[k](w, P, c, B, out[k], S) != 0) return 1;
            t[k][r] = now() - t0;
        }
    double m[3];
    for (int k = 0; k < 3; k++) qsort(t[k], rounds, sizeof(double), by_value), m[k] = t[k][rounds / 2];
    printf("%zux%zux%zu, %d threads, %d rounds: library %.3f ms (best %.3f), C loop %.3f, OpenMP C "
           "%.3f; library / C loop %.3f, library / OpenMP C %.3f\n",
           P, B, S, threads, rounds, m[0] * 1e3, t[0][0] * 1e3, m[1] * 1e3, m[2] * 1e3, m[0] / m[1],
           m[0] / m[2]);
    return 0;
}
