/*
 * sector_weights.hpp - header-only C++17 wrapper over the C API in sector_weights.h.
 *
 * Every function checks the status of the C call and throws sector_weights::error (carrying the
 * SwStatus and the library's message, e.g. "sector code 25 at bond 1043 of portfolio 7 is outside
 * 0..18") on failure. Inputs are contiguous containers: anything with std::data / std::size whose
 * elements are exactly the C type (std::vector, std::array, C arrays, std::span, std::string_view-like
 * views), or a pointer and an element count. Results come back as std::vector<double>, or are
 * written into a caller's buffer; on error a caller's buffer is left exactly as it was.
 *
 *   #include <sector_weights.hpp>
 *   std::vector<double> w = ...;  std::vector<int32_t> s = ...;      // portfolio-major
 *   std::vector<double> out = sector_weights::sector_weights(w, s, num_portfolios, num_sectors);
 *
 * Link with the library (pkg-config sector_weights, or CMake target sector_weights::sector_weights).
 * Thread safety is that of the C API: every function may be called from many threads at once.
 */
#ifndef SECTOR_WEIGHTS_HPP
#define SECTOR_WEIGHTS_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "sector_weights.hpp needs C++17 or later"
#endif

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sector_weights.h"

namespace sector_weights {

/// Flag for the ragged and exposure functions: divide each portfolio's row by its total.
inline constexpr std::uint32_t normalize = SW_NORMALIZE;

/// Thrown by every wrapper function when the library reports a failure.
class error : public std::runtime_error {
 public:
  error(SwStatus status, const std::string& message) : std::runtime_error(message), status_(status) {}
  /// The library's status code (never SW_OK).
  SwStatus status() const noexcept { return status_; }
  /// The library's static description of the status, e.g. "sector code out of range".
  const char* status_message() const noexcept { return sw_status_message(status_); }

