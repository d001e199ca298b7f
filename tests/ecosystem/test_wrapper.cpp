// Tests of the C++17 wrapper include/sector_weights.hpp against naive loops and against the C API
// it wraps. Built and run by `make test-cpp` (tests/ecosystem/test_cpp.sh), also under ASan/UBSan.
// Exits with status 1 and names every failed check.
#include <sector_weights.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <limits>
#include <random>
#include <string>
#include <vector>

#ifndef SW_EXPECTED_VERSION
#error "compile with -DSW_EXPECTED_VERSION=\"x.y.z\" (the version in Cargo.toml)"
#endif

namespace sw = sector_weights;

// Only contiguous containers of exactly the C element type are accepted (no silent conversions).
static_assert(sw::detail::is_input_of_v<std::vector<double>, double>);
static_assert(sw::detail::is_input_of_v<std::array<double, 3>, double>);
static_assert(sw::detail::is_input_of_v<double[4], double>);
static_assert(!sw::detail::is_input_of_v<std::vector<float>, double>);
static_assert(!sw::detail::is_input_of_v<std::vector<std::int64_t>, std::int32_t>);
static_assert(!sw::detail::is_input_of_v<std::deque<double>, double>);
static_assert(sw::detail::is_output_of_v<std::vector<double>, double>);
static_assert(!sw::detail::is_output_of_v<const std::vector<double>, double>);

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        ++checks;                                                          \
        if (!(cond)) {                                                     \
            ++failures;                                                    \
            std::printf("FAILED line %d: %s\n", __LINE__, #cond);          \
        }                                                                  \
    } while (0)

// Calls f, expects sw::error with `status`; returns its message ("" if nothing was thrown).
template <class F>
static std::string expect_throw(F f, SwStatus status, int line) {
    ++checks;
    try {
        f();
    } catch (const sw::error& e) {
        if (e.status() != status) {
            ++failures;
            std::printf("FAILED line %d: status %d, expected %d (%s)\n", line, static_cast<int>(e.status()),
                        static_cast<int>(status), e.what());
        }
        return e.what();
    }
    ++failures;
    std::printf("FAILED line %d: no exception, expected status %d\n", line, static_cast<int>(status));
    return "";
}

// A user's own span-like view: only data() and size().
struct View {
    const double* ptr;
    std::size_t len;
    const double* data() const { return ptr; }
    std::size_t size() const { return len; }
};

// Weights that are multiples of 1/64 below 16: every partial sum is exact, so any summation order
// gives the naive loop's result bit for bit.
static void make_exact(std::size_t n, std::int32_t num_sectors, std::uint64_t seed, std::vector<double>& w,
                       std::vector<std::int32_t>& s) {
    std::mt19937_64 rng(seed);
    w.resize(n);
    s.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        w[i] = static_cast<double>(static_cast<std::int64_t>(rng() % 2048) - 1024) / 64.0;
        s[i] = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(num_sectors));
    }
}

static std::vector<double> naive_ragged(const std::vector<double>& w, const std::vector<double>* values,
                                        const std::vector<std::int32_t>& s, const std::vector<std::int64_t>& off,
                                        std::size_t k) {
    std::vector<double> out((off.size() - 1) * k, 0.0);
    for (std::size_t p = 0; p + 1 < off.size(); ++p)
        for (std::int64_t i = off[p]; i < off[p + 1]; ++i)
            out[p * k + s[i]] += w[i] * (values ? (*values)[i] : 1.0);
    return out;
}

