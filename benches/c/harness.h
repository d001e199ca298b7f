/* Shared by the C timing harnesses (calls.c, rounds.c): the plain loop they compare with, a
 * monotonic clock, and the data (xorshift64: weights in [0, 1), codes uniform in 0..S). */
#ifndef SW_BENCH_HARNESS_H
#define SW_BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* The drop-in's signature and sw_set_num_threads's, for harnesses that dlopen two builds. */
typedef int32_t (*sw_fn)(const double *, uintmax_t, const int32_t *, uintmax_t, double *,
                         uintmax_t);
typedef int32_t (*threads_fn)(size_t);

/* The drop-in of one library build, dlopen'ed RTLD_LOCAL (each copy keeps its own statics:
 * thread pool, kept scratch) with its pool set to `threads`; NULL (said on stderr) on failure.
 * Needs <dlfcn.h> and <stdio.h> before this header. */
#ifdef RTLD_LOCAL
static inline sw_fn load_build(const char *path, size_t threads) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return fprintf(stderr, "%s\n", dlerror()), (sw_fn)0;
    sw_fn f = (sw_fn)dlsym(h, "calculate_sector_weights");
    threads_fn set = (threads_fn)dlsym(h, "sw_set_num_threads");
    if (!f || !set || set(threads) != 0) return fprintf(stderr, "%s: not a usable build\n", path), (sw_fn)0;
    return f;
}
#endif

/* qsort order of doubles (medians). */
static inline int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The plain loop: no checks, one thread. */
__attribute__((noinline, unused)) static void c_loop(const double *w, uintmax_t P, const int32_t *c,
                                             uintmax_t B, double *out, uintmax_t S) {
    for (uintmax_t p = 0; p < P; p++) {
        double *row = out + p * S;
        memset(row, 0, S * 8);
        for (uintmax_t i = 0; i < B; i++) row[c[p * B + i]] += w[p * B + i];
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* n weights and codes for S sectors, the same for every harness and run. */
static void fill_data(double *w, int32_t *c, size_t n, uintmax_t S) {
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w[i] = (x >> 11) * 0x1p-53;
        c[i] = (int32_t)((x >> 32) % S);
    }
}

#endif
