/* A C program built against an installed sector_weights (tests/ecosystem/test_install.sh builds it
 * with pkg-config, statically and dynamically, and with CMake's find_package).
 * Usage: app EXPECTED_VERSION. Exits 0 only if every number and message is as expected. */
#include <sector_weights.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s EXPECTED_VERSION\n", argv[0]);
        return 2;
    }
    int failures = 0;
    if (strcmp(sw_version(), argv[1]) != 0) {
        printf("version %s, expected %s\n", sw_version(), argv[1]);
        ++failures;
    }
    /* 2 portfolios x 4 bonds x 3 sectors; exact binary fractions, so sums are exact. */
    const double weights[8] = {0.5, 0.25, 0.125, 0.125, 1.0, -0.5, 2.0, 0.25};
    const int32_t sectors[8] = {0, 2, 0, 1, 1, 1, 2, 0};
    const double want[6] = {0.625, 0.125, 0.25, 0.25, 0.5, 2.0};
    double out[6] = {0};
    SwStatus st = sw_sector_weights(weights, 8, sectors, 8, 2, 3, out, 6);
    if (st != SW_OK || memcmp(out, want, sizeof out) != 0) {
        printf("sw_sector_weights: status %d, got %g %g %g %g %g %g\n", (int)st, out[0], out[1], out[2], out[3],
               out[4], out[5]);
        ++failures;
    }
    /* The article's entry point through the installed header. */
    double article[6] = {0};
    st = calculate_sector_weights(weights, 2, sectors, 4, article, 3);
    if (st != SW_OK || memcmp(article, want, sizeof article) != 0) {
        printf("calculate_sector_weights: status %d\n", (int)st);
        ++failures;
    }
    /* A bad sector code: a status and a message naming where, output untouched. */
    const int32_t bad[8] = {0, 2, 0, 1, 1, 3, 2, 0};
    double kept[6] = {9, 9, 9, 9, 9, 9};
    st = sw_sector_weights(weights, 8, bad, 8, 2, 3, kept, 6);
    char message[256];
    sw_last_error_message(message, sizeof message);
    if (st != SW_ERROR_SECTOR_OUT_OF_RANGE || kept[0] != 9 || strstr(message, "sector code 3") == NULL) {
        printf("bad input: status %d, message '%s'\n", (int)st, message);
        ++failures;
    }
    printf("sector_weights %s: [%g %g %g] [%g %g %g]; bad input -> %d: %s\n", sw_version(), out[0], out[1], out[2],
           out[3], out[4], out[5], (int)st, message);
    printf("%s\n", failures == 0 ? "installed library OK" : "installed library FAILED");
    return failures == 0 ? 0 : 1;
}
