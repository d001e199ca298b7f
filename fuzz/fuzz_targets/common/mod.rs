//! Shared by every fuzz target: the fuzzer's memory model (buffers the fuzzer places — NULL,
//! dangling, aligned, misaligned, or aliasing another buffer), an independent naive reference of
//! every check and every sum, and the verifier that compares the library's answer with it.
//!
//! The reference is written from the header's contract, not from the kernel's code: it checks in
//! the documented order (pointers, then shapes, then offsets, then elements in portfolio/bond
//! order, then totals). Its sums and its first bad element come from the project's one naive
//! reference, `sector_weights::testkit` (a plain loop in bond order, shared with the Rust tests).
//!
//! Rule kept everywhere: a non-NULL pointer is only ever passed with a length that fits inside the
//! real allocation it points into (or a length of 0), so the fuzzer itself never has UB.
#![allow(dead_code)]

pub use libfuzzer_sys::arbitrary::Unstructured;
use sector_weights::ffi::SwColumn;
use sector_weights::testkit;
use sector_weights::Bad;

pub mod exact;
mod typed;
#[allow(unused_imports)]
pub use typed::*;

use exact::SW_EXACT;

// Status codes, as the header numbers them (deliberately not taken from the library).
pub const OK: i32 = 0;
pub const NULL_POINTER: i32 = 1;
pub const LENGTH_MISMATCH: i32 = 2;
pub const SIZE_OVERFLOW: i32 = 3;
pub const SECTOR_OUT_OF_RANGE: i32 = 4;
pub const NON_FINITE: i32 = 5;
pub const INVALID_ARGUMENT: i32 = 6;
pub const OVERLAP: i32 = 7;
pub const MISALIGNED: i32 = 8;
pub const BAD_OFFSETS: i32 = 9;
pub const ZERO_TOTAL: i32 = 10;

/// Largest buffer the fuzzer allocates, in elements.
pub const CAP: usize = 1 << 18;

/// Unit roundoff of f64.
const UNIT: f64 = f64::EPSILON / 2.0;

/// Higham's gamma_n = n u / (1 - n u): bound on the relative error of any summation order of n+1
/// terms (any binary tree whose height is at most n).
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * UNIT;
    nu / (1.0 - nu)
}

/// One pointer argument as passed to the library.
#[derive(Debug, Clone, Copy)]
pub struct Buf {
    pub name: &'static str,
    pub addr: usize,
    pub len: usize,
    pub size: usize,
    pub output: bool,
}

impl Buf {
    pub fn ptr<T>(&self) -> *const T {
        self.addr as *const T
    }
    pub fn mut_ptr<T>(&self) -> *mut T {
        self.addr as *mut T
    }
    fn end(&self) -> usize {
        self.addr + self.len * self.size
    }
}

/// Element types of the buffers (all have size == alignment).
pub trait Elem: Copy + std::fmt::Debug {
    const SIZE: usize;
}
impl Elem for f64 {
    const SIZE: usize = 8;
}
impl Elem for i32 {
    const SIZE: usize = 4;
}
impl Elem for i64 {
    const SIZE: usize = 8;
}
impl Elem for u8 {
    const SIZE: usize = 1;
}

/// Everything one fuzz input allocates; arenas are 8-aligned and never move once allocated.
pub struct Ctx<'a> {
    pub u: Unstructured<'a>,
    arenas: Vec<Vec<u64>>,
    /// (arena index, byte offset, byte length) of each arena's usable bytes.
    regions: Vec<(usize, usize)>,
}

/// How many elements and what contents a buffer has by default, before the fuzzer mutates it.
pub struct Plan<'g, T> {
    pub name: &'static str,
    pub output: bool,
    /// The length the call's shape implies.
    pub natural: usize,
    /// The length is not a separate argument (calculate_sector_weights): it is always `natural`.
    pub fixed: bool,
    /// Element generator: (fuzz data, element index) -> value.
    pub gen: &'g mut dyn FnMut(&mut Unstructured, usize) -> T,
}

