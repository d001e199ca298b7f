// A C++17 program using the installed sector_weights.hpp (built by CMake in test_install.sh).
// Usage: app_cpp EXPECTED_VERSION.
#include <sector_weights.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    int failures = sector_weights::version() == argv[1] ? 0 : 1;
    const std::vector<double> w = {0.5, 0.25, 0.125, 0.125, 1.0, -0.5, 2.0, 0.25};
    std::vector<std::int32_t> s = {0, 2, 0, 1, 1, 1, 2, 0};
    if (sector_weights::sector_weights(w, s, 2, 3) != std::vector<double>{0.625, 0.125, 0.25, 0.25, 0.5, 2.0})
        ++failures;
    s[5] = 3;
    try {
        sector_weights::sector_weights(w, s, 2, 3);
        ++failures;
    } catch (const sector_weights::error& e) {
        std::printf("bad input -> status %d: %s\n", static_cast<int>(e.status()), e.what());
        if (e.status() != SW_ERROR_SECTOR_OUT_OF_RANGE) ++failures;
    }
    std::printf("%s\n", failures == 0 ? "installed C++ wrapper OK" : "installed C++ wrapper FAILED");
    return failures == 0 ? 0 : 1;
}
