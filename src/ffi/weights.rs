//! The sector sums: the article's drop-in `calculate_sector_weights`, the checked uniform
//! `sw_sector_weights`, and the ragged `sw_sector_weights_ragged` / `sw_sector_exposures`.

use super::{boundary, Buffers, Flags};
use crate::error::{Error, Shape, SwStatus};
use crate::kernel::{self, Codes, Floats, Input, Layout};
use crate::validate;

/// Drop-in replacement for the article's C++ routine, same parameters in the same order.
///
/// For each portfolio p in [0, pf_size) and sector k in [0, num_sectors):
///   portfolios_sector_weights[p*num_sectors + k] =
///     sum of portfolios_bond_weights[p*num_bonds + i] over the bonds i whose
///     portfolios_bond_sectors[p*num_bonds + i] == k.
///
/// Parameters:
///   portfolios_bond_weights  pf_size*num_bonds weights, portfolio-major; finite (negative is fine).
///   pf_size                  number of portfolios.
///   portfolios_bond_sectors  pf_size*num_bonds sector codes, each in [0, num_sectors).
///   num_bonds                bonds per portfolio.
///   portfolios_sector_weights  output, pf_size*num_sectors doubles; fully overwritten on success
///                            (sectors without bonds get 0.0), untouched on error.
///   num_sectors              number of sectors; may be 0 only when there are no bonds.
///
/// Returns SW_OK, or SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED, SW_ERROR_SIZE_OVERFLOW,
/// SW_ERROR_OVERLAP, SW_ERROR_SECTOR_OUT_OF_RANGE, SW_ERROR_NON_FINITE, SW_ERROR_INVALID_ARGUMENT,
/// SW_ERROR_OUT_OF_MEMORY, SW_ERROR_THREAD_POOL or SW_ERROR_PANIC.
///
/// Drop-in: callers compiled against the old prototype `void calculate_sector_weights(...)`, and
/// Python ctypes wrappers with `restype = None`, keep working unchanged. On every supported ABI
/// (x86-64 System V and Windows, AArch64) the int32_t status travels in a return register (eax /
/// w0), which such callers simply ignore; the arguments are passed exactly as before. They do lose
/// the status: new code should check it, or use sw_sector_weights, which also checks lengths.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn calculate_sector_weights(
    portfolios_bond_weights: *const f64, pf_size: libc::uintmax_t,
    portfolios_bond_sectors: *const i32, num_bonds: libc::uintmax_t,
    portfolios_sector_weights: *mut f64, num_sectors: libc::uintmax_t,
) -> SwStatus {
    boundary(|| {
        let p = validate::to_usize(pf_size, "pf_size")?;
        let b = validate::to_usize(num_bonds, "num_bonds")?;
        let s = validate::to_usize(num_sectors, "num_sectors")?;
        let n = validate::mul(p, b, "pf_size * num_bonds")?;
        let o = validate::mul(p, s, "pf_size * num_sectors")?;
        let mut bufs = Buffers::<3>::new();
        // SAFETY: this function's arguments, valid for their sizes by its contract.
        let (weights, codes, out) = unsafe {
            (
                bufs.input("portfolios_bond_weights", portfolios_bond_weights, n),
                bufs.input("portfolios_bond_sectors", portfolios_bond_sectors, n),
                bufs.output("portfolios_sector_weights", portfolios_sector_weights, o),
            )
        };
        let ok = bufs.check()?;
        let layout = Layout::Uniform { num_portfolios: p, bonds_per_portfolio: b };
        let input = Input::new(weights.slice(&ok), codes.slice(&ok), layout, s);
        kernel::compute(&input, false, out.slice(&ok))
    })
}

/// Per-sector sums for num_portfolios portfolios of equal size, with every length checked.
///
/// The bonds per portfolio are weights_len / num_portfolios (which must divide exactly).
/// out[p*num_sectors + k] = sum of weights[p*B + i] over the bonds i of portfolio p whose
/// sectors[p*B + i] == k.
///
/// Parameters:
///   weights, weights_len   all weights, portfolio-major; finite (negative is fine).
///   sectors, sectors_len   one sector code per weight (sectors_len == weights_len), in [0, num_sectors).
///   num_portfolios         number of portfolios (0 requires weights_len == 0).
///   num_sectors            number of sectors; may be 0 only when there are no bonds.
///   out, out_len           output, out_len == num_portfolios*num_sectors; fully overwritten on
///                          success, untouched on error; must not overlap an input.
///
/// Returns SW_OK, or SW_ERROR_LENGTH_MISMATCH, SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED,
/// SW_ERROR_SIZE_OVERFLOW, SW_ERROR_OVERLAP, SW_ERROR_SECTOR_OUT_OF_RANGE, SW_ERROR_NON_FINITE,
/// SW_ERROR_INVALID_ARGUMENT, SW_ERROR_OUT_OF_MEMORY, SW_ERROR_THREAD_POOL or SW_ERROR_PANIC.
///
/// Exact mode: this function has no flags; pass offsets 0, B, 2B, ... and SW_EXACT to
/// sw_sector_weights_ragged (or sw_ragged_sums) for the same sums computed exactly.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_sector_weights(
    weights: *const f64, weights_len: usize, sectors: *const i32, sectors_len: usize,
    num_portfolios: usize, num_sectors: usize, out: *mut f64, out_len: usize,
) -> SwStatus {
    boundary(|| {
        let mut bufs = Buffers::<3>::new();
        // SAFETY: this function's arguments, valid for their lengths by its contract.
        let (weights, codes, out) = unsafe {
            (
                bufs.input("weights", weights, weights_len),
                bufs.input("sectors", sectors, sectors_len),
                bufs.output("out", out, out_len),
            )
        };
        let ok = bufs.check()?;
        if num_portfolios > 0 && weights_len % num_portfolios != 0 {
            return Err(Error::Shape(Shape::NotMultiple {
                buffer: "weights",
                len: weights_len,
                of: "num_portfolios",
                by: num_portfolios,
            }));
        }
        let layout = Layout::Uniform {
            num_portfolios,
            bonds_per_portfolio: weights_len.checked_div(num_portfolios).unwrap_or(0),
        };
        let input = Input::new(weights.slice(&ok), codes.slice(&ok), layout, num_sectors);
        kernel::compute(&input, false, out.slice(&ok))
    })
}