impl<'a> Ctx<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        LAST.set(1.0);
        Ctx {
            u: Unstructured::new(data),
            arenas: Vec::new(),
            regions: Vec::new(),
        }
    }

    pub fn byte(&mut self) -> u8 {
        self.u.arbitrary().unwrap_or(0)
    }
    pub fn u32(&mut self) -> u32 {
        self.u.arbitrary().unwrap_or(0)
    }
    pub fn u64(&mut self) -> u64 {
        self.u.arbitrary().unwrap_or(0)
    }
    /// A value in lo..=hi.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }

    /// Allocates a fresh arena holding `vals` at byte offset `skew` (so `skew` not a multiple of
    /// the element size gives a misaligned buffer), and returns the buffer's address.
    fn place<T: Elem>(&mut self, vals: &[T], skew: usize) -> usize {
        let bytes = vals.len() * T::SIZE + skew;
        let mut arena = vec![0u64; bytes.div_ceil(8) + 1];
        let base = arena.as_mut_ptr() as *mut u8;
        for (i, v) in vals.iter().enumerate() {
            // SAFETY: the arena holds skew + vals.len() * SIZE bytes; unaligned writes are allowed.
            unsafe { std::ptr::write_unaligned(base.add(skew + i * T::SIZE) as *mut T, *v) };
        }
        let addr = base as usize;
        self.regions.push((addr, arena.len() * 8));
        self.arenas.push(arena);
        addr + skew
    }

    /// A declared length for a NULL pointer: anything at all, including overflowing ones.
    fn null_len(&mut self, natural: usize, size: usize) -> usize {
        match self.byte() % 8 {
            0 => 0,
            1 => natural,
            2 => usize::MAX,
            3 => (usize::MAX / size).saturating_add(1),
            4 => isize::MAX as usize / size + 1,
            5 => 1 << 62,
            _ => self.range(0, 300),
        }
    }

    /// A declared length for an own allocation: mostly the natural one, sometimes off by a bit.
    fn own_len(&mut self, natural: usize) -> usize {
        match self.byte() % 8 {
            0 => natural.saturating_sub(1),
            1 => natural + 1,
            2 => self.range(0, 40),
            3 => natural + self.range(2, 9),
            _ => natural,
        }
        .min(CAP)
    }

    /// The fuzzer places one buffer: NULL, dangling (length 0), its own aligned or misaligned
    /// allocation, or an alias into an earlier buffer's allocation at any byte offset.
    pub fn buffer<T: Elem>(&mut self, mut plan: Plan<'_, T>) -> Buf {
        let size = T::SIZE;
        let mut mode = self.byte() % 16;
        if plan.fixed && plan.natural > CAP {
            mode = 10; // Only NULL can carry a length this large without lying about the allocation.
        }
        let (addr, len) = match mode {
            10 => {
                let len = if plan.fixed {
                    plan.natural
                } else {
                    self.null_len(plan.natural, size)
                };
                (0, len)
            }
            13 if !plan.fixed || plan.natural == 0 => (size * (1 + self.byte() as usize), 0),
            12 if !self.regions.is_empty() => {
                let r = self.range(0, self.regions.len() - 1);
                let (base, bytes) = self.regions[r];
                let off = self.range(0, bytes);
                let room = (bytes - off) / size;
                let len = if plan.fixed {
                    plan.natural
                } else if self.byte().is_multiple_of(2) {
                    plan.natural.min(room)
                } else {
                    self.range(0, room)
                };
                if len <= room {
                    (base + off, len)
                } else {
                    let vals = self.values(&mut plan, len);
                    (self.place(&vals, 0), len)
                }
            }
            11 if size > 1 => {
                let len = if plan.fixed {
                    plan.natural
                } else {
                    self.own_len(plan.natural)
                };
                let skew = 1 + self.byte() as usize % (size - 1);
                let vals = self.values(&mut plan, len);
                (self.place(&vals, skew), len)
            }
            _ => {
                let len = if plan.fixed || mode < 14 {
                    plan.natural
                } else {
                    self.own_len(plan.natural)
                };
                let vals = self.values(&mut plan, len);
                (self.place(&vals, 0), len)
            }
        };
        Buf {
            name: plan.name,
            addr,
            len,
            size,
            output: plan.output,
        }
    }

    fn values<T: Elem>(&mut self, plan: &mut Plan<'_, T>, len: usize) -> Vec<T> {
        (0..len).map(|i| (plan.gen)(&mut self.u, i)).collect()
    }

    /// Every allocation of this input.
    pub fn arenas(&self) -> &[Vec<u64>] {
        &self.arenas
    }

    /// A copy of every byte the fuzzer allocated.
    pub fn snapshot(&self) -> Vec<Vec<u64>> {
        self.arenas.clone()
    }

    /// Reads a buffer the reference has proven to be non-empty-and-valid or empty.
    pub fn read<T: Elem>(&self, b: &Buf) -> Vec<T> {
        (0..b.len)
            .map(|i| {
                // SAFETY: every non-NULL buffer with len > 0 lies inside one of our arenas.
                unsafe { std::ptr::read_unaligned((b.addr + i * T::SIZE) as *const T) }
            })
            .collect()
    }
}

