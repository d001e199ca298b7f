/*
 * helpers.h - what the parts of the C API test (the files of tests/c/api/) share; implemented in helpers.c.
 *
 *   CHECK(cond, fmt, ...)        counts a check; prints file:line and the message when it fails
 *   arm(out, bytes), watch(...)  fill an output with a pattern / snapshot a buffer; the next
 *                                expect() fails if any watched byte changed ("no partial results")
 *   EXPECT_MSG / EXPECT_SUB / EXPECT_OK
 *                                the status, the thread's sw_last_error_message (exact text or
 *                                substrings; empty after success), and the watched buffers
 *   data_new / reference         random portfolios and the obvious loop that sums them
 *   check_exact / check_close / check_normalized
 *                                a result against the reference, exactly or within a proven bound
 *   call_dropin / call_checked / call_ragged / call_expo
 *                                one entry point on a Data, with every length taken from it
 *
 * Every file is C11 and C++17 at the same time: no implicit void* conversions, no designated
 * initialisers, no compound literals.
 */
#ifndef SW_TEST_API_HELPERS_H
#define SW_TEST_API_HELPERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "sector_weights.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SW_UNDER_ASAN 1
#else
#define SW_UNDER_ASAN 0
#endif

/* Bookkeeping (g_quick: --quick, fewer stress iterations; g_verbose: --verbose). */
extern long g_pass, g_fail, g_skip;
extern int g_quick, g_verbose;

void check_(int ok, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define CHECK(cond, ...) check_((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)
void skip(const char *what, const char *why);
void *xmalloc(size_t n); /* exits on failure */
#define NEW(T, n) ((T *)xmalloc(sizeof(T) * (size_t)(n)))
/* printf into one of a few rotating static buffers (main thread only). */
const char *msgf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Watched buffers and the expectation on one call. */
void fill_pattern(void *p, size_t n);
void watch(const void *p, size_t n);
void arm(void *p, size_t n);
void expect(const char *label, int32_t got, int32_t want, const char *exact, const char *sub1, const char *sub2);
#define EXPECT_MSG(label, got, want, exact) expect(label, got, want, exact, NULL, NULL)
#define EXPECT_SUB(label, got, want, s1, s2) expect(label, got, want, NULL, s1, s2)
#define EXPECT_OK(label, got) expect(label, got, SW_OK, NULL, NULL, NULL)

/* Random data and the naive reference. */
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

typedef struct Ref {
    double *sum, *abs; /* P*S each */
    size_t *cnt;
} Ref;

/* sizes == NULL: P portfolios of B bonds each; otherwise portfolio p has sizes[p] bonds. */
Data data_new(size_t P, const size_t *sizes, size_t B, size_t S, int kind, uint64_t seed);
void data_free(Data *d);
Ref reference(const Data *d, int use_values);
void ref_free(Ref *r);
void check_exact(const char *label, const double *got, const double *want, size_t m);
void check_close(const char *label, const double *got, const Ref *r, size_t m);
void check_normalized(const char *label, const double *got, const Ref *r, size_t P, size_t S);

/* Calls. */
int32_t call_dropin(const Data *d, double *out);
int32_t call_checked(const Data *d, double *out);
int32_t call_ragged(const Data *d, uint32_t flags, double *out);
int32_t call_expo(const Data *d, uint32_t flags, double *out);

/* The environment. */
int under_valgrind(void);
size_t default_threads_expected(void); /* RAYON_NUM_THREADS, or 0 for "all CPUs" */

/* The parts, one file per area; main.c runs them in this order. */
void test_resource_failures(void);  /* threads.c (first: it forks) */
void test_default_threads(void);    /* threads.c */
void test_status_messages(void);    /* messages.c */
void test_version(void);            /* messages.c */
void test_last_error_message(void); /* messages.c */
void test_dropin_errors(void);      /* dropin.c */
void test_checked_errors(void);     /* checked.c */
void test_ragged_errors(void);      /* ragged.c */
void test_exact(void);              /* exact.c */
void test_exposure_errors(void);    /* ragged.c */
void test_num_threads_errors(void); /* threads.c */
void test_valid_values(void);       /* results.c */
void test_random_correctness(void); /* results.c */
void test_determinism(void);        /* results.c */
void test_wide_output(void);        /* results.c */
void test_typed(void);              /* typed.c */
void test_concurrency(void);        /* threads.c */
void test_partial_merges(void);     /* partial.c */
void test_partial_errors(void);     /* partial.c */

#endif
