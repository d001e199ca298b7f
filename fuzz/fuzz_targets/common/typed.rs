//! Typed columns (`SwColumn`: data, len, dtype) for `sw_grouped_sums` and `sw_ragged_sums`: the
//! fuzzer places each column's data like any buffer (NULL, dangling, misaligned, aliasing), in
//! any of the header's element types or a wrong one, and places the `SwColumn` structs themselves
//! (NULL, aligned, misaligned, shared by two arguments, or overwritten by an aliasing output).
//!
//! The expectation model is the parent module's: the documented checks in order, then the first
//! bad element from `testkit::first_bad`, sums from `testkit::naive` / `testkit::naive_grouped`
//! judged by [`expect_sums`]. The grouped layout adds only what the header adds: a portfolio code
//! is checked before anything else of its row, and errors name rows.

use super::*;
use sector_weights::ffi::SwColumn;

// Element types, as the header numbers them (deliberately not taken from the library).
pub const INT8: i32 = 1;
pub const INT16: i32 = 2;
pub const INT32: i32 = 3;
pub const INT64: i32 = 4;
pub const UINT8: i32 = 5;
pub const UINT16: i32 = 6;
pub const UINT32: i32 = 7;
pub const FLOAT32: i32 = 8;
pub const FLOAT64: i32 = 9;

impl Elem for i8 {
    const SIZE: usize = 1;
}
impl Elem for i16 {
    const SIZE: usize = 2;
}
impl Elem for u16 {
    const SIZE: usize = 2;
}
impl Elem for u32 {
    const SIZE: usize = 4;
}
impl Elem for f32 {
    const SIZE: usize = 4;
}

fn is_float(dtype: i32) -> bool {
    dtype == FLOAT32 || dtype == FLOAT64
}

fn is_code(dtype: i32) -> bool {
    (INT8..=UINT32).contains(&dtype)
}

/// The smallest and largest value a code type holds.
fn code_range(dtype: i32) -> (i64, i64) {
    match dtype {
        INT8 => (i8::MIN.into(), i8::MAX.into()),
        INT16 => (i16::MIN.into(), i16::MAX.into()),
        INT32 => (i32::MIN.into(), i32::MAX.into()),
        INT64 => (i64::MIN, i64::MAX),
        UINT8 => (0, u8::MAX.into()),
        UINT16 => (0, u16::MAX.into()),
        _ => (0, u32::MAX.into()),
    }
}

/// How many of the valid codes `0..limit` a code type can hold.
fn representable(limit: usize, dtype: i32) -> u64 {
    (limit as u64).min(code_range(dtype).1 as u64 + 1)
}

/// Whether `code` is a valid code for a count of `limit`.
pub fn valid(code: i64, limit: usize) -> bool {
    code >= 0 && (code as u64) < limit as u64
}

/// A column argument: the `SwColumn` pointer passed (0 for NULL) and what it describes.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub ptr: usize,
    pub dtype: i32,
    /// The column's data as a buffer (named as the library names it).
    pub data: Buf,
}

impl Col {
    /// The `SwColumn` this column's struct holds (its data as placed, not read back).
    pub fn column(&self) -> SwColumn {
        SwColumn {
            data: self.data.addr as *const std::ffi::c_void,
            len: self.data.len,
            dtype: self.dtype,
        }
    }

    /// A NULL `SwColumn` pointer.
    pub fn null(name: &'static str) -> Col {
        Col {
            ptr: 0,
            dtype: 0,
            data: Buf {
                name,
                addr: 0,
                len: 0,
                size: 8,
                output: false,
            },
        }
    }
    pub fn ptr(&self) -> *const SwColumn {
        self.ptr as *const SwColumn
    }
}

/// A dtype for a float column: mostly float64 or float32, sometimes a code type or nonsense.
pub fn float_dtype(ctx: &mut Ctx) -> i32 {
    match ctx.byte() % 32 {
        0..=15 => FLOAT64,
        16..=29 => FLOAT32,
        30 => 1 + (ctx.byte() % 7) as i32,
        _ => odd_dtype(ctx),
    }
}

/// A dtype for a code column: mostly each integer type, sometimes a float type or nonsense.
pub fn code_dtype(ctx: &mut Ctx) -> i32 {
    match ctx.byte() % 32 {
        0..=29 => 1 + (ctx.byte() % 7) as i32,
        30 => FLOAT32 + (ctx.byte() % 2) as i32,
        _ => odd_dtype(ctx),
    }
}