thread_local! {
    /// The last value [`gen_f64`] gave in this input (reset by [`Ctx::new`]).
    static LAST: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// A weight or value: mostly small exact numbers, sometimes every special case, sometimes raw
/// bits, sometimes made from the previous value to reach the hard cases of exact sums.
pub fn gen_f64(u: &mut Unstructured) -> f64 {
    let x = pick_f64(u);
    LAST.set(x);
    x
}

fn pick_f64(u: &mut Unstructured) -> f64 {
    let sel: u8 = u.arbitrary().unwrap_or(0);
    match sel {
        0..=199 => (sel as f64 - 100.0) / 8.0,
        200 => f64::NAN,
        201 => f64::INFINITY,
        202 => f64::NEG_INFINITY,
        203 => -0.0,
        204 => f64::from_bits(1), // smallest subnormal
        205 => -f64::MIN_POSITIVE / 3.0,
        206 => f64::MAX,
        207 => f64::MIN,
        208 => 1e300,
        209 => -1e300,
        210 => 0.1,
        211 => f64::from_bits(0x7ff8_dead_beef_0001),
        212 => f64::from_bits(0xfff0_0000_0000_0001), // negative signalling NaN
        213 => 1e-300,
        214..=239 => f64::from_bits(u.arbitrary().unwrap_or(0)),
        _ => related_f64(u, sel, LAST.get()),
    }
}

/// A value made from the previous one, `prev`, for exact sums: its negation (cancellation to
/// zero), the previous value scaled by 2^-128..2^127 (terms spanning about the 64 and 128 bits
/// of a fixed-point window), a neighbour a few ulps away (near-cancellation, ties), any
/// subnormal, or a value near the largest double (sums at the overflow threshold).
fn related_f64(u: &mut Unstructured, sel: u8, prev: f64) -> f64 {
    let byte: u8 = u.arbitrary().unwrap_or(0);
    match sel % 8 {
        0 | 1 => -prev,
        2 | 3 => prev * 2f64.powi(i32::from(byte) - 128),
        4 => f64::from_bits(prev.to_bits().wrapping_add(u64::from(byte % 8)).wrapping_sub(4)),
        5 => -prev * 2f64.powi(-53 - i32::from(byte % 4)),
        6 => {
            let m = u.arbitrary::<u64>().unwrap_or(0) & ((1 << 52) - 1);
            f64::from_bits(m | u64::from(byte & 1) << 63)
        }
        _ => f64::from_bits((0x7fef_ffff_ffff_ffff - u64::from(byte >> 1)) | (u64::from(byte & 1) << 63)),
    }
}

/// A sector code for `s` sectors: mostly in range, sometimes each boundary, sometimes raw.
pub fn gen_code(u: &mut Unstructured, s: usize) -> i32 {
    let sel: u8 = u.arbitrary().unwrap_or(0);
    let s32 = s.min(i32::MAX as usize) as i32;
    match sel {
        0..=239 if s > 0 => {
            if s <= 240 {
                (sel as usize % s) as i32
            } else {
                (u.arbitrary::<u32>().unwrap_or(0) as usize % s) as i32
            }
        }
        240 => -1,
        241 => s32,
        242 => i32::MIN,
        243 => i32::MAX,
        244 => s32.saturating_add(1),
        245 => s32.saturating_sub(1),
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// A small deterministic generator for large inputs (the fuzz input only seeds it).
pub struct SplitMix(pub u64);
impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce5_e4b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// An exact small weight in [-125, 125].
    pub fn weight(&mut self) -> f64 {
        (self.next() % 2001) as f64 / 8.0 - 125.0
    }
    /// A weight scaled by 2^e, e uniform in -spread/2..=spread/2 (spread 0: a small weight), so
    /// that one chunk's terms span up to `spread` binades (exact mode's fixed-point windows).
    pub fn wide(&mut self, spread: u8) -> f64 {
        let w = self.weight();
        match spread {
            0 => w,
            _ => w * 2f64.powi((self.next() % (u64::from(spread) + 1)) as i32 - i32::from(spread / 2)),
        }
    }
}

/// The exponent spread of a large case's weights and values (see [`SplitMix::wide`]): mostly 0.
pub fn large_spread(ctx: &mut Ctx) -> u8 {
    let b = ctx.byte();
    if b.is_multiple_of(4) { b } else { 0 }
}

/// A bond count for the large mode: enough to go parallel (>= 32,768 bonds in a call), sometimes
/// more than one 65,536-bond chunk per portfolio (the chunked path). Kept near the thresholds:
/// every extra bond costs fuzzing speed.
pub fn large_bonds(ctx: &mut Ctx) -> usize {
    match ctx.byte() % 4 {
        0 => ctx.range(65_000, 75_000),
        _ => ctx.range(16_000, 34_000),
    }
}

/// A few (index, fault) pairs to inject into a large generated input.
pub fn faults(ctx: &mut Ctx, n: usize) -> Vec<(usize, u8)> {
    let k = ctx.byte() % 4;
    if n == 0 {
        return Vec::new();
    }
    (0..k)
        .map(|_| (ctx.u32() as usize % n, ctx.byte()))
        .collect()
}

/// The sizes the fuzzer may pick for a "sector count" argument besides the natural one.
pub fn mutate_count(ctx: &mut Ctx, natural: usize) -> usize {
    match ctx.byte() % 16 {
        0 => 0,
        1 => natural + 1,
        2 => natural.saturating_sub(1),
        3 => usize::MAX,
        4 => 1 << 61,
        5 => (isize::MAX as usize) / 8 + 1,
        6 => 1 << 32,
        7 => ctx.range(0, 70),
        _ => natural,
    }
}

/// What the reference says the library must answer.
#[derive(Debug, Default)]
pub struct Expect {
    /// Acceptable errors (status and exact message). Usually one; several only when which
    /// portfolio's total is "zero" depends on rounding the contract leaves open.
    pub errors: Vec<(i32, String)>,
    /// Acceptable success, with the expected output cells.
    pub ok: Option<Vec<Cell>>,
    /// Some sum, total or ratio may leave the double range: the library may then answer
    /// SW_ERROR_NON_FINITE naming the overflow instead.
    pub overflow: bool,
}

impl Expect {
    pub fn err(status: i32, msg: impl Into<String>) -> Self {
        Expect {
            errors: vec![(status, msg.into())],
            ok: None,
            overflow: false,
        }
    }
}

/// One expected output value.
#[derive(Debug, Clone, Copy)]
pub enum Cell {
    /// |got - want| <= tol (tol 0: exactly, up to the sign of zero).
    Near { want: f64, tol: f64 },
    /// Not determined by the contract (ill-conditioned normalisation, or a sum whose terms may
    /// overflow f64, which the library may instead report as SW_ERROR_NON_FINITE).
    Any,
    /// Exactly these bits (exact mode: the exact reference's correctly rounded value).
    Exact(f64),
}

/// The documented pointer checks, in order: every buffer's NULL / alignment / byte size / wrap,
/// then the output against every other buffer.
pub fn check_pointers(bufs: &[Buf]) -> Option<(i32, String)> {
    for b in bufs.iter().filter(|b| b.len > 0) {
        if b.addr == 0 {
            return Some((
                NULL_POINTER,
                format!("{} is NULL but must hold {} elements", b.name, b.len),
            ));
        }
        if b.addr % b.size != 0 {
            return Some((
                MISALIGNED,
                format!(
                    "{} = {:#x} is not aligned to {} bytes",
                    b.name, b.addr, b.size
                ),
            ));
        }
        let bytes = b.len as u128 * b.size as u128;
        if bytes > isize::MAX as u128 {
            return Some((
                SIZE_OVERFLOW,
                format!(
                    "{} would hold {} elements of {} bytes, more than PTRDIFF_MAX bytes",
                    b.name, b.len, b.size
                ),
            ));
        }
        if b.addr as u128 + bytes > usize::MAX as u128 {
            return Some((
                SIZE_OVERFLOW,
                format!(
                    "{} = {:#x} with {} elements wraps around the address space",
                    b.name, b.addr, b.len
                ),
            ));
        }
    }
    // Each output against every input, and against every later output.
    for (i, o) in bufs
        .iter()
        .enumerate()
        .filter(|(_, b)| b.output && b.len > 0)
    {
        for (j, other) in bufs.iter().enumerate() {
            let candidate = j != i && other.len > 0 && (!other.output || j > i);
            if candidate && o.addr < other.end() && other.addr < o.end() {
                return Some((
                    OVERLAP,
                    format!("output {} overlaps {}", o.name, other.name),
                ));
            }
        }
    }
    None
}

/// The shared shape checks: sectors/values lengths, the output's size, `num_sectors == 0` with
/// bonds, the output's length.
pub fn check_shape(
    n: usize,
    codes_len: usize,
    values_len: Option<usize>,
    p: usize,
    s: usize,
    out_len: usize,
) -> Option<(i32, String)> {
    if codes_len != n {
        return Some((
            LENGTH_MISMATCH,
            format!("sectors has {codes_len} elements but must have {n} (one code per weight)"),
        ));
    }
    if let Some(v) = values_len {
        if v != n {
            return Some((
                LENGTH_MISMATCH,
                format!("values has {v} elements but must have {n} (one value per weight)"),
            ));
        }
    }
    let Some(want) = p.checked_mul(s) else {
        return Some((
            SIZE_OVERFLOW,
            format!("num_portfolios * num_sectors = {p} x {s} overflows size_t"),
        ));
    };
    if want as u128 * 8 > isize::MAX as u128 {
        return Some((
            SIZE_OVERFLOW,
            format!("the output of {p} x {s} doubles exceeds PTRDIFF_MAX bytes"),
        ));
    }
    if s == 0 && n > 0 {
        return Some((
            INVALID_ARGUMENT,
            format!("num_sectors is 0 but there are {n} bonds to group"),
        ));
    }
    if out_len != want {
        return Some((
            LENGTH_MISMATCH,
            format!(
                "out has {out_len} elements but must have {want} ({p} portfolios x {s} sectors)"
            ),
        ));
    }
    None
}

/// The documented offset rules.
pub fn check_offsets(offsets: &[i64], n: usize) -> Option<(i32, String)> {
    let bad = |m: String| Some((BAD_OFFSETS, m));
    if offsets.is_empty() {
        return bad(
            "offsets is empty but must hold num_portfolios + 1 elements, starting with 0".into(),
        );
    }
    if offsets[0] != 0 {
        return bad(format!("offsets[0] is {} but must be 0", offsets[0]));
    }
    for k in 1..offsets.len() {
        if offsets[k] < offsets[k - 1] {
            return bad(format!(
                "offsets[{k}] = {} is less than offsets[{}] = {} (offsets must never decrease)",
                offsets[k],
                k - 1,
                offsets[k - 1]
            ));
        }
        if offsets[k] as i128 > n as i128 {
            return bad(format!(
                "offsets[{k}] = {} is past the end of the {n} bonds",
                offsets[k]
            ));
        }
    }
    let last = offsets.len() - 1;
    if offsets[last] as i128 != n as i128 {
        return bad(format!(
            "offsets[{last}] = {} but the last offset must equal the number of bonds, {n}",
            offsets[last]
        ));
    }
    None
}

/// The validated data of a computation, for the naive reference.
pub struct Data<'d> {
    pub weights: &'d [f64],
    pub values: Option<&'d [f64]>,
    pub codes: &'d [i32],
    /// Bond range of each portfolio.
    pub ranges: Vec<std::ops::Range<usize>>,
    pub s: usize,
}

/// The naive reference for a computation whose pointers and shapes are valid: the first bad
/// element in portfolio-then-bond order (code before weight before value), else per-cell sums
/// with their error bounds, else (when normalising) the first zero total. In exact mode
/// (`flags & SW_EXACT`) every cell's bits and every error come from the exact reference, and
/// its sums are returned too.
pub fn reference(d: &Data, flags: u32) -> (Expect, Option<exact::Summed>) {
    if let Some((p, i, bad)) = testkit::first_bad(d.weights, d.values, d.codes, &d.ranges, d.s) {
        return (bad_element(bad, &format!("at bond {i} of portfolio {p}"), d.s), None);
    }
    let normalize = flags & 1 != 0;
    if flags & SW_EXACT != 0 {
        let n = d.weights.len();
        let mut cell = vec![0; n];
        for (p, r) in d.ranges.iter().enumerate() {
            for g in r.clone() {
                cell[g] = p * d.s + d.codes[g] as usize;
            }
        }
        let terms = (0..n).map(|g| term(d, g)).collect();
        let summed = exact::Summed::new(terms, d.ranges.len() * d.s, |g| cell[g]);
        let bonds: Vec<usize> = d.ranges.iter().map(|r| r.len()).collect();
        let exp = exact::expect_rows(&summed.sums, d.s, &bonds, normalize);
        return (exp, Some(summed));
    }
    let sums = testkit::naive(d.weights, d.values, d.codes, &d.ranges, d.s);
    let groups: Vec<Group> = d
        .ranges
        .iter()
        .map(|r| Group {
            total: r.clone().map(|g| term(d, g)).sum(),
            magnitude: r.clone().map(|g| term(d, g).abs()).sum(),
            rows: r.len(),
        })
        .collect();
    (expect_sums(&sums, &groups, d.s, normalize), None)
}

/// The error for a bad element `at` a place ("at bond 3 of portfolio 1", "at row 7 (portfolio
/// 2)"); `s` is the number of sectors.
pub fn bad_element(bad: Bad, at: &str, s: usize) -> Expect {
    match bad {
        Bad::Code(code) => Expect::err(
            SECTOR_OUT_OF_RANGE,
            format!("sector code {code} {at} is outside 0..{s}"),
        ),
        Bad::Weight(w) => Expect::err(NON_FINITE, format!("weight {w} {at} is not finite")),
        Bad::Value(v) => Expect::err(NON_FINITE, format!("value {v} {at} is not finite")),
        Bad::Portfolio(p) => panic!("portfolio code {p}: not an element of a ragged layout"),
    }
}

/// One portfolio's terms, summed in bond (row) order: for its total and its conditioning.
#[derive(Debug, Clone, Copy, Default)]
pub struct Group {
    pub total: f64,
    /// The sum of |term|.
    pub magnitude: f64,
    pub rows: usize,
}

/// What the library must answer for valid data: the naive per-cell `sums` (portfolio-major,
/// `s` sectors) within the error bound of any summation order, or, when normalising, each row
/// divided by its portfolio's total, or the first zero total (`groups`: one per portfolio).
pub fn expect_sums(sums: &testkit::Sums, groups: &[Group], s: usize, normalize: bool) -> Expect {
    let mut cells = Vec::with_capacity(groups.len() * s);
    let mut errors = Vec::new();
    let mut may_overflow = false;
    for (p, g) in groups.iter().enumerate() {
        // The naive per-sector sums in bond order, their magnitudes and term counts.
        let row = p * s..(p + 1) * s;
        let (sum, mag, cnt) = (
            &sums.sum[row.clone()],
            &sums.abs[row.clone()],
            &sums.count[row],
        );
        let (total, total_mag, n) = (g.total, g.magnitude, g.rows);
        // Any summation order differs from the exact sum by at most gamma(terms-1) * sum|x|; the
        // library's and ours may both be off by that much (x 1.01: our own rounding of the bound).
        let err = |m: f64, c: usize| 2.0 * gamma(c) * m * 1.01;
        let overflow = |m: f64| overflow_possible(m, n);
        if !normalize {
            for k in 0..s {
                cells.push(if overflow(mag[k]) {
                    may_overflow = true;
                    Cell::Any
                } else {
                    Cell::Near {
                        want: sum[k],
                        tol: err(mag[k], cnt[k]),
                    }
                });
            }
            continue;
        }
        // Library total t = the row's sum of its sector sums: off from ours by at most dt.
        let dt = err(total_mag, n + s);
        let zero_msg =
            format!("portfolio {p} ({n} bonds) has a total of 0 and cannot be normalised");
        if total_mag == 0.0 {
            // Every term is +-0: the total is exactly zero whatever the order.
            errors.push((ZERO_TOTAL, zero_msg));
            return Expect {
                errors,
                ok: None,
                overflow: may_overflow,
            };
        }
        if overflow(total_mag) || total.is_nan() || total.abs() <= 2.0 * dt {
            // Ill-conditioned: the total may or may not round to zero (or overflow).
            may_overflow |= overflow(total_mag) || total.is_nan();
            errors.push((ZERO_TOTAL, zero_msg));
            cells.extend(std::iter::repeat_n(Cell::Any, s));
            continue;
        }
        for k in 0..s {
            let want = sum[k] / total;
            let ek = err(mag[k], cnt[k]);
            let tol = 1.05
                * ((ek * total.abs() + sum[k].abs() * dt) / ((total.abs() - dt) * total.abs()))
                + 4.0 * UNIT * want.abs();
            cells.push(if tol.is_finite() {
                Cell::Near { want, tol }
            } else {
                may_overflow = true;
                Cell::Any
            });
        }
    }
    Expect {
        errors,
        ok: Some(cells),
        overflow: may_overflow,
    }
}

/// Whether a sum of `terms` terms whose magnitudes add up to `magnitude` may leave the double
/// range in some summation order (a NaN magnitude counts as a possible overflow).
pub fn overflow_possible(magnitude: f64, terms: usize) -> bool {
    magnitude.is_nan() || magnitude * (1.0 + 4.0 * gamma(terms + 2)) >= f64::MAX
}

/// Bond `g`'s term: its weight, times its value for exposures.
fn term(d: &Data, g: usize) -> f64 {
    d.weights[g] * d.values.map_or(1.0, |v| v[g])
}

/// The calling thread's last error detail, read with a buffer of exactly the right size.
pub fn last_error() -> String {
    // SAFETY: NULL with length 0 is documented to write nothing.
    let n = unsafe { sector_weights::ffi::sw_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0x55u8; n + 1];
    // SAFETY: buf is valid for n + 1 bytes.
    let m = unsafe { sector_weights::ffi::sw_last_error_message(buf.as_mut_ptr().cast(), n + 1) };
    assert_eq!(m, n, "sw_last_error_message returned different lengths");
    assert_eq!(buf[n], 0, "sw_last_error_message did not NUL-terminate");
    String::from_utf8(buf[..n].to_vec()).expect("message is UTF-8")
}

/// Compares the library's answer with the reference: status, message, untouched memory on
/// error, untouched inputs and matching output cells on success.
pub fn verify(ctx: &Ctx, status: i32, exp: &Expect, before: &[Vec<u64>], out: &Buf) {
    let msg = last_error();
    if status == OK {
        let Some(cells) = &exp.ok else {
            panic!(
                "library returned SW_OK but the reference expects {:?}",
                exp.errors
            );
        };
        assert_eq!(msg, "", "last error must be empty after SW_OK");
        // Nothing outside out's range changed.
        let (lo, hi) = (out.addr, out.addr + out.len * 8);
        // (Unchanged arenas are skipped with one comparison: the large cases hold megabytes.)
        for (a, b) in ctx.arenas.iter().zip(before).filter(|(a, b)| a != b) {
            for (j, (x, y)) in a.iter().zip(b).enumerate() {
                let addr = a.as_ptr() as usize + j * 8;
                if x != y && !(addr + 8 > lo && addr < hi) {
                    panic!("SW_OK but memory outside the output changed at {addr:#x}");
                }
            }
        }
        let got: Vec<f64> = ctx.read(out);
        assert_eq!(got.len(), cells.len(), "reference cell count");
        // Every weight and value passed the checks, so SW_OK must come with finite numbers only
        // (an overflowing sum is SW_ERROR_NON_FINITE).
        assert!(
            got.iter().all(|g| g.is_finite()),
            "SW_OK with a non-finite output: {got:?}"
        );
        for (i, (g, c)) in got.iter().zip(cells).enumerate() {
            match *c {
                Cell::Near { want, tol } => assert!(
                    (g - want).abs() <= tol,
                    "out[{i}] = {g:e} but the naive reference gives {want:e} (tolerance {tol:e})"
                ),
                Cell::Exact(want) => assert!(
                    g.to_bits() == want.to_bits(),
                    "exact mode: out[{i}] = {g:e} ({:#x}) but the exact reference gives {want:e} \
                     ({:#x})",
                    g.to_bits(),
                    want.to_bits()
                ),
                Cell::Any => {}
            }
        }
    } else {
        // Where the reference cannot rule out an overflow, the library may report one.
        let overflow = exp.overflow && status == NON_FINITE && msg.contains("overflows");
        let ok = overflow || exp.errors.iter().any(|(s, m)| *s == status && *m == msg);
        assert!(
            ok,
            "library returned status {status} with \"{msg}\" but the reference expects {:?}{}",
            exp.errors,
            if exp.ok.is_some() { " or SW_OK" } else { "" }
        );
        assert!(
            ctx.arenas.as_slice() == before,
            "status {status}: caller memory changed although the call failed"
        );
    }
}

/// The shape of a ragged fuzz case: the large mode, the sector count, the portfolios' natural
/// offsets (sometimes one replaced by a bad one) and the bond count.
pub struct RaggedShape {
    pub large: bool,
    pub s: usize,
    pub p: usize,
    pub n: usize,
    pub offsets: Vec<i64>,
}

/// Draws a ragged shape: a few portfolios of a few bonds, or (large) one or two portfolios of
/// tens of thousands of bonds.
pub fn ragged_shape(ctx: &mut Ctx) -> RaggedShape {
    let large = ctx.byte() >= 250;
    let (sizes, s): (Vec<usize>, usize) = if large {
        let p = ctx.range(1, 2);
        let sizes = (0..p).map(|_| large_bonds(ctx)).collect();
        (sizes, ctx.range(1, 80))
    } else {
        let s = match ctx.byte() % 16 {
            0 => 65,
            1 => 300,
            2 => 20_000,
            _ => ctx.range(0, 9),
        };
        let p = ctx.range(0, 5);
        ((0..p).map(|_| ctx.range(0, 9)).collect(), s)
    };
    let p = sizes.len();
    let n: usize = sizes.iter().sum();
    let mut natural_offsets = vec![0i64];
    for sz in &sizes {
        natural_offsets.push(natural_offsets.last().unwrap() + *sz as i64);
    }
    // Sometimes one offset is replaced by a bad one.
    if ctx.byte().is_multiple_of(4) {
        let k = ctx.range(0, p);
        let prev = if k > 0 { natural_offsets[k - 1] } else { 0 };
        natural_offsets[k] = match ctx.byte() % 8 {
            0 => -1,
            1 => n as i64 + 1,
            2 => prev - 1,
            3 => i64::MIN,
            4 => i64::MAX,
            5 => 1,
            _ => ctx.u64() as i64,
        };
    }
    RaggedShape {
        large,
        s,
        p,
        n,
        offsets: natural_offsets,
    }
}

/// One fuzz case of `sw_sector_weights_ragged` (`with_values == false`) or `sw_sector_exposures`.
pub fn run_ragged(data: &[u8], with_values: bool) {
    let mut ctx = Ctx::new(data);
    let RaggedShape {
        large,
        s,
        p,
        n,
        offsets: natural_offsets,
    } = ragged_shape(&mut ctx);
    let mut rng = SplitMix(ctx.u64());
    let (faults, spread) = if large {
        (faults(&mut ctx, n), large_spread(&mut ctx))
    } else {
        (Vec::new(), 0)
    };
    let fault = |i: usize| faults.iter().find(|f| f.0 == i).map(|f| f.1);
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];

    let mut gw = |u: &mut Unstructured<'_>, i: usize| match (large, fault(i)) {
        (false, _) => gen_f64(u),
        (true, Some(k)) if k % 3 == 0 => bad[k as usize / 3 % 3],
        (true, _) => rng.wide(spread),
    };
    let weights = ctx.buffer(Plan {
        name: "weights",
        output: false,
        natural: n,
        fixed: false,
        gen: &mut gw,
    });
    let mut rng_v = SplitMix(rng.next());
    let mut gv = |u: &mut Unstructured<'_>, i: usize| match (large, fault(i)) {
        (false, _) => gen_f64(u),
        (true, Some(k)) if k % 3 == 1 => bad[k as usize / 3 % 3],
        (true, _) => rng_v.wide(spread) / 16.0,
    };
    let values = if with_values {
        ctx.buffer(Plan {
            name: "values",
            output: false,
            natural: n,
            fixed: false,
            gen: &mut gv,
        })
    } else {
        // sw_sector_weights_ragged has no values argument: the library describes it as this.
        Buf {
            name: "values",
            addr: 0,
            len: 0,
            size: 8,
            output: false,
        }
    };
    let mut rng_c = SplitMix(rng.next());
    let mut gc = |u: &mut Unstructured<'_>, i: usize| match (large, fault(i)) {
        (false, _) => gen_code(u, s),
        (true, Some(k)) if k % 3 == 2 => [-1, s as i32, i32::MIN, i32::MAX][k as usize / 3 % 4],
        (true, _) => (rng_c.next() % s as u64) as i32,
    };
    let sectors = ctx.buffer(Plan {
        name: "sectors",
        output: false,
        natural: n,
        fixed: false,
        gen: &mut gc,
    });
    let mut go =
        |_: &mut Unstructured<'_>, i: usize| natural_offsets.get(i).copied().unwrap_or(n as i64);
    let offsets = ctx.buffer(Plan {
        name: "offsets",
        output: false,
        natural: p + 1,
        fixed: false,
        gen: &mut go,
    });
    let mut gout = |u: &mut Unstructured<'_>, _| gen_f64(u);
    let out = ctx.buffer(Plan {
        name: "out",
        output: true,
        natural: p * s,
        fixed: false,
        gen: &mut gout,
    });
    let ns = match ctx.byte() % 8 {
        0 => mutate_count(&mut ctx, s),
        _ => s,
    };
    let flags = flags(&mut ctx);

    let (exp, summed) = expect_ragged(
        &ctx,
        &weights,
        with_values.then_some(&values),
        &sectors,
        &offsets,
        ns,
        flags,
        &out,
    );
    let before = ctx.snapshot();
    let status = if with_values {
        // SAFETY: every non-NULL pointer lies in an allocation holding at least its stated length.
        unsafe {
            sector_weights::ffi::sw_sector_exposures(
                weights.ptr(),
                weights.len,
                values.ptr(),
                values.len,
                sectors.ptr(),
                sectors.len,
                offsets.ptr(),
                offsets.len,
                ns,
                flags,
                out.mut_ptr(),
                out.len,
            )
        }
    } else {
        // SAFETY: as above.
        unsafe {
            sector_weights::ffi::sw_sector_weights_ragged(
                weights.ptr(),
                weights.len,
                sectors.ptr(),
                sectors.len,
                offsets.ptr(),
                offsets.len,
                ns,
                flags,
                out.mut_ptr(),
                out.len,
            )
        }
    } as i32;
    verify(&ctx, status, &exp, &before, &out);
    if status == OK && flags & SW_EXACT != 0 {
        let v = with_values.then_some(&values);
        same_reversed(&ctx, (&weights, v, &sectors, &offsets), ns, flags, &out);
    }
    if let Some(summed) = summed {
        // The same rows as float64 and int32 columns, through the partials.
        let column = |b: &Buf, dtype| SwColumn {
            data: b.addr as *const std::ffi::c_void,
            len: b.len,
            dtype,
        };
        let offsets = ctx.read::<i64>(&offsets);
        let rows = exact::Rows {
            weights: column(&weights, FLOAT64),
            values: with_values.then(|| column(&values, FLOAT64)),
            sectors: column(&sectors, INT32),
            num_sectors: ns,
            portfolios: exact::Portfolios::Offsets(&offsets),
            sizes: [8, 4, 8],
        };
        exact::check_partials(&rows, (ctx.u32() as usize, ctx.u32() as usize), &summed);
    }
}

