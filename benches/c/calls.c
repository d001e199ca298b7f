/* Times the library's drop-in against the plain C loop from C, best of 5 runs of ITERS calls.
 *
 *   cargo build --release
 *   gcc -O3 calls.c -o calls -L../../target/release -Wl,-rpath,$PWD/../../target/release -lsector_weights
 *   ./calls P B S ITERS WHICH [THREADS]     # WHICH: 0 = C loop, 1 = library; THREADS: pool size
 *   valgrind --tool=callgrind ./calls 1 100 18 2000 1   # instruction counts per call
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

int32_t calculate_sector_weights(const double *, uintmax_t, const int32_t *, uintmax_t, double *,
                                 uintmax_t);
int32_t sw_set_num_threads(size_t);

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s P B S ITERS WHICH [THREADS]\n", argv[0]);
        return 2;
    }
    uintmax_t P = atol(argv[1]), B = atol(argv[2]), S = atol(argv[3]);
    long iters = atol(argv[4]);
    int which = atoi(argv[5]);
    if (argc > 6 && sw_set_num_threads((size_t)atoi(argv[6])) != 0) return 1;
    size_t n = P * B;
    double *w = malloc(n * 8 + 8), *o = malloc(P * S * 8 + 8);
    int32_t *c = malloc(n * 4 + 4);
    if (!w || !o || !c) return 1;
    fill_data(w, c, n, S);
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        for (long k = 0; k < iters; k++) {
            if (which) {
                if (calculate_sector_weights(w, P, c, B, o, S) != 0) return 1;
            } else {
                c_loop(w, P, c, B, o, S);
            }
            __asm__ volatile("" ::"r"(o) : "memory");
        }
        double t = (now() - t0) / iters;
        if (t < best) best = t;
    }
    printf("%s %lux%lu S=%lu: %.1f ns/call, %.3f ns/bond\n", which ? "sw" : "c", (unsigned long)P,
           (unsigned long)B, (unsigned long)S, best * 1e9, best * 1e9 / n);
    return 0;
}
