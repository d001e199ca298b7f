/* The C contenders of benches/compare.py and the C loops that time them. compare.py builds this
 * file at run time:
 *
 *   gcc -O3 -march=native -fopenmp -fno-strict-aliasing -shared -fPIC contenders.c -o contenders.so
 *
 * Every contender has the drop-in's signature, so one timing loop calls them all through a
 * function pointer. None checks its input. OpenMP reads OMP_WAIT_POLICY once, when libgomp starts:
 * compare.py runs PASSIVE (idle threads sleep) and, in a separate process, the default (idle
 * threads spin for a while after each parallel region) to show what that does to a neighbour.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int32_t (*sw_fn)(const double *, uintmax_t, const int32_t *, uintmax_t, double *, uintmax_t);

/* Below this many bonds the OpenMP contenders stay on the calling thread: waking a sleeping
 * worker costs more than the whole call (the library's own inline threshold is of this order). */
#define PARALLEL_MIN_BONDS 32768

/* Zeroes a table of S sectors and adds bonds lo..hi of one portfolio into it. */
static inline void zero_add(double *row, size_t S, const double *wp, const int32_t *cp, size_t lo,
                            size_t hi) {
    memset(row, 0, S * sizeof(double));
    for (size_t i = lo; i < hi; i++) row[cp[i]] += wp[i];
}

/* The plain loop: no checks, one thread. */
int32_t c_loop(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
               double *out, uintmax_t num_sectors) {
    for (uintmax_t p = 0; p < pf_size; p++)
        zero_add(out + p * num_sectors, num_sectors, w + p * num_bonds, c + p * num_bonds, 0, num_bonds);
    return 0;
}

/* How many chunks each portfolio is cut into: 1 when there are at least 4 portfolios per thread,
 * otherwise enough for 4 tasks per thread, each of at least 4,096 bonds and 4 bonds per sector
 * (so that zeroing and reducing a chunk's table never outweighs filling it). */
static size_t chunks_per_portfolio(size_t P, size_t B, size_t S, size_t threads) {
    if (P >= 4 * threads) return 1;
    size_t want = (4 * threads + P - 1) / P;
    size_t min_chunk = S * 4 > 4096 ? S * 4 : 4096;
    size_t most = B / min_chunk;
    if (most < 1) most = 1;
    return want < most ? want : most;
}

/* Per-(portfolio, chunk) tables, grown once and kept between calls (one caller at a time). */
static double *scratch;
static size_t scratch_len;

/* The OpenMP sector sum a quant would write: every (portfolio, chunk) is a task summing into its
 * own table (the output row itself when a portfolio is one chunk), then the chunk tables of each
 * portfolio are added in a fixed order, in parallel over blocks of sectors. No checks. */
int32_t omp_sector_sum(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
                       double *out, uintmax_t num_sectors) {
    size_t P = pf_size, B = num_bonds, S = num_sectors;
    if (P * B < PARALLEL_MIN_BONDS) return c_loop(w, pf_size, c, num_bonds, out, num_sectors);
    size_t per = chunks_per_portfolio(P, B, S, (size_t)omp_get_max_threads());
    if (per == 1) {
#pragma omp parallel for schedule(static)
        for (size_t p = 0; p < P; p++) zero_add(out + p * S, S, w + p * B, c + p * B, 0, B);
        return 0;
    }
    size_t tasks = P * per, chunk = (B + per - 1) / per;
    if (scratch_len < tasks * S) {
        free(scratch);
        scratch = malloc(tasks * S * sizeof(double));
        scratch_len = scratch ? tasks * S : 0;
        if (!scratch) return 1;
    }
    double *tab = scratch;
    const size_t block = 1024;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (size_t t = 0; t < tasks; t++) {
            size_t p = t / per, lo = (t % per) * chunk, hi = lo + chunk < B ? lo + chunk : B;
            zero_add(tab + t * S, S, w + p * B, c + p * B, lo, hi);
        }
#pragma omp for collapse(2) schedule(static)
        for (size_t p = 0; p < P; p++)
            for (size_t s0 = 0; s0 < S; s0 += block) {
                size_t s1 = s0 + block < S ? s0 + block : S;
                const double *t0 = tab + p * per * S;
                double *row = out + p * S;
                for (size_t s = s0; s < s1; s++) row[s] = t0[s];
                for (size_t k = 1; k < per; k++)
                    for (size_t s = s0; s < s1; s++) row[s] += t0[k * S + s];
            }
    }
    return 0;
}

volatile uint64_t floor_sink;

/* The floor on the calling thread alone (the true floor below PARALLEL_MIN_BONDS bonds). */
int32_t true_floor_1(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
                     double *out, uintmax_t num_sectors) {
    (void)out;
    (void)num_sectors;
    const uint64_t *a = (const uint64_t *)w;
    const uint32_t *b = (const uint32_t *)c;
    size_t n = pf_size * num_bonds;
    uint64_t sa = 0;
    uint32_t sb = 0;
#pragma omp simd reduction(+ : sa)
    for (size_t i = 0; i < n; i++) sa += a[i];
#pragma omp simd reduction(+ : sb)
    for (size_t i = 0; i < n; i++) sb += b[i];
    floor_sink = sa + sb;
    return 0;
}