/// The flags argument: mostly 0 or SW_NORMALIZE, then SW_EXACT with or without it, sometimes
/// anything.
pub fn flags(ctx: &mut Ctx) -> u32 {
    match ctx.byte() % 16 {
        0..=6 => 0,
        7..=11 => 1,
        12 => 2,
        13 | 14 => 3,
        _ => ctx.u32(),
    }
}

/// Exact mode must also give the same bits with each portfolio's bonds reversed (the exact
/// reference judged the first call's bits): exact sums do not depend on the order of terms.
fn same_reversed(
    ctx: &Ctx,
    bufs: (&Buf, Option<&Buf>, &Buf, &Buf),
    ns: usize,
    flags: u32,
    out: &Buf,
) {
    let (w, v, c, off) = bufs;
    let offsets = ctx.read::<i64>(off);
    let (mut rw, mut rc) = (ctx.read::<f64>(w), ctx.read::<i32>(c));
    let mut rv = v.map(|v| ctx.read::<f64>(v));
    for r in offsets.windows(2) {
        let r = r[0] as usize..r[1] as usize;
        rw[r.clone()].reverse();
        rc[r.clone()].reverse();
        if let Some(rv) = rv.as_mut() {
            rv[r].reverse();
        }
    }
    let mut again = vec![0.0f64; out.len];
    let (o, n) = (again.as_mut_ptr(), again.len());
    // SAFETY: every pointer is into a live Vec of the stated length.
    let status = unsafe {
        match &rv {
            None => sector_weights::ffi::sw_sector_weights_ragged(
                rw.as_ptr(),
                rw.len(),
                rc.as_ptr(),
                rc.len(),
                offsets.as_ptr(),
                offsets.len(),
                ns,
                flags,
                o,
                n,
            ),
            Some(rv) => sector_weights::ffi::sw_sector_exposures(
                rw.as_ptr(),
                rw.len(),
                rv.as_ptr(),
                rv.len(),
                rc.as_ptr(),
                rc.len(),
                offsets.as_ptr(),
                offsets.len(),
                ns,
                flags,
                o,
                n,
            ),
        }
    } as i32;
    assert_eq!(
        status,
        OK,
        "exact mode failed on reversed rows: {}",
        last_error()
    );
    let first: Vec<u64> = ctx.read::<f64>(out).iter().map(|x| x.to_bits()).collect();
    let second: Vec<u64> = again.iter().map(|x| x.to_bits()).collect();
    assert_eq!(first, second, "exact mode: reversed rows gave other bits");
}

