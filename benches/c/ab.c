/* Two builds of the library against each other, interleaved in one process (the order swapped
 * every round), so that a shared machine's load falls on both alike: the median and best call
 * of each, and B's median over A's. Also says whether the two outputs differ in any bit.
 *
 *   cargo build --release && cp target/release/libsector_weights.so /tmp/a.so   # before
 *   ... change, cargo build --release && cp target/release/libsector_weights.so /tmp/b.so
 *   gcc -O2 benches/c/ab.c -o /tmp/ab -ldl
 *   /tmp/ab /tmp/a.so /tmp/b.so 100000 100 18 2 61    # P B S THREADS ROUNDS
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s LIB_A LIB_B P B S THREADS ROUNDS\n", argv[0]);
        return 2;
    }
    size_t P = atol(argv[3]), B = atol(argv[4]), S = atol(argv[5]), n = P * B;
    int threads = atoi(argv[6]), rounds = atoi(argv[7]);
    sw_fn f[2];
    for (int k = 0; k < 2; k++)
        if (!(f[k] = load_build(argv[1 + k], (size_t)threads))) return 1;
    double *w = malloc(n * 8 + 8), *out[2] = {malloc(P * S * 8 + 8), malloc(P * S * 8 + 8)};
    int32_t *c = malloc(n * 4 + 4);
    double *t[2] = {malloc(rounds * 8 + 8), malloc(rounds * 8 + 8)};
    if (!w || !c || !out[0] || !out[1] || !t[0] || !t[1] || rounds < 1) return 1;
    fill_data(w, c, n, S);
    for (int r = 0; r < rounds; r++)
        for (int j = 0; j < 2; j++) {
            int k = (r & 1) ? 1 - j : j;
            double t0 = now();
            if (f[k](w, P, c, B, out[k], S) != 0) return 1;
            t[k][r] = now() - t0;
        }
    int differ = memcmp(out[0], out[1], P * S * 8) != 0;
    for (int k = 0; k < 2; k++) qsort(t[k], rounds, sizeof(double), by_value);
    printf("%zux%zux%zu, %d threads, %d rounds: A median %.3f ms (best %.3f), B median %.3f ms "
           "(best %.3f), B/A %.3f%s\n",
           P, B, S, threads, rounds, t[0][rounds / 2] * 1e3, t[0][0] * 1e3, t[1][rounds / 2] * 1e3,
           t[1][0] * 1e3, t[1][rounds / 2] / t[0][rounds / 2], differ ? "; outputs differ" : "");
    return 0;
}
