/*
 * test_api.c - the C-side test of libsector_weights, compiled against include/sector_weights.h.
 *
 * Built and run by `make test-c` (shared and static library, and as C++ to prove the header's
 * extern "C" guards), `make test-c-valgrind` and `make test-c-sanitize` (see mk/c.mk).
 *
 * What it checks:
 *   - every status reachable from C, for every entry point: the exact status, that
 *     sw_last_error_message() names the parameter or position ("bond 1043 of portfolio 7"), and
 *     that the output buffer (and the inputs) are byte-for-byte unchanged afterwards;
 *   - results against a naive C reference on random data (exactly, with dyadic weights whose sums
 *     are exact in any order; within a proven rounding bound otherwise), including sizes that run
 *     on the thread pool and inside one portfolio in chunks;
 *   - bit-identical results for thread counts 1, 2, 3 and the default;
 *   - sw_last_error_message()'s snprintf contract, sw_status_message(), sw_version();
 *   - 8 threads calling every entry point at once, valid and invalid, each checking its own
 *     thread-local error detail, while another thread keeps resizing the pool;
 *   - SW_ERROR_THREAD_POOL and SW_ERROR_OUT_OF_MEMORY, provoked in a forked child under an
 *     RLIMIT_AS limit (skipped under valgrind and AddressSanitizer, which need the address space).
 *
 * Usage: test_api [--quick] [--verbose]
 *   --quick    fewer stress iterations (for valgrind)
 *   --verbose  also print what the forked resource-failure children observed
 * Prints "N passed, 0 failed" last and exits non-zero on any failure.
 *
 * The file is C11 and C++17 at the same time: no implicit void* conversions, no designated
 * initialisers, no compound literals.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "sector_weights.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SW_UNDER_ASAN 1
#else
#define SW_UNDER_ASAN 0
#endif

/* ------------------------------------------------------------------------------------------ */
/* Bookkeeping                                                                                 */

static long g_pass, g_fail, g_skip;
static int g_quick, g_verbose;

static void check_(int ok, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check_(int ok, int line, const char *fmt, ...)
{
    if (ok) {
        __atomic_add_fetch(&g_pass, 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_add_fetch(&g_fail, 1, __ATOMIC_RELAXED);
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "FAIL (test_api.c:%d): %s\n", line, buf);
}
#define CHECK(cond, ...) check_((cond) ? 1 : 0, __LINE__, __VA_ARGS__)

static void skip(const char *what, const char *why)
{
    g_skip++;
    printf("  skipped: %s (%s)\n", what, why);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test_api: out of memory allocating %zu bytes\n", n);
        exit(2);
    }
    return p;
}
#define NEW(T, n) ((T *)xmalloc(sizeof(T) * (size_t)(n)))

/* printf into one of a few rotating static buffers (main thread only). */
static const char *msgf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *msgf(const char *fmt, ...)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

static const char *status_name(int32_t s)
{
    static const char *names[] = {
        "SW_OK",
        "SW_ERROR_NULL_POINTER",
        "SW_ERROR_LENGTH_MISMATCH",
        "SW_ERROR_SIZE_OVERFLOW",
        "SW_ERROR_SECTOR_OUT_OF_RANGE",
        "SW_ERROR_NON_FINITE",
        "SW_ERROR_INVALID_ARGUMENT",
        "SW_ERROR_OVERLAP",
        "SW_ERROR_MISALIGNED",
        "SW_ERROR_BAD_OFFSETS",
        "SW_ERROR_ZERO_TOTAL",
        "SW_ERROR_OUT_OF_MEMORY",
        "SW_ERROR_THREAD_POOL",
        "SW_ERROR_PANIC",
    };
    return (s >= 0 && s < (int32_t)(sizeof names / sizeof names[0])) ? names[s] : "(unknown)";
}

/* ------------------------------------------------------------------------------------------ */
/* Watched buffers: filled with a sentinel pattern, snapshotted, compared after the call.      */

#define MAX_WATCH 6
static struct {
    const unsigned char *p;
    size_t n;
    unsigned char *snap;
} g_watch[MAX_WATCH];
static int g_nwatch;

static void fill_pattern(void *p, size_t n)
{
    unsigned char *b = (unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(0xA5u ^ (unsigned)(i * 31u));
}

/* Remember the current bytes of p[0..n) (an input, or an already-armed output). */
static void watch(const void *p, size_t n)
{
    if (g_nwatch == MAX_WATCH) {
        fprintf(stderr, "test_api: too many watched buffers\n");
        exit(2);
    }
    g_watch[g_nwatch].p = (const unsigned char *)p;
    g_watch[g_nwatch].n = n;
    g_watch[g_nwatch].snap = NEW(unsigned char, n);
    memcpy(g_watch[g_nwatch].snap, p, n);
    g_nwatch++;
}

/* Fill an output with the sentinel pattern and watch it. */
static void arm(void *p, size_t n)
{
    fill_pattern(p, n);
    watch(p, n);
}

static void verify_watched(const char *label)
{
    for (int i = 0; i < g_nwatch; i++) {
        size_t at = 0;
        while (at < g_watch[i].n && g_watch[i].p[at] == g_watch[i].snap[at])
            at++;
        CHECK(at == g_watch[i].n, "%s: watched buffer #%d (%zu bytes) was modified at byte %zu", label,
              i, g_watch[i].n, at);
        free(g_watch[i].snap);
    }
    g_nwatch = 0;
}

/* Checks the status, the thread's error detail (exact text and/or substrings), and that every
 * watched buffer is unchanged. */
static void expect(const char *label, int32_t got, int32_t want, const char *exact, const char *sub1,
                   const char *sub2)
{
    char msg[2048];
    size_t full = sw_last_error_message(msg, sizeof msg);
    CHECK(got == want, "%s: status %d (%s), expected %d (%s); detail: \"%s\"", label, (int)got,
          status_name(got), (int)want, status_name(want), msg);
    if (want == SW_OK) {
        CHECK(full == 0 && msg[0] == '\0', "%s: a successful call left the detail \"%s\"", label, msg);
    } else {
        CHECK(full > 0 && full == strlen(msg), "%s: sw_last_error_message returned %zu for \"%s\"",
              label, full, msg);
        if (exact)
            CHECK(strcmp(msg, exact) == 0, "%s: detail \"%s\", expected \"%s\"", label, msg, exact);
        if (sub1)
            CHECK(strstr(msg, sub1) != NULL, "%s: detail \"%s\" does not contain \"%s\"", label, msg,
                  sub1);
        if (sub2)
            CHECK(strstr(msg, sub2) != NULL, "%s: detail \"%s\" does not contain \"%s\"", label, msg,
                  sub2);
    }
    verify_watched(label);
}
#define EXPECT_MSG(label, got, want, exact) expect(label, got, want, exact, NULL, NULL)
#define EXPECT_SUB(label, got, want, s1, s2) expect(label, got, want, NULL, s1, s2)
#define EXPECT_OK(label, got) expect(label, got, SW_OK, NULL, NULL, NULL)

/* ------------------------------------------------------------------------------------------ */
/* Random data and the naive reference                                                         */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double unit(uint64_t *s) { return (double)(splitmix(s) >> 11) / 9007199254740992.0; }

enum {
    KIND_DYADIC,     /* multiples of 2^-20 in [-0.95, 0.95]: every sum is exact in any order */
    KIND_DYADIC_POS, /* positive multiples of 2^-20: exact, and totals are never 0 */
    KIND_ARTICLE,    /* the article's data: uniform [0,1), normalised per portfolio */
    KIND_MIXED       /* uniform [-1,1): sums depend on order, for the determinism checks */
};

/* Elements allocated beyond n in every input, so that tests claiming n+1 elements are backed. */
#define SLACK 16

typedef struct Data {
    size_t P, B, S, n; /* B = bonds per portfolio (uniform data only) */
    double *w, *v;     /* weights, values (n + SLACK each) */
    int32_t *c;        /* sector codes (n + SLACK) */
    int64_t *off;      /* P + 1 offsets */
} Data;

static double gen_weight(int kind, uint64_t *s)
{
    switch (kind) {
    case KIND_DYADIC:
        return (double)((int64_t)(splitmix(s) % 2000001u) - 1000000) / 1048576.0;
    case KIND_DYADIC_POS:
        return (double)(splitmix(s) % 1000000u + 1u) / 1048576.0;
    case KIND_ARTICLE:
        return unit(s);
    default:
        return 2.0 * unit(s) - 1.0;
    }
}

static double gen_value(int kind, uint64_t *s)
{
    if (kind == KIND_DYADIC) /* -2 .. 2 in steps of 1/8: products and their sums stay exact */
        return (double)((int)(splitmix(s) % 33u) - 16) / 8.0;
    if (kind == KIND_DYADIC_POS)
        return (double)(splitmix(s) % 16u + 1u) / 8.0;
    return 10.0 * unit(s) - 2.0;
}

/* sizes == NULL: P portfolios of B bonds each; otherwise portfolio p has sizes[p] bonds. */
static Data data_new(size_t P, const size_t *sizes, size_t B, size_t S, int kind, uint64_t seed)
{
    Data d;
    memset(&d, 0, sizeof d);
    d.P = P;
    d.S = S;
    d.B = sizes ? 0 : B;
    d.off = NEW(int64_t, P + 1);
    d.off[0] = 0;
    for (size_t p = 0; p < P; p++)
        d.off[p + 1] = d.off[p] + (int64_t)(sizes ? sizes[p] : B);
    d.n = (size_t)d.off[P];
    d.w = NEW(double, d.n + SLACK);
    d.v = NEW(double, d.n + SLACK);
    d.c = NEW(int32_t, d.n + SLACK);
    uint64_t s = seed;
    for (size_t i = 0; i < d.n + SLACK; i++) {
        int in = i < d.n;
        d.c[i] = (in && S) ? (int32_t)(splitmix(&s) % S) : 0;
        d.w[i] = in ? gen_weight(kind, &s) : 0.0;
        d.v[i] = in ? gen_value(kind, &s) : 0.0;
    }
    if (kind == KIND_ARTICLE) {
        for (size_t p = 0; p < P; p++) {
            double total = 0.0;
            for (int64_t i = d.off[p]; i < d.off[p + 1]; i++)
                total += d.w[i];
            for (int64_t i = d.off[p]; i < d.off[p + 1]; i++)
                d.w[i] /= total;
        }
    }
    return d;
}

static void data_free(Data *d)
{
    free(d->w);
    free(d->v);
    free(d->c);
    free(d->off);
    memset(d, 0, sizeof *d);
}

typedef struct Ref {
    double *sum, *abs; /* P*S each */
    size_t *cnt;
} Ref;

/* The obvious loop: out[p*S + c[i]] += w[i] (* v[i]); also sum |terms| and counts for bounds. */
static Ref reference(const Data *d, int use_values)
{
    Ref r;
    size_t m = d->P * d->S;
    r.sum = NEW(double, m);
    r.abs = NEW(double, m);
    r.cnt = NEW(size_t, m);
    for (size_t j = 0; j < m; j++) {
        r.sum[j] = 0.0;
        r.abs[j] = 0.0;
        r.cnt[j] = 0;
    }
    for (size_t p = 0; p < d->P; p++) {
        for (int64_t i = d->off[p]; i < d->off[p + 1]; i++) {
            size_t j = p * d->S + (size_t)d->c[i];
            double x = use_values ? d->w[i] * d->v[i] : d->w[i];
            r.sum[j] += x;
            r.abs[j] += fabs(x);
            r.cnt[j]++;
        }
    }
    return r;
}

static void ref_free(Ref *r)
{
    free(r->sum);
    free(r->abs);
    free(r->cnt);
}

/* Exact equality (dyadic data: every summation order gives the same, exact, result). */
static void check_exact(const char *label, const double *got, const double *want, size_t m)
{
    size_t i = 0;
    while (i < m && got[i] == want[i])
        i++;
    CHECK(i == m, "%s: element %zu of %zu is %.17g, expected %.17g", label, i, m, i < m ? got[i] : 0.0,
          i < m ? want[i] : 0.0);
}

/* Within the rounding bound of two different summation orders of the same cnt terms:
 * |a - b| <= 2 * cnt * eps * sum|terms|. */
static void check_close(const char *label, const double *got, const Ref *r, size_t m)
{
    size_t i = 0;
    for (; i < m; i++) {
        double tol = 2.0 * (double)r->cnt[i] * DBL_EPSILON * r->abs[i];
        if (!(fabs(got[i] - r->sum[i]) <= tol))
            break;
    }
    CHECK(i == m, "%s: element %zu of %zu is %.17g, reference %.17g", label, i, m, i < m ? got[i] : 0.0,
          i < m ? r->sum[i] : 0.0);
}

/* Normalised rows from exact sums: got = s_k / T' with T' the library's total of the row; T' is
 * within (S-1)*eps*sum|s| of the exact total, so |got - want| <= 2|want|((S+1)*eps*ratio + eps). */
static void check_normalized(const char *label, const double *got, const Ref *r, size_t P, size_t S)
{
    size_t bad_p = P, bad_k = 0;
    for (size_t p = 0; p < P && bad_p == P; p++) {
        double total = 0.0, rowabs = 0.0, gotsum = 0.0;
        for (size_t k = 0; k < S; k++) {
            total += r->sum[p * S + k];
            rowabs += fabs(r->sum[p * S + k]);
        }
        double ratio = rowabs / fabs(total);
        for (size_t k = 0; k < S; k++) {
            double want = r->sum[p * S + k] / total;
            double tol = 2.0 * fabs(want) * ((double)(S + 1) * DBL_EPSILON * ratio + DBL_EPSILON);
            gotsum += got[p * S + k];
            if (!(fabs(got[p * S + k] - want) <= tol)) {
                bad_p = p;
                bad_k = k;
                break;
            }
        }
        if (bad_p == P && !(fabs(gotsum - 1.0) <= 4.0 * (double)(S + 1) * DBL_EPSILON * ratio))
            bad_p = p, bad_k = S;
    }
    CHECK(bad_p == P, "%s: normalised portfolio %zu sector %zu is off (got %.17g)", label, bad_p, bad_k,
          bad_p < P && bad_k < S ? got[bad_p * S + bad_k] : 0.0);
}

/* ------------------------------------------------------------------------------------------ */
/* Calls                                                                                       */

static int32_t call_dropin(const Data *d, double *out)
{
    return calculate_sector_weights(d->w, d->P, d->c, d->B, out, d->S);
}
static int32_t call_checked(const Data *d, double *out)
{
    return sw_sector_weights(d->w, d->n, d->c, d->n, d->P, d->S, out, d->P * d->S);
}
static int32_t call_ragged(const Data *d, uint32_t flags, double *out)
{
    return sw_sector_weights_ragged(d->w, d->n, d->c, d->n, d->off, d->P + 1, d->S, flags, out,
                                    d->P * d->S);
}
static int32_t call_expo(const Data *d, uint32_t flags, double *out)
{
    return sw_sector_exposures(d->w, d->n, d->v, d->n, d->c, d->n, d->off, d->P + 1, d->S, flags, out,
                               d->P * d->S);
}

static int under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p != NULL && strstr(p, "vgpreload") != NULL;
}

static size_t default_threads_expected(void)
{
    const char *env = getenv("RAYON_NUM_THREADS");
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end == '\0' && v > 0)
            return (size_t)v;
    }
    return 0; /* "all CPUs": checked as 1..online CPUs */
}

