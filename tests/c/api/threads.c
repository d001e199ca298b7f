/*
 * threads.c - the runtime: the default thread count, sw_set_num_threads / sw_get_num_threads,
 * 8 threads calling every entry point at once (valid and invalid, each checking its own
 * thread-local detail) while another resizes the pool, and SW_ERROR_THREAD_POOL /
 * SW_ERROR_OUT_OF_MEMORY provoked in forked children under an RLIMIT_AS limit (skipped under
 * valgrind and AddressSanitizer, which need the address space).
 */
#include "helpers.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Before anything sets it: the default follows RAYON_NUM_THREADS when set. */
void test_default_threads(void)
{
    size_t want = default_threads_expected(), got = sw_get_num_threads();
    if (want)
        CHECK(got == want, "default pool: %zu threads, the environment asks for %zu", got, want);
    else
        CHECK(got >= 1, "default pool: %zu threads", got);
}

void test_num_threads_errors(void)
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
          sw_status_name(got), (int)want, msg);
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

void test_concurrency(void)
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
                 what, "status %d (%s), detail \"%s\", output %s", (int)st, sw_status_name(st), msg,
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
                 sw_status_name(st), msg);
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

void test_resource_failures(void)
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