/// The contract of the ragged entry points, in their documented order, and in exact mode the
/// reference's sums of valid rows.
#[allow(clippy::too_many_arguments)]
fn expect_ragged(
    ctx: &Ctx,
    w: &Buf,
    v: Option<&Buf>,
    c: &Buf,
    off: &Buf,
    ns: usize,
    flags: u32,
    out: &Buf,
) -> (Expect, Option<exact::Summed>) {
    if flags & !3 != 0 {
        let msg = format!("flags = {flags:#x} has bits other than SW_NORMALIZE (1) and SW_EXACT (2)");
        return (Expect::err(INVALID_ARGUMENT, msg), None);
    }
    let normalize = flags & 1 != 0;
    let none = Buf {
        name: "values",
        addr: 0,
        len: 0,
        size: 8,
        output: false,
    };
    if let Some(e) = check_pointers(&[*w, *v.unwrap_or(&none), *c, *off, *out]) {
        return (Expect::err(e.0, e.1), None);
    }
    let p = off.len.saturating_sub(1);
    if let Some(e) = check_shape(w.len, c.len, v.map(|v| v.len), p, ns, out.len) {
        return (Expect::err(e.0, e.1), None);
    }
    let offsets = ctx.read::<i64>(off);
    if let Some(e) = check_offsets(&offsets, w.len) {
        return (Expect::err(e.0, e.1), None);
    }
    if ns == 0 {
        let exp = if normalize && p > 0 {
            Expect::err(
                ZERO_TOTAL,
                "portfolio 0 (0 bonds) has a total of 0 and cannot be normalised",
            )
        } else {
            Expect {
                errors: Vec::new(),
                ok: Some(Vec::new()),
                overflow: false,
            }
        };
        return (exp, None);
    }
    let weights = ctx.read::<f64>(w);
    let values = v.map(|v| ctx.read::<f64>(v));
    let codes = ctx.read::<i32>(c);
    let data = Data {
        weights: &weights,
        values: values.as_deref(),
        codes: &codes,
        ranges: offsets
            .windows(2)
            .map(|x| x[0] as usize..x[1] as usize)
            .collect(),
        s: ns,
    };
    reference(&data, flags)
}
