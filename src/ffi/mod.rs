//! The C ABI: the only module with `unsafe`.
//!
//! - this file: the panic boundary every function runs in ([`boundary`], [`no_panic`]), the
//!   thread's last error, and [`Buffers`], where each caller buffer is stated once (pointer and
//!   length), validated with all the others, and turned into a slice — the one `unsafe` argument;
//! - `weights.rs`: the drop-in `calculate_sector_weights` and the checked sector sums;
//! - `pm.rs`: targets and tolerance bands, order lists;
//! - `columns.rs`: typed columns (`SwColumn`) and the grouped layout; `labels.rs`: string label
//!   columns;
//! - `partial.rs`: partial results (`SwPartial`): exact sums built from rows, merged, saved;
//! - `runtime.rs`: threads, status names and messages, the last error, the version.

// In the order the header lists them (cbindgen follows the modules' order).
mod weights;
// Targets and order lists.
mod pm;
// Typed columns: native code and float types, the grouped layout.
mod columns;
// String label columns: codes and first rows.
mod labels;
// Partial results: exact sums merged in any order, saved as bytes.
mod partial;
// Threads, statuses, errors, version.
mod runtime;

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result, SwStatus};
use crate::validate::{self, RawBuf};

pub use columns::*;
pub use labels::*;
pub use partial::*;
pub use pm::*;
pub use runtime::*;
pub use weights::*;

/// Flag for the `flags` argument: divide each portfolio's sums by the portfolio's total (the sum
/// of all its sums), so each row adds up to 1. A portfolio whose total is 0 (including an empty
/// one) is an error, SW_ERROR_ZERO_TOTAL.
pub const SW_NORMALIZE: u32 = 1;

/// Flag for the `flags` argument: exact mode. Each sector sum is the correctly rounded value of
/// the exact sum of its terms (the double Python's math.fsum returns for them; a term is a
/// weight, or weight * value rounded once for exposures), so results are identical for every
/// thread count, every row order and every split of the rows. With SW_NORMALIZE, each exact sum
/// rounded once is divided by the portfolio's exact total rounded once. Same checks and errors
/// as the default mode; a sum whose exact value rounds beyond the doubles is SW_ERROR_NON_FINITE.
/// Costs about 4x the default mode (docs/guarantees.md), plus 24 bytes per sector and
/// thread (24 per portfolio x sector and thread for sw_grouped_sums up to 2^15 cells).
pub const SW_EXACT: u32 = 2;

thread_local! {
    /// The calling thread's last error detail (empty after a successful call).
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// What a fallible entry point returns to C: its value on success, a failure value otherwise.
pub(crate) trait Outcome {
    type C;
    fn success(self) -> Self::C;
    fn failure(status: SwStatus) -> Self::C;
}

/// Computations: `SW_OK`, or the error's status.
impl Outcome for () {
    type C = SwStatus;
    fn success(self) -> SwStatus {
        SwStatus::SW_OK
    }
    fn failure(status: SwStatus) -> SwStatus {
        status
    }
}

/// Counts: the count, or 0.
impl Outcome for usize {
    type C = usize;
    fn success(self) -> usize {
        self
    }
    fn failure(_: SwStatus) -> usize {
        0
    }
}

/// The boundary of every entry point that can fail: clears the thread's last error, runs `body`,
/// and turns an error (or a panic: since Rust 1.81 a panic unwinding out of `extern "C"` would
/// abort the caller's process) into its status, recording its message as the last error.
pub(crate) fn boundary<T: Outcome>(body: impl FnOnce() -> Result<T>) -> T::C {
    clear_last_error();
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(Error::Panic(panic_text(payload.as_ref()))));
    match result {
        Ok(value) => value.success(),
        Err(e) => {
            set_last_error(&e.to_string());
            T::failure(e.status())
        }
    }
}

/// For the entry points that cannot fail and must not touch the last error (status names, the
/// last error itself): `body`'s value, or `on_panic` should it panic.
pub(crate) fn no_panic<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown payload")
        .to_string()
}

/// Empties the thread's last error (every call's first step: only the length is reset).
fn clear_last_error() {
    LAST_ERROR.with(|m| m.borrow_mut().clear());
}

fn set_last_error(message: &str) {
    LAST_ERROR.with(|m| {
        let mut m = m.borrow_mut();
        m.clear();
        m.push_str(message);
    });
}

fn with_last_error<R>(f: impl FnOnce(&str) -> R) -> R {
    LAST_ERROR.with(|m| f(&m.borrow()))
}

/// The `flags` of a call whose only flag is SW_NORMALIZE (`sw_partial_result`: a partial's sums
/// are exact anyway); any other bit is an error.
fn normalize_flag(flags: u32) -> Result<bool> {
    if flags & !SW_NORMALIZE != 0 {
        return Err(Error::Argument(crate::error::Argument::UnknownFlags { flags }));
    }
    Ok(flags & SW_NORMALIZE != 0)
}

