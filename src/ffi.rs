//! The C ABI. The only module with `unsafe`: it turns caller pointers into slices, after the
//! validator ([`crate::validate::check_buffers`]) has checked every pointer and length, and
//! catches every panic at the boundary.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{self, Result, SwStatus};
use crate::kernel::{self, Input, Layout};
use crate::orders::{self, Evaluation, Orders};
use crate::pool;
use crate::targets::{self, Broadcast};
use crate::validate::{self, RawBuf};

/// Flag for the `flags` argument: divide each portfolio's sums by the portfolio's total (the sum
/// of all its sums), so each row adds up to 1. A portfolio whose total is 0 (including an empty
/// one) is an error, SW_ERROR_ZERO_TOTAL.
pub const SW_NORMALIZE: u32 = 1;

/// Runs `f` inside the panic boundary: clears the last error, records any error's message.
fn boundary(f: impl FnOnce() -> Result<()>) -> SwStatus {
    error::clear_last_error();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SwStatus::SW_OK,
        Ok(Err(e)) => {
            error::set_last_error(&e.message);
            e.status
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("unknown payload");
            error::set_last_error(&format!("internal panic: {what}"));
            SwStatus::SW_ERROR_PANIC
        }
    }
}

fn raw<T>(name: &'static str, ptr: *const T, len: usize, output: bool) -> RawBuf {
    RawBuf {
        name,
        addr: ptr as usize,
        len,
        elem_size: std::mem::size_of::<T>(),
        output,
    }
}

/// # Safety
/// `check_buffers` accepted `(ptr, len)`, and the caller guarantees `ptr` is valid for `len` reads
/// for the duration of the call.
unsafe fn input<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        return &[]; // Never hand a possibly-NULL pointer to from_raw_parts.
    }
    // SAFETY: non-NULL, aligned, len * size_of::<T>() <= isize::MAX and no wrap (checked by the
    // validator); validity for reads is the caller's documented contract.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// # Safety
/// As [`input`], for writes, and the range overlaps no other buffer of the call (checked).
unsafe fn output<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: as in `input`; the validator also proved this range overlaps no input, so the
    // exclusive borrow aliases nothing else this call reads.
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }
}

