/*
 * messages.c - what the library says: sw_status_name and sw_status_message for every status,
 * sw_version, and sw_last_error_message's snprintf contract (truncation, NUL, replaced by the next failure,
 * cleared by a success).
 */
#include "helpers.h"

void test_status_messages(void)
{
    /* The name is the header's own spelling of the constant (#code), not a typed copy. */
#define ROW(code, msg) {code, #code, msg}
    static const struct {
        int32_t code;
        const char *name, *msg;
    } table[] = {
        ROW(SW_OK, "success"),
        ROW(SW_ERROR_NULL_POINTER, "a pointer is NULL but its range is not empty"),
        ROW(SW_ERROR_LENGTH_MISMATCH, "a buffer length does not match the shape"),
        ROW(SW_ERROR_SIZE_OVERFLOW, "a size overflows or exceeds PTRDIFF_MAX bytes"),
        ROW(SW_ERROR_SECTOR_OUT_OF_RANGE, "a sector code is negative or not below num_sectors"),
        ROW(SW_ERROR_NON_FINITE, "a weight or value is NaN or infinite, or a result overflows"),
        ROW(SW_ERROR_INVALID_ARGUMENT, "an argument is invalid"),
        ROW(SW_ERROR_OVERLAP, "the output buffer overlaps an input buffer"),
        ROW(SW_ERROR_MISALIGNED, "a pointer is not aligned for its element type"),
        ROW(SW_ERROR_BAD_OFFSETS,
            "portfolio offsets must start at 0, never decrease, and end at the bond count"),
        ROW(SW_ERROR_ZERO_TOTAL, "a total used as a divisor is zero"),
        ROW(SW_ERROR_OUT_OF_MEMORY, "scratch memory could not be allocated"),
        ROW(SW_ERROR_THREAD_POOL, "the worker thread pool could not be created"),
        ROW(SW_ERROR_PANIC, "internal panic caught at the library boundary (a bug)"),
        ROW(SW_ERROR_BAD_PARTIAL,
            "the bytes are not a valid saved partial result (truncated, corrupted or foreign)"),
    };
#undef ROW
    static const int32_t all[] = SwStatus_ALL;
    const size_t n = sizeof table / sizeof table[0];
    CHECK(sizeof all / sizeof all[0] == n, "SwStatus_ALL has %zu codes, expected %zu",
          sizeof all / sizeof all[0], n);
    for (size_t i = 0; i < n; i++) {
        CHECK(all[i] == (int32_t)i, "SwStatus_ALL[%zu] = %d, expected %zu", i, (int)all[i], i);
        CHECK(table[i].code == (int32_t)i, "status %s has value %d, expected %zu", table[i].name,
              (int)table[i].code, i);
        const char *name = sw_status_name(table[i].code);
        CHECK(name != NULL && strcmp(name, table[i].name) == 0, "sw_status_name(%d) = \"%s\", expected \"%s\"",
              (int)table[i].code, name ? name : "(null)", table[i].name);
        CHECK(sw_status_name(table[i].code) == name, "sw_status_name(%zu) is not a static string", i);
        const char *m = sw_status_message(table[i].code);
        CHECK(m != NULL && strcmp(m, table[i].msg) == 0, "sw_status_message(%d) = \"%s\", expected \"%s\"",
              (int)table[i].code, m ? m : "(null)", table[i].msg);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(sw_status_message(table[j].code), m) != 0,
                  "sw_status_message(%zu) and (%zu) are the same", i, j);
        CHECK(sw_status_message(table[i].code) == m, "sw_status_message(%zu) is not a static string", i);
    }
    static const int32_t unknown[] = {-1, 15, 16, 99, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *m = sw_status_message(unknown[i]);
        CHECK(m != NULL && strcmp(m, "unknown status") == 0, "sw_status_message(%d) = \"%s\"",
              (int)unknown[i], m ? m : "(null)");
        const char *name = sw_status_name(unknown[i]);
        CHECK(name != NULL && strcmp(name, "unknown status") == 0, "sw_status_name(%d) = \"%s\"",
              (int)unknown[i], name ? name : "(null)");
    }
}

void test_version(void)
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

void test_last_error_message(void)
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

