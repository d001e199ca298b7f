//! Typed input columns, read in place: codes of any integer width a table library hands out
//! (pandas categorical codes are int8/int16, polars' uint32, numpy's default int64) and weights or
//! values as float32 or float64. The hot loops are generic over [`Code`] and [`Weight`]; the
//! [`Codes`] and [`Floats`] enums say which type a column has, and [`with_columns!`] picks the
//! loop for the pair once per chunk, not per element.

/// An integer code type. A code is valid when `0 <= code < limit`; [`Code::index`] maps every
/// negative code to at least [`Code::NEGATIVE`], which is never below a limit made by
/// [`Code::limit`], so one unsigned comparison rejects negative and too-large codes together
/// (an `int64` code is never wrapped to a smaller type). A limit is capped at the index type's
/// range: with more than 2^32 - 1 sectors (an output of over 32 GiB per portfolio) the uint32
/// code 2^32 - 1 would be refused, never accepted wrongly.
pub trait Code: Copy + Send + Sync + 'static {
    /// The unsigned type compared: as wide as the code, and at least 32 bits (so that the
    /// article's int32 codes compare as before, four to a 128-bit vector).
    type Index: Copy + PartialOrd + Into<u64>;
    /// Every negative code's index is at least this.
    const NEGATIVE: u64;
    fn index(self) -> Self::Index;
    /// `s` as a limit: at most [`Code::NEGATIVE`] (no code of this type is that large anyway).
    fn limit(s: usize) -> Self::Index;
    /// The code's value, for messages.
    fn value(self) -> i64;
}

macro_rules! signed_code {
    ($t:ty, $index:ty, $wide:ty) => {
        impl Code for $t {
            type Index = $index;
            const NEGATIVE: u64 = 1 << (<$index>::BITS - 1);
            #[inline(always)]
            fn index(self) -> $index {
                self as $wide as $index
            }
            #[inline(always)]
            fn limit(s: usize) -> $index {
                (s as u64).min(Self::NEGATIVE) as $index
            }
            fn value(self) -> i64 {
                self as i64
            }
        }
    };
}

macro_rules! unsigned_code {
    ($t:ty, $index:ty) => {
        impl Code for $t {
            type Index = $index;
            const NEGATIVE: u64 = u64::MAX;
            #[inline(always)]
            fn index(self) -> $index {
                self as $index
            }
            #[inline(always)]
            fn limit(s: usize) -> $index {
                (s as u64).min(<$index>::MAX as u64) as $index
            }
            fn value(self) -> i64 {
                self as i64
            }
        }
    };
}

signed_code!(i8, u32, i32);
signed_code!(i16, u32, i32);
signed_code!(i32, u32, i32);
signed_code!(i64, u64, i64);
unsigned_code!(u8, u32);
unsigned_code!(u16, u32);
unsigned_code!(u32, u32);

/// A weight or value type: summed as `f64` (a `f32` converts exactly).
pub trait Weight: Copy + Send + Sync + 'static {
    fn f64(self) -> f64;
}

impl Weight for f64 {
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
}

impl Weight for f32 {
    #[inline(always)]
    fn f64(self) -> f64 {
        self as f64
    }
}

/// A code column of one of the supported integer types.
#[derive(Debug, Clone, Copy)]
pub enum Codes<'a> {
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
}

/// A weight or value column of float32 or float64.
#[derive(Debug, Clone, Copy)]
pub enum Floats<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
}

macro_rules! each_code {
    ($codes:expr, |$c:ident| $body:expr) => {
        match $codes {
            $crate::kernel::columns::Codes::I8($c) => $body,
            $crate::kernel::columns::Codes::I16($c) => $body,
            $crate::kernel::columns::Codes::I32($c) => $body,
            $crate::kernel::columns::Codes::I64($c) => $body,
            $crate::kernel::columns::Codes::U8($c) => $body,
            $crate::kernel::columns::Codes::U16($c) => $body,
            $crate::kernel::columns::Codes::U32($c) => $body,
        }
    };
}
pub(crate) use each_code;