/// A dtype no column has.
fn odd_dtype(ctx: &mut Ctx) -> i32 {
    match ctx.byte() % 6 {
        0 => 0,
        1 => 10,
        2 => -1,
        3 => i32::MIN,
        4 => i32::MAX,
        _ => ctx.u32() as i32,
    }
}

/// A float32 weight or value: mostly small exact numbers, sometimes each special case.
pub fn gen_f32(u: &mut Unstructured) -> f32 {
    let sel: u8 = u.arbitrary().unwrap_or(0);
    match sel {
        0..=199 => (sel as f32 - 100.0) / 8.0,
        200 => f32::NAN,
        201 => f32::INFINITY,
        202 => f32::NEG_INFINITY,
        203 => -0.0,
        204 => f32::from_bits(1), // smallest subnormal
        205 => f32::MAX,
        206 => f32::MIN,
        207 => 0.1,
        208 => f32::from_bits(0x7fc0_0001),
        209 => f32::from_bits(0xff80_0001), // negative signalling NaN
        210 => -f32::MIN_POSITIVE / 3.0,
        _ => f32::from_bits(u.arbitrary().unwrap_or(0)),
    }
}

/// A code for a count of `limit` stored as `dtype`: mostly valid, sometimes each boundary of the
/// count and of the type, codes beyond 2^32 (which a wrapping reader would take for valid ones),
/// negative ones, raw bits. Converted to the column's type with `as` by the caller.
pub fn gen_typed_code(u: &mut Unstructured, limit: usize, dtype: i32) -> i64 {
    let sel: u8 = u.arbitrary().unwrap_or(0);
    let cap = representable(limit, dtype);
    let lim = limit.min(i64::MAX as usize) as i64;
    let (min, max) = code_range(dtype);
    match sel {
        0..=219 if cap > 0 => {
            if cap <= 220 {
                (sel as u64 % cap) as i64
            } else {
                (u.arbitrary::<u32>().unwrap_or(0) as u64 % cap) as i64
            }
        }
        220 => -1,
        221 => lim,
        222 => lim.saturating_add(1),
        223 => lim.saturating_sub(1),
        224 => min,
        225 => max,
        226 => (1i64 << 32) + (sel as u64 % cap.max(1)) as i64,
        227 => -(1i64 << 32),
        228 => i64::MIN,
        229 => i64::MAX,
        230 => 1 << 31,
        231 => (1 << 8) + 1,
        232 => (1 << 16) + 1,
        233 => -(1 << 31),
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// A bad code of kind `k` for a large input.
fn bad_code(k: u8, limit: usize, dtype: i32) -> i64 {
    let (min, max) = code_range(dtype);
    match k % 6 {
        0 => -1,
        1 => limit as i64,
        2 => min,
        3 => max,
        4 => 1i64 << 32,
        _ => (1i64 << 32) + 1,
    }
}

impl Ctx<'_> {
    /// Places a float column's data as `dtype` (float64 for a type that is not a float type:
    /// the library refuses it before reading). `gen(u, i, float32)`.
    pub fn float_data(
        &mut self,
        name: &'static str,
        dtype: i32,
        natural: usize,
        gen: &mut dyn FnMut(&mut Unstructured, usize, bool) -> f64,
    ) -> Buf {
        match dtype {
            FLOAT32 => self.buffer(Plan {
                name,
                output: false,
                natural,
                fixed: false,
                gen: &mut |u: &mut Unstructured<'_>, i| gen(u, i, true) as f32,
            }),
            _ => self.buffer(Plan {
                name,
                output: false,
                natural,
                fixed: false,
                gen: &mut |u: &mut Unstructured<'_>, i| gen(u, i, false),
            }),
        }
    }

    /// Places a code column's data as `dtype` (int32 for a type that is not a code type).
    /// `gen(u, i)` gives each code as an i64, stored with `as` (wrapping, like a C cast).
    pub fn code_data(
        &mut self,
        name: &'static str,
        dtype: i32,
        natural: usize,
        gen: &mut dyn FnMut(&mut Unstructured, usize) -> i64,
    ) -> Buf {
        macro_rules! place {
            ($t:ty) => {
                self.buffer(Plan {
                    name,
                    output: false,
                    natural,
                    fixed: false,
                    gen: &mut |u: &mut Unstructured<'_>, i| gen(u, i) as $t,
                })
            };
        }
        match dtype {
            INT8 => place!(i8),
            INT16 => place!(i16),
            INT64 => place!(i64),
            UINT8 => place!(u8),
            UINT16 => place!(u16),
            UINT32 => place!(u32),
            _ => place!(i32),
        }
    }

    /// Places `vals` in its own aligned allocation: large cases test sizes, strategies and
    /// faults; the small ones test placement.
    fn plain<T: Elem>(&mut self, name: &'static str, vals: &[T]) -> Buf {
        Buf {
            name,
            addr: self.place(vals, 0),
            len: vals.len(),
            size: T::SIZE,
            output: false,
        }
    }

    /// A large case's float column as `dtype` (float64 for a type that is not a float type).
    pub fn large_floats(&mut self, name: &'static str, dtype: i32, vals: &[f64]) -> Buf {
        match dtype {
            FLOAT32 => {
                let v: Vec<f32> = vals.iter().map(|&x| x as f32).collect();
                self.plain(name, &v)
            }
            _ => self.plain(name, vals),
        }
    }

    /// A large case's code column as `dtype` (int32 for a type that is not a code type), each
    /// code stored with `as`.
    pub fn large_codes(&mut self, name: &'static str, dtype: i32, vals: &[i64]) -> Buf {
        macro_rules! place {
            ($t:ty) => {{
                let v: Vec<$t> = vals.iter().map(|&x| x as $t).collect();
                self.plain(name, &v)
            }};
        }
        match dtype {
            INT8 => place!(i8),
            INT16 => place!(i16),
            INT64 => place!(i64),
            UINT8 => place!(u8),
            UINT16 => place!(u16),
            UINT32 => place!(u32),
            _ => place!(i32),
        }
    }

    /// The `SwColumn` describing `data` as `dtype`, placed by the fuzzer: NULL (only when
    /// `may_be_null`, else rarely), in its own allocation aligned or at any byte offset (the
    /// library reads it unaligned), and registered so that a later output can alias it.
    pub fn column(&mut self, data: Buf, dtype: i32, may_be_null: bool) -> Col {
        let mode = self.byte();
        if (may_be_null && mode.is_multiple_of(2)) || mode >= 252 {
            return Col::null(data.name);
        }
        let skew = if mode % 8 == 1 {
            1 + self.byte() as usize % 7
        } else {
            0
        };
        let col = SwColumn {
            data: data.addr as *const std::ffi::c_void,
            len: data.len,
            dtype,
        };
        let bytes = std::mem::size_of::<SwColumn>() + skew;
        let mut arena = vec![0u64; bytes.div_ceil(8)];
        let base = arena.as_mut_ptr() as *mut u8;
        // SAFETY: the arena holds skew + size_of::<SwColumn>() bytes; an unaligned write.
        unsafe { std::ptr::write_unaligned(base.add(skew) as *mut SwColumn, col) };
        self.regions.push((base as usize, arena.len() * 8));
        self.arenas.push(arena);
        Col {
            ptr: base as usize + skew,
            dtype,
            data,
        }
    }

    /// A float column's elements as f64 (float32 converts exactly).
    pub fn floats(&self, c: &Col) -> Vec<f64> {
        match c.dtype {
            FLOAT32 => self
                .read::<f32>(&c.data)
                .into_iter()
                .map(f64::from)
                .collect(),
            _ => self.read::<f64>(&c.data),
        }
    }

    /// A code column's elements as i64 (every code type converts exactly).
    pub fn codes(&self, c: &Col) -> Vec<i64> {
        fn wide<T: Into<i64>>(v: Vec<T>) -> Vec<i64> {
            v.into_iter().map(Into::into).collect()
        }
        match c.dtype {
            INT8 => wide(self.read::<i8>(&c.data)),
            INT16 => wide(self.read::<i16>(&c.data)),
            INT32 => wide(self.read::<i32>(&c.data)),
            INT64 => self.read::<i64>(&c.data),
            UINT8 => wide(self.read::<u8>(&c.data)),
            UINT16 => wide(self.read::<u16>(&c.data)),
            _ => wide(self.read::<u32>(&c.data)),
        }
    }
}

/// The column checks in argument order, as each column is read: a required column's NULL
/// pointer, then a dtype of the wrong kind.
fn check_columns(cols: &[(Col, bool, bool)]) -> Option<Expect> {
    for &(c, floats, required) in cols {
        if c.ptr == 0 {
            if required {
                return Some(Expect::err(
                    NULL_POINTER,
                    format!("{} is NULL but a column must be given", c.data.name),
                ));
            }
            continue;
        }
        if (floats && !is_float(c.dtype)) || (!floats && !is_code(c.dtype)) {
            let want = if floats {
                "SW_FLOAT32 (8) or SW_FLOAT64 (9)"
            } else {
                "an integer type, SW_INT8 (1) to SW_UINT32 (7)"
            };
            return Some(Expect::err(
                INVALID_ARGUMENT,
                format!("{} has dtype {}, but must be {want}", c.data.name, c.dtype),
            ));
        }
    }
    None
}

fn float_name(dtype: i32) -> &'static str {
    if dtype == FLOAT32 {
        "float32"
    } else {
        "float64"
    }
}

