//! The one place that turns errors into text. Messages name the C parameters and say what and
//! where; tests/catalogue/cases.txt pins them word for word.

use std::fmt::{self, Display, Formatter};

use super::{
    Argument, Bad, BandProblem, Buffer, Data, Offsets, Orders, Resource, Rows, Shape, Strings,
    Targets, Why,
};

impl Rows {
    fn item(self) -> &'static str {
        match self {
            Rows::Bonds => "bond",
            Rows::Orders => "order",
            Rows::Table => "row",
        }
    }
    fn group(self) -> &'static str {
        match self {
            Rows::Bonds | Rows::Table => "portfolio",
            Rows::Orders => "order list",
        }
    }
}

impl Display for Why {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Why::OneCodePerWeight => f.write_str("one code per weight"),
            Why::OnePortfolioPerWeight => f.write_str("one portfolio code per weight"),
            Why::OneValuePerWeight => f.write_str("one value per weight"),
            Why::OneCodePerHolding => f.write_str("one code per holding"),
            Why::OneCodePerOrder => f.write_str("one code per order"),
            Why::OneCodePerRow => f.write_str("one code per row of the column"),
            Why::OneOrderListPerPortfolio => f.write_str("one order list per portfolio, plus one"),
            Why::Bonds(p, b) => write!(f, "{p} portfolios x {b} bonds"),
            Why::Cells(p, s) => write!(f, "{p} portfolios x {s} sectors"),
            Why::SavedPartial => {
                f.write_str("the saved partial's size: query it with buf = NULL and len = 0")
            }
        }
    }
}

impl Display for Buffer {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Buffer::NullPointer { buffer, len } => {
                write!(f, "{buffer} is NULL but must hold {len} elements")
            }
            Buffer::Misaligned {
                buffer,
                addr,
                align,
            } => write!(f, "{buffer} = {addr:#x} is not aligned to {align} bytes"),
            Buffer::TooLarge {
                buffer,
                len,
                elem_size,
            } => write!(
                f,
                "{buffer} would hold {len} elements of {elem_size} bytes, more than PTRDIFF_MAX bytes"
            ),
            Buffer::WrapsAround { buffer, addr, len } => write!(
                f,
                "{buffer} = {addr:#x} with {len} elements wraps around the address space"
            ),
            Buffer::Overlap { output, other } => write!(f, "output {output} overlaps {other}"),
            Buffer::MissingColumn { buffer } => {
                write!(f, "{buffer} is NULL but a column must be given")
            }
            Buffer::NullHandle { buffer } => {
                write!(f, "{buffer} is NULL but must point to a partial result (SwPartial)")
            }
        }
    }
}

impl Display for Shape {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Shape::ProductOverflow { what, a, b } => {
                write!(f, "{what} = {a} x {b} overflows size_t")
            }
            Shape::NotSizeT { name, value } => write!(f, "{name} = {value} does not fit in size_t"),
            Shape::OutputTooLarge { portfolios, sectors } => write!(
                f,
                "the output of {portfolios} x {sectors} doubles exceeds PTRDIFF_MAX bytes"
            ),
            Shape::Length { buffer, got, want, why } => {
                write!(f, "{buffer} has {got} elements but must have {want} ({why})")
            }
            Shape::NotMultiple { buffer, len, of, by } => {
                write!(f, "{buffer} has {len} elements, not a multiple of {of} = {by}")
            }
            Shape::BadOffsets { name, problem } => offsets(f, name, problem),
        }
    }
}

