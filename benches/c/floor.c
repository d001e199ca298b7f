/* The true read floor of benches/compare.py alone, with a chosen thread count and compiler flags:
 * shows how fast one core can stream the input depending on the width of its loads.
 *
 *   gcc -O3 -march=native -fopenmp floor.c -o floor_avx   # vector loads as wide as the CPU has
 *   gcc -O3 -fopenmp floor.c -o floor_sse2                # 16-byte loads (x86-64 baseline)
 *   gcc -O1 -fopenmp floor.c -o floor_scalar              # one load per element and stream
 *   ./floor_avx 20000000 1                                # bonds, threads
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

volatile uint64_t sink;

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s BONDS THREADS\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)atol(argv[1]);
    int threads = atoi(argv[2]);
    uint64_t *a = malloc(n * 8);
    uint32_t *b = malloc(n * 4);
    if (!a || !b) return 1;
    for (size_t i = 0; i < n; i++) {
        a[i] = i * 2654435761u;
        b[i] = (uint32_t)i;
    }
    double best = 1e9;
    for (int r = 0; r < 7; r++) {
        double t0 = now();
        /* The loops of compare.py's true floor (benches/c/contenders.c: true_floor). */
        uint64_t sa = 0;
        uint32_t sb = 0;
#pragma omp parallel num_threads(threads)
        {
#pragma omp for simd reduction(+ : sa) schedule(static) nowait
            for (size_t i = 0; i < n; i++) sa += a[i];
#pragma omp for simd reduction(+ : sb) schedule(static)
            for (size_t i = 0; i < n; i++) sb += b[i];
        }
        sink = sa + sb;
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("floor n=%zu threads=%d: %.2f ms, %.1f GB/s\n", n, threads, best * 1e3, n * 12 / best / 1e9);
    return 0;
}