int main() {
    // version
    CHECK(sw::version() == SW_EXPECTED_VERSION);

    // Equal-sized portfolios, every container form, exact against the naive loop.
    const std::size_t P = 37, B = 3001, K = 18;
    std::vector<double> w;
    std::vector<std::int32_t> s;
    make_exact(P * B, K, 1, w, s);
    std::vector<std::int64_t> equal_offsets(P + 1);
    for (std::size_t p = 0; p <= P; ++p) equal_offsets[p] = static_cast<std::int64_t>(p * B);
    const std::vector<double> want = naive_ragged(w, nullptr, s, equal_offsets, K);

    CHECK(sw::sector_weights(w, s, P, K) == want);
    CHECK(sw::sector_weights(View{w.data(), w.size()}, s, P, K) == want);
    std::vector<double> filled(P * K, -1.0);
    sw::sector_weights(w, s, P, K, filled);
    CHECK(filled == want);
    std::vector<double> raw(P * K, -1.0);
    sw::sector_weights(w.data(), w.size(), s.data(), s.size(), P, K, raw.data(), raw.size());
    CHECK(raw == want);
    std::vector<double> article(P * K, -1.0);
    sw::calculate_sector_weights(w.data(), P, s.data(), B, article.data(), K);
    CHECK(article == want);
    CHECK(sw::last_error_message().empty());

    // C arrays and std::array.
    const double cw[4] = {1.5, 2.0, -0.5, 4.0};
    const std::int32_t cs[4] = {1, 0, 1, 1};
    double cout_[4] = {9, 9, 9, 9};
    sw::sector_weights(cw, cs, 2, 2, cout_);
    CHECK(cout_[0] == 2.0 && cout_[1] == 1.5 && cout_[2] == 0.0 && cout_[3] == 3.5);
    const std::array<double, 4> aw = {1.5, 2.0, -0.5, 4.0};
    const std::array<std::int32_t, 4> as = {1, 0, 1, 1};
    CHECK(sw::sector_weights(aw, as, 1, 3) == (std::vector<double>{2.0, 5.0, 0.0}));

    // Empty work is valid and gives zeros / an empty result.
    CHECK(sw::sector_weights(std::vector<double>{}, std::vector<std::int32_t>{}, 0, K).empty());
    CHECK(sw::sector_weights(std::vector<double>{}, std::vector<std::int32_t>{}, 3, 2) ==
          std::vector<double>(6, 0.0));

    // Bit-identical for every thread count.
    for (std::size_t threads : {1, 2, 3}) {
        sw::set_num_threads(threads);
        CHECK(sw::num_threads() == threads);
        CHECK(sw::sector_weights(w, s, P, K) == want);
    }
    sw::set_num_threads(0);
    CHECK(sw::num_threads() >= 1);
    expect_throw([] { sw::set_num_threads(100000); }, SW_ERROR_INVALID_ARGUMENT, __LINE__);

    // Random (inexact) weights: within the bound for two summation orders.
    {
        std::mt19937_64 rng(3);
        std::uniform_real_distribution<double> u(-1.0, 1.0);
        std::vector<double> rw(P * B);
        for (double& x : rw) x = u(rng);
        std::vector<double> got = sw::sector_weights(rw, s, P, K);
        std::vector<double> ref = naive_ragged(rw, nullptr, s, equal_offsets, K);
        std::vector<double> mag(P * K, 0.0);
        for (std::size_t p = 0; p < P; ++p)
            for (std::size_t i = p * B; i < (p + 1) * B; ++i) mag[p * K + s[i]] += std::fabs(rw[i]);
        bool ok = true;
        for (std::size_t j = 0; j < got.size(); ++j)
            ok = ok && std::fabs(got[j] - ref[j]) <= 2.0 * B * std::numeric_limits<double>::epsilon() * mag[j];
        CHECK(ok);
    }

    // Ragged, normalised, exposures.
    std::vector<std::int64_t> offsets = {0, 5, 5, 2000, 2001, static_cast<std::int64_t>(w.size())};
    CHECK(sw::sector_weights_ragged(w, s, offsets, K) == naive_ragged(w, nullptr, s, offsets, K));
    {
        std::vector<double> pos(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) pos[i] = std::fabs(w[i]) + 1.0;
        std::vector<std::int64_t> nonempty = {0, 5, 2000, static_cast<std::int64_t>(w.size())};
        std::vector<double> norm = sw::sector_weights_ragged(pos, s, nonempty, K, sw::normalize);
        bool ok = norm.size() == 3 * K;
        for (std::size_t p = 0; ok && p < 3; ++p) {
            double total = 0.0;
            for (std::size_t k = 0; k < K; ++k) total += norm[p * K + k];
            ok = std::fabs(total - 1.0) < 1e-12;
        }
        CHECK(ok);
        std::vector<double> v(w.size());
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 9) * 0.5;
        CHECK(sw::sector_exposures(w, v, s, offsets, K) == naive_ragged(w, &v, s, offsets, K));
        std::vector<double> into(5 * K, -1.0);
        sw::sector_exposures(w, v, s, offsets, K, 0, into);
        CHECK(into == naive_ragged(w, &v, s, offsets, K));
        std::vector<double> rinto(5 * K, -1.0);
        sw::sector_weights_ragged(w, s, offsets, K, 0, rinto);
        CHECK(rinto == naive_ragged(w, nullptr, s, offsets, K));
    }

    // Errors: the exception carries the status and exactly the library's message, and a caller's
    // buffer is left as it was.
    {
        std::vector<std::int32_t> bad = s;
        bad[3 * B + 1043] = 25;
        std::vector<double> kept = filled;
        std::string msg = expect_throw([&] { sw::sector_weights(w, bad, P, K, filled); },
                                       SW_ERROR_SECTOR_OUT_OF_RANGE, __LINE__);
        CHECK(filled == kept);
        CHECK(msg.find("sector code 25") != std::string::npos);
        CHECK(msg.find("1043") != std::string::npos);
        CHECK(msg.find("portfolio 3") != std::string::npos);
        // The same message the C API gives for the same call.
        std::vector<double> tmp(P * K);
        SwStatus st = sw_sector_weights(w.data(), w.size(), bad.data(), bad.size(), P, K, tmp.data(), tmp.size());
        CHECK(st == SW_ERROR_SECTOR_OUT_OF_RANGE);
        CHECK(sw::last_error_message() == msg);
        std::printf("bad sector code -> sector_weights::error: %s\n", msg.c_str());
    }
    {
        std::vector<double> nan_w = w;
        nan_w[17] = std::numeric_limits<double>::quiet_NaN();
        std::string msg = expect_throw([&] { sw::sector_weights(nan_w, s, P, K); }, SW_ERROR_NON_FINITE, __LINE__);
        CHECK(msg.find("not finite") != std::string::npos);
        expect_throw([&] { sw::calculate_sector_weights(nan_w.data(), P, s.data(), B, filled.data(), K); },
                     SW_ERROR_NON_FINITE, __LINE__);
    }
    {
        std::vector<double> short_out(P * K - 1, 7.0);
        expect_throw([&] { sw::sector_weights(w, s, P, K, short_out); }, SW_ERROR_LENGTH_MISMATCH, __LINE__);
        CHECK(short_out == std::vector<double>(P * K - 1, 7.0));
        std::vector<std::int32_t> short_s(s.begin(), s.end() - 1);
        expect_throw([&] { sw::sector_weights(w, short_s, P, K); }, SW_ERROR_LENGTH_MISMATCH, __LINE__);
        expect_throw([&] { sw::sector_weights(w.data(), w.size(), nullptr, s.size(), P, K, filled.data(), filled.size()); },
                     SW_ERROR_NULL_POINTER, __LINE__);
    }
    {
        std::vector<std::int64_t> bad_offsets = {0, 10, 5, static_cast<std::int64_t>(w.size())};
        expect_throw([&] { sw::sector_weights_ragged(w, s, bad_offsets, K); }, SW_ERROR_BAD_OFFSETS, __LINE__);
        expect_throw([&] { sw::sector_weights_ragged(w, s, std::vector<std::int64_t>{}, K); }, SW_ERROR_BAD_OFFSETS,
                     __LINE__);
        std::vector<std::int64_t> with_empty = {0, 0, static_cast<std::int64_t>(w.size())};
        expect_throw([&] { sw::sector_weights_ragged(w, s, with_empty, K, sw::normalize); }, SW_ERROR_ZERO_TOTAL,
                     __LINE__);
        std::vector<double> v(w.size() - 1, 1.0);
        expect_throw([&] { sw::sector_exposures(w, v, s, offsets, K); }, SW_ERROR_LENGTH_MISMATCH, __LINE__);
    }
    {
        // The wrapper's own check: the result's size would overflow size_t.
        std::string msg = expect_throw(
            [] {
                sw::sector_weights(std::vector<double>{}, std::vector<std::int32_t>{},
                                   std::numeric_limits<std::size_t>::max(), 2);
            },
            SW_ERROR_SIZE_OVERFLOW, __LINE__);
        CHECK(msg.find("overflows") != std::string::npos);
    }
    // The error type is a std::runtime_error, so generic handlers catch it too.
    try {
        sw::sector_weights(w, std::vector<std::int32_t>(w.size(), -1), P, K);
        CHECK(false);
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("sector code -1") != std::string::npos);
    }
    // A success clears the thread's last error.
    sw::sector_weights(w, s, P, K);
    CHECK(sw::last_error_message().empty());

    std::printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