fn offsets(f: &mut Formatter<'_>, name: &str, problem: &Offsets) -> fmt::Result {
    match *problem {
        Offsets::Empty => write!(
            f,
            "{name} is empty but must hold num_portfolios + 1 elements, starting with 0"
        ),
        Offsets::FirstNotZero(v) => write!(f, "{name}[0] is {v} but must be 0"),
        Offsets::Decreasing {
            at,
            value,
            previous,
        } => write!(
            f,
            "{name}[{at}] = {value} is less than {name}[{}] = {previous} (offsets must never decrease)",
            at - 1
        ),
        Offsets::PastEnd { at, value, bonds } => {
            write!(f, "{name}[{at}] = {value} is past the end of the {bonds} bonds")
        }
        Offsets::LastNotBonds { at, value, bonds } => write!(
            f,
            "{name}[{at}] = {value} but the last offset must equal the number of bonds, {bonds}"
        ),
    }
}

impl Display for Argument {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Argument::UnknownFlags { flags } => {
                write!(
                    f,
                    "flags = {flags:#x} has bits other than SW_NORMALIZE (1) and SW_EXACT (2)"
                )
            }
            Argument::ReservedFlags { flags } => {
                write!(f, "flags = {flags:#x} but this function defines no flags: pass 0")
            }
            Argument::NoSectors { items, rows } => {
                write!(f, "num_sectors is 0 but there are {items} {}s to group", rows.item())
            }
            Argument::TooManyThreads { requested, max } => {
                write!(f, "num_threads = {requested} is more than the limit of {max}")
            }
            Argument::ColumnType { buffer, dtype, floats } => {
                let want = match floats {
                    true => "SW_FLOAT32 (8) or SW_FLOAT64 (9)",
                    false => "an integer type, SW_INT8 (1) to SW_UINT32 (7)",
                };
                write!(f, "{buffer} has dtype {dtype}, but must be {want}")
            }
            Argument::MixedFloatTypes { weights, values } => write!(
                f,
                "values are {values} but weights are {weights}: give both the same float type"
            ),
        }
    }
}

impl Display for Data {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Data::Element { bad, item, group, rows, limit } => {
                let at = match rows {
                    Rows::Table => format!("at row {item} (portfolio {group})"),
                    _ => format!("at {} {item} of {} {group}", rows.item(), rows.group()),
                };
                match bad {
                    Bad::Code(c) => write!(f, "sector code {c} {at} is outside 0..{limit}"),
                    Bad::Portfolio(c) => {
                        write!(f, "portfolio code {c} at row {item} is outside 0..{limit}")
                    }
                    Bad::Weight(w) => write!(f, "weight {w} {at} is not finite"),
                    Bad::Value(v) => write!(f, "value {v} {at} is not finite"),
                }
            }
            Data::SumOverflow {
                sector,
                group,
                sum,
                rows,
            } => write!(
                f,
                "the sum of sector {sector} of {} {group} overflows ({sum}): every weight is finite, \
                 but together they exceed the double range",
                rows.group()
            ),
            Data::TotalOverflow { portfolio, total } => write!(
                f,
                "the total of portfolio {portfolio} overflows ({total}), so it cannot be normalised"
            ),
            Data::NormalisedOverflow {
                sector,
                portfolio,
                total,
                value,
            } => write!(
                f,
                "normalising sector {sector} of portfolio {portfolio} by its total {total:e} overflows ({value})"
            ),
            Data::ZeroTotal { portfolio, bonds } => write!(
                f,
                "portfolio {portfolio} ({bonds} bonds) has a total of 0 and cannot be normalised"
            ),
        }
    }
}

impl Display for Targets {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Targets::NoSectors => f.write_str("num_sectors must be at least 1"),
            Targets::BandsWithoutTargets => f.write_str(
                "tolerance, active and breaches must be empty (length 0) when no targets are given",
            ),
            Targets::BandLength {
                band,
                len,
                portfolios: p,
                sectors: s,
            } => write!(
                f,
                "{band} has {len} elements but must have 1, {s} (one per sector) or {} ({p} portfolios x {s} sectors)",
                p * s
            ),
            Targets::BandValue {
                band,
                index,
                value,
                problem: BandProblem::NotFinite,
            } => write!(f, "{band}[{index}] = {value} is not finite"),
            Targets::BandValue {
                band, index, value, ..
            } => write!(f, "{band}[{index}] = {value} is negative"),
            Targets::ActualNotFinite {
                value,
                sector,
                portfolio,
            } => write!(
                f,
                "actual weight {value} of sector {sector} of portfolio {portfolio} is not finite"
            ),
            Targets::ActiveOverflow {
                actual,
                target,
                sector,
                portfolio,
            } => write!(
                f,
                "actual {actual} minus target {target} overflows at sector {sector} of portfolio {portfolio}"
            ),
        }
    }
}

