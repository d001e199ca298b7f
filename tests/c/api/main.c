/*
 * main.c - the C-side test of libsector_weights, compiled against include/sector_weights.h from
 * the files of tests/c/api/ (one per area; shared helpers in helpers.h):
 *
 *   messages.c  sw_status_message, sw_version, sw_last_error_message's snprintf contract
 *   dropin.c    calculate_sector_weights: every failure
 *   checked.c   sw_sector_weights: every failure
 *   ragged.c    sw_sector_weights_ragged and sw_sector_exposures: every failure
 *   results.c   valid edge values, every entry point against a naive reference on random data,
 *               bit-identical results for thread counts 1, 2, 3 and the default, wide outputs
 *   typed.c     sw_grouped_sums and sw_ragged_sums: shuffled rows vs the reference (one table and
 *               buckets), every code and weight type bit-identical to int32/float64, thread counts,
 *               errors that name rows
 *   partial.c   sw_partial_*: any split merged in a chain or a tree (through bytes) is one partial
 *               of all rows, equal to the reference; every failure; every truncation and
 *               single-byte corruption of saved bytes
 *   exact.c     exact mode (SW_EXACT): exact sums, row order and thread counts, errors
 *   threads.c   the default thread count, sw_set_num_threads, 8 threads calling at once while
 *               another resizes the pool, SW_ERROR_THREAD_POOL / SW_ERROR_OUT_OF_MEMORY in forked
 *               children under RLIMIT_AS
 *
 * Every failure is checked for its exact status, the located detail from sw_last_error_message()
 * ("bond 1043 of portfolio 7"), and byte-for-byte unchanged outputs and inputs.
 *
 * Built and run by `make test-c` (shared and static library, and as C++ to prove the header's
 * extern "C" guards), `make test-c-valgrind` and `make test-c-sanitize` (see mk/c.mk).
 *
 * Usage: test_api [--quick] [--verbose] [--only AREA[,AREA...]]
 *   --quick    fewer stress iterations (for valgrind)
 *   --verbose  also print what the forked resource-failure children observed
 *   --only     run the parts of these areas only (messages, dropin, checked, ragged, results, typed,
 *              partial, exact, threads), e.g. `build/c/test_api --only ragged`
 * Prints "N passed, 0 failed" last and exits non-zero on any failure.
 */
#include "helpers.h"

static const struct {
    const char *area; /* the file that holds it */
    const char *name;
    void (*fn)(void);
} PARTS[] = {
    /* First: forks, which is only safe before the library has started any thread. */
    {"threads", "resource failures (thread pool, out of memory)", test_resource_failures},
    {"threads", "default thread count", test_default_threads},
    {"messages", "status messages", test_status_messages},
    {"messages", "version", test_version},
    {"messages", "sw_last_error_message", test_last_error_message},
    {"dropin", "calculate_sector_weights errors", test_dropin_errors},
    {"checked", "sw_sector_weights errors", test_checked_errors},
    {"ragged", "sw_sector_weights_ragged errors", test_ragged_errors},
    {"ragged", "sw_sector_exposures errors", test_exposure_errors},
    {"threads", "sw_set_num_threads", test_num_threads_errors},
    {"results", "valid edge values", test_valid_values},
    {"results", "random data vs reference", test_random_correctness},
    {"results", "determinism across thread counts", test_determinism},
    {"results", "wide output", test_wide_output},
    {"typed", "sw_grouped_sums and sw_ragged_sums", test_typed},
    {"partial", "partial results: splits, merges, bytes", test_partial_merges},
    {"partial", "partial results: errors, damaged bytes", test_partial_errors},
    {"exact", "exact mode (SW_EXACT)", test_exact},
    {"threads", "concurrency", test_concurrency},
};
#define NPARTS (sizeof PARTS / sizeof PARTS[0])

/* The n characters at p name the area of some part. */
static int is_area(const char *p, size_t n)
{
    for (size_t i = 0; i < NPARTS; i++)
        if (strlen(PARTS[i].area) == n && strncmp(PARTS[i].area, p, n) == 0)
            return 1;
    return 0;
}

/* Every comma-separated name in list is an area (a typo must not pass by running nothing). */
static int all_areas(const char *list)
{
    for (const char *p = list;; p += strcspn(p, ",") + 1) {
        if (!is_area(p, strcspn(p, ",")))
            return 0;
        if (p[strcspn(p, ",")] == '\0')
            return 1;
    }
}

/* area is one of the comma-separated names in list. */
static int listed(const char *list, const char *area)
{
    size_t n = strlen(area);
    for (const char *p = list;; p += strcspn(p, ",") + 1) {
        if (strcspn(p, ",") == n && strncmp(p, area, n) == 0)
            return 1;
        if (p[strcspn(p, ",")] == '\0')
            return 0;
    }
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--quick] [--verbose] [--only AREA[,AREA...]]\nareas:", argv0);
    for (size_t i = 0; i < NPARTS; i++) {
        size_t first = 0;
        while (strcmp(PARTS[first].area, PARTS[i].area) != 0)
            first++;
        if (first == i)
            fprintf(stderr, " %s", PARTS[i].area);
    }
    fprintf(stderr, "\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            g_quick = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            g_verbose = 1;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else
            return usage(argv[0]);
    }
    if (only && !all_areas(only))
        return usage(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sector-weights %s C API test%s%s%s\n", sw_version(),
#ifdef __cplusplus
           " (compiled as C++)",
#else
           "",
#endif
           SW_UNDER_ASAN ? " (AddressSanitizer)" : "", under_valgrind() ? " (valgrind)" : "");

    for (size_t i = 0; i < NPARTS; i++) {
        if (only && !listed(only, PARTS[i].area))
            continue;
        long f0 = g_fail, p0 = g_pass;
        PARTS[i].fn();
        printf("%-52s %5ld checks%s\n", PARTS[i].name, (g_pass - p0) + (g_fail - f0),
               g_fail > f0 ? "  FAILED" : "");
    }
    if (g_skip)
        printf("%ld skipped (see above)\n", g_skip);
    printf("%ld passed, %ld failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
