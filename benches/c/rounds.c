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
#include <unistd.h>

int32_t calculate_sector_weights(const double *, uintmax_t, const int32_t *, uintmax_t, double *,
                                 uintmax_t);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static void c_loop(const double *w, uintmax_t P, const int32_t *c,
                                             uintmax_t B, double *out, uintmax_t S) {
    for (uintmax_t p = 0; p < P; p++) {
        double *row = out + p * S;
        memset(row, 0, S * 8);
        for (uintmax_t i = 0; i < B; i++) row[c[p * B + i]] += w[p * B + i];
    }
}

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
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w[i] = (x >> 11) * 0x1p-53;
        c[i] = (int32_t)((x >> 32) % S);
    }
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
