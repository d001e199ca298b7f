/*
 * helpers.c - the shared part of the C API test: bookkeeping, watched buffers, the random data,
 * the naive reference and one call per entry point (declared and described in helpers.h).
 */
#include "helpers.h"

#include <float.h>
#include <stdarg.h>

/* Bookkeeping                                                                                 */

long g_pass, g_fail, g_skip;
int g_quick, g_verbose;

void check_(int ok, const char *file, int line, const char *fmt, ...)
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
    fprintf(stderr, "FAIL (%s:%d): %s\n", file, line, buf);
}

void skip(const char *what, const char *why)
{
    g_skip++;
    printf("  skipped: %s (%s)\n", what, why);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test_api: out of memory allocating %zu bytes\n", n);
        exit(2);
    }
    return p;
}

const char *msgf(const char *fmt, ...)
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

/* ------------------------------------------------------------------------------------------ */
/* Watched buffers: filled with a sentinel pattern, snapshotted, compared after the call.      */

#define MAX_WATCH 6
static struct {
    const unsigned char *p;
    size_t n;
    unsigned char *snap;
} g_watch[MAX_WATCH];
static int g_nwatch;

void fill_pattern(void *p, size_t n)
{
    unsigned char *b = (unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(0xA5u ^ (unsigned)(i * 31u));
}

/* Remember the current bytes of p[0..n) (an input, or an already-armed output). */
void watch(const void *p, size_t n)
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
void arm(void *p, size_t n)
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
void expect(const char *label, int32_t got, int32_t want, const char *exact, const char *sub1,
                   const char *sub2)
{
    char msg[2048];
    size_t full = sw_last_error_message(msg, sizeof msg);
    CHECK(got == want, "%s: status %d (%s), expected %d (%s); detail: \"%s\"", label, (int)got,
          sw_status_name(got), (int)want, sw_status_name(want), msg);
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

Data data_new(size_t P, const size_t *sizes, size_t B, size_t S, int kind, uint64_t seed)
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

void data_free(Data *d)
{
    free(d->w);
    free(d->v);
    free(d->c);
    free(d->off);
    memset(d, 0, sizeof *d);
}

/* The obvious loop: out[p*S + c[i]] += w[i] (* v[i]); also sum |terms| and counts for bounds. */
Ref reference(const Data *d, int use_values)
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

void ref_free(Ref *r)
{
    free(r->sum);
    free(r->abs);
    free(r->cnt);
}

/* Exact equality (dyadic data: every summation order gives the same, exact, result). */
void check_exact(const char *label, const double *got, const double *want, size_t m)
{
    size_t i = 0;
    while (i < m && got[i] == want[i])
        i++;
    CHECK(i == m, "%s: element %zu of %zu is %.17g, expected %.17g", label, i, m, i < m ? got[i] : 0.0,
          i < m ? want[i] : 0.0);
}

/* Within the rounding bound of two different summation orders of the same cnt terms:
 * |a - b| <= 2 * cnt * eps * sum|terms|. */
void check_close(const char *label, const double *got, const Ref *r, size_t m)
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
void check_normalized(const char *label, const double *got, const Ref *r, size_t P, size_t S)
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

int32_t call_dropin(const Data *d, double *out)
{
    return calculate_sector_weights(d->w, d->P, d->c, d->B, out, d->S);
}
int32_t call_checked(const Data *d, double *out)
{
    return sw_sector_weights(d->w, d->n, d->c, d->n, d->P, d->S, out, d->P * d->S);
}
int32_t call_ragged(const Data *d, uint32_t flags, double *out)
{
    return sw_sector_weights_ragged(d->w, d->n, d->c, d->n, d->off, d->P + 1, d->S, flags, out,
                                    d->P * d->S);
}
int32_t call_expo(const Data *d, uint32_t flags, double *out)
{
    return sw_sector_exposures(d->w, d->n, d->v, d->n, d->c, d->n, d->off, d->P + 1, d->S, flags, out,
                               d->P * d->S);
}

int under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* The first of the environment variables the library reads for its default pool size, in its
 * order (docs/guarantees.md, "Threads: how many"): a positive integer, for OMP_NUM_THREADS the
 * first entry of a list ("4,2" is 4); anything else is ignored, as the library ignores it. */
static size_t env_threads(const char *name, int first_of_list)
{
    const char *env = getenv(name);
    if (!env || !*env)
        return 0;
    char *end;
    unsigned long v = strtoul(env, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == env || v == 0 || v > 4096 || (*end != '\0' && !(first_of_list && *end == ',')))
        return 0;
    return (size_t)v;
}

size_t default_threads_expected(void)
{
    size_t n = env_threads("SECTOR_WEIGHTS_NUM_THREADS", 0);
    if (!n)
        n = env_threads("RAYON_NUM_THREADS", 0);
    if (!n)
        n = env_threads("OMP_NUM_THREADS", 1);
    return n; /* 0: "all CPUs", checked as 1..online CPUs */
}

