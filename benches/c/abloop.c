/* Two builds of the library against each other on calls too short to time one by one (a call of
 * 100 bonds takes about 130 ns, near the clock's own cost): each round times K back-to-back calls
 * of A, of B and of the plain C loop (harness.h), in an order that alternates every round, all
 * into the same output buffer (so that neither build gets a luckier placement); the per-call
 * median over the rounds of each, and the ratios. Also says whether A's and B's outputs differ
 * in any bit. Both copies run with a pool of 1 thread.
 *
 *   cargo build --release && cp target/release/libsector_weights.so /tmp/a.so   # before
 *   ... change, cargo build --release && cp target/release/libsector_weights.so /tmp/b.so
 *   gcc -O3 -march=native benches/c/abloop.c -o /tmp/abloop -ldl
 *   /tmp/abloop /tmp/a.so /tmp/b.so 1 100 18 2000 301    # P B S K ROUNDS
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s LIB_A LIB_B P B S K ROUNDS\n", argv[0]);
        return 2;
    }
    size_t P = atol(argv[3]), B = atol(argv[4]), S = atol(argv[5]), n = P * B;
    long K = atol(argv[6]);
    int rounds = atoi(argv[7]);
    sw_fn f[2];
    for (int k = 0; k < 2; k++)
        if (!(f[k] = load_build(argv[1 + k], 1))) return 1;
    double *w = malloc(n * 8 + 8), *out = malloc(P * S * 8 + 8);
    double *check[2] = {malloc(P * S * 8 + 8), malloc(P * S * 8 + 8)};
    int32_t *c = malloc(n * 4 + 4);
    double *t[3] = {malloc(rounds * 8 + 8), malloc(rounds * 8 + 8), malloc(rounds * 8 + 8)};
    if (!w || !out || !check[0] || !check[1] || !c || !t[0] || !t[1] || !t[2] || rounds < 1 ||
        K < 1)
        return 1;
    fill_data(w, c, n, S);
    for (int r = 0; r < rounds; r++)
        for (int j = 0; j < 3; j++) {
            int k = (r & 1) ? 2 - j : j; /* 0 = A, 1 = B, 2 = the C loop */
            double t0 = now();
            for (long i = 0; i < K; i++) {
                if (k == 2)
                    c_loop(w, P, c, B, out, S);
                else if (f[k](w, P, c, B, out, S) != 0)
                    return 1;
                __asm__ volatile("" ::"r"(out) : "memory");
            }
            t[k][r] = (now() - t0) / K;
        }
    for (int k = 0; k < 2; k++)
        if (f[k](w, P, c, B, check[k], S) != 0) return 1;
    int differ = memcmp(check[0], check[1], P * S * 8) != 0;
    double m[3];
    for (int k = 0; k < 3; k++) {
        qsort(t[k], rounds, sizeof(double), by_value);
        m[k] = t[k][rounds / 2] * 1e9;
    }
    printf("%zux%zux%zu, K=%ld, %d rounds: A %.1f ns, B %.1f ns, C loop %.1f ns a call (medians); "
           "B/A %.3f, A/C %.2f, B/C %.2f%s\n",
           P, B, S, K, rounds, m[0], m[1], m[2], m[1] / m[0], m[0] / m[2], m[1] / m[2],
           differ ? "; outputs differ" : "");
    return 0;
}