impl<'a> Codes<'a> {
    pub fn len(&self) -> usize {
        each_code!(*self, |c| c.len())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The codes of rows `r`.
    pub fn slice(&self, r: std::ops::Range<usize>) -> Codes<'a> {
        match *self {
            Codes::I8(c) => Codes::I8(&c[r]),
            Codes::I16(c) => Codes::I16(&c[r]),
            Codes::I32(c) => Codes::I32(&c[r]),
            Codes::I64(c) => Codes::I64(&c[r]),
            Codes::U8(c) => Codes::U8(&c[r]),
            Codes::U16(c) => Codes::U16(&c[r]),
            Codes::U32(c) => Codes::U32(&c[r]),
        }
    }
}

impl<'a> Floats<'a> {
    pub fn len(&self) -> usize {
        match self {
            Floats::F32(w) => w.len(),
            Floats::F64(w) => w.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The values of rows `r`.
    pub fn slice(&self, r: std::ops::Range<usize>) -> Floats<'a> {
        match *self {
            Floats::F32(w) => Floats::F32(&w[r]),
            Floats::F64(w) => Floats::F64(&w[r]),
        }
    }
    /// The type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Floats::F32(_) => "float32",
            Floats::F64(_) => "float64",
        }
    }
    /// Whether `other` has the same float type.
    pub fn same_type(&self, other: &Floats) -> bool {
        matches!((self, other), (Floats::F32(_), Floats::F32(_)) | (Floats::F64(_), Floats::F64(_)))
    }
}

/// Runs `$body` with `$w`, `$v` (`&[W]`, empty when there are no values), `$c` bound to typed
/// slices of the weights, values and codes, and the const `$values` telling whether values are
/// multiplied in: one instance of `$body` per (float type, code type, values) triple. Values have
/// the weights' type (checked with the shapes).
macro_rules! with_columns {
    ($weights:expr, $values:expr, $codes:expr, |$w:ident, $v:ident, $c:ident, $values_flag:ident| $body:expr) => {{
        use $crate::kernel::columns::{each_code, Floats};
        match ($weights, $values) {
            (Floats::F64($w), None) => {
                let $v: &[f64] = &[];
                each_code!($codes, |$c| {
                    const $values_flag: bool = false;
                    $body
                })
            }
            (Floats::F64($w), Some(Floats::F64($v))) => each_code!($codes, |$c| {
                const $values_flag: bool = true;
                $body
            }),
            (Floats::F32($w), None) => {
                let $v: &[f32] = &[];
                each_code!($codes, |$c| {
                    const $values_flag: bool = false;
                    $body
                })
            }
            (Floats::F32($w), Some(Floats::F32($v))) => each_code!($codes, |$c| {
                const $values_flag: bool = true;
                $body
            }),
            _ => unreachable!("values have the weights' type (checked with the shapes)"),
        }
    }};
}
pub(crate) use with_columns;

/// The codes of a range of rows: the input's own, or the grouped layout's cells made for it.
pub enum RangeCodes<'a> {
    Input(Codes<'a>),
    Cells(Vec<u32>),
}

impl RangeCodes<'_> {
    pub fn codes(&self) -> Codes<'_> {
        match self {
            RangeCodes::Input(c) => *c,
            RangeCodes::Cells(cells) => Codes::U32(cells),
        }
    }
}

/// The cell `p * s + k` of each row with portfolio code `p < num_portfolios` and sector code
/// `k < s`, or `u32::MAX` (never a valid cell) where either code is out of range: the grouped
/// layout's codes, made one chunk at a time. `num_portfolios * s` must be below `u32::MAX`.
pub fn combine(
    portfolios: Codes, sectors: Codes, num_portfolios: usize, s: usize, out: &mut [u32],
) {
    debug_assert!((num_portfolios as u64) * (s as u64) < u32::MAX as u64);
    each_code!(portfolios, |pc| each_code!(sectors, |sc| combine_typed(
        pc,
        sc,
        num_portfolios,
        s,
        out
    )))
}

fn combine_typed<P: Code, C: Code>(
    pc: &[P], sc: &[C], num_portfolios: usize, s: usize, out: &mut [u32],
) {
    let (p_limit, s_limit) = (P::limit(num_portfolios), C::limit(s));
    let n = out.len();
    let (pc, sc) = (&pc[..n], &sc[..n]);
    for i in 0..n {
        let (p, k) = (pc[i].index(), sc[i].index());
        let cell = (p.into() as u32).wrapping_mul(s as u32).wrapping_add(k.into() as u32);
        out[i] = if p < p_limit && k < s_limit { cell } else { u32::MAX };
    }
}