/* The true read floor: every input byte loaded once, in vector registers, on OpenMP's persistent
 * pool of all cores, and nothing else done with it (two integer sums, so nothing waits on a
 * floating-point add). Each thread reads the same index range of both arrays. */
int32_t true_floor(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
                   double *out, uintmax_t num_sectors) {
    (void)out;
    (void)num_sectors;
    const uint64_t *a = (const uint64_t *)w;
    const uint32_t *b = (const uint32_t *)c;
    size_t n = pf_size * num_bonds;
    if (n < PARALLEL_MIN_BONDS) return true_floor_1(w, pf_size, c, num_bonds, out, num_sectors);
    uint64_t sa = 0;
    uint32_t sb = 0;
#pragma omp parallel
    {
#pragma omp for simd reduction(+ : sa) schedule(static) nowait
        for (size_t i = 0; i < n; i++) sa += a[i];
#pragma omp for simd reduction(+ : sb) schedule(static)
        for (size_t i = 0; i < n; i++) sb += b[i];
    }
    floor_sink = sa + sb;
    return 0;
}

/* The floor with the output: the true floor's reads, and every output double stored once (zeros), on
 * all cores. Where the output is large beside the input (many sectors, few bonds) no sector sum
 * can beat this: it must read every input byte and write every cell of its table. */
int32_t true_floor_out(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
                       double *out, uintmax_t num_sectors) {
    size_t m = pf_size * num_sectors;
    /* One thread below 4 MiB moved: waking OpenMP's passive pool costs tens of µs on this VM, more
     * than all cores save there (a floor must not be slower than a one-thread loop). */
    if (pf_size * num_bonds * 12 + m * sizeof(double) < ((size_t)4 << 20)) {
        memset(out, 0, m * sizeof(double));
        return true_floor_1(w, pf_size, c, num_bonds, out, num_sectors);
    }
    const uint64_t *a = (const uint64_t *)w;
    const uint32_t *b = (const uint32_t *)c;
    size_t n = pf_size * num_bonds;
    uint64_t sa = 0;
    uint32_t sb = 0;
#pragma omp parallel
    {
#pragma omp for simd reduction(+ : sa) schedule(static) nowait
        for (size_t i = 0; i < n; i++) sa += a[i];
#pragma omp for simd reduction(+ : sb) schedule(static) nowait
        for (size_t i = 0; i < n; i++) sb += b[i];
#pragma omp for simd schedule(static)
        for (size_t i = 0; i < m; i++) out[i] = 0.0;
    }
    floor_sink = sa + sb;
    return 0;
}

/* A neighbour library's call: one short parallel region on all of OpenMP's threads. Under the
 * default wait policy its workers then spin for a while, on cores the next call wants. */
volatile int neighbour_sink;
void omp_neighbour(void) {
    int s = 0;
#pragma omp parallel reduction(+ : s)
    s += omp_get_thread_num();
    neighbour_sink = s;
}

int omp_threads(void) { return omp_get_max_threads(); }

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Calls f(args) `iters` times back to back; returns the status OR-ed over calls, the elapsed ns
 * in *ns. */
int32_t time_calls(void *f, const double *w, uintmax_t pf_size, const int32_t *c,
                   uintmax_t num_bonds, double *out, uintmax_t num_sectors, uint64_t iters,
                   double *ns) {
    sw_fn fn = (sw_fn)f;
    int32_t st = 0;
    double t0 = now_ns();
    for (uint64_t k = 0; k < iters; k++) {
        st |= fn(w, pf_size, c, num_bonds, out, num_sectors);
        __asm__ volatile("" ::: "memory");
    }
    *ns = now_ns() - t0;
    return st;
}

/* One isolated call: first `idle_ns` asleep (if > 0), then the neighbour's parallel region (if
 * `neighbour`), then f(args) alone is timed into *ns. */
int32_t time_isolated(void *f, const double *w, uintmax_t pf_size, const int32_t *c,
                      uintmax_t num_bonds, double *out, uintmax_t num_sectors, uint64_t idle_ns,
                      int neighbour, double *ns) {
    sw_fn fn = (sw_fn)f;
    if (idle_ns > 0) {
        struct timespec d = {(time_t)(idle_ns / 1000000000u), (long)(idle_ns % 1000000000u)};
        while (nanosleep(&d, &d) != 0) {
        }
    }
    if (neighbour) omp_neighbour();
    double t0 = now_ns();
    int32_t st = fn(w, pf_size, c, num_bonds, out, num_sectors);
    __asm__ volatile("" ::: "memory");
    *ns = now_ns() - t0;
    return st;
}