/// Everything the two typed entry points check before the data, in their order: flags, the
/// columns as they are read, every buffer, the shapes, the float types. `layout` is the last
/// shape check (the portfolio codes' length, or the offsets). Returns the error, or None.
#[allow(clippy::too_many_arguments)]
fn expect_typed_shapes(
    w: &Col,
    v: &Col,
    c: &Col,
    fourth: (Col, bool),
    p: usize,
    ns: usize,
    flags: u32,
    out: &Buf,
    layout: &mut dyn FnMut() -> Option<(i32, String)>,
) -> Option<Expect> {
    if flags & !3 != 0 {
        return Some(Expect::err(
            INVALID_ARGUMENT,
            format!("flags = {flags:#x} has bits other than SW_NORMALIZE (1) and SW_EXACT (2)"),
        ));
    }
    let (fourth_col, fourth_is_column) = fourth;
    let mut cols = vec![(*w, true, true), (*v, true, false), (*c, false, true)];
    if fourth_is_column {
        cols.push((fourth_col, false, true));
    }
    if let Some(e) = check_columns(&cols) {
        return Some(e);
    }
    let mut bufs = vec![w.data];
    if v.ptr != 0 {
        bufs.push(v.data);
    }
    bufs.extend([c.data, fourth_col.data, *out]);
    if let Some(e) = check_pointers(&bufs) {
        return Some(Expect::err(e.0, e.1));
    }
    let values_len = (v.ptr != 0).then_some(v.data.len);
    if let Some(e) = check_shape(w.data.len, c.data.len, values_len, p, ns, out.len) {
        return Some(Expect::err(e.0, e.1));
    }
    if v.ptr != 0 && v.dtype != w.dtype {
        return Some(Expect::err(
            INVALID_ARGUMENT,
            format!(
                "values are {} but weights are {}: give both the same float type",
                float_name(v.dtype),
                float_name(w.dtype)
            ),
        ));
    }
    if let Some(e) = layout() {
        return Some(Expect::err(e.0, e.1));
    }
    if ns == 0 {
        // No rows (checked with the shapes): nothing to sum, and nothing to normalise by.
        return Some(if flags & 1 != 0 && p > 0 {
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
        });
    }
    None
}