/// Per-sector sums for portfolios of different sizes ("ragged"), optionally normalised.
///
/// Portfolio p holds bonds offsets[p] .. offsets[p+1]-1; there are offsets_len - 1 portfolios.
/// Offsets must start at 0, never decrease and end at weights_len (SW_ERROR_BAD_OFFSETS otherwise,
/// naming the bad offset). An empty portfolio gives a row of zeros.
///
/// Parameters:
///   weights, weights_len   all bonds' weights (or market values); finite.
///   sectors, sectors_len   one code per bond, in [0, num_sectors).
///   offsets, offsets_len   num_portfolios + 1 offsets (offsets_len >= 1).
///   num_sectors            number of sectors.
///   flags                  0, or SW_NORMALIZE to divide each row by the portfolio's total
///                          (SW_ERROR_ZERO_TOTAL if that total is 0), or'd with SW_EXACT for
///                          exact sums; other bits: SW_ERROR_INVALID_ARGUMENT.
///   out, out_len           output, (offsets_len - 1) * num_sectors doubles; untouched on error.
///
/// Returns SW_OK or any SW_ERROR_* status (see sw_sector_weights), plus SW_ERROR_BAD_OFFSETS and
/// SW_ERROR_ZERO_TOTAL.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_sector_weights_ragged(
    weights: *const f64, weights_len: usize, sectors: *const i32, sectors_len: usize,
    offsets: *const i64, offsets_len: usize, num_sectors: usize, flags: u32, out: *mut f64,
    out_len: usize,
) -> SwStatus {
    boundary(|| {
        let flags = Flags::parse(flags)?;
        let mut bufs = Buffers::<4>::new();
        // SAFETY: this function's arguments, valid for their lengths by its contract.
        let (weights, codes, offsets, out) = unsafe {
            (
                bufs.input("weights", weights, weights_len),
                bufs.input("sectors", sectors, sectors_len),
                bufs.input("offsets", offsets, offsets_len),
                bufs.output("out", out, out_len),
            )
        };
        let ok = bufs.check()?;
        let input = Input {
            weights: Floats::F64(weights.slice(&ok)),
            values: None,
            codes: Codes::I32(codes.slice(&ok)),
            layout: Layout::Ragged(offsets.slice(&ok)),
            num_sectors,
        };
        flags.compute(&input, out.slice(&ok))
    })
}

/// Per-sector exposures: out[p*num_sectors + k] = sum of weights[i] * values[i] over the bonds i of
/// portfolio p whose sector is k (e.g. contribution to duration, spread duration, DTS).
///
/// Portfolios are given by offsets exactly as in sw_sector_weights_ragged (for equal-sized
/// portfolios of B bonds pass offsets 0, B, 2B, ...). Both weights and values must be finite.
///
/// Parameters:
///   weights, weights_len   per-bond weights.
///   values, values_len     per-bond values (values_len == weights_len).
///   sectors, sectors_len   one code per bond, in [0, num_sectors).
///   offsets, offsets_len   num_portfolios + 1 offsets.
///   num_sectors            number of sectors.
///   flags                  0 or SW_NORMALIZE (divide each row by its total exposure), or'd
///                          with SW_EXACT for exact sums (each product rounded once).
///   out, out_len           output, (offsets_len - 1) * num_sectors doubles; untouched on error.
///
/// Returns SW_OK or any SW_ERROR_* status of sw_sector_weights_ragged.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_sector_exposures(
    weights: *const f64, weights_len: usize, values: *const f64, values_len: usize,
    sectors: *const i32, sectors_len: usize, offsets: *const i64, offsets_len: usize,
    num_sectors: usize, flags: u32, out: *mut f64, out_len: usize,
) -> SwStatus {
    boundary(|| {
        let flags = Flags::parse(flags)?;
        let mut bufs = Buffers::<5>::new();
        // SAFETY: this function's arguments, valid for their lengths by its contract.
        let (weights, values, codes, offsets, out) = unsafe {
            (
                bufs.input("weights", weights, weights_len),
                bufs.input("values", values, values_len),
                bufs.input("sectors", sectors, sectors_len),
                bufs.input("offsets", offsets, offsets_len),
                bufs.output("out", out, out_len),
            )
        };
        let ok = bufs.check()?;
        let input = Input {
            weights: Floats::F64(weights.slice(&ok)),
            values: Some(Floats::F64(values.slice(&ok))),
            codes: Codes::I32(codes.slice(&ok)),
            layout: Layout::Ragged(offsets.slice(&ok)),
            num_sectors,
        };
        flags.compute(&input, out.slice(&ok))
    })
}