fn check_flags(flags: u32) -> Result<bool> {
    if flags & !SW_NORMALIZE != 0 {
        return Err(crate::Error::new(
            SwStatus::SW_ERROR_INVALID_ARGUMENT,
            format!("flags = {flags:#x} has bits other than SW_NORMALIZE (1)"),
        ));
    }
    Ok(flags & SW_NORMALIZE != 0)
}

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
    portfolios_bond_weights: *const f64,
    pf_size: libc::uintmax_t,
    portfolios_bond_sectors: *const i32,
    num_bonds: libc::uintmax_t,
    portfolios_sector_weights: *mut f64,
    num_sectors: libc::uintmax_t,
) -> SwStatus {
    boundary(|| {
        let p = validate::to_usize(pf_size, "pf_size")?;
        let b = validate::to_usize(num_bonds, "num_bonds")?;
        let s = validate::to_usize(num_sectors, "num_sectors")?;
        let n = validate::mul(p, b, "pf_size * num_bonds")?;
        let o = validate::mul(p, s, "pf_size * num_sectors")?;
        validate::check_buffers(&[
            raw("portfolios_bond_weights", portfolios_bond_weights, n, false),
            raw("portfolios_bond_sectors", portfolios_bond_sectors, n, false),
            raw(
                "portfolios_sector_weights",
                portfolios_sector_weights,
                o,
                true,
            ),
        ])?;
        // SAFETY: the validator accepted these exact (pointer, length) pairs; validity for the
        // call is the caller's contract.
        let (weights, codes, out) = unsafe {
            (
                input(portfolios_bond_weights, n),
                input(portfolios_bond_sectors, n),
                output(portfolios_sector_weights, o),
            )
        };
        let layout = Layout::Uniform {
            num_portfolios: p,
            bonds_per_portfolio: b,
        };
        let job = Input {
            weights,
            values: None,
            codes,
            layout,
            num_sectors: s,
        };
        kernel::compute(&job, false, out)
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
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_sector_weights(
    weights: *const f64,
    weights_len: usize,
    sectors: *const i32,
    sectors_len: usize,
    num_portfolios: usize,
    num_sectors: usize,
    out: *mut f64,
    out_len: usize,
) -> SwStatus {
    boundary(|| {
        validate::check_buffers(&[
            raw("weights", weights, weights_len, false),
            raw("sectors", sectors, sectors_len, false),
            raw("out", out, out_len, true),
        ])?;
        if num_portfolios > 0 && weights_len % num_portfolios != 0 {
            return Err(crate::Error::new(
                SwStatus::SW_ERROR_LENGTH_MISMATCH,
                format!(
                    "weights has {weights_len} elements, not a multiple of num_portfolios = {num_portfolios}"
                ),
            ));
        }
        // SAFETY: the validator accepted these exact (pointer, length) pairs.
        let (weights, codes, out) = unsafe {
            (
                input(weights, weights_len),
                input(sectors, sectors_len),
                output(out, out_len),
            )
        };
        let layout = Layout::Uniform {
            num_portfolios,
            bonds_per_portfolio: weights_len.checked_div(num_portfolios).unwrap_or(0),
        };
        let job = Input {
            weights,
            values: None,
            codes,
            layout,
            num_sectors,
        };
        kernel::compute(&job, false, out)
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
///                          (SW_ERROR_ZERO_TOTAL if that total is 0); other bits: SW_ERROR_INVALID_ARGUMENT.
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
    weights: *const f64,
    weights_len: usize,
    sectors: *const i32,
    sectors_len: usize,
    offsets: *const i64,
    offsets_len: usize,
    num_sectors: usize,
    flags: u32,
    out: *mut f64,
    out_len: usize,
) -> SwStatus {
    // SAFETY: the same contract as this function's, passed on unchanged (no values buffer).
    unsafe {
        exposures_impl(
            weights,
            weights_len,
            None,
            sectors,
            sectors_len,
            offsets,
            offsets_len,
            num_sectors,
            flags,
            out,
            out_len,
        )
    }
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
///   flags                  0 or SW_NORMALIZE (divide each row by its total exposure).
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
    weights: *const f64,
    weights_len: usize,
    values: *const f64,
    values_len: usize,
    sectors: *const i32,
    sectors_len: usize,
    offsets: *const i64,
    offsets_len: usize,
    num_sectors: usize,
    flags: u32,
    out: *mut f64,
    out_len: usize,
) -> SwStatus {
    // SAFETY: the same contract as this function's, passed on unchanged.
    unsafe {
        exposures_impl(
            weights,
            weights_len,
            Some((values, values_len)),
            sectors,
            sectors_len,
            offsets,
            offsets_len,
            num_sectors,
            flags,
            out,
            out_len,
        )
    }
}

/// Shared body of the ragged entry points.
///
/// # Safety
/// As for `sw_sector_exposures`.
#[allow(clippy::too_many_arguments)]
unsafe fn exposures_impl(
    weights: *const f64,
    weights_len: usize,
    values: Option<(*const f64, usize)>,
    sectors: *const i32,
    sectors_len: usize,
    offsets: *const i64,
    offsets_len: usize,
    num_sectors: usize,
    flags: u32,
    out: *mut f64,
    out_len: usize,
) -> SwStatus {
    boundary(|| {
        let normalize = check_flags(flags)?;
        let (values_ptr, values_len) = values.unwrap_or((std::ptr::null(), 0));
        validate::check_buffers(&[
            raw("weights", weights, weights_len, false),
            raw("values", values_ptr, values_len, false),
            raw("sectors", sectors, sectors_len, false),
            raw("offsets", offsets, offsets_len, false),
            raw("out", out, out_len, true),
        ])?;
        // SAFETY: the validator accepted these exact (pointer, length) pairs.
        let (weights, values_slice, codes, offsets, out) = unsafe {
            (
                input(weights, weights_len),
                input(values_ptr, values_len),
                input(sectors, sectors_len),
                input(offsets, offsets_len),
                output(out, out_len),
            )
        };
        let job = Input {
            weights,
            values: values.map(|_| values_slice),
            codes,
            layout: Layout::Ragged(offsets),
            num_sectors,
        };
        kernel::compute(&job, normalize, out)
    })
}

/// Compares actual allocations with targets and tolerance bands, cell by cell:
///   active[i]   = actual[i] - target(i)
///   breaches[i] = 1 if |active[i]| > tolerance(i), else 0
/// where a target (or tolerance) array holds 1 value (for every cell), num_sectors values (one per
/// sector, the same for every portfolio) or actual_len values (one per cell).
///
/// Parameters:
///   actual, actual_len         num_portfolios * num_sectors allocations (e.g. from
///                              sw_sector_weights_ragged with SW_NORMALIZE); finite.
///   targets, targets_len       1, num_sectors or actual_len finite targets.
///   tolerance, tolerance_len   1, num_sectors or actual_len finite, non-negative tolerances.
///   num_sectors                sectors per portfolio (>= 1); actual_len must be a multiple.
///   active, active_len         output, actual_len doubles.
///   breaches, breaches_len     output, actual_len bytes (0 or 1).
///
/// Returns SW_OK, SW_ERROR_LENGTH_MISMATCH, SW_ERROR_NON_FINITE, SW_ERROR_INVALID_ARGUMENT (negative
/// tolerance, num_sectors 0), SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED, SW_ERROR_SIZE_OVERFLOW,
/// SW_ERROR_OVERLAP or SW_ERROR_PANIC. On error neither output is written.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_compare_to_targets(
    actual: *const f64,
    actual_len: usize,
    targets: *const f64,
    targets_len: usize,
    tolerance: *const f64,
    tolerance_len: usize,
    num_sectors: usize,
    active: *mut f64,
    active_len: usize,
    breaches: *mut u8,
    breaches_len: usize,
) -> SwStatus {
    boundary(|| {
        validate::check_buffers(&[
            raw("actual", actual, actual_len, false),
            raw("targets", targets, targets_len, false),
            raw("tolerance", tolerance, tolerance_len, false),
            raw("active", active, active_len, true),
            raw("breaches", breaches, breaches_len, true),
        ])?;
        // SAFETY: the validator accepted these exact (pointer, length) pairs, and the two outputs
        // overlap neither each other nor any input.
        let (actual, t, tol, active, breaches) = unsafe {
            (
                input(actual, actual_len),
                input(targets, targets_len),
                input(tolerance, tolerance_len),
                output(active, active_len),
                output(breaches, breaches_len),
            )
        };
        let t = Broadcast {
            name: "targets",
            data: t,
        };
        let tol = Broadcast {
            name: "tolerance",
            data: tol,
        };
        targets::compare(actual, num_sectors, t, tol, active, breaches)
    })
}

/// Evaluates order lists against portfolios: portfolio p (holdings portfolio_offsets[p] ..
/// portfolio_offsets[p+1]-1) is paired with order list p (orders order_offsets[p] ..
/// order_offsets[p+1]-1). For each portfolio p and sector k:
///   before[p][k] = holdings in k / portfolio total (the sum of its values)
///   orders[p][k] = signed orders in k (buys > 0, sells < 0) / the sum of |order values| of list p
///   after[p][k]  = (holdings in k + orders in k) / (portfolio total + sum of order values)
/// and, when targets are given, active = after - target and breaches = |active| > tolerance, as in
/// sw_compare_to_targets.
///
/// Parameters:
///   portfolio_values, _len     market values of the holdings; finite.
///   portfolio_sectors, _len    one code per holding, in [0, num_sectors).
///   portfolio_offsets, _len    num_portfolios + 1 offsets into the holdings.
///   order_values, _len         signed order values; finite.
///   order_sectors, _len        one code per order, in [0, num_sectors).
///   order_offsets, _len        num_portfolios + 1 offsets into the orders (same length as
///                              portfolio_offsets).
///   num_sectors                number of sectors.
///   targets, targets_len       0 (no targets), or 1, num_sectors or num_portfolios*num_sectors targets.
///   tolerance, tolerance_len   0 (tolerance 0), or 1, num_sectors or num_portfolios*num_sectors
///                              non-negative tolerances; must be 0 without targets.
///   before, orders, after      outputs, num_portfolios*num_sectors doubles each (with lengths).
///   active, breaches           outputs (doubles, bytes), num_portfolios*num_sectors each when
///                              targets are given, else NULL with length 0.
///
/// Returns SW_OK, or: SW_ERROR_ZERO_TOTAL for a portfolio whose total is 0 (e.g. empty), an order
/// list that is empty or all zero, or a pro-forma total of 0 (each naming the portfolio or list);
/// SW_ERROR_SECTOR_OUT_OF_RANGE / SW_ERROR_NON_FINITE naming the holding ("bond i of portfolio p")
/// or order ("order i of order list p"); SW_ERROR_BAD_OFFSETS, SW_ERROR_LENGTH_MISMATCH,
/// SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED, SW_ERROR_SIZE_OVERFLOW, SW_ERROR_OVERLAP,
/// SW_ERROR_INVALID_ARGUMENT, SW_ERROR_OUT_OF_MEMORY, SW_ERROR_THREAD_POOL, SW_ERROR_PANIC.
/// On any error no output is written.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_evaluate_orders(
    portfolio_values: *const f64,
    portfolio_values_len: usize,
    portfolio_sectors: *const i32,
    portfolio_sectors_len: usize,
    portfolio_offsets: *const i64,
    portfolio_offsets_len: usize,
    order_values: *const f64,
    order_values_len: usize,
    order_sectors: *const i32,
    order_sectors_len: usize,
    order_offsets: *const i64,
    order_offsets_len: usize,
    num_sectors: usize,
    targets: *const f64,
    targets_len: usize,
    tolerance: *const f64,
    tolerance_len: usize,
    before: *mut f64,
    before_len: usize,
    orders: *mut f64,
    orders_len: usize,
    after: *mut f64,
    after_len: usize,
    active: *mut f64,
    active_len: usize,
    breaches: *mut u8,
    breaches_len: usize,
) -> SwStatus {
    boundary(|| {
        validate::check_buffers(&[
            raw(
                "portfolio_values",
                portfolio_values,
                portfolio_values_len,
                false,
            ),
            raw(
                "portfolio_sectors",
                portfolio_sectors,
                portfolio_sectors_len,
                false,
            ),
            raw(
                "portfolio_offsets",
                portfolio_offsets,
                portfolio_offsets_len,
                false,
            ),
            raw("order_values", order_values, order_values_len, false),
            raw("order_sectors", order_sectors, order_sectors_len, false),
            raw("order_offsets", order_offsets, order_offsets_len, false),
            raw("targets", targets, targets_len, false),
            raw("tolerance", tolerance, tolerance_len, false),
            raw("before", before, before_len, true),
            raw("orders", orders, orders_len, true),
            raw("after", after, after_len, true),
            raw("active", active, active_len, true),
            raw("breaches", breaches, breaches_len, true),
        ])?;
        if targets_len == 0 && (tolerance_len != 0 || active_len != 0 || breaches_len != 0) {
            return Err(crate::Error::new(
                SwStatus::SW_ERROR_INVALID_ARGUMENT,
                "tolerance, active and breaches must be empty (length 0) when no targets are given",
            ));
        }
        // SAFETY: the validator accepted these exact (pointer, length) pairs; no output overlaps
        // another output or any input.
        let (input, before, orders, after, active, breaches, t, tol) = unsafe {
            (
                Orders {
                    portfolio_values: input(portfolio_values, portfolio_values_len),
                    portfolio_sectors: input(portfolio_sectors, portfolio_sectors_len),
                    portfolio_offsets: input(portfolio_offsets, portfolio_offsets_len),
                    order_values: input(order_values, order_values_len),
                    order_sectors: input(order_sectors, order_sectors_len),
                    order_offsets: input(order_offsets, order_offsets_len),
                    num_sectors,
                },
                output(before, before_len),
                output(orders, orders_len),
                output(after, after_len),
                output(active, active_len),
                output(breaches, breaches_len),
                input(targets, targets_len),
                input(tolerance, tolerance_len),
            )
        };
        const ZERO: &[f64] = &[0.0];
        let targets = (targets_len > 0).then(|| {
            let tol = if tol.is_empty() { ZERO } else { tol };
            (
                Broadcast {
                    name: "targets",
                    data: t,
                },
                Broadcast {
                    name: "tolerance",
                    data: tol,
                },
                active,
                breaches,
            )
        });
        let out = Evaluation {
            before,
            orders,
            after,
            targets,
        };
        orders::evaluate(&input, out)
    })
}

/// Sets the number of worker threads for all later calls: n = 0 means the default
/// (RAYON_NUM_THREADS if set, else the number of logical CPUs). Safe at any time, also while other
/// threads are computing (they finish on the pool they started with). Results do not depend on it.
/// A call of several portfolios that each fit one chunk (max(65,536, 16 x num_sectors) bonds) also
/// computes on the calling thread, with n - 1 pool workers, so that n threads work on it; several
/// threads calling at once each bring their own.
///
/// Returns SW_OK, SW_ERROR_INVALID_ARGUMENT (n > 4096) or SW_ERROR_THREAD_POOL.
#[no_mangle]
pub extern "C" fn sw_set_num_threads(n: usize) -> SwStatus {
    boundary(|| pool::set_num_threads(n))
}

/// The number of worker threads calls use now, or 0 if the pool could not be started (then
/// sw_last_error_message says why). Thread-safe.
#[no_mangle]
pub extern "C" fn sw_get_num_threads() -> usize {
    let mut n = 0;
    let status = boundary(|| {
        n = pool::num_threads()?;
        Ok(())
    });
    if status == SwStatus::SW_OK {
        n
    } else {
        0
    }
}

/// A static, NUL-terminated description of a status code ("unknown status" for other values).
/// Never NULL; the string must not be freed. Thread-safe.
#[no_mangle]
pub extern "C" fn sw_status_message(status: i32) -> *const c_char {
    SwStatus::from_code(status)
        .map_or(c"unknown status", SwStatus::message_cstr)
        .as_ptr()
}

/// Copies the calling thread's last error detail (e.g. "sector code 25 at bond 1043 of portfolio 7
/// is outside 0..18") into buf, like snprintf: at most len - 1 bytes plus a terminating NUL; nothing
/// is written when buf is NULL or len is 0.
///
/// Returns the detail's full length in bytes, not counting the NUL (so a return value >= len means
/// it was truncated; allocate return + 1). After a successful call the detail is empty (returns 0).
/// Each thread has its own detail. Does not change the detail.
///
/// # Safety
/// If buf is not NULL it must be valid for len bytes of writes.
#[no_mangle]
pub unsafe extern "C" fn sw_last_error_message(buf: *mut c_char, len: usize) -> usize {
    let result = catch_unwind(|| {
        error::with_last_error(|msg| {
            let bytes = msg.as_bytes();
            if !buf.is_null() && len > 0 {
                let n = bytes.len().min(len - 1);
                // SAFETY: buf is non-NULL and valid for len > n bytes of writes (caller contract);
                // the message is our own String, which cannot overlap caller memory.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                    *buf.add(n) = 0;
                }
            }
            bytes.len()
        })
    });
    result.unwrap_or(0)
}

/// The library version, e.g. "0.1.0": a static NUL-terminated string, never NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn sw_version() -> *const c_char {
    const V: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    V.as_ptr()
}