/// What a `flags` argument asks for; bits other than SW_NORMALIZE and SW_EXACT are an error.
#[derive(Clone, Copy)]
struct Flags {
    normalize: bool,
    exact: bool,
}

impl Flags {
    fn parse(flags: u32) -> Result<Flags> {
        if flags & !(SW_NORMALIZE | SW_EXACT) != 0 {
            return Err(Error::Argument(crate::error::Argument::UnknownFlags { flags }));
        }
        Ok(Flags { normalize: flags & SW_NORMALIZE != 0, exact: flags & SW_EXACT != 0 })
    }

    /// Runs the kernel in the mode the flags ask for.
    fn compute(self, input: &crate::kernel::Input, out: &mut [f64]) -> Result<()> {
        match self.exact {
            false => crate::kernel::compute(input, self.normalize, out),
            true => crate::kernel::compute_exact(input, self.normalize, out),
        }
    }
}

/// A call's caller buffers, each stated once (the handles and the [`Checked`] proof are used
/// within the one entry point that made them): `input`/`output` record a pointer and its length,
/// [`Buffers::check`] validates them all together (NULL, alignment, size, overlap: see
/// [`validate::check_buffers`]), and only then do the handles give out slices.
pub(crate) struct Buffers<const N: usize> {
    list: [RawBuf; N],
    len: usize,
}

/// Proof that a [`Buffers`] passed validation: the only way to turn a handle into a slice.
pub(crate) struct Checked(());

/// An input buffer of the call, valid for reads for `'a` (the call).
pub(crate) struct In<'a, T> {
    ptr: *const T,
    len: usize,
    _call: PhantomData<&'a [T]>,
}

/// An output buffer of the call, valid for writes for `'a`; not `Copy`, so it is taken once.
pub(crate) struct Out<'a, T> {
    ptr: *mut T,
    len: usize,
    _call: PhantomData<&'a mut [T]>,
}

impl<const N: usize> Buffers<N> {
    pub fn new() -> Self {
        const NONE: RawBuf = RawBuf { name: "", addr: 0, len: 0, elem_size: 1, output: false };
        Buffers { list: [NONE; N], len: 0 }
    }

    fn push<T>(&mut self, name: &'static str, addr: usize, len: usize, output: bool) {
        self.push_sized(name, addr, len, std::mem::size_of::<T>(), output);
    }

    fn push_sized(
        &mut self, name: &'static str, addr: usize, len: usize, size: usize, output: bool,
    ) {
        self.list[self.len] = RawBuf { name, addr, len, elem_size: size, output };
        self.len += 1;
    }

    /// Records an input buffer.
    ///
    /// # Safety
    /// Unless `len == 0`, `ptr` must be valid for reads of `len` elements of `T` for `'a`, or be
    /// NULL or misaligned (which [`Buffers::check`] rejects): the entry point's C contract.
    pub unsafe fn input<'a, T>(
        &mut self, name: &'static str, ptr: *const T, len: usize,
    ) -> In<'a, T> {
        self.push::<T>(name, ptr as usize, len, false);
        In { ptr, len, _call: PhantomData }
    }

    /// Records an output buffer.
    ///
    /// # Safety
    /// As [`Buffers::input`], for reads and writes.
    pub unsafe fn output<'a, T>(
        &mut self, name: &'static str, ptr: *mut T, len: usize,
    ) -> Out<'a, T> {
        self.push::<T>(name, ptr as usize, len, true);
        Out { ptr, len, _call: PhantomData }
    }

    /// The recorded outputs (to check other buffers against them).
    fn outputs(&self) -> impl Iterator<Item = RawBuf> + '_ {
        self.list[..self.len].iter().filter(|b| b.output).copied()
    }

    /// Validates every recorded buffer together.
    #[inline(always)]
    pub fn check(&self) -> Result<Checked> {
        // Every entry point records all N of its buffers: screened here with N constant.
        if self.len == N && validate::plainly_valid_all(&self.list) {
            return Ok(Checked(()));
        }
        validate::check_buffers(&self.list[..self.len]).map(|()| Checked(()))
    }
}

impl<'a, T> In<'a, T> {
    /// The buffer as a slice, once validated.
    pub fn slice(&self, _: &Checked) -> &'a [T] {
        if self.len == 0 {
            return &[]; // Never hand a possibly-NULL pointer to from_raw_parts.
        }
        // SAFETY: `Checked` exists only once `check_buffers` accepted this (pointer, length):
        // non-NULL, aligned, at most isize::MAX bytes, no address-space wrap. Validity for reads
        // for 'a is the contract `Buffers::input`'s caller stated (the C caller's contract).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl<'a, T> Out<'a, T> {
    /// The buffer as a mutable slice, once validated.
    pub fn slice(self, _: &Checked) -> &'a mut [T] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: as for `In::slice`, for writes; `check_buffers` also proved this range overlaps
        // no other buffer of the call, and `self` is consumed, so the exclusive borrow aliases
        // nothing else the call reads or writes.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}