impl Display for Orders {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Orders::HoldingsTotalZero { portfolio, holdings } => write!(
                f,
                "portfolio {portfolio} ({holdings} holdings) has a total of 0, so its allocation before the orders is undefined"
            ),
            Orders::OrderListZero { list, orders } => write!(
                f,
                "order list {list} ({orders} orders) is empty or all zero, so its sector mix is undefined"
            ),
            Orders::ProFormaZero {
                portfolio,
                total,
                net,
            } => write!(
                f,
                "portfolio {portfolio}: total {total} plus net orders {net} is 0, so the allocation after the orders is undefined"
            ),
            Orders::TotalsOverflow {
                portfolio,
                total,
                net,
                gross,
            } => write!(
                f,
                "portfolio {portfolio}: a total overflows (holdings {total}, orders net {net}, gross {gross})"
            ),
            Orders::AllocationOverflow {
                portfolio,
                sector,
                value,
                total,
                net,
            } => write!(
                f,
                "portfolio {portfolio}: the allocation to sector {sector} overflows ({value}) (total {total:e}, net orders {net:e})"
            ),
        }
    }
}

impl Display for Strings {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Strings::UnknownLayout { layout } => write!(
                f,
                "strings layout {layout} is not SW_UTF8 (1), SW_LARGE_UTF8 (2) or SW_UTF8_VIEW (3)"
            ),
            Strings::DataBuffers { got } => write!(
                f,
                "strings with offsets (SW_UTF8, SW_LARGE_UTF8) have 1 data buffer, got {got}"
            ),
            Strings::TooManyRows { rows } => {
                write!(f, "{rows} rows are more than int32 codes can number")
            }
            Strings::FirstOffsetNegative { value } => {
                write!(f, "string offsets[0] = {value} is negative")
            }
            Strings::OffsetsDecrease { at, value, previous } => write!(
                f,
                "string offsets[{at}] = {value} is less than offsets[{}] = {previous} (offsets must never decrease)",
                at - 1
            ),
            Strings::OffsetsPastData { at, value, data_len } => write!(
                f,
                "string offsets[{at}] = {value} is past the end of the data buffer ({data_len} bytes)"
            ),
            Strings::ViewLength { row, len } => {
                write!(f, "the string view of row {row} has length {len}")
            }
            Strings::ViewBuffer { row, buffer, buffers } => write!(
                f,
                "the string view of row {row} names data buffer {buffer}, but there are {buffers}"
            ),
            Strings::ViewPastData { row, buffer, offset, len, buffer_len } => write!(
                f,
                "the string view of row {row} reads {len} bytes at {offset} of data buffer {buffer}, which has {buffer_len}"
            ),
            Strings::Capacity { labels, capacity } => write!(
                f,
                "the column has {labels} distinct labels but first_rows has room for {capacity}"
            ),
        }
    }
}

impl Display for Resource {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Scratch { doubles } => {
                write!(f, "could not allocate {doubles} doubles of scratch")
            }
            Resource::Codes { rows } => {
                write!(f, "could not allocate scratch codes for {rows} rows")
            }
            Resource::Lanes { sectors } => {
                write!(f, "could not allocate {sectors} x 4 doubles of scratch")
            }
            Resource::ThreadPool { requested, reason } => {
                write!(f, "could not start a pool of {requested} threads (0 = default): {reason}")
            }
        }
    }
}
