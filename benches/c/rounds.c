/* Rounds of back-to-back calls of the library's drop-in, after the calling thread did something
 * else: shows what waking the pool costs per call (the median of a benchmark sample includes it,
 * the best of many back-to-back calls does not).
 *
 *   cargo build --release
 *   gcc -O2 rounds.c -o rounds -L../../target/release -Wl,-rpath,$PWD/../../target/release -lsector_weights
 *   ./rounds MODE [P B S]    # MODE 0: rounds follow each other; 1: 10 ms of a plain C loop on the
 *                            # calling thread before each round; 2: 10 ms asleep before each round
 *
 * Prints the mean time per call of each of 12 rounds of 24 calls, in microseconds. On the 2-vCPU
 * development VM at 20 x 50,000 x 18 (idle), with the library of 31ee27e (a full pool round trip
 * per call): mode 0 463-647, mode 1 321-664, mode 2 320-383; with that of 30b8b70 (the calling
 * thread takes part): 267-344, 261-375, 284-354. The best back-to-back call is about 260 us.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include <unistd.h>

int32_t calculate_sector_weights(const double *, uintmax_t, const int32_t *, uintmax_t, double *,
                                 uintmax_t);

int main(int argc, char **argv) {
    if (argc != 2 && argc != 5) {
        fprintf(stderr, "usage: %s MODE [P B S]\n", argv[0]);
        return 2;
    }
    int mode = atoi(argv[1]);
    size_t P = 20, B = 50000, S = 18;
    if (argc == 5) P = atol(argv[2]), B = atol(argv[3]), S = atol(argv[4]);
    size_t n = P * B;
    double *w = malloc(n * 8 + 8), *o = malloc(P * S * 8 + 8);
    int32_t *c = malloc(n * 4 + 4);
    if (!w || !o || !c || S == 0) return 1;
    fill_data(w, c, n, S);
    for (int r = 0; r < 12; r++) {
        if (mode == 1) {
            double t0 = now();
            while (now() - t0 < 0.01) c_loop(w, P, c, B, o, S);
        } else if (mode == 2) {
            usleep(10000);
        }
        double t0 = now();
        for (int k = 0; k < 24; k++)
            if (calculate_sector_weights(w, P, c, B, o, S) != 0) return 1;
        printf("%.0f ", (now() - t0) / 24 * 1e6);
    }
    printf("\n");
    return 0;
}