/* ------------------------------------------------------------------------------------------ */
/* Static messages, version, sw_last_error_message                                             */

static void test_status_messages(void)
{
    static const struct {
        int32_t code;
        const char *msg;
    } table[] = {
        {SW_OK, "success"},
        {SW_ERROR_NULL_POINTER, "a pointer is NULL but its range is not empty"},
        {SW_ERROR_LENGTH_MISMATCH, "a buffer length does not match the shape"},
        {SW_ERROR_SIZE_OVERFLOW, "a size overflows or exceeds PTRDIFF_MAX bytes"},
        {SW_ERROR_SECTOR_OUT_OF_RANGE, "a sector code is negative or not below num_sectors"},
        {SW_ERROR_NON_FINITE, "a weight or value is NaN or infinite, or a result overflows"},
        {SW_ERROR_INVALID_ARGUMENT, "an argument is invalid"},
        {SW_ERROR_OVERLAP, "the output buffer overlaps an input buffer"},
        {SW_ERROR_MISALIGNED, "a pointer is not aligned for its element type"},
        {SW_ERROR_BAD_OFFSETS,
         "portfolio offsets must start at 0, never decrease, and end at the bond count"},
        {SW_ERROR_ZERO_TOTAL, "a total used as a divisor is zero"},
        {SW_ERROR_OUT_OF_MEMORY, "scratch memory could not be allocated"},
        {SW_ERROR_THREAD_POOL, "the worker thread pool could not be created"},
        {SW_ERROR_PANIC, "internal panic caught at the library boundary (a bug)"},
    };
    static const int32_t all[] = SwStatus_ALL;
    const size_t n = sizeof table / sizeof table[0];
    CHECK(sizeof all / sizeof all[0] == n, "SwStatus_ALL has %zu codes, expected %zu",
          sizeof all / sizeof all[0], n);
    for (size_t i = 0; i < n; i++) {
        CHECK(all[i] == (int32_t)i, "SwStatus_ALL[%zu] = %d, expected %zu", i, (int)all[i], i);
        CHECK(table[i].code == (int32_t)i, "status %s has value %d, expected %zu",
              status_name(table[i].code), (int)table[i].code, i);
        const char *m = sw_status_message(table[i].code);
        CHECK(m != NULL && strcmp(m, table[i].msg) == 0, "sw_status_message(%d) = \"%s\", expected \"%s\"",
              (int)table[i].code, m ? m : "(null)", table[i].msg);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(sw_status_message(table[j].code), m) != 0,
                  "sw_status_message(%zu) and (%zu) are the same", i, j);
        CHECK(sw_status_message(table[i].code) == m, "sw_status_message(%zu) is not a static string", i);
    }
    static const int32_t unknown[] = {-1, 14, 15, 99, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *m = sw_status_message(unknown[i]);
        CHECK(m != NULL && strcmp(m, "unknown status") == 0, "sw_status_message(%d) = \"%s\"",
              (int)unknown[i], m ? m : "(null)");
    }
}

static void test_version(void)
{
    const char *v = sw_version();
    CHECK(v != NULL, "sw_version() returned NULL");
    if (!v)
        return;
    unsigned a, b, c;
    char tail;
    CHECK(sscanf(v, "%u.%u.%u%c", &a, &b, &c, &tail) == 3, "sw_version() = \"%s\" is not N.N.N", v);
#ifdef SW_EXPECTED_VERSION
    CHECK(strcmp(v, SW_EXPECTED_VERSION) == 0, "sw_version() = \"%s\", Cargo.toml says \"%s\"", v,
          SW_EXPECTED_VERSION);
#endif
    CHECK(sw_version() == v, "sw_version() is not a static string");
}

static void test_last_error_message(void)
{
    const size_t P = 10, B = 2000, S = 18;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 11);
    double *out = NEW(double, P * S);
    const char *want = "sector code 25 at bond 1043 of portfolio 7 is outside 0..18";
    const size_t L = strlen(want);

    d.c[7 * B + 1043] = 25;
    arm(out, P * S * sizeof(double));
    EXPECT_MSG("README example: code 25 at bond 1043 of portfolio 7", call_dropin(&d, out),
               SW_ERROR_SECTOR_OUT_OF_RANGE, want);

    char buf[256];
    CHECK(sw_last_error_message(NULL, 0) == L, "sw_last_error_message(NULL, 0) != %zu", L);
    CHECK(sw_last_error_message(NULL, 100) == L, "sw_last_error_message(NULL, 100) != %zu", L);

    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, 0) == L, "len 0: wrong length returned");
    CHECK(buf[0] == 'x', "len 0: the buffer was written to");

    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, 1) == L, "len 1: wrong length returned");
    CHECK(buf[0] == '\0' && buf[1] == 'x', "len 1: expected just the NUL");

    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, 11) == L, "len 11: wrong length returned");
    CHECK(memcmp(buf, want, 10) == 0 && buf[10] == '\0' && buf[11] == 'x',
          "len 11: expected 10 bytes, a NUL and nothing more");

    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, L) == L, "len L: wrong length returned");
    CHECK(memcmp(buf, want, L - 1) == 0 && buf[L - 1] == '\0' && buf[L] == 'x',
          "len L: expected L-1 bytes and a NUL");

    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, L + 1) == L, "len L+1: wrong length returned");
    CHECK(strcmp(buf, want) == 0 && buf[L + 1] == 'x', "len L+1: expected the whole detail");

    /* Reading the detail does not change it; neither do the static-string functions (so
     * printf("%s: %s", sw_status_message(st), detail) works in any evaluation order). */
    (void)sw_status_message(SW_ERROR_SECTOR_OUT_OF_RANGE);
    (void)sw_version();
    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, sizeof buf) == L && strcmp(buf, want) == 0,
          "the detail changed after reading it / sw_status_message / sw_version: \"%s\"", buf);

    /* A new failure replaces it; a success clears it. */
    d.c[7 * B + 1043] = 3;
    d.w[12] = NAN;
    arm(out, P * S * sizeof(double));
    EXPECT_MSG("detail replaced by the next failure", call_dropin(&d, out), SW_ERROR_NON_FINITE,
               "weight NaN at bond 12 of portfolio 0 is not finite");
    d.w[12] = 0.5;
    CHECK(call_dropin(&d, out) == SW_OK, "valid call failed");
    memset(buf, 'x', sizeof buf);
    CHECK(sw_last_error_message(buf, sizeof buf) == 0 && buf[0] == '\0' && buf[1] == 'x',
          "after a success the detail must be empty");
    CHECK(sw_last_error_message(NULL, 0) == 0, "after a success the length must be 0");

    free(out);
    data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* calculate_sector_weights: every failure                                                     */

