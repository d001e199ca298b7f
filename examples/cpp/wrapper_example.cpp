// Using the library from C++17 through the header-only wrapper <sector_weights.hpp>: containers in,
// std::vector<double> out (or a caller's buffer filled), exceptions carrying the status and the
// library's message. Checks every number against a naive loop; exits with status 1 on a mismatch.
//
//   c++ -std=c++17 wrapper_example.cpp $(pkg-config --cflags --libs sector_weights)
#include <sector_weights.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace sw = sector_weights;

static int failures = 0;

static void expect_close(const std::vector<double>& got, const std::vector<double>& want,
                         const std::vector<double>& magnitude, std::size_t n, const char* what) {
    // Two sums of the same n terms in different orders differ by at most 2 * n * eps * sum |terms|.
    const double eps = 2.220446049250313e-16;
    double max_diff = 0.0;
    bool ok = got.size() == want.size();
    for (std::size_t j = 0; ok && j < got.size(); ++j) {
        double diff = std::fabs(got[j] - want[j]);
        max_diff = diff > max_diff ? diff : max_diff;
        ok = diff <= 2.0 * static_cast<double>(n) * eps * magnitude[j];
    }
    std::printf("%-44s %s (max |difference| %.3g)\n", what, ok ? "matches the naive loop" : "MISMATCH", max_diff);
    if (!ok) ++failures;
}

int main() {
    std::printf("sector_weights %s, %zu worker threads\n", std::string(sw::version()).c_str(), sw::num_threads());

    // 200 portfolios x 5,000 bonds x 18 sectors, weights in [-0.5, 1) (shorts allowed).
    const std::size_t P = 200, B = 5000, K = 18;
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> weight(-0.5, 1.0);
    std::uniform_int_distribution<std::int32_t> sector(0, K - 1);
    std::vector<double> weights(P * B);
    std::vector<std::int32_t> sectors(P * B);
    for (std::size_t i = 0; i < P * B; ++i) {
        weights[i] = weight(rng);
        sectors[i] = sector(rng);
    }
    std::vector<double> want(P * K, 0.0), magnitude(P * K, 0.0);
    for (std::size_t p = 0; p < P; ++p)
        for (std::size_t i = p * B; i < (p + 1) * B; ++i) {
            want[p * K + sectors[i]] += weights[i];
            magnitude[p * K + sectors[i]] += std::fabs(weights[i]);
        }

    // 1. Containers in, std::vector out.
    std::vector<double> out = sw::sector_weights(weights, sectors, P, K);
    expect_close(out, want, magnitude, B, "sector_weights(vector, vector)");

    // 2. Caller's buffer, and the same result for every thread count (bit for bit).
    std::vector<double> buffer(P * K);
    sw::set_num_threads(1);
    sw::sector_weights(weights, sectors, P, K, buffer);
    sw::set_num_threads(0);
    std::printf("%-44s %s\n", "1 thread vs default pool", buffer == out ? "bit-identical" : "DIFFERENT");
    if (buffer != out) ++failures;

    // 3. Fixed-size arrays and pointer + size: one portfolio of 6 bonds in 3 sectors.
    const std::array<double, 6> w6 = {0.25, 0.125, 0.5, -0.0625, 0.125, 0.0625};
    const std::array<std::int32_t, 6> s6 = {0, 2, 1, 2, 0, 1};
    std::array<double, 3> row{};
    sw::sector_weights(w6.data(), w6.size(), s6.data(), s6.size(), 1, 3, row.data(), row.size());
    const std::array<double, 3> row_want = {0.375, 0.5625, 0.0625};
    std::printf("%-44s %s\n", "sector_weights(pointer, size)", row == row_want ? "exact" : "WRONG");
    if (row != row_want) ++failures;

    // 4. Ragged portfolios (sizes 2, 0 and 4), normalised so each non-empty row sums to 1...
    const std::vector<double> rw = {1.0, 3.0, 2.0, 2.0, 2.0, 2.0};
    const std::vector<std::int32_t> rs = {0, 1, 1, 1, 0, 1};
    const std::vector<std::int64_t> offsets = {0, 2, 2, 6};
    std::vector<double> ragged = sw::sector_weights_ragged(rw, rs, offsets, 2);
    const std::vector<double> ragged_want = {1.0, 3.0, 0.0, 0.0, 2.0, 6.0};
    std::printf("%-44s %s\n", "sector_weights_ragged", ragged == ragged_want ? "exact" : "WRONG");
    if (ragged != ragged_want) ++failures;

    // ... and an empty portfolio cannot be normalised: the exception says which and why.
    try {
        sw::sector_weights_ragged(rw, rs, offsets, 2, sw::normalize);
        std::printf("normalising an empty portfolio did not throw\n");
        ++failures;
    } catch (const sw::error& e) {
        std::printf("%-44s status %d: %s\n", "normalising an empty portfolio throws", static_cast<int>(e.status()),
                    e.what());
    }

    // 5. Exposures: duration contribution per sector = sum of weight * duration.
    const std::vector<double> durations = {5.0, 2.0, 10.0, 1.0, 3.0, 4.0};
    std::vector<double> exposure = sw::sector_exposures(rw, durations, rs, offsets, 2);
    const std::vector<double> exposure_want = {5.0, 6.0, 0.0, 0.0, 6.0, 30.0};
    std::printf("%-44s %s\n", "sector_exposures", exposure == exposure_want ? "exact" : "WRONG");
    if (exposure != exposure_want) ++failures;

    // 6. A bad input: a sector code out of range. The exception carries status and message, and
    //    the caller's buffer is untouched.
    std::vector<std::int32_t> bad = sectors;
    bad[3 * B + 1043] = 25;
    std::vector<double> kept = buffer;
    try {
        sw::sector_weights(weights, bad, P, K, buffer);
        std::printf("bad sector code did not throw\n");
        ++failures;
    } catch (const sw::error& e) {
        std::printf("%-44s status %d (%s): %s\n", "bad sector code throws", static_cast<int>(e.status()),
                    e.status_message(), e.what());
        if (e.status() != SW_ERROR_SECTOR_OUT_OF_RANGE || buffer != kept) ++failures;
    }

    if (failures != 0) {
        std::printf("FAILED: %d checks\n", failures);
        return 1;
    }
    std::printf("OK: all wrapper results match\n");
    return 0;
}