 private:
  SwStatus status_;
};

/// The calling thread's detail of the last failure ("" after a success).
inline std::string last_error_message() {
  const std::size_t len = sw_last_error_message(nullptr, 0);
  std::string message(len, '\0');
  if (len != 0) {
    // std::string guarantees room for the terminating NUL at data()[len], and the library
    // writes exactly len bytes plus that NUL.
    sw_last_error_message(message.data(), len + 1);
  }
  return message;
}

/// The library version, e.g. "0.1.0".
inline std::string_view version() noexcept { return sw_version(); }

namespace detail {

inline void check(SwStatus status) {
  if (status != SW_OK) {
    std::string message = last_error_message();
    if (message.empty()) message = sw_status_message(status);
    throw error(status, message);
  }
}

// True when std::data(c) on a const C gives a pointer to (const) T and std::size(c) exists.
template <class C, class T, class = void>
struct is_input_of : std::false_type {};
template <class C, class T>
struct is_input_of<C, T,
                   std::void_t<decltype(std::data(std::declval<const C&>())),
                               decltype(std::size(std::declval<const C&>()))>>
    : std::is_same<std::remove_cv_t<std::remove_pointer_t<decltype(std::data(std::declval<const C&>()))>>,
                   T> {};

// True when std::data(c) on a C gives a writable T*.
template <class C, class T, class = void>
struct is_output_of : std::false_type {};
template <class C, class T>
struct is_output_of<C, T,
                    std::void_t<decltype(std::data(std::declval<C&>())),
                                decltype(std::size(std::declval<C&>()))>>
    : std::is_same<decltype(std::data(std::declval<C&>())), T*> {};

template <class C, class T>
inline constexpr bool is_input_of_v = is_input_of<C, T>::value;
template <class C, class T>
inline constexpr bool is_output_of_v = is_output_of<C, T>::value;

// rows * num_sectors, or an SW_ERROR_SIZE_OVERFLOW error naming both.
inline std::size_t output_len(std::size_t rows, std::size_t num_sectors, const char* what) {
  if (num_sectors != 0 && rows > std::numeric_limits<std::size_t>::max() / num_sectors) {
    throw error(SW_ERROR_SIZE_OVERFLOW, std::string(what) + ": " + std::to_string(rows) + " portfolios * " +
                                            std::to_string(num_sectors) + " sectors overflows size_t");
  }
  return rows * num_sectors;
}

// Portfolios described by an offsets array of offsets_len entries (the library rejects 0 entries).
inline std::size_t ragged_rows(std::size_t offsets_len) { return offsets_len == 0 ? 0 : offsets_len - 1; }

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Equal-sized portfolios: out[p*num_sectors + k] = sum of weights[p*B + i] with sectors[p*B + i] == k,
// where B = weights.size() / num_portfolios.

/// Pointer + size form; writes out[0 .. out_len) (out_len must be num_portfolios * num_sectors).
inline void sector_weights(const double* weights, std::size_t weights_len, const std::int32_t* sectors,
                           std::size_t sectors_len, std::size_t num_portfolios, std::size_t num_sectors,
                           double* out, std::size_t out_len) {
  detail::check(
      sw_sector_weights(weights, weights_len, sectors, sectors_len, num_portfolios, num_sectors, out, out_len));
}

/// Fills a caller's contiguous buffer of exactly num_portfolios * num_sectors doubles.
template <class W, class S, class O,
          std::enable_if_t<detail::is_input_of_v<W, double> && detail::is_input_of_v<S, std::int32_t> &&
                               detail::is_output_of_v<O, double>,
                           int> = 0>
void sector_weights(const W& weights, const S& sectors, std::size_t num_portfolios, std::size_t num_sectors,
                    O& out) {
  sector_weights(std::data(weights), std::size(weights), std::data(sectors), std::size(sectors), num_portfolios,
                 num_sectors, std::data(out), std::size(out));
}

/// Returns the num_portfolios x num_sectors result, row-major.
template <class W, class S,
          std::enable_if_t<detail::is_input_of_v<W, double> && detail::is_input_of_v<S, std::int32_t>, int> = 0>
std::vector<double> sector_weights(const W& weights, const S& sectors, std::size_t num_portfolios,
                                   std::size_t num_sectors) {
  std::vector<double> out(detail::output_len(num_portfolios, num_sectors, "sector_weights"));
  sector_weights(std::data(weights), std::size(weights), std::data(sectors), std::size(sectors), num_portfolios,
                 num_sectors, out.data(), out.size());
  return out;
}

/// The article's entry point (same parameters), throwing instead of returning a status. Prefer
/// sector_weights(), which also checks the buffers' lengths. Call it qualified
/// (sector_weights::calculate_sector_weights): after `using namespace sector_weights;` an
/// unqualified call would be ambiguous with the C function of the same name.
inline void calculate_sector_weights(const double* portfolios_bond_weights, std::uintmax_t pf_size,
                                     const std::int32_t* portfolios_bond_sectors, std::uintmax_t num_bonds,
                                     double* portfolios_sector_weights, std::uintmax_t num_sectors) {
  detail::check(::calculate_sector_weights(portfolios_bond_weights, pf_size, portfolios_bond_sectors, num_bonds,
                                           portfolios_sector_weights, num_sectors));
}

// ---------------------------------------------------------------------------------------------
// Portfolios of different sizes: portfolio p holds bonds offsets[p] .. offsets[p+1]-1.
// flags: 0 or sector_weights::normalize (each row divided by the portfolio's total).

/// Pointer + size form; out_len must be (offsets_len - 1) * num_sectors.
inline void sector_weights_ragged(const double* weights, std::size_t weights_len, const std::int32_t* sectors,
                                  std::size_t sectors_len, const std::int64_t* offsets, std::size_t offsets_len,
                                  std::size_t num_sectors, std::uint32_t flags, double* out, std::size_t out_len) {
  detail::check(sw_sector_weights_ragged(weights, weights_len, sectors, sectors_len, offsets, offsets_len,
                                         num_sectors, flags, out, out_len));
}

/// Fills a caller's buffer of exactly (offsets.size() - 1) * num_sectors doubles.
template <class W, class S, class Off, class O,
          std::enable_if_t<detail::is_input_of_v<W, double> && detail::is_input_of_v<S, std::int32_t> &&
                               detail::is_input_of_v<Off, std::int64_t> && detail::is_output_of_v<O, double>,
                           int> = 0>
void sector_weights_ragged(const W& weights, const S& sectors, const Off& offsets, std::size_t num_sectors,
                           std::uint32_t flags, O& out) {
  sector_weights_ragged(std::data(weights), std::size(weights), std::data(sectors), std::size(sectors),
                        std::data(offsets), std::size(offsets), num_sectors, flags, std::data(out), std::size(out));
}

/// Returns the (offsets.size() - 1) x num_sectors result, row-major.
template <class W, class S, class Off,
          std::enable_if_t<detail::is_input_of_v<W, double> && detail::is_input_of_v<S, std::int32_t> &&
                               detail::is_input_of_v<Off, std::int64_t>,
                           int> = 0>
std::vector<double> sector_weights_ragged(const W& weights, const S& sectors, const Off& offsets,
                                          std::size_t num_sectors, std::uint32_t flags = 0) {
  std::vector<double> out(
      detail::output_len(detail::ragged_rows(std::size(offsets)), num_sectors, "sector_weights_ragged"));
  sector_weights_ragged(std::data(weights), std::size(weights), std::data(sectors), std::size(sectors),
                        std::data(offsets), std::size(offsets), num_sectors, flags, out.data(), out.size());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Exposures: out[p*num_sectors + k] = sum of weights[i] * values[i] over portfolio p's bonds in sector k
// (duration, spread duration, DTS contributions). Portfolios given by offsets as above.

/// Pointer + size form; out_len must be (offsets_len - 1) * num_sectors.
inline void sector_exposures(const double* weights, std::size_t weights_len, const double* values,
                             std::size_t values_len, const std::int32_t* sectors, std::size_t sectors_len,
                             const std::int64_t* offsets, std::size_t offsets_len, std::size_t num_sectors,
                             std::uint32_t flags, double* out, std::size_t out_len) {
  detail::check(sw_sector_exposures(weights, weights_len, values, values_len, sectors, sectors_len, offsets,
                                    offsets_len, num_sectors, flags, out, out_len));
}

/// Fills a caller's buffer of exactly (offsets.size() - 1) * num_sectors doubles.
template <class W, class V, class S, class Off, class O,
          std::enable_if_t<detail::is_input_of_v<W, double> && detail::is_input_of_v<V, double> &&
                               detail::is_input_of_v<S, std::int32_t> && detail::is_input_of_v<Off, std::int64_t> &&
                               detail::is_output_of_v<O, double>,
                           int> = 0>
void sector_exposures(const W& weights, const V& values, const S& sectors, const Off& offsets,
                      std::size_t num_sectors, std::uint32_t flags, O& out) {
  sector_exposures(std::data(weights), std::size(weights), std::data(values), std::size(values), std::data(sectors),
                   std::size(sectors), std::data(offsets), std::size(offsets), num_sectors, flags, std::data(out),
                   std::size(out));
}

/// Returns the (offsets.size() - 1) x num_sectors exposures, row-major.
template <class W, class V, class S, class Off,
          std::enable_if_t<detail::is_input_of_v<W, double> && detail::is_input_of_v<V, double> &&
                               detail::is_input_of_v<S, std::int32_t> && detail::is_input_of_v<Off, std::int64_t>,
                           int> = 0>
std::vector<double> sector_exposures(const W& weights, const V& values, const S& sectors, const Off& offsets,
                                     std::size_t num_sectors, std::uint32_t flags = 0) {
  std::vector<double> out(
      detail::output_len(detail::ragged_rows(std::size(offsets)), num_sectors, "sector_exposures"));
  sector_exposures(std::data(weights), std::size(weights), std::data(values), std::size(values), std::data(sectors),
                   std::size(sectors), std::data(offsets), std::size(offsets), num_sectors, flags, out.data(),
                   out.size());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Threads.

/// Sets the worker pool size for all later calls (0 = the default: SECTOR_WEIGHTS_NUM_THREADS, RAYON_NUM_THREADS, OMP_NUM_THREADS or all CPUs).
inline void set_num_threads(std::size_t n) { detail::check(sw_set_num_threads(n)); }

/// The worker pool size calls use now; throws if the pool could not be started.
inline std::size_t num_threads() {
  const std::size_t n = sw_get_num_threads();
  if (n == 0) {
    std::string message = last_error_message();
    throw error(SW_ERROR_THREAD_POOL, message.empty() ? sw_status_message(SW_ERROR_THREAD_POOL) : message);
  }
  return n;
}

}  // namespace sector_weights

#endif  // SECTOR_WEIGHTS_HPP
