// The article's C++ contender of benches/compare.py, built at run time:
//
//   g++ -O3 -shared -fPIC -pthread article.cpp -o article.so
//
// Its entry point has the drop-in's signature; like the article's, it checks nothing.
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

// One portfolio, as in the article.
static void portfolio_sector_weights(const double *w, const int32_t *c, uintmax_t num_bonds,
                                     double *out, uintmax_t num_sectors) {
    std::memset(out, 0, num_sectors * sizeof(double));
    for (uintmax_t i = 0; i < num_bonds; ++i) out[c[i]] += w[i];
}

// The article's driver: three std::threads per batch of three portfolios, joined per batch.
extern "C" int32_t article_cpp(const double *w, uintmax_t pf_size, const int32_t *c,
                               uintmax_t num_bonds, double *out, uintmax_t num_sectors) {
    for (uintmax_t p = 0; p < pf_size; p += 3) {
        std::vector<std::thread> threads;
        for (uintmax_t q = p; q < pf_size && q < p + 3; ++q)
            threads.emplace_back(portfolio_sector_weights, w + q * num_bonds, c + q * num_bonds,
                                 num_bonds, out + q * num_sectors, num_sectors);
        for (auto &t : threads) t.join();
    }
    return 0;
}