/// The contract of `sw_grouped_sums`, and in exact mode the reference's sums of valid rows.
#[allow(clippy::too_many_arguments)]
pub fn expect_grouped(
    ctx: &Ctx,
    w: &Col,
    v: &Col,
    c: &Col,
    ns: usize,
    p: &Col,
    np: usize,
    flags: u32,
    out: &Buf,
) -> (Expect, Option<exact::Summed>) {
    let n = w.data.len;
    let mut layout = || {
        (p.data.len != n).then(|| {
            (
                LENGTH_MISMATCH,
                format!(
                    "portfolios has {} elements but must have {n} (one portfolio code per weight)",
                    p.data.len
                ),
            )
        })
    };
    if let Some(e) = expect_typed_shapes(w, v, c, (*p, true), np, ns, flags, out, &mut layout) {
        return (e, None);
    }
    let weights = ctx.floats(w);
    let values = (v.ptr != 0).then(|| ctx.floats(v));
    let codes = ctx.codes(c);
    let portfolios = ctx.codes(p);
    // The first bad row: its portfolio code first, then testkit's order (sector code, weight,
    // value) over all rows as one range. Codes only need their validity there.
    let first_bad_portfolio = portfolios.iter().position(|&q| !valid(q, np));
    let validity: Vec<i32> = codes
        .iter()
        .map(|&k| if valid(k, ns) { 0 } else { -1 })
        .collect();
    // All rows as one range (a one-element list on purpose).
    #[allow(clippy::single_range_in_vec_init)]
    let all_rows = [0..n];
    let first_bad = testkit::first_bad(&weights, values.as_deref(), &validity, &all_rows, ns);
    match (first_bad_portfolio, first_bad) {
        (Some(row), b) if b.is_none_or(|(_, i, _)| row <= i) => {
            let msg = format!(
                "portfolio code {} at row {row} is outside 0..{np}",
                portfolios[row]
            );
            return (Expect::err(SECTOR_OUT_OF_RANGE, msg), None);
        }
        (_, Some((_, row, bad))) => {
            let bad = match bad {
                Bad::Code(_) => Bad::Code(codes[row]),
                other => other,
            };
            let at = format!("at row {row} (portfolio {})", portfolios[row]);
            return (bad_element(bad, &at, ns), None);
        }
        _ => {}
    }
    if flags & exact::SW_EXACT != 0 {
        let terms = (0..n)
            .map(|i| weights[i] * values.as_ref().map_or(1.0, |v| v[i]))
            .collect();
        let cell = |i: usize| portfolios[i] as usize * ns + codes[i] as usize;
        let summed = exact::Summed::new(terms, np * ns, cell);
        let mut rows = vec![0; np];
        for &q in &portfolios {
            rows[q as usize] += 1;
        }
        let exp = exact::expect_grouped(&summed.sums, ns, &rows, flags & 1 != 0);
        return (exp, Some(summed));
    }
    let sums = testkit::naive_grouped(&weights, values.as_deref(), &codes, &portfolios, np, ns);
    let mut groups = vec![Group::default(); np];
    for i in 0..n {
        let t = weights[i] * values.as_ref().map_or(1.0, |v| v[i]);
        let g = &mut groups[portfolios[i] as usize];
        g.total += t;
        g.magnitude += t.abs();
        g.rows += 1;
    }
    let mut exp = expect_sums(&sums, &groups, ns, flags & 1 != 0);
    // The grouped layout sums every portfolio before it normalises any: a sum overflowing in any
    // portfolio may be reported before an earlier portfolio's zero total.
    exp.overflow |= sums.abs.iter().any(|&m| overflow_possible(m, n));
    (exp, None)
}