static void test_dropin_errors(void)
{
    const size_t P = 10, B = 2000, S = 18, N = P * B, M = P * S;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 21);
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);
    const uintmax_t BIG = UINTMAX_MAX;

    /* NULL with a non-empty range, for each buffer. */
    arm(out, ob);
    EXPECT_MSG("drop-in NULL weights", calculate_sector_weights(NULL, P, d.c, B, out, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_bond_weights is NULL but must hold %zu elements", N));
    arm(out, ob);
    EXPECT_MSG("drop-in NULL sectors", calculate_sector_weights(d.w, P, NULL, B, out, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_bond_sectors is NULL but must hold %zu elements", N));
    watch(d.w, N * sizeof(double));
    watch(d.c, N * sizeof(int32_t));
    EXPECT_MSG("drop-in NULL output", calculate_sector_weights(d.w, P, d.c, B, NULL, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_sector_weights is NULL but must hold %zu elements", M));
    EXPECT_MSG("drop-in NULL output, zero bonds", calculate_sector_weights(NULL, P, NULL, 0, NULL, S),
               SW_ERROR_NULL_POINTER,
               msgf("portfolios_sector_weights is NULL but must hold %zu elements", M));

    /* NULL with an empty range is fine. */
    EXPECT_OK("drop-in all NULL, 0 portfolios", calculate_sector_weights(NULL, 0, NULL, B, NULL, S));
    EXPECT_OK("drop-in all NULL, 0 of everything", calculate_sector_weights(NULL, 0, NULL, 0, NULL, 0));
    EXPECT_OK("drop-in all NULL, 0 bonds and 0 sectors",
              calculate_sector_weights(NULL, P, NULL, 0, NULL, 0));
    EXPECT_OK("drop-in UINTMAX_MAX empty portfolios of 0 sectors",
              calculate_sector_weights(NULL, BIG, NULL, 0, NULL, 0));
    fill_pattern(out, ob);
    EXPECT_OK("drop-in NULL inputs, 0 bonds", calculate_sector_weights(NULL, P, NULL, 0, out, S));
    {
        size_t j = 0;
        while (j < M && out[j] == 0.0 && !signbit(out[j]))
            j++;
        CHECK(j == M, "drop-in with 0 bonds: output[%zu] = %g, expected +0.0", j, j < M ? out[j] : 0.0);
    }

    /* Size overflow: products, byte sizes (incl. uintmax_t values), address-space wrap. */
    arm(out, ob);
    EXPECT_MSG("drop-in pf_size*num_bonds overflows (UINTMAX_MAX x 2)",
               calculate_sector_weights(d.w, BIG, d.c, 2, out, S), SW_ERROR_SIZE_OVERFLOW,
               "pf_size * num_bonds = 18446744073709551615 x 2 overflows size_t");
    arm(out, ob);
    EXPECT_MSG("drop-in pf_size*num_bonds overflows (2^32 x 2^32)",
               calculate_sector_weights(d.w, (uintmax_t)1 << 32, d.c, (uintmax_t)1 << 32, out, S),
               SW_ERROR_SIZE_OVERFLOW, "pf_size * num_bonds = 4294967296 x 4294967296 overflows size_t");
    arm(out, ob);
    EXPECT_MSG("drop-in pf_size*num_sectors overflows",
               calculate_sector_weights(d.w, 2, d.c, 3, out, BIG), SW_ERROR_SIZE_OVERFLOW,
               "pf_size * num_sectors = 2 x 18446744073709551615 overflows size_t");
    arm(out, ob);
    EXPECT_MSG("drop-in weights byte size = PTRDIFF_MAX + 1",
               calculate_sector_weights(d.w, 1, d.c, (uintmax_t)1 << 60, out, S), SW_ERROR_SIZE_OVERFLOW,
               "portfolios_bond_weights would hold 1152921504606846976 elements of 8 bytes, more than "
               "PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("drop-in weights byte size overflows size_t (2^59 portfolios x 4 bonds)",
               calculate_sector_weights(d.w, (uintmax_t)1 << 59, d.c, 4, out, S), SW_ERROR_SIZE_OVERFLOW,
               "portfolios_bond_weights would hold 2305843009213693952 elements of 8 bytes, more than "
               "PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("drop-in output byte size = PTRDIFF_MAX + 1",
               calculate_sector_weights(d.w, 1, d.c, 0, out, (uintmax_t)1 << 60), SW_ERROR_SIZE_OVERFLOW,
               "portfolios_sector_weights would hold 1152921504606846976 elements of 8 bytes, more "
               "than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("drop-in output of UINTMAX_MAX doubles", calculate_sector_weights(d.w, BIG, d.c, 0, out, 1),
               SW_ERROR_SIZE_OVERFLOW,
               "portfolios_sector_weights would hold 18446744073709551615 elements of 8 bytes, more "
               "than PTRDIFF_MAX bytes");
    if (sizeof(void *) == 8) {
        /* A pointer near the top of the address space: its range would wrap. Never dereferenced. */
        const double *top = (const double *)(uintptr_t)(UINTPTR_MAX - 15);
        arm(out, ob);
        EXPECT_MSG("drop-in weights range wraps the address space",
                   calculate_sector_weights(top, 1, d.c, 4, out, S), SW_ERROR_SIZE_OVERFLOW,
                   msgf("portfolios_bond_weights = %#" PRIxPTR " with 4 elements wraps around the address "
                        "space",
                        (uintptr_t)top));
    }
#if UINTMAX_MAX > SIZE_MAX
    arm(out, ob);
    EXPECT_SUB("drop-in pf_size beyond size_t", calculate_sector_weights(d.w, BIG, d.c, 1, out, S),
               SW_ERROR_SIZE_OVERFLOW, "pf_size = ", "does not fit in size_t");
#endif

    /* Sector codes: -1, num_sectors, INT32_MIN, INT32_MAX, 25; at the first, a middle and the last
     * bond. */
    {
        static const int32_t bad_codes[] = {-1, 18, INT32_MIN, INT32_MAX, 25, 19, -18};
        static const size_t spots[][2] = {{7, 1043}, {0, 0}, {9, 1999}};
        for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
            for (size_t k = 0; k < sizeof bad_codes / sizeof bad_codes[0]; k++) {
                size_t p = spots[s][0], b = spots[s][1];
                int32_t keep = d.c[p * B + b];
                d.c[p * B + b] = bad_codes[k];
                arm(out, ob);
                watch(d.w, N * sizeof(double));
                EXPECT_MSG(msgf("drop-in sector code %d at bond %zu of portfolio %zu", (int)bad_codes[k], b, p),
                           call_dropin(&d, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                           msgf("sector code %d at bond %zu of portfolio %zu is outside 0..18",
                                (int)bad_codes[k], b, p));
                d.c[p * B + b] = keep;
            }
        }
    }

    /* Non-finite weights. */
    {
        const double bad[] = {NAN, -NAN, INFINITY, -INFINITY};
        const char *shown[] = {"NaN", "NaN", "inf", "-inf"};
        for (size_t k = 0; k < 4; k++) {
            double keep = d.w[12];
            d.w[12] = bad[k];
            arm(out, ob);
            EXPECT_MSG(msgf("drop-in weight %s at bond 12 of portfolio 0", shown[k]), call_dropin(&d, out),
                       SW_ERROR_NON_FINITE,
                       msgf("weight %s at bond 12 of portfolio 0 is not finite", shown[k]));
            d.w[12] = keep;
        }
        /* The first bad bond wins; a bond with both a bad code and a bad weight reports the code. */
        d.w[5 * B + 10] = INFINITY;
        d.c[5 * B + 10] = 99;
        d.w[5 * B + 11] = NAN;
        arm(out, ob);
        EXPECT_MSG("drop-in bad code and weight on the same bond", call_dropin(&d, out),
                   SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code 99 at bond 10 of portfolio 5 is outside 0..18");
        d.c[5 * B + 10] = 1;
        arm(out, ob);
        EXPECT_MSG("drop-in first of two bad weights", call_dropin(&d, out), SW_ERROR_NON_FINITE,
                   "weight inf at bond 10 of portfolio 5 is not finite");
        d.w[5 * B + 10] = 0.25;
        d.w[5 * B + 11] = 0.5;
    }

    /* num_sectors == 0 with bonds present. */
    EXPECT_MSG("drop-in num_sectors 0 with bonds, NULL output", calculate_sector_weights(d.w, P, d.c, B, NULL, 0),
               SW_ERROR_INVALID_ARGUMENT, msgf("num_sectors is 0 but there are %zu bonds to group", N));
    arm(out, ob);
    EXPECT_MSG("drop-in num_sectors 0 with bonds", calculate_sector_weights(d.w, P, d.c, B, out, 0),
               SW_ERROR_INVALID_ARGUMENT, msgf("num_sectors is 0 but there are %zu bonds to group", N));

    /* Output overlapping an input. */
    {
        double *sh = NEW(double, 64);
        for (int i = 0; i < 64; i++)
            sh[i] = 0.25 * i;
        int32_t codes[10] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1};
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("drop-in output overlaps weights", calculate_sector_weights(sh, 1, codes, 10, sh + 5, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_weights");
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("drop-in output == weights", calculate_sector_weights(sh, 1, codes, 10, sh, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_weights");
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("drop-in output ends inside weights", calculate_sector_weights(sh + 3, 1, codes, 10, sh, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_weights");
        /* Adjacent is not overlapping: output right after the 10 weights. */
        for (int i = 0; i < 64; i++)
            sh[i] = 0.25 * i;
        EXPECT_OK("drop-in output adjacent to weights", calculate_sector_weights(sh, 1, codes, 10, sh + 10, 4));
        CHECK(sh[10] == 0.0 + 1.0 + 2.0 && sh[11] == 0.25 + 1.25 + 2.25 && sh[12] == 0.5 + 1.5 &&
                  sh[13] == 0.75 + 1.75,
              "drop-in adjacent output: wrong sums %g %g %g %g", sh[10], sh[11], sh[12], sh[13]);

        /* Output overlapping the codes: one 8-aligned block holds both. */
        double *blk = NEW(double, 32);
        int32_t *cb = (int32_t *)(void *)blk;
        for (int i = 0; i < 10; i++)
            cb[i] = i % 4;
        arm(blk + 4, 28 * sizeof(double));
        watch(blk, 4 * sizeof(double));
        EXPECT_MSG("drop-in output overlaps sectors", calculate_sector_weights(sh, 1, cb, 10, blk + 4, 4),
                   SW_ERROR_OVERLAP, "output portfolios_sector_weights overlaps portfolios_bond_sectors");
        free(blk);
        free(sh);
    }

    /* Misaligned pointers (made from a char buffer); an error, never undefined behaviour. */
    {
        unsigned char *raw = NEW(unsigned char, (N + 8) * sizeof(double));
        const double *w1 = (const double *)(const void *)(raw + 1);
        const double *w4 = (const double *)(const void *)(raw + 4);
        const int32_t *c2 = (const int32_t *)(const void *)(raw + 2);
        int32_t *c4 = (int32_t *)(void *)(raw + 4); /* aligned for int32_t: valid */
        double *o4 = (double *)(void *)(raw + 4);
        arm(out, ob);
        EXPECT_MSG("drop-in weights misaligned by 1", calculate_sector_weights(w1, P, d.c, B, out, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_bond_weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)w1));
        arm(out, ob);
        EXPECT_MSG("drop-in weights misaligned by 4", calculate_sector_weights(w4, P, d.c, B, out, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_bond_weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)w4));
        arm(out, ob);
        EXPECT_MSG("drop-in sectors misaligned by 2", calculate_sector_weights(d.w, P, c2, B, out, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_bond_sectors = %#" PRIxPTR " is not aligned to 4 bytes", (uintptr_t)c2));
        arm(raw, (N + 8) * sizeof(double));
        EXPECT_MSG("drop-in output misaligned by 4", calculate_sector_weights(d.w, P, d.c, B, o4, S),
                   SW_ERROR_MISALIGNED,
                   msgf("portfolios_sector_weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)o4));
        EXPECT_OK("drop-in misaligned pointers with empty ranges",
                  calculate_sector_weights(w1, 0, c2, B, o4, S));
        /* int32_t codes at a 4-aligned (not 8-aligned) address are fine. */
        memcpy(c4, d.c, N * sizeof(int32_t));
        double *o_a = NEW(double, M), *o_b = NEW(double, M);
        EXPECT_OK("drop-in codes 4-aligned", calculate_sector_weights(d.w, P, c4, B, o_a, S));
        EXPECT_OK("drop-in codes aligned", calculate_sector_weights(d.w, P, d.c, B, o_b, S));
        CHECK(memcmp(o_a, o_b, M * sizeof(double)) == 0, "4-aligned codes give different results");
        free(o_a);
        free(o_b);
        free(raw);
    }
    free(out);
    data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* sw_sector_weights: every failure                                                            */

static void test_checked_errors(void)
{
    const size_t P = 10, B = 2000, S = 18, N = P * B, M = P * S;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 31);
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);
    const size_t P60 = (size_t)1 << 60;

    /* NULL with a non-empty range. */
    arm(out, ob);
    EXPECT_MSG("checked NULL weights", sw_sector_weights(NULL, N, d.c, N, P, S, out, M), SW_ERROR_NULL_POINTER,
               msgf("weights is NULL but must hold %zu elements", N));
    arm(out, ob);
    EXPECT_MSG("checked NULL sectors", sw_sector_weights(d.w, N, NULL, N, P, S, out, M), SW_ERROR_NULL_POINTER,
               msgf("sectors is NULL but must hold %zu elements", N));
    EXPECT_MSG("checked NULL out", sw_sector_weights(d.w, N, d.c, N, P, S, NULL, M), SW_ERROR_NULL_POINTER,
               msgf("out is NULL but must hold %zu elements", M));

    /* NULL with an empty range; empty work. */
    EXPECT_OK("checked all NULL, 0 portfolios", sw_sector_weights(NULL, 0, NULL, 0, 0, S, NULL, 0));
    EXPECT_OK("checked all NULL, 0 sectors", sw_sector_weights(NULL, 0, NULL, 0, P, 0, NULL, 0));
    EXPECT_OK("checked huge portfolio count, 0 sectors", sw_sector_weights(NULL, 0, NULL, 0, SIZE_MAX, 0, NULL, 0));
    fill_pattern(out, ob);
    EXPECT_OK("checked 0 bonds", sw_sector_weights(NULL, 0, NULL, 0, P, S, out, M));
    {
        size_t j = 0;
        while (j < M && out[j] == 0.0 && !signbit(out[j]))
            j++;
        CHECK(j == M, "checked with 0 bonds: out[%zu] is not +0.0", j);
    }

    /* Length mismatches. */
    arm(out, ob);
    EXPECT_MSG("checked sectors_len = weights_len - 1", sw_sector_weights(d.w, N, d.c, N - 1, P, S, out, M),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("sectors has %zu elements but must have %zu (one code per weight)", N - 1, N));
    arm(out, ob);
    EXPECT_MSG("checked sectors_len = weights_len + 1", sw_sector_weights(d.w, N, d.c, N + 1, P, S, out, M),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("sectors has %zu elements but must have %zu (one code per weight)", N + 1, N));
    arm(out, ob);
    EXPECT_MSG("checked sectors given, weights empty", sw_sector_weights(NULL, 0, d.c, 3, P, S, out, M),
               SW_ERROR_LENGTH_MISMATCH, "sectors has 3 elements but must have 0 (one code per weight)");
    arm(out, ob + 8);
    EXPECT_MSG("checked out_len one short", sw_sector_weights(d.w, N, d.c, N, P, S, out, M - 1),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("out has %zu elements but must have %zu (10 portfolios x 18 sectors)", M - 1, M));
    arm(out, ob + 8);
    EXPECT_MSG("checked out_len one long", sw_sector_weights(d.w, N, d.c, N, P, S, out, M + 1),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("out has %zu elements but must have %zu (10 portfolios x 18 sectors)", M + 1, M));
    arm(out, ob);
    EXPECT_MSG("checked weights_len not a multiple of num_portfolios",
               sw_sector_weights(d.w, N + 1, d.c, N + 1, P, S, out, M), SW_ERROR_LENGTH_MISMATCH,
               msgf("weights has %zu elements, not a multiple of num_portfolios = 10", N + 1));
    arm(out, ob);
    EXPECT_MSG("checked more portfolios than bonds", sw_sector_weights(d.w, N, d.c, N, N + 1, S, out, M),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("weights has %zu elements, not a multiple of num_portfolios = %zu", N, N + 1));
    EXPECT_MSG("checked bonds but 0 portfolios", sw_sector_weights(d.w, N, d.c, N, 0, S, NULL, 0),
               SW_ERROR_LENGTH_MISMATCH,
               msgf("weights has %zu elements but must have 0 (0 portfolios x 0 bonds)", N));

    /* Size overflow: products and byte sizes. */
    EXPECT_MSG("checked num_portfolios*num_sectors overflows", sw_sector_weights(NULL, 0, NULL, 0, SIZE_MAX, 2, NULL, 0),
               SW_ERROR_SIZE_OVERFLOW, "num_portfolios * num_sectors = 18446744073709551615 x 2 overflows size_t");
    EXPECT_MSG("checked output bytes = PTRDIFF_MAX + 1", sw_sector_weights(NULL, 0, NULL, 0, P60, 1, NULL, 0),
               SW_ERROR_SIZE_OVERFLOW, "the output of 1152921504606846976 x 1 doubles exceeds PTRDIFF_MAX bytes");
    EXPECT_MSG("checked output bytes overflow size_t",
               sw_sector_weights(NULL, 0, NULL, 0, (size_t)1 << 31, (size_t)1 << 31, NULL, 0), SW_ERROR_SIZE_OVERFLOW,
               "the output of 2147483648 x 2147483648 doubles exceeds PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked weights_len bytes = PTRDIFF_MAX + 1", sw_sector_weights(d.w, P60, d.c, N, P, S, out, M),
               SW_ERROR_SIZE_OVERFLOW,
               "weights would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked sectors_len bytes = PTRDIFF_MAX + 1",
               sw_sector_weights(d.w, N, d.c, (size_t)1 << 61, P, S, out, M), SW_ERROR_SIZE_OVERFLOW,
               "sectors would hold 2305843009213693952 elements of 4 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked sectors_len = SIZE_MAX", sw_sector_weights(d.w, N, d.c, SIZE_MAX, P, S, out, M),
               SW_ERROR_SIZE_OVERFLOW,
               "sectors would hold 18446744073709551615 elements of 4 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("checked out_len bytes = PTRDIFF_MAX + 1", sw_sector_weights(d.w, N, d.c, N, P, S, out, P60),
               SW_ERROR_SIZE_OVERFLOW,
               "out would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    if (sizeof(void *) == 8) {
        double *top = (double *)(uintptr_t)(UINTPTR_MAX - 7);
        EXPECT_MSG("checked out range wraps the address space", sw_sector_weights(NULL, 0, NULL, 0, 1, 2, top, 2),
                   SW_ERROR_SIZE_OVERFLOW,
                   msgf("out = %#" PRIxPTR " with 2 elements wraps around the address space", (uintptr_t)top));
    }

    /* Codes and weights, located. */
    {
        static const int32_t bad_codes[] = {-1, 18, INT32_MIN, INT32_MAX};
        for (size_t k = 0; k < 4; k++) {
            int32_t keep = d.c[7 * B + 1043];
            d.c[7 * B + 1043] = bad_codes[k];
            arm(out, ob);
            EXPECT_MSG(msgf("checked sector code %d", (int)bad_codes[k]), call_checked(&d, out),
                       SW_ERROR_SECTOR_OUT_OF_RANGE,
                       msgf("sector code %d at bond 1043 of portfolio 7 is outside 0..18", (int)bad_codes[k]));
            d.c[7 * B + 1043] = keep;
        }
        const double bad[] = {NAN, INFINITY, -INFINITY};
        const char *shown[] = {"NaN", "inf", "-inf"};
        for (size_t k = 0; k < 3; k++) {
            double keep = d.w[3 * B + 12];
            d.w[3 * B + 12] = bad[k];
            arm(out, ob);
            EXPECT_MSG(msgf("checked weight %s", shown[k]), call_checked(&d, out), SW_ERROR_NON_FINITE,
                       msgf("weight %s at bond 12 of portfolio 3 is not finite", shown[k]));
            d.w[3 * B + 12] = keep;
        }
    }

    /* num_sectors == 0 with bonds. */
    EXPECT_MSG("checked num_sectors 0 with bonds", sw_sector_weights(d.w, N, d.c, N, P, 0, NULL, 0),
               SW_ERROR_INVALID_ARGUMENT, msgf("num_sectors is 0 but there are %zu bonds to group", N));

    /* Overlap. */
    {
        double *sh = NEW(double, 64);
        int32_t codes[8] = {0, 1, 0, 1, 0, 1, 0, 1};
        arm(sh, 64 * sizeof(double));
        EXPECT_MSG("checked out overlaps weights", sw_sector_weights(sh, 8, codes, 8, 2, 2, sh + 7, 4),
                   SW_ERROR_OVERLAP, "output out overlaps weights");
        double *blk = NEW(double, 16);
        int32_t *cb = (int32_t *)(void *)blk;
        arm(blk, 16 * sizeof(double));
        EXPECT_MSG("checked out overlaps sectors", sw_sector_weights(sh, 8, cb, 8, 2, 2, blk + 3, 4),
                   SW_ERROR_OVERLAP, "output out overlaps sectors");
        free(blk);
        free(sh);
    }

    /* Misaligned. */
    {
        unsigned char *raw = NEW(unsigned char, (N + 8) * sizeof(double));
        const double *w1 = (const double *)(const void *)(raw + 1);
        const int32_t *c1 = (const int32_t *)(const void *)(raw + 1);
        double *o2 = (double *)(void *)(raw + 2);
        arm(out, ob);
        EXPECT_MSG("checked weights misaligned", sw_sector_weights(w1, N, d.c, N, P, S, out, M), SW_ERROR_MISALIGNED,
                   msgf("weights = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)w1));
        arm(out, ob);
        EXPECT_MSG("checked sectors misaligned", sw_sector_weights(d.w, N, c1, N, P, S, out, M), SW_ERROR_MISALIGNED,
                   msgf("sectors = %#" PRIxPTR " is not aligned to 4 bytes", (uintptr_t)c1));
        arm(raw, (N + 8) * sizeof(double));
        EXPECT_MSG("checked out misaligned", sw_sector_weights(d.w, N, d.c, N, P, S, o2, M), SW_ERROR_MISALIGNED,
                   msgf("out = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)o2));
        free(raw);
    }
    free(out);
    data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* sw_sector_weights_ragged and sw_sector_exposures: every failure                             */

static const size_t RAGGED_SIZES[] = {300, 0, 1200, 7, 493}; /* offsets 0 300 300 1500 1507 2000 */

static void test_ragged_errors(void)
{
    const size_t P = 5, S = 18, M = P * S;
    Data d = data_new(P, RAGGED_SIZES, 0, S, KIND_DYADIC_POS, 41);
    const size_t N = d.n;
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);
    int64_t *off = d.off;

    /* NULLs. */
    arm(out, ob);
    EXPECT_MSG("ragged NULL weights", sw_sector_weights_ragged(NULL, N, d.c, N, off, P + 1, S, 0, out, M),
               SW_ERROR_NULL_POINTER, "weights is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("ragged NULL sectors", sw_sector_weights_ragged(d.w, N, NULL, N, off, P + 1, S, 0, out, M),
               SW_ERROR_NULL_POINTER, "sectors is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("ragged NULL offsets", sw_sector_weights_ragged(d.w, N, d.c, N, NULL, P + 1, S, 0, out, M),
               SW_ERROR_NULL_POINTER, "offsets is NULL but must hold 6 elements");
    EXPECT_MSG("ragged NULL out", sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, S, 0, NULL, M),
               SW_ERROR_NULL_POINTER, "out is NULL but must hold 90 elements");
    EXPECT_MSG("ragged NULL offsets of length 0 (offsets must hold at least the 0)",
               sw_sector_weights_ragged(NULL, 0, NULL, 0, NULL, 0, S, 0, NULL, 0), SW_ERROR_BAD_OFFSETS,
               "offsets is empty but must hold num_portfolios + 1 elements, starting with 0");

    /* Empty work. */
    {
        int64_t zero[3] = {0, 0, 0};
        EXPECT_OK("ragged 0 portfolios", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 1, S, 0, NULL, 0));
        EXPECT_OK("ragged 0 portfolios, normalised",
                  sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 1, S, SW_NORMALIZE, NULL, 0));
        EXPECT_OK("ragged 2 empty portfolios, 0 sectors", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 0, 0, NULL, 0));
        double o8[8];
        fill_pattern(o8, sizeof o8);
        EXPECT_OK("ragged 2 empty portfolios", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 4, 0, o8, 8));
        int zeros = 1;
        for (int i = 0; i < 8; i++)
            zeros &= (o8[i] == 0.0);
        CHECK(zeros, "ragged: empty portfolios must give rows of zeros");
        arm(o8, sizeof o8);
        EXPECT_MSG("ragged normalise empty portfolios", sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 4, SW_NORMALIZE, o8, 8),
                   SW_ERROR_ZERO_TOTAL, "portfolio 0 (0 bonds) has a total of 0 and cannot be normalised");
        EXPECT_MSG("ragged normalise empty portfolios, 0 sectors",
                   sw_sector_weights_ragged(NULL, 0, NULL, 0, zero, 3, 0, SW_NORMALIZE, NULL, 0), SW_ERROR_ZERO_TOTAL,
                   "portfolio 0 (0 bonds) has a total of 0 and cannot be normalised");
    }

    /* Bad offsets. */
    {
        struct {
            size_t idx;
            int64_t val;
            const char *msg;
        } cases[] = {
            {0, 1, "offsets[0] is 1 but must be 0"},
            {0, -1, "offsets[0] is -1 but must be 0"},
            {0, INT64_MIN, "offsets[0] is -9223372036854775808 but must be 0"},
            {3, 299, "offsets[3] = 299 is less than offsets[2] = 300 (offsets must never decrease)"},
            {1, -5, "offsets[1] = -5 is less than offsets[0] = 0 (offsets must never decrease)"},
            {2, 2001, "offsets[2] = 2001 is past the end of the 2000 bonds"},
            {1, INT64_MAX, "offsets[1] = 9223372036854775807 is past the end of the 2000 bonds"},
            {5, 1999, "offsets[5] = 1999 but the last offset must equal the number of bonds, 2000"},
            {5, 2001, "offsets[5] = 2001 is past the end of the 2000 bonds"},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            int64_t keep = off[cases[k].idx];
            off[cases[k].idx] = cases[k].val;
            arm(out, ob);
            EXPECT_MSG(msgf("ragged bad offsets[%zu] = %" PRId64, cases[k].idx, cases[k].val),
                       call_ragged(&d, 0, out), SW_ERROR_BAD_OFFSETS, cases[k].msg);
            off[cases[k].idx] = keep;
        }
        arm(out, ob);
        EXPECT_MSG("ragged offsets shorter than the bonds", sw_sector_weights_ragged(d.w, N, d.c, N, off, 5, S, 0, out, 72),
                   SW_ERROR_BAD_OFFSETS, "offsets[4] = 1507 but the last offset must equal the number of bonds, 2000");
    }

    /* Flags. */
    arm(out, ob);
    EXPECT_MSG("ragged flags = 2", call_ragged(&d, 2, out), SW_ERROR_INVALID_ARGUMENT,
               "flags = 0x2 has bits other than SW_NORMALIZE (1)");
    arm(out, ob);
    EXPECT_MSG("ragged flags = all bits", call_ragged(&d, 0xFFFFFFFFu, out), SW_ERROR_INVALID_ARGUMENT,
               "flags = 0xffffffff has bits other than SW_NORMALIZE (1)");

    /* Zero totals. */
    arm(out, ob);
    EXPECT_MSG("ragged normalise with an empty portfolio", call_ragged(&d, SW_NORMALIZE, out), SW_ERROR_ZERO_TOTAL,
               "portfolio 1 (0 bonds) has a total of 0 and cannot be normalised");
    {
        double w[4] = {1.0, 2.0, 0.25, -0.25};
        int32_t c[4] = {0, 1, 0, 1};
        int64_t o[3] = {0, 2, 4};
        double o4[4];
        arm(o4, sizeof o4);
        EXPECT_MSG("ragged normalise a portfolio whose weights cancel",
                   sw_sector_weights_ragged(w, 4, c, 4, o, 3, 2, SW_NORMALIZE, o4, 4), SW_ERROR_ZERO_TOTAL,
                   "portfolio 1 (2 bonds) has a total of 0 and cannot be normalised");
    }

    /* Lengths and sizes. */
    arm(out, ob);
    EXPECT_MSG("ragged sectors_len mismatch", sw_sector_weights_ragged(d.w, N, d.c, N - 1, off, P + 1, S, 0, out, M),
               SW_ERROR_LENGTH_MISMATCH, "sectors has 1999 elements but must have 2000 (one code per weight)");
    arm(out, ob);
    EXPECT_MSG("ragged out_len mismatch", sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, S, 0, out, M - 1),
               SW_ERROR_LENGTH_MISMATCH, "out has 89 elements but must have 90 (5 portfolios x 18 sectors)");
    arm(out, ob);
    EXPECT_MSG("ragged offsets_len bytes = PTRDIFF_MAX + 1",
               sw_sector_weights_ragged(d.w, N, d.c, N, off, (size_t)1 << 60, S, 0, out, M), SW_ERROR_SIZE_OVERFLOW,
               "offsets would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    arm(out, ob);
    EXPECT_MSG("ragged num_portfolios*num_sectors overflows",
               sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, SIZE_MAX, 0, out, M), SW_ERROR_SIZE_OVERFLOW,
               "num_portfolios * num_sectors = 5 x 18446744073709551615 overflows size_t");
    EXPECT_MSG("ragged num_sectors 0 with bonds", sw_sector_weights_ragged(d.w, N, d.c, N, off, P + 1, 0, 0, NULL, 0),
               SW_ERROR_INVALID_ARGUMENT, "num_sectors is 0 but there are 2000 bonds to group");

    /* Codes and weights: the position is counted inside the portfolio. */
    {
        int32_t keep = d.c[300 + 17];
        d.c[300 + 17] = 18;
        arm(out, ob);
        EXPECT_MSG("ragged code at bond 17 of portfolio 2", call_ragged(&d, 0, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code 18 at bond 17 of portfolio 2 is outside 0..18");
        d.c[300 + 17] = keep;
        keep = d.c[1507];
        d.c[1507] = INT32_MIN;
        arm(out, ob);
        EXPECT_MSG("ragged code at bond 0 of portfolio 4", call_ragged(&d, SW_NORMALIZE, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code -2147483648 at bond 0 of portfolio 4 is outside 0..18");
        d.c[1507] = keep;
        double kw = d.w[1506];
        d.w[1506] = -INFINITY;
        arm(out, ob);
        EXPECT_MSG("ragged weight at bond 6 of portfolio 3", call_ragged(&d, 0, out), SW_ERROR_NON_FINITE,
                   "weight -inf at bond 6 of portfolio 3 is not finite");
        d.w[1506] = kw;
    }

    /* Overlap with offsets and weights; misaligned offsets. */
    {
        double *blk = NEW(double, 16);
        int64_t *ob6 = (int64_t *)(void *)blk;
        memcpy(ob6, off, 6 * sizeof(int64_t));
        arm(blk + 6, 10 * sizeof(double));
        watch(blk, 6 * sizeof(double));
        EXPECT_MSG("ragged out right after offsets (adjacent, but too short)",
                   sw_sector_weights_ragged(d.w, N, d.c, N, ob6, 6, S, 0, blk + 6, 10), SW_ERROR_LENGTH_MISMATCH,
                   "out has 10 elements but must have 90 (5 portfolios x 18 sectors)");
        arm(blk, 16 * sizeof(double));
        EXPECT_MSG("ragged out overlaps offsets", sw_sector_weights_ragged(NULL, 0, NULL, 0, ob6, 3, 2, 0, blk + 2, 4),
                   SW_ERROR_OVERLAP, "output out overlaps offsets");
        free(blk);
        double *sh = NEW(double, N + M);
        memcpy(sh, d.w, N * sizeof(double));
        arm(sh + N - 1, (M + 1) * sizeof(double));
        watch(sh, (N - 1) * sizeof(double));
        EXPECT_MSG("ragged out overlaps weights by one element",
                   sw_sector_weights_ragged(sh, N, d.c, N, off, P + 1, S, 0, sh + N - 1, M), SW_ERROR_OVERLAP,
                   "output out overlaps weights");
        free(sh);
        unsigned char *raw = NEW(unsigned char, 8 * 8);
        int64_t *o4 = (int64_t *)(void *)(raw + 4);
        memcpy(o4, off, 6 * sizeof(int64_t));
        arm(out, ob);
        EXPECT_MSG("ragged offsets misaligned", sw_sector_weights_ragged(d.w, N, d.c, N, o4, 6, S, 0, out, M),
                   SW_ERROR_MISALIGNED, msgf("offsets = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)o4));
        free(raw);
    }
    free(out);
    data_free(&d);
}

static void test_exposure_errors(void)
{
    const size_t P = 5, S = 18, M = P * S;
    Data d = data_new(P, RAGGED_SIZES, 0, S, KIND_DYADIC_POS, 51);
    const size_t N = d.n;
    double *out = NEW(double, M + SLACK);
    const size_t ob = M * sizeof(double);

    arm(out, ob);
    EXPECT_MSG("exposures NULL values",
               sw_sector_exposures(d.w, N, NULL, N, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_NULL_POINTER,
               "values is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("exposures NULL weights",
               sw_sector_exposures(NULL, N, d.v, N, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_NULL_POINTER,
               "weights is NULL but must hold 2000 elements");
    arm(out, ob);
    EXPECT_MSG("exposures values_len mismatch",
               sw_sector_exposures(d.w, N, d.v, N - 1, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_LENGTH_MISMATCH,
               "values has 1999 elements but must have 2000 (one value per weight)");
    arm(out, ob);
    EXPECT_MSG("exposures values_len bytes = PTRDIFF_MAX + 1",
               sw_sector_exposures(d.w, N, d.v, (size_t)1 << 60, d.c, N, d.off, P + 1, S, 0, out, M),
               SW_ERROR_SIZE_OVERFLOW,
               "values would hold 1152921504606846976 elements of 8 bytes, more than PTRDIFF_MAX bytes");
    EXPECT_OK("exposures empty", sw_sector_exposures(NULL, 0, NULL, 0, NULL, 0, d.off, 1, S, 0, NULL, 0));

    const double bad[] = {NAN, INFINITY, -INFINITY};
    const char *shown[] = {"NaN", "inf", "-inf"};
    for (size_t k = 0; k < 3; k++) {
        double keep = d.v[1506];
        d.v[1506] = bad[k];
        arm(out, ob);
        EXPECT_MSG(msgf("exposures value %s", shown[k]), call_expo(&d, 0, out), SW_ERROR_NON_FINITE,
                   msgf("value %s at bond 6 of portfolio 3 is not finite", shown[k]));
        d.v[1506] = keep;
    }
    {
        double kw = d.w[1506], kv = d.v[1506];
        d.w[1506] = NAN;
        d.v[1506] = INFINITY;
        arm(out, ob);
        EXPECT_MSG("exposures bad weight and value on one bond: the weight is named", call_expo(&d, 0, out),
                   SW_ERROR_NON_FINITE, "weight NaN at bond 6 of portfolio 3 is not finite");
        d.w[1506] = kw;
        d.v[1506] = kv;
        int32_t kc = d.c[1999];
        d.c[1999] = -1;
        arm(out, ob);
        EXPECT_MSG("exposures code at the last bond", call_expo(&d, SW_NORMALIZE, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code -1 at bond 492 of portfolio 4 is outside 0..18");
        d.c[1999] = kc;
    }
    arm(out, ob);
    EXPECT_MSG("exposures flags", call_expo(&d, 4, out), SW_ERROR_INVALID_ARGUMENT,
               "flags = 0x4 has bits other than SW_NORMALIZE (1)");
    {
        /* Zero total from zero values (portfolio 0), and from an empty portfolio (1). */
        double *v0 = NEW(double, N);
        memcpy(v0, d.v, N * sizeof(double));
        for (size_t i = 0; i < 300; i++)
            v0[i] = 0.0;
        arm(out, ob);
        EXPECT_MSG("exposures normalise zero exposure",
                   sw_sector_exposures(d.w, N, v0, N, d.c, N, d.off, P + 1, S, SW_NORMALIZE, out, M),
                   SW_ERROR_ZERO_TOTAL, "portfolio 0 (300 bonds) has a total of 0 and cannot be normalised");
        free(v0);
        arm(out, ob);
        EXPECT_MSG("exposures normalise an empty portfolio", call_expo(&d, SW_NORMALIZE, out), SW_ERROR_ZERO_TOTAL,
                   "portfolio 1 (0 bonds) has a total of 0 and cannot be normalised");
    }
    {
        double *sh = NEW(double, N + M);
        memcpy(sh, d.v, N * sizeof(double));
        arm(sh + 10, (N + M - 10) * sizeof(double));
        watch(sh, 10 * sizeof(double));
        EXPECT_MSG("exposures out overlaps values",
                   sw_sector_exposures(d.w, N, sh, N, d.c, N, d.off, P + 1, S, 0, sh + 10, M), SW_ERROR_OVERLAP,
                   "output out overlaps values");
        free(sh);
        unsigned char *raw = NEW(unsigned char, (N + 2) * sizeof(double));
        const double *v3 = (const double *)(const void *)(raw + 3);
        arm(out, ob);
        EXPECT_MSG("exposures values misaligned",
                   sw_sector_exposures(d.w, N, v3, N, d.c, N, d.off, P + 1, S, 0, out, M), SW_ERROR_MISALIGNED,
                   msgf("values = %#" PRIxPTR " is not aligned to 8 bytes", (uintptr_t)v3));
        free(raw);
    }
    free(out);
    data_free(&d);
}

static void test_num_threads_errors(void)
{
    size_t before = sw_get_num_threads();
    CHECK(before >= 1, "sw_get_num_threads() = %zu", before);
    EXPECT_MSG("sw_set_num_threads(4097)", sw_set_num_threads(4097), SW_ERROR_INVALID_ARGUMENT,
               "num_threads = 4097 is more than the limit of 4096");
    EXPECT_MSG("sw_set_num_threads(SIZE_MAX)", sw_set_num_threads(SIZE_MAX), SW_ERROR_INVALID_ARGUMENT,
               "num_threads = 18446744073709551615 is more than the limit of 4096");
    CHECK(sw_get_num_threads() == before, "a rejected sw_set_num_threads changed the pool size");

    EXPECT_OK("sw_set_num_threads(1)", sw_set_num_threads(1));
    CHECK(sw_get_num_threads() == 1, "after sw_set_num_threads(1): %zu threads", sw_get_num_threads());
    EXPECT_OK("sw_set_num_threads(3)", sw_set_num_threads(3));
    CHECK(sw_get_num_threads() == 3, "after sw_set_num_threads(3): %zu threads", sw_get_num_threads());
    EXPECT_OK("sw_set_num_threads(0)", sw_set_num_threads(0));
    size_t dflt = sw_get_num_threads(), want = default_threads_expected();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (want)
        CHECK(dflt == want, "default pool has %zu threads, RAYON_NUM_THREADS asks for %zu", dflt, want);
    else
        CHECK(dflt >= 1 && (cpus < 1 || dflt <= (size_t)cpus), "default pool has %zu threads, %ld CPUs online", dflt,
              cpus);
}

/* ------------------------------------------------------------------------------------------ */
/* Valid edge values                                                                           */

static void test_valid_values(void)
{
    /* Subnormals and -0.0 are ordinary numbers; negative weights are valid. */
    const double tiny = ldexp(1.0, -1074); /* smallest subnormal */
    double w[10] = {tiny, tiny, tiny, -0.0, -0.0, DBL_MIN / 2, -DBL_MIN / 4, -1.5, 2.25, -0.75};
    int32_t c[10] = {0, 0, 0, 1, 1, 2, 2, 4, 4, 4};
    double out[5];
    fill_pattern(out, sizeof out);
    EXPECT_OK("subnormal, -0.0 and negative weights", calculate_sector_weights(w, 1, c, 10, out, 5));
    CHECK(out[0] == 3 * tiny, "3 smallest subnormals sum to %g, expected %g", out[0], 3 * tiny);
    CHECK(out[1] == 0.0, "a sector of -0.0 weights sums to %g", out[1]);
    CHECK(out[2] == DBL_MIN / 4, "DBL_MIN/2 - DBL_MIN/4 gave %g", out[2]);
    CHECK(out[3] == 0.0 && !signbit(out[3]), "an empty sector must be +0.0, got %g", out[3]);
    CHECK(out[4] == 0.0, "-1.5 + 2.25 - 0.75 gave %g", out[4]);
    double out2[5];
    EXPECT_OK("the same through sw_sector_weights", sw_sector_weights(w, 10, c, 10, 1, 5, out2, 5));
    CHECK(memcmp(out, out2, sizeof out) == 0, "drop-in and sw_sector_weights differ");

    /* All-negative portfolio, normalised: rows still add up to 1. */
    double wn[4] = {-1.0, -3.0, -2.0, -2.0};
    int32_t cn[4] = {0, 1, 1, 2};
    int64_t on[2] = {0, 4};
    double o3[3];
    EXPECT_OK("normalise a short-only portfolio", sw_sector_weights_ragged(wn, 4, cn, 4, on, 2, 3, SW_NORMALIZE, o3, 3));
    CHECK(o3[0] == 0.125 && o3[1] == 0.625 && o3[2] == 0.25, "short-only normalised row: %g %g %g", o3[0], o3[1],
          o3[2]);

    /* Large finite weights are valid inputs. */
    double wl[2] = {DBL_MAX, -DBL_MAX};
    int32_t cl[2] = {0, 0};
    double ol[1];
    EXPECT_OK("DBL_MAX - DBL_MAX", calculate_sector_weights(wl, 1, cl, 2, ol, 1));
    CHECK(ol[0] == 0.0, "DBL_MAX - DBL_MAX gave %g", ol[0]);
}

/* ------------------------------------------------------------------------------------------ */
/* Correctness on random data, all entry points                                                */

static void check_all_entry_points(const char *label, const Data *d, int kind)
{
    const size_t M = d->P * d->S;
    double *a = NEW(double, M), *b = NEW(double, M), *r = NEW(double, M), *e = NEW(double, M);
    Ref ref = reference(d, 0);
    fill_pattern(a, M * sizeof(double));
    fill_pattern(b, M * sizeof(double));
    fill_pattern(r, M * sizeof(double));
    fill_pattern(e, M * sizeof(double));
    if (d->B || d->n == 0) {
        EXPECT_OK(msgf("%s: drop-in", label), call_dropin(d, a));
        EXPECT_OK(msgf("%s: sw_sector_weights", label), call_checked(d, b));
    }
    EXPECT_OK(msgf("%s: ragged", label), call_ragged(d, 0, r));
    if (d->B || d->n == 0) {
        if (kind == KIND_DYADIC || kind == KIND_DYADIC_POS)
            check_exact(msgf("%s: drop-in vs reference", label), a, ref.sum, M);
        else
            check_close(msgf("%s: drop-in vs reference", label), a, &ref, M);
        CHECK(memcmp(a, b, M * sizeof(double)) == 0, "%s: drop-in and sw_sector_weights differ", label);
        CHECK(memcmp(a, r, M * sizeof(double)) == 0, "%s: drop-in and ragged (uniform offsets) differ", label);
    } else if (kind == KIND_DYADIC || kind == KIND_DYADIC_POS) {
        check_exact(msgf("%s: ragged vs reference", label), r, ref.sum, M);
    } else {
        check_close(msgf("%s: ragged vs reference", label), r, &ref, M);
    }
    /* Exposures with every value 1.0 are the weights' sums, bit for bit. */
    double *ones = NEW(double, d->n);
    for (size_t i = 0; i < d->n; i++)
        ones[i] = 1.0;
    EXPECT_OK(msgf("%s: exposures x 1.0", label),
              sw_sector_exposures(d->w, d->n, ones, d->n, d->c, d->n, d->off, d->P + 1, d->S, 0, e, M));
    CHECK(memcmp(e, r, M * sizeof(double)) == 0, "%s: exposures with values 1.0 differ from weights", label);
    free(ones);
    /* Exposures with the real values. */
    Ref refv = reference(d, 1);
    EXPECT_OK(msgf("%s: exposures", label), call_expo(d, 0, e));
    if (kind == KIND_DYADIC || kind == KIND_DYADIC_POS)
        check_exact(msgf("%s: exposures vs reference", label), e, refv.sum, M);
    else
        check_close(msgf("%s: exposures vs reference", label), e, &refv, M);
    /* Normalised (positive data only: totals are never 0). */
    if (kind == KIND_DYADIC_POS && d->P && d->S) {
        int empty = 0;
        for (size_t p = 0; p < d->P; p++)
            empty |= d->off[p] == d->off[p + 1];
        if (!empty) {
            EXPECT_OK(msgf("%s: ragged normalised", label), call_ragged(d, SW_NORMALIZE, r));
            check_normalized(msgf("%s: ragged normalised vs reference", label), r, &ref, d->P, d->S);
            EXPECT_OK(msgf("%s: exposures normalised", label), call_expo(d, SW_NORMALIZE, e));
            check_normalized(msgf("%s: exposures normalised vs reference", label), e, &refv, d->P, d->S);
        }
    }
    ref_free(&refv);
    ref_free(&ref);
    free(a);
    free(b);
    free(r);
    free(e);
}

static void test_random_correctness(void)
{
    static const struct {
        size_t P, B, S;
        int kind;
    } shapes[] = {
        {1, 1, 1, KIND_DYADIC},        {1, 100, 18, KIND_DYADIC},     {3, 5, 2, KIND_DYADIC_POS},
        {4, 7, 3, KIND_DYADIC_POS},    {7, 333, 65, KIND_DYADIC},     {2, 1000, 100, KIND_DYADIC_POS},
        {20, 50000, 18, KIND_ARTICLE}, {20, 50000, 18, KIND_DYADIC},  {3, 200000, 18, KIND_DYADIC},
        {1, 1000000, 18, KIND_DYADIC}, {1, 70000, 3, KIND_DYADIC_POS}, {50000, 3, 40, KIND_DYADIC_POS},
        {2, 40000, 300, KIND_MIXED},   {0, 0, 18, KIND_DYADIC},       {5, 0, 18, KIND_DYADIC},
        {1, 16384, 1, KIND_MIXED},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        Data d = data_new(shapes[i].P, NULL, shapes[i].B, shapes[i].S, shapes[i].kind, 1000 + i);
        check_all_entry_points(msgf("random %zu x %zu x %zu (kind %d)", shapes[i].P, shapes[i].B, shapes[i].S,
                                    shapes[i].kind),
                               &d, shapes[i].kind);
        data_free(&d);
    }
    /* Ragged shapes: empty portfolios, a large one that is chunked, tiny ones. */
    {
        const size_t sizes[] = {1, 70000, 0, 150000, 33, 0, 65536, 65537};
        Data d = data_new(8, sizes, 0, 30, KIND_DYADIC, 77);
        check_all_entry_points("random ragged with empty and chunked portfolios", &d, KIND_DYADIC);
        data_free(&d);
        const size_t sizes2[] = {300, 1, 1200, 7, 493, 65, 2};
        d = data_new(7, sizes2, 0, 18, KIND_DYADIC_POS, 78);
        check_all_entry_points("random ragged, all non-empty", &d, KIND_DYADIC_POS);
        data_free(&d);
        const size_t sizes3[] = {40000, 40000};
        d = data_new(2, sizes3, 0, 18, KIND_MIXED, 79);
        check_all_entry_points("random ragged mixed-sign", &d, KIND_MIXED);
        data_free(&d);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Determinism: bit-identical for every thread count                                           */

static void test_determinism(void)
{
    const size_t sizes[] = {1, 70000, 0, 150000, 33, 131072, 65537};
    Data ds[3];
    ds[0] = data_new(3, NULL, 200000, 18, KIND_MIXED, 501);
    ds[1] = data_new(1, NULL, 1000000, 18, KIND_MIXED, 502);
    ds[2] = data_new(7, sizes, 0, 100, KIND_MIXED, 503);
    static const size_t threads[] = {1, 2, 3, 0, 1};
    for (int k = 0; k < 3; k++) {
        const Data *d = &ds[k];
        const size_t M = d->P * d->S;
        double *first[4], *cur[4];
        for (int f = 0; f < 4; f++) {
            first[f] = NEW(double, M);
            cur[f] = NEW(double, M);
        }
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            CHECK(sw_set_num_threads(threads[t]) == SW_OK, "sw_set_num_threads(%zu) failed", threads[t]);
            double **dst = t == 0 ? first : cur;
            int32_t st[4];
            st[0] = d->B ? call_dropin(d, dst[0]) : call_ragged(d, 0, dst[0]);
            st[1] = d->B ? call_checked(d, dst[1]) : call_ragged(d, 0, dst[1]);
            st[2] = call_expo(d, 0, dst[2]);
            st[3] = call_ragged(d, 0, dst[3]);
            for (int f = 0; f < 4; f++) {
                CHECK(st[f] == SW_OK, "determinism data %d, threads %zu, entry %d: status %d", k, threads[t], f,
                      (int)st[f]);
                if (t > 0)
                    CHECK(memcmp(first[f], cur[f], M * sizeof(double)) == 0,
                          "determinism data %d entry %d: %zu threads differ from 1 thread", k, f, threads[t]);
            }
        }
        if (d->B) {
            Ref ref = reference(d, 0);
            check_close(msgf("determinism data %d vs reference", k), first[0], &ref, M);
            ref_free(&ref);
        }
        for (int f = 0; f < 4; f++) {
            free(first[f]);
            free(cur[f]);
        }
    }
    /* The reported error does not depend on the thread count either. */
    Data *d = &ds[0];
    d->w[1 * 200000 + 199999] = NAN;       /* portfolio 1, last bond */
    d->c[2 * 200000 + 5] = 18;             /* portfolio 2 */
    d->c[0 * 200000 + 150000] = -7;        /* portfolio 0, third chunk */
    d->w[0 * 200000 + 70000] = INFINITY;   /* portfolio 0, second chunk: the first bad bond */
    double *out = NEW(double, d->P * d->S);
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        sw_set_num_threads(threads[t]);
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("first error with %zu threads", threads[t]), call_dropin(d, out), SW_ERROR_NON_FINITE,
                   "weight inf at bond 70000 of portfolio 0 is not finite");
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("first error (ragged) with %zu threads", threads[t]), call_ragged(d, 0, out),
                   SW_ERROR_NON_FINITE, "weight inf at bond 70000 of portfolio 0 is not finite");
    }
    d->w[70000] = 0.5;
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        sw_set_num_threads(threads[t]);
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("error in the third chunk with %zu threads", threads[t]), call_checked(d, out),
                   SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code -7 at bond 150000 of portfolio 0 is outside 0..18");
    }
    d->c[150000] = 1;
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        sw_set_num_threads(threads[t]);
        arm(out, d->P * d->S * sizeof(double));
        EXPECT_MSG(msgf("lowest failing portfolio wins with %zu threads", threads[t]), call_dropin(d, out),
                   SW_ERROR_NON_FINITE, "weight NaN at bond 199999 of portfolio 1 is not finite");
    }
    d->w[200000 + 199999] = 0.5;
    arm(out, d->P * d->S * sizeof(double));
    EXPECT_MSG("large: code at bond 5 of portfolio 2", call_checked(d, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
               "sector code 18 at bond 5 of portfolio 2 is outside 0..18");
    d->c[400005] = 2;
    {
        /* 1 x 1,000,000: a bad bond deep inside one portfolio. */
        Data *one = &ds[1];
        one->c[987654] = INT32_MAX;
        arm(out, 18 * sizeof(double));
        watch(one->w, one->n * sizeof(double));
        EXPECT_MSG("1 x 1e6: code at bond 987654", call_dropin(one, out), SW_ERROR_SECTOR_OUT_OF_RANGE,
                   "sector code 2147483647 at bond 987654 of portfolio 0 is outside 0..18");
        one->c[987654] = 0;
    }
    sw_set_num_threads(0);
    free(out);
    for (int k = 0; k < 3; k++)
        data_free(&ds[k]);
}

/* ------------------------------------------------------------------------------------------ */
/* Output much larger than the input (the library checks everything, then writes directly)     */

static void test_wide_output(void)
{
    const size_t P = 40000, B = 2, S = 50, M = P * S;
    Data d = data_new(P, NULL, B, S, KIND_DYADIC, 601);
    double *out = NEW(double, M);
    Ref ref = reference(&d, 0);
    static const size_t threads[] = {1, 2, 0};
    for (size_t t = 0; t < 3; t++) {
        sw_set_num_threads(threads[t]);
        d.c[(P - 1) * B + 1] = 50;
        arm(out, M * sizeof(double));
        EXPECT_MSG(msgf("wide output: bad code in the last portfolio, %zu threads", threads[t]), call_dropin(&d, out),
                   SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code 50 at bond 1 of portfolio 39999 is outside 0..50");
        d.c[(P - 1) * B + 1] = 3;
        d.w[(P / 2) * B] = NAN;
        arm(out, M * sizeof(double));
        EXPECT_MSG(msgf("wide output: NaN in the middle, %zu threads", threads[t]), call_checked(&d, out),
                   SW_ERROR_NON_FINITE, "weight NaN at bond 0 of portfolio 20000 is not finite");
        d.w[(P / 2) * B] = 0.125;
    }
    ref_free(&ref);
    ref = reference(&d, 0);
    fill_pattern(out, M * sizeof(double));
    EXPECT_OK("wide output: success", call_dropin(&d, out));
    check_exact("wide output vs reference (empty sectors are 0)", out, ref.sum, M);
    double *one_sector = NEW(double, 4 * 100000);
    Data d2 = data_new(4, NULL, 3, 100000, KIND_DYADIC, 602);
    Ref r2 = reference(&d2, 0);
    fill_pattern(one_sector, 4 * 100000 * sizeof(double));
    EXPECT_OK("100,000 sectors, 3 bonds", call_checked(&d2, one_sector));
    check_exact("100,000 sectors vs reference", one_sector, r2.sum, 4 * 100000);
    ref_free(&r2);
    data_free(&d2);
    free(one_sector);
    sw_set_num_threads(0);
    ref_free(&ref);
    free(out);
    data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* Concurrency: 8 threads calling at once while another resizes the pool                      */

#define CC_WORKERS 8

static struct {
    Data small, big, rag, expo;
    double *e_small, *e_big, *e_rag, *e_expo;
    pthread_barrier_t start;
    int done;
    int iters;
} g_cc;

typedef struct {
    int id;
    long calls, errors_checked;
} CcWorker;

/* Reads this thread's detail and compares it with `want` (NULL: must be empty). */
static void cc_expect(const CcWorker *w, const char *what, int32_t got, int32_t want, const char *want_msg)
{
    char msg[512];
    size_t n = sw_last_error_message(msg, sizeof msg);
    CHECK(got == want, "thread %d %s: status %d (%s), expected %d; detail \"%s\"", w->id, what, (int)got,
          status_name(got), (int)want, msg);
    if (want_msg)
        CHECK(strcmp(msg, want_msg) == 0 && n == strlen(want_msg), "thread %d %s: detail \"%s\", expected \"%s\"",
              w->id, what, msg, want_msg);
    else
        CHECK(n == 0 && msg[0] == '\0', "thread %d %s: unexpected detail \"%s\"", w->id, what, msg);
}

static void *cc_worker(void *arg)
{
    CcWorker *w = (CcWorker *)arg;
    const int id = w->id;
    const Data *sm = &g_cc.small, *bg = &g_cc.big, *rg = &g_cc.rag, *ex = &g_cc.expo;
    /* Private copies to corrupt, and private outputs. */
    int32_t *my_codes = NEW(int32_t, sm->n);
    memcpy(my_codes, sm->c, sm->n * sizeof(int32_t));
    double *my_big_w = NEW(double, bg->n);
    memcpy(my_big_w, bg->w, bg->n * sizeof(double));
    int64_t my_off[6];
    memcpy(my_off, rg->off, sizeof my_off);
    size_t out_n = ex->P * ex->S;
    if (bg->P * bg->S > out_n)
        out_n = bg->P * bg->S;
    if (sm->P * sm->S > out_n)
        out_n = sm->P * sm->S;
    if (rg->P * rg->S > out_n)
        out_n = rg->P * rg->S;
    double *out = NEW(double, out_n);
    unsigned char *snap = NEW(unsigned char, out_n * sizeof(double));
    char want[256];

    pthread_barrier_wait(&g_cc.start);
    for (int it = 0; it < g_cc.iters; it++) {
        int32_t st;
        switch ((id + it) % 7) {
        case 0:
            st = call_dropin(sm, out);
            cc_expect(w, "drop-in", st, SW_OK, NULL);
            CHECK(memcmp(out, g_cc.e_small, sm->P * sm->S * sizeof(double)) == 0, "thread %d: drop-in result differs",
                  id);
            break;
        case 1:
            st = call_checked(bg, out);
            cc_expect(w, "sw_sector_weights (pool)", st, SW_OK, NULL);
            CHECK(memcmp(out, g_cc.e_big, bg->P * bg->S * sizeof(double)) == 0,
                  "thread %d: sw_sector_weights result differs", id);
            break;
        case 2:
            st = call_ragged(rg, SW_NORMALIZE, out);
            cc_expect(w, "ragged normalised", st, SW_OK, NULL);
            CHECK(memcmp(out, g_cc.e_rag, rg->P * rg->S * sizeof(double)) == 0, "thread %d: ragged result differs",
                  id);
            break;
        case 3:
            st = call_expo(ex, 0, out);
            cc_expect(w, "exposures (pool)", st, SW_OK, NULL);
            CHECK(memcmp(out, g_cc.e_expo, ex->P * ex->S * sizeof(double)) == 0,
                  "thread %d: exposures result differs", id);
            break;
        case 4: {
            size_t p = (size_t)(id % 4), b = (size_t)(id * 37 + it % 50);
            my_codes[p * sm->B + b] = 100 + id;
            fill_pattern(out, out_n * sizeof(double));
            memcpy(snap, out, out_n * sizeof(double));
            st = calculate_sector_weights(sm->w, sm->P, my_codes, sm->B, out, sm->S);
            snprintf(want, sizeof want, "sector code %d at bond %zu of portfolio %zu is outside 0..18", 100 + id, b, p);
            for (int y = 0; y < 3; y++)
                sched_yield(); /* let the other threads fail and succeed in between */
            cc_expect(w, "bad code", st, SW_ERROR_SECTOR_OUT_OF_RANGE, want);
            CHECK(memcmp(out, snap, out_n * sizeof(double)) == 0, "thread %d: output changed on error", id);
            my_codes[p * sm->B + b] = sm->c[p * sm->B + b];
            w->errors_checked++;
            break;
        }
        case 5: {
            size_t b = (size_t)(1000 * id + it);
            my_big_w[b] = NAN;
            fill_pattern(out, out_n * sizeof(double));
            memcpy(snap, out, out_n * sizeof(double));
            st = sw_sector_weights(my_big_w, bg->n, bg->c, bg->n, bg->P, bg->S, out, bg->P * bg->S);
            snprintf(want, sizeof want, "weight NaN at bond %zu of portfolio 0 is not finite", b);
            sched_yield();
            cc_expect(w, "NaN weight (pool)", st, SW_ERROR_NON_FINITE, want);
            CHECK(memcmp(out, snap, out_n * sizeof(double)) == 0, "thread %d: output changed on error", id);
            my_big_w[b] = bg->w[b];
            w->errors_checked++;
            break;
        }
        default: {
            my_off[2] = 290 - id;
            fill_pattern(out, out_n * sizeof(double));
            memcpy(snap, out, out_n * sizeof(double));
            st = sw_sector_weights_ragged(rg->w, rg->n, rg->c, rg->n, my_off, 6, rg->S, 0, out, rg->P * rg->S);
            snprintf(want, sizeof want,
                     "offsets[2] = %d is less than offsets[1] = %" PRId64 " (offsets must never decrease)", 290 - id,
                     rg->off[1]);
            cc_expect(w, "bad offsets", st, SW_ERROR_BAD_OFFSETS, want);
            CHECK(memcmp(out, snap, out_n * sizeof(double)) == 0, "thread %d: output changed on error", id);
            my_off[2] = rg->off[2];
            w->errors_checked++;
            break;
        }
        }
        w->calls++;
    }
    free(my_codes);
    free(my_big_w);
    free(out);
    free(snap);
    return NULL;
}

static void *cc_resizer(void *arg)
{
    long *rounds = (long *)arg;
    static const size_t seq[] = {1, 2, 3, 4, 0, 2};
    pthread_barrier_wait(&g_cc.start);
    while (!__atomic_load_n(&g_cc.done, __ATOMIC_ACQUIRE)) {
        size_t n = seq[*rounds % 6];
        int32_t st = sw_set_num_threads(n);
        CHECK(st == SW_OK, "resizer: sw_set_num_threads(%zu) = %d", n, (int)st);
        size_t got = sw_get_num_threads();
        CHECK(got >= 1, "resizer: sw_get_num_threads() = %zu", got);
        (*rounds)++;
    }
    return NULL;
}

static void test_concurrency(void)
{
    const size_t sizes[] = {300, 0, 1200, 7, 493};
    g_cc.small = data_new(4, NULL, 500, 18, KIND_DYADIC, 701);
    g_cc.big = data_new(1, NULL, 150000, 18, KIND_MIXED, 702); /* several chunks: runs on the pool */
    g_cc.rag = data_new(5, sizes, 0, 18, KIND_DYADIC_POS, 703);
    g_cc.rag.off[2] = 300; /* portfolio 1 is empty: give it one bond so normalising works */
    g_cc.rag.off[1] = 299;
    g_cc.expo = data_new(2, NULL, 35000, 7, KIND_MIXED, 704);
    g_cc.iters = g_quick ? 28 : 140;
    const Data *ds[4] = {&g_cc.small, &g_cc.big, &g_cc.rag, &g_cc.expo};
    double **es[4] = {&g_cc.e_small, &g_cc.e_big, &g_cc.e_rag, &g_cc.e_expo};
    sw_set_num_threads(1);
    for (int k = 0; k < 4; k++) {
        *es[k] = NEW(double, ds[k]->P * ds[k]->S);
        int32_t st = k == 0 ? call_dropin(ds[k], *es[k])
                     : k == 1 ? call_checked(ds[k], *es[k])
                     : k == 2 ? call_ragged(ds[k], SW_NORMALIZE, *es[k])
                              : call_expo(ds[k], 0, *es[k]);
        CHECK(st == SW_OK, "concurrency fixture %d: status %d", k, (int)st);
    }
    {
        Ref r = reference(&g_cc.small, 0);
        check_exact("concurrency fixture vs reference", g_cc.e_small, r.sum, 4 * 18);
        ref_free(&r);
    }
    sw_set_num_threads(0);

    pthread_t th[CC_WORKERS + 1];
    CcWorker ws[CC_WORKERS];
    long rounds = 0;
    g_cc.done = 0;
    pthread_barrier_init(&g_cc.start, NULL, CC_WORKERS + 1);
    int started = 0;
    for (int i = 0; i < CC_WORKERS; i++) {
        ws[i].id = i;
        ws[i].calls = 0;
        ws[i].errors_checked = 0;
        started += pthread_create(&th[i], NULL, cc_worker, &ws[i]) == 0;
    }
    started += pthread_create(&th[CC_WORKERS], NULL, cc_resizer, &rounds) == 0;
    CHECK(started == CC_WORKERS + 1, "only %d of %d threads started", started, CC_WORKERS + 1);
    if (started != CC_WORKERS + 1)
        exit(1); /* the barrier would never open */
    long calls = 0, errs = 0;
    for (int i = 0; i < CC_WORKERS; i++) {
        pthread_join(th[i], NULL);
        calls += ws[i].calls;
        errs += ws[i].errors_checked;
    }
    __atomic_store_n(&g_cc.done, 1, __ATOMIC_RELEASE);
    pthread_join(th[CC_WORKERS], NULL);
    pthread_barrier_destroy(&g_cc.start);
    CHECK(calls == (long)CC_WORKERS * g_cc.iters, "workers made %ld calls, expected %ld", calls,
          (long)CC_WORKERS * g_cc.iters);
    CHECK(rounds >= 1, "the resizer never ran");
    printf("  concurrency: %d threads made %ld calls (%ld failing on purpose) while the pool was resized %ld times\n",
           CC_WORKERS, calls, errs, rounds);
    sw_set_num_threads(0);
    for (int k = 0; k < 4; k++) {
        free(*es[k]);
        data_free((Data *)ds[k]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* SW_ERROR_THREAD_POOL and SW_ERROR_OUT_OF_MEMORY, in forked children under RLIMIT_AS         */
/* Run first, before this process has any pool or threads, so that fork() is safe.            */

static long vm_size_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

/* Limits this process's address space to what it uses now plus headroom. */
static int limit_address_space(long headroom)
{
    long vm = vm_size_bytes();
    if (vm < 0)
        return -1;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0)
        return -1;
    rl.rlim_cur = (rlim_t)(vm + headroom);
    return setrlimit(RLIMIT_AS, &rl);
}

/* Child-side check: one line per check on fd: "ok <what>" or "FAIL <what>: <why>". */
static void child_report(int fd, int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void child_report(int fd, int ok, const char *what, const char *fmt, ...)
{
    char why[600], line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    int n = snprintf(line, sizeof line, "%s %s: %s\n", ok ? "ok" : "FAIL", what, why);
    if (n > 0 && write(fd, line, (size_t)n) < 0)
        _exit(3);
}

/* A call that needs the pool when none can start: SW_ERROR_THREAD_POOL with the output untouched,
 * or (if the library falls back to the calling thread) the right result. Anything else fails. */
static void child_pool_call(int fd, const char *what, const Data *d)
{
    const size_t M = d->P * d->S;
    double *out = NEW(double, M);
    unsigned char *snap = NEW(unsigned char, M * sizeof(double));
    char msg[512];
    Ref ref = reference(d, 0);
    fill_pattern(out, M * sizeof(double));
    memcpy(snap, out, M * sizeof(double));
    int32_t st = call_dropin(d, out);
    sw_last_error_message(msg, sizeof msg);
    int unchanged = memcmp(out, snap, M * sizeof(double)) == 0;
    size_t j = 0;
    while (j < M && out[j] == ref.sum[j])
        j++;
    child_report(fd,
                 (st == SW_ERROR_THREAD_POOL && unchanged && strstr(msg, "could not start a pool") != NULL) ||
                     (st == SW_OK && j == M),
                 what, "status %d (%s), detail \"%s\", output %s", (int)st, status_name(st), msg,
                 st == SW_OK ? (j == M ? "correct" : "WRONG") : (unchanged ? "unchanged" : "CHANGED"));
    ref_free(&ref);
    free(out);
    free(snap);
}

static void child_thread_pool(int fd)
{
    Data small = data_new(2, NULL, 100, 18, KIND_DYADIC, 801);
    Data one_big = data_new(1, NULL, 200000, 18, KIND_DYADIC, 802);    /* several chunks */
    Data many = data_new(8, NULL, 40000, 18, KIND_DYADIC, 804);        /* several portfolios */
    double out[36];
    char msg[512];
    if (limit_address_space(512L << 10) != 0) {
        child_report(fd, 0, "setrlimit", "errno %d", errno);
        return;
    }
    /* A worker thread's stack (2 MiB) no longer fits. */
    int32_t st = sw_set_num_threads(2);
    sw_last_error_message(msg, sizeof msg);
    child_report(fd, st == SW_ERROR_THREAD_POOL && strstr(msg, "could not start a pool of 2 threads") != NULL,
                 "sw_set_num_threads(2) without address space", "status %d, detail \"%s\"", (int)st, msg);
    size_t n = sw_get_num_threads();
    sw_last_error_message(msg, sizeof msg);
    child_report(fd, n == 0 && strstr(msg, "could not start a pool of 0 threads (0 = default)") != NULL,
                 "sw_get_num_threads() without a pool", "returned %zu, detail \"%s\"", n, msg);
    child_pool_call(fd, "1 x 200,000 bonds without a pool", &one_big);
    child_pool_call(fd, "8 x 40,000 bonds without a pool", &many);
    st = call_dropin(&small, out);
    child_report(fd, st == SW_OK, "a small call runs inline without the pool", "status %d", (int)st);
}

static void child_out_of_memory(int fd)
{
    /* 10,000 one-bond portfolios x 1,000 sectors, normalised: the scratch table is 80 MB, more
     * than glibc serves from an existing arena, so it needs new address space. */
    const size_t P = 10000, S = 1000, M = P * S;
    Data d = data_new(P, NULL, 1, S, KIND_DYADIC_POS, 803);
    double *out = NEW(double, M);
    char msg[512];
    int32_t st = sw_set_num_threads(2); /* start the pool before the limit */
    child_report(fd, st == SW_OK, "pool started", "status %d", (int)st);
    st = call_ragged(&d, SW_NORMALIZE, out);
    child_report(fd, st == SW_OK, "the same call succeeds without a limit", "status %d", (int)st);
    fill_pattern(out, M * sizeof(double));
    unsigned char *snap = NEW(unsigned char, M * sizeof(double));
    memcpy(snap, out, M * sizeof(double));
    if (limit_address_space(4L << 20) != 0) {
        child_report(fd, 0, "setrlimit", "errno %d", errno);
        return;
    }
    st = call_ragged(&d, SW_NORMALIZE, out);
    sw_last_error_message(msg, sizeof msg);
    child_report(fd, st == SW_ERROR_OUT_OF_MEMORY && strstr(msg, "could not allocate") != NULL,
                 "normalising 80 MB without address space", "status %d (%s), detail \"%s\"", (int)st,
                 status_name(st), msg);
    child_report(fd, memcmp(out, snap, M * sizeof(double)) == 0, "output unchanged after SW_ERROR_OUT_OF_MEMORY",
                 "%s", "compared all 80 MB");
}

static void run_child(const char *name, void (*fn)(int))
{
    int fds[2];
    if (pipe(fds) != 0) {
        CHECK(0, "%s: pipe failed", name);
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        CHECK(0, "%s: fork failed", name);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        fn(fds[1]);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    char buf[8192];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child %s %d; it reported:\n%s", name,
          WIFSIGNALED(status) ? "killed by signal" : "exited with", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
          buf);
    int lines = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        lines++;
        CHECK(strncmp(line, "ok ", 3) == 0, "%s (child): %s", name, line);
        if (g_verbose)
            printf("  child: %s\n", line);
    }
    CHECK(lines >= 2, "%s: the child reported only %d checks", name, lines);
}

static void test_resource_failures(void)
{
    if (SW_UNDER_ASAN) {
        skip("SW_ERROR_THREAD_POOL / SW_ERROR_OUT_OF_MEMORY under RLIMIT_AS",
             "AddressSanitizer needs the address space");
        return;
    }
    if (under_valgrind()) {
        skip("SW_ERROR_THREAD_POOL / SW_ERROR_OUT_OF_MEMORY under RLIMIT_AS", "valgrind needs the address space");
        return;
    }
    run_child("thread pool cannot start", child_thread_pool);
    run_child("scratch cannot be allocated", child_out_of_memory);
}

/* ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            g_quick = 1;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            g_verbose = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick] [--verbose]\n", argv[0]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sector-weights %s C API test%s%s%s\n", sw_version(),
#ifdef __cplusplus
           " (compiled as C++)",
#else
           "",
#endif
           SW_UNDER_ASAN ? " (AddressSanitizer)" : "", under_valgrind() ? " (valgrind)" : "");

    static const struct {
        const char *name;
        void (*fn)(void);
    } suites[] = {
        /* First: forks, which is only safe before the library has started any thread. */
        {"resource failures (thread pool, out of memory)", test_resource_failures},
        {"default thread count", NULL},
        {"status messages", test_status_messages},
        {"version", test_version},
        {"sw_last_error_message", test_last_error_message},
        {"calculate_sector_weights errors", test_dropin_errors},
        {"sw_sector_weights errors", test_checked_errors},
        {"sw_sector_weights_ragged errors", test_ragged_errors},
        {"sw_sector_exposures errors", test_exposure_errors},
        {"sw_set_num_threads", test_num_threads_errors},
        {"valid edge values", test_valid_values},
        {"random data vs reference", test_random_correctness},
        {"determinism across thread counts", test_determinism},
        {"wide output", test_wide_output},
        {"concurrency", test_concurrency},
    };
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        long f0 = g_fail, p0 = g_pass;
        if (suites[i].fn) {
            suites[i].fn();
        } else {
            /* Before anything sets it: the default follows RAYON_NUM_THREADS when set. */
            size_t want = default_threads_expected(), got = sw_get_num_threads();
            if (want)
                CHECK(got == want, "default pool: %zu threads, RAYON_NUM_THREADS asks for %zu", got, want);
            else
                CHECK(got >= 1, "default pool: %zu threads", got);
        }
        printf("%-52s %5ld checks%s\n", suites[i].name, (g_pass - p0) + (g_fail - f0),
               g_fail > f0 ? "  FAILED" : "");
    }
    if (g_skip)
        printf("%ld skipped (see above)\n", g_skip);
    printf("%ld passed, %ld failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
