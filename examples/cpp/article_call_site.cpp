// The article's C++ call site, kept as it was: the old `void` prototype declared by hand inside
// extern "C", raw pointers and sizes, 20 ETF portfolios x 50,000 bonds x 18 sectors, the result
// never checked. It is compiled without including any header of this library and linked against
// libsector_weights: proof that existing C++ callers relink without a change.
//
// What changes for them: every input is now checked. The second call below passes a sector code
// that is out of range; the old routine wrote outside the output buffer, this library leaves the
// output untouched (the caller cannot see the status through a `void` prototype, but nothing is
// corrupted and nothing crashes).
//
// The program checks its numbers against a naive loop and exits with status 1 if anything differs.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

extern "C" {
void calculate_sector_weights(const double *portfolios_bond_weights, uintmax_t pf_size,
                              const int32_t *portfolios_bond_sectors, uintmax_t num_bonds,
                              double *portfolios_sector_weights, uintmax_t num_sectors);
}

int main() {
    const uintmax_t pf_size = 20, num_bonds = 50000, num_sectors = 18;

    // The article's data: random weights normalised per portfolio, random sector per bond.
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> weight(0.0, 1.0);
    std::uniform_int_distribution<int32_t> sector(0, static_cast<int32_t>(num_sectors) - 1);
    std::vector<double> bond_weights(pf_size * num_bonds);
    std::vector<int32_t> bond_sectors(pf_size * num_bonds);
    for (uintmax_t p = 0; p < pf_size; ++p) {
        double total = 0.0;
        for (uintmax_t i = 0; i < num_bonds; ++i) {
            bond_weights[p * num_bonds + i] = weight(rng);
            total += bond_weights[p * num_bonds + i];
            bond_sectors[p * num_bonds + i] = sector(rng);
        }
        for (uintmax_t i = 0; i < num_bonds; ++i) bond_weights[p * num_bonds + i] /= total;
    }
    std::vector<double> sector_weights(pf_size * num_sectors);

    calculate_sector_weights(bond_weights.data(), pf_size, bond_sectors.data(), num_bonds,
                             sector_weights.data(), num_sectors);

    // Naive reference, and a bound on the difference that any summation order satisfies:
    // |a - b| <= 2 * n * eps * sum |w| for two sums of the same n terms.
    std::vector<double> expected(pf_size * num_sectors, 0.0), magnitude(pf_size * num_sectors, 0.0);
    for (uintmax_t p = 0; p < pf_size; ++p)
        for (uintmax_t i = 0; i < num_bonds; ++i) {
            expected[p * num_sectors + bond_sectors[p * num_bonds + i]] += bond_weights[p * num_bonds + i];
            magnitude[p * num_sectors + bond_sectors[p * num_bonds + i]] += std::fabs(bond_weights[p * num_bonds + i]);
        }
    const double eps = 2.220446049250313e-16;
    double max_diff = 0.0;
    int failures = 0;
    for (uintmax_t j = 0; j < pf_size * num_sectors; ++j) {
        double diff = std::fabs(sector_weights[j] - expected[j]);
        if (diff > max_diff) max_diff = diff;
        if (!(diff <= 2.0 * num_bonds * eps * magnitude[j])) ++failures;
    }
    std::printf("portfolio 0, sectors 0..2: %.9f %.9f %.9f\n", sector_weights[0], sector_weights[1],
                sector_weights[2]);
    std::printf("%ju portfolios x %ju bonds x %ju sectors: max |difference| from a naive loop = %.3g\n",
                pf_size, num_bonds, num_sectors, max_diff);

    // A bad sector code (== num_sectors) in the last bond of the last portfolio: with the
    // article's routine an out-of-bounds write; here the output must stay exactly as it was.
    std::vector<double> before = sector_weights;
    bond_sectors[pf_size * num_bonds - 1] = static_cast<int32_t>(num_sectors);
    calculate_sector_weights(bond_weights.data(), pf_size, bond_sectors.data(), num_bonds,
                             sector_weights.data(), num_sectors);
    bool untouched = sector_weights == before;
    std::printf("bad sector code through the void prototype: output %s\n",
                untouched ? "untouched (call rejected)" : "CHANGED");

    if (failures != 0 || !untouched) {
        std::printf("FAILED: %d sums outside the bound, output %s\n", failures, untouched ? "ok" : "changed");
        return 1;
    }
    std::printf("OK: drop-in call matches the naive loop\n");
    return 0;
}