/// The contract of `sw_ragged_sums`, and in exact mode the reference's sums of valid rows.
#[allow(clippy::too_many_arguments)]
pub fn expect_typed_ragged(
    ctx: &Ctx,
    w: &Col,
    v: &Col,
    c: &Col,
    ns: usize,
    off: &Buf,
    flags: u32,
    out: &Buf,
) -> (Expect, Option<exact::Summed>) {
    let p = off.len.saturating_sub(1);
    let n = w.data.len;
    let mut layout = || check_offsets(&ctx.read::<i64>(off), n);
    let offsets_col = Col {
        ptr: 0,
        dtype: 0,
        data: *off,
    };
    let fourth = (offsets_col, false);
    if let Some(e) = expect_typed_shapes(w, v, c, fourth, p, ns, flags, out, &mut layout) {
        return (e, None);
    }
    let weights = ctx.floats(w);
    let values = (v.ptr != 0).then(|| ctx.floats(v));
    let codes = ctx.codes(c);
    let offsets = ctx.read::<i64>(off);
    let ranges: Vec<_> = offsets
        .windows(2)
        .map(|x| x[0] as usize..x[1] as usize)
        .collect();
    // Valid codes fit i32 (with bonds, num_sectors <= out_len); an invalid one is reported with
    // its own value.
    let small: Vec<i32> = codes
        .iter()
        .map(|&k| if valid(k, ns) { k as i32 } else { -1 })
        .collect();
    if let Some((q, i, Bad::Code(_))) =
        testkit::first_bad(&weights, values.as_deref(), &small, &ranges, ns)
    {
        let code = codes[ranges[q].start + i];
        let at = format!("at bond {i} of portfolio {q}");
        return (bad_element(Bad::Code(code), &at, ns), None);
    }
    reference(
        &Data {
            weights: &weights,
            values: values.as_deref(),
            codes: &small,
            ranges,
            s: ns,
        },
        flags,
    )
}

/// The sizes of a grouped case: (rows, portfolios, sectors), with the output at most 150,000
/// cells. Small cases have a few rows; both strategies are reached (one table up to 2^15 cells,
/// buckets of portfolios above, including one portfolio wider than a table).
fn grouped_shape(ctx: &mut Ctx, large: bool) -> (usize, usize, usize) {
    if large {
        let n = match ctx.byte() % 4 {
            0 => ctx.range(65_537, 70_000), // two partition chunks (and table chunks)
            _ => ctx.range(16_000, 34_000), // around the parallel threshold
        };
        let s = ctx.range(1, 80);
        let np = match ctx.byte() % 8 {
            // One table of few cells (lanes; several chunks above 65,536 rows), or of any size.
            0 | 1 => ctx.range(1, (4096 / s).max(1)),
            2 => ctx.range(1, (1 << 15) / s),
            // Buckets: just above one table, or many buckets.
            3..=5 => (1 << 15) / s + 1 + ctx.range(0, 1500),
            6 => ctx.range((1 << 15) / s + 1, 150_000 / s),
            // One portfolio wider than a table: buckets of one portfolio.
            _ => return (n, ctx.range(1, 2), ctx.range((1 << 15) + 1, 40_000)),
        };
        return (n, np, s);
    }
    let s = match ctx.byte() % 16 {
        0 => 65,
        1 => 300,
        2 => 20_000,
        3 => 40_000,
        _ => ctx.range(0, 9),
    };
    let np = match ctx.byte() % 16 {
        0 => 200,
        1 => 4_097,
        2 => 33_000,
        3 => ctx.range(0, 600),
        _ => ctx.range(0, 5),
    };
    // At most 100,000 cells: enough for buckets, cheap enough to check often.
    (ctx.range(0, 40), np.min(100_000 / s.max(1)), s)
}

/// An output buffer of `cells` doubles: the first from the fuzz data, the rest a cheap pattern.
fn out_buffer(ctx: &mut Ctx, cells: usize) -> Buf {
    ctx.buffer(Plan {
        name: "out",
        output: true,
        natural: cells,
        fixed: false,
        gen: &mut |u: &mut Unstructured<'_>, i| {
            if i < 64 {
                gen_f64(u)
            } else {
                i as f64 * 0.25
            }
        },
    })
}

/// A large case's weights or values: exact small numbers from `rng` (times `scale`, spread over
/// `spread` binades), with NaN or +-Inf at the faults of kind `kind` (0 weights, 1 values).
fn large_floats(
    rng: &mut SplitMix,
    n: usize,
    faults: &[(usize, u8)],
    kind: u8,
    (scale, spread): (f64, u8),
) -> Vec<f64> {
    const BAD: [f64; 3] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let mut v: Vec<f64> = (0..n).map(|_| rng.wide(spread) * scale).collect();
    for &(i, f) in faults.iter().filter(|f| f.1 % 4 == kind) {
        v[i] = BAD[(f / 4) as usize % 3];
    }
    v
}

/// A large case's codes for a count of `limit` in `dtype`: uniform over the codes the type can
/// hold (or sorted runs, `sorted`), with a bad code at the faults of kind `kind` (2 sectors,
/// 3 portfolios).
fn large_codes(
    rng: &mut SplitMix,
    n: usize,
    limit: usize,
    dtype: i32,
    faults: &[(usize, u8)],
    kind: u8,
    sorted: bool,
) -> Vec<i64> {
    let cap = representable(limit, dtype).max(1);
    let mut v: Vec<i64> = if sorted {
        (0..n as u64).map(|i| (i * cap / n as u64) as i64).collect()
    } else {
        (0..n).map(|_| (rng.next() % cap) as i64).collect()
    };
    for &(i, f) in faults.iter().filter(|f| f.1 % 4 == kind) {
        v[i] = bad_code(f / 4, limit, dtype);
    }
    v
}

/// The weights, values and sector codes of a typed case (both targets), with their columns.
struct TypedColumns {
    weights: Col,
    values: Col,
    sectors: Col,
}

/// Places the weights, values and sector-code data (not yet their `SwColumn` structs).
fn typed_data(
    ctx: &mut Ctx,
    large: bool,
    n: usize,
    s: usize,
    faults: &[(usize, u8)],
    rng: &mut SplitMix,
) -> (Buf, Option<Buf>, Buf, [i32; 3]) {
    let wt = float_dtype(ctx);
    let with_values = ctx.byte().is_multiple_of(2);
    let vt = match ctx.byte() % 16 {
        0..=12 if is_float(wt) => wt,
        0..=13 => FLOAT64 + FLOAT32 - if is_float(wt) { wt } else { FLOAT64 },
        _ => float_dtype(ctx),
    };
    let ct = code_dtype(ctx);
    if large {
        let spread = large_spread(ctx);
        let w = large_floats(rng, n, faults, 0, (1.0, spread));
        let weights = ctx.large_floats("weights", wt, &w);
        let values = with_values.then(|| {
            let v = large_floats(rng, n, faults, 1, (1.0 / 16.0, spread));
            ctx.large_floats("values", vt, &v)
        });
        let c = large_codes(rng, n, s, ct, faults, 2, false);
        let sectors = ctx.large_codes("sectors", ct, &c);
        return (weights, values, sectors, [wt, vt, ct]);
    }
    let mut small = |u: &mut Unstructured, _: usize, f32: bool| {
        if f32 {
            gen_f32(u) as f64
        } else {
            gen_f64(u)
        }
    };
    let weights = ctx.float_data("weights", wt, n, &mut small);
    let values = with_values.then(|| ctx.float_data("values", vt, n, &mut small));
    let sectors = ctx.code_data("sectors", ct, n, &mut |u, _| gen_typed_code(u, s, ct));
    (weights, values, sectors, [wt, vt, ct])
}

/// Places the three columns' `SwColumn` structs; values sometimes share the weights' struct.
fn typed_columns(ctx: &mut Ctx, data: (Buf, Option<Buf>, Buf, [i32; 3])) -> TypedColumns {
    let (w, v, c, [wt, vt, ct]) = data;
    let weights = ctx.column(w, wt, false);
    let values = match v {
        // The same struct for both: exposures of the squared weights.
        Some(_) if weights.ptr != 0 && ctx.byte().is_multiple_of(16) => Col {
            data: Buf {
                name: "values",
                ..weights.data
            },
            ..weights
        },
        Some(v) => ctx.column(v, vt, false),
        None => Col::null("values"),
    };
    let sectors = ctx.column(c, ct, false);
    TypedColumns {
        weights,
        values,
        sectors,
    }
}

/// The flags argument (see `super::flags`).
fn gen_flags(ctx: &mut Ctx) -> u32 {
    super::flags(ctx)
}

/// One fuzz case of `sw_grouped_sums`.
pub fn run_grouped(data: &[u8]) {
    let mut ctx = Ctx::new(data);
    let large = ctx.byte() >= 248;
    let (n, np, s) = grouped_shape(&mut ctx, large);
    // The counts and flags before the data: once the fuzz data runs out, the rest is natural.
    let ns = match ctx.byte() % 8 {
        7 => mutate_count(&mut ctx, s),
        _ => s,
    };
    let nps = match ctx.byte() % 8 {
        7 => mutate_count(&mut ctx, np),
        _ => np,
    };
    let flags = gen_flags(&mut ctx);
    let mut rng = SplitMix(ctx.u64());
    let faults = if large {
        faults(&mut ctx, n)
    } else {
        Vec::new()
    };
    let data = typed_data(&mut ctx, large, n, s, &faults, &mut rng);
    let pt = code_dtype(&mut ctx);
    // Rows in any order: random portfolio codes, or (sometimes) sorted runs.
    let portfolios = if large {
        let sorted = ctx.byte().is_multiple_of(4);
        let p = large_codes(&mut rng, n, np, pt, &faults, 3, sorted);
        ctx.large_codes("portfolios", pt, &p)
    } else {
        ctx.code_data("portfolios", pt, n, &mut |u, _| gen_typed_code(u, np, pt))
    };
    let cols = typed_columns(&mut ctx, data);
    let portfolios = match ctx.byte() % 16 {
        // The same struct as the sector codes: portfolio code = sector code.
        0 if cols.sectors.ptr != 0 => Col {
            data: Buf {
                name: "portfolios",
                ..cols.sectors.data
            },
            ..cols.sectors
        },
        _ => ctx.column(portfolios, pt, false),
    };
    let out = out_buffer(&mut ctx, np * s);
    let (w, v, c) = (cols.weights, cols.values, cols.sectors);

    let (exp, summed) = expect_grouped(&ctx, &w, &v, &c, ns, &portfolios, nps, flags, &out);
    let before = ctx.snapshot();
    // SAFETY: every non-NULL SwColumn pointer points to a SwColumn inside our arenas, whose data
    // pointer lies in an allocation holding at least its stated length; so does out.
    let status = unsafe {
        sector_weights::ffi::sw_grouped_sums(
            w.ptr(),
            v.ptr(),
            c.ptr(),
            ns,
            portfolios.ptr(),
            nps,
            flags,
            out.mut_ptr(),
            out.len,
        )
    } as i32;
    verify(&ctx, status, &exp, &before, &out);
    if let Some(summed) = summed {
        let column = portfolios.column();
        let codes = exact::Portfolios::Codes { column, count: nps };
        let rows = partial_rows(&w, &v, &c, ns, (codes, portfolios.data.size));
        exact::check_partials(&rows, (ctx.u32() as usize, ctx.u32() as usize), &summed);
    }
}

/// The rows of a typed call whose columns the library accepted, for `exact::check_partials`.
fn partial_rows<'a>(
    w: &Col,
    v: &Col,
    c: &Col,
    ns: usize,
    (portfolios, size): (exact::Portfolios<'a>, usize),
) -> exact::Rows<'a> {
    exact::Rows {
        weights: w.column(),
        values: (v.ptr != 0).then(|| v.column()),
        sectors: c.column(),
        num_sectors: ns,
        portfolios,
        sizes: [w.data.size, c.data.size, size],
    }
}

/// One fuzz case of `sw_ragged_sums`.
pub fn run_typed_ragged(data: &[u8]) {
    let mut ctx = Ctx::new(data);
    let RaggedShape {
        large,
        s,
        p,
        n,
        offsets: natural_offsets,
    } = ragged_shape(&mut ctx);
    // The count and flags before the data: once the fuzz data runs out, the rest is natural.
    let ns = match ctx.byte() % 8 {
        7 => mutate_count(&mut ctx, s),
        _ => s,
    };
    let flags = gen_flags(&mut ctx);
    let mut rng = SplitMix(ctx.u64());
    let faults = if large {
        faults(&mut ctx, n)
    } else {
        Vec::new()
    };
    let data = typed_data(&mut ctx, large, n, s, &faults, &mut rng);
    let offsets = ctx.buffer(Plan {
        name: "offsets",
        output: false,
        natural: p + 1,
        fixed: false,
        gen: &mut |_: &mut Unstructured<'_>, i| natural_offsets.get(i).copied().unwrap_or(n as i64),
    });
    let cols = typed_columns(&mut ctx, data);
    let out = out_buffer(&mut ctx, p * s);
    let (w, v, c) = (cols.weights, cols.values, cols.sectors);

    let (exp, summed) = expect_typed_ragged(&ctx, &w, &v, &c, ns, &offsets, flags, &out);
    let before = ctx.snapshot();
    // SAFETY: as in run_grouped; offsets lies in an allocation holding its stated length.
    let status = unsafe {
        sector_weights::ffi::sw_ragged_sums(
            w.ptr(),
            v.ptr(),
            c.ptr(),
            ns,
            offsets.ptr(),
            offsets.len,
            flags,
            out.mut_ptr(),
            out.len,
        )
    } as i32;
    verify(&ctx, status, &exp, &before, &out);
    if let Some(summed) = summed {
        let offsets = ctx.read::<i64>(&offsets);
        let rows = partial_rows(&w, &v, &c, ns, (exact::Portfolios::Offsets(&offsets), 8));
        exact::check_partials(&rows, (ctx.u32() as usize, ctx.u32() as usize), &summed);
    }
}
