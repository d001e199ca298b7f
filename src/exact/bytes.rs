//! The byte format of a saved [`Table`] (issue 16 §2: partial results saved, merged elsewhere,
//! finalised). Version 1, all integers little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"SWEXACT\0"` |
//! | 8 | 2 | version (1) |
//! | 10 | 2 | flags (0; any other value is refused) |
//! | 12 | 8 | portfolios `P` |
//! | 20 | 8 | sectors `S` |
//! | 28 | 8 | length of the cells in bytes |
//! | 36 | … | `P × S` cells, row-major |
//! | end − 4 | 4 | CRC-32 (IEEE 802.3, as zlib's `crc32`) of every byte before it |
//!
//! A cell is the canonical form of its exact value `N · 2^-1074` (see [`Acc::odd_part`]): `shift`
//! (u16) and `len` (u16), then `len` bytes of an odd `m` in two's complement, the fewest that hold
//! it, with `N = m · 2^shift`; zero is `shift = len = 0`. Equal values have equal bytes, so
//! tables merged in any order and grouping serialise identically. A typical cell (a weight sum
//! with ulps near 2^-60) takes 13 bytes.
//!
//! Reading checks, in this order: the magic, the version, the flags, the length against the
//! header, the checksum, the shape against the length, and every cell (canonical, within
//! [`CAP_BITS`]). Any failure is a [`BytesError`]; nothing is allocated beyond what the buffer's
//! length justifies.

use std::fmt;

use super::acc::{Acc, CAP_BITS};
use super::table::Table;
use super::ExactError;

pub(crate) const MAGIC: [u8; 8] = *b"SWEXACT\0";
pub(crate) const VERSION: u16 = 1;
/// Bytes before the cells.
pub(crate) const HEADER_LEN: usize = 36;
const CRC_LEN: usize = 4;
/// Bytes of a cell's own header (shift and length).
const CELL_HEADER: usize = 4;
/// The longest `m` a cell within [`CAP_BITS`] can have.
const CELL_MAX: usize = CAP_BITS as usize / 8 + 1;

/// Bytes that are not a valid saved table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BytesError {
    /// It does not start with [`MAGIC`] (not a saved table of this library).
    NotAPartial,
    /// A version this library does not read.
    Version { found: u16 },
    /// Flags this version does not define.
    Flags { found: u16 },
    /// Shorter than its header says (`len` bytes, `want` expected).
    Truncated { len: usize, want: u64 },
    /// Longer than its header says (`len` bytes, `want` expected).
    TrailingBytes { len: usize, want: u64 },
    /// The checksum does not match: the bytes were changed.
    Checksum { stored: u32, computed: u32 },
    /// The shape cannot be stored in the cells' bytes (or overflows).
    Shape { portfolios: u64, sectors: u64, cell_bytes: u64 },
    /// Cell `cell` (row-major) is malformed: `what`.
    Cell { cell: u64, what: &'static str },
}

impl fmt::Display for BytesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BytesError::NotAPartial => f.write_str("not a saved partial result of sector-weights"),
            BytesError::Version { found } => write!(
                f,
                "saved partial result of format version {found}; this library reads version \
                 {VERSION}"
            ),
            BytesError::Flags { found } => {
                write!(f, "saved partial result has unknown flags {found:#06x}")
            }
            BytesError::Truncated { len, want } => {
                write!(f, "saved partial result is truncated: {len} bytes of {want}")
            }
            BytesError::TrailingBytes { len, want } => write!(
                f,
                "saved partial result has {} bytes after its end ({len} bytes, {want} expected)",
                *len as u64 - want
            ),
            BytesError::Checksum { stored, computed } => write!(
                f,
                "saved partial result is corrupted: checksum {computed:#010x}, stored {stored:#010x}"
            ),
            BytesError::Shape { portfolios, sectors, cell_bytes } => write!(
                f,
                "saved partial result claims {portfolios} portfolios x {sectors} sectors in \
                 {cell_bytes} bytes of cells"
            ),
            BytesError::Cell { cell, what } => {
                write!(f, "saved partial result has a malformed cell {cell}: {what}")
            }
        }
    }
}

impl Table {
    /// The table in the byte format above.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ExactError> {
        let mut cells = Vec::new();
        // About 13 bytes per ordinary cell; grows (checked) if more.
        let guess = self.cells().len().saturating_mul(16);
        cells.try_reserve(guess).map_err(|_| ExactError::OutOfMemory { cells: guess })?;
        for (i, acc) in self.cells().iter().enumerate() {
            let (shift, m) = match acc.odd_part() {
                None => (0, None),
                Some((shift, m)) => (shift, Some(m)),
            };
            let m = m.as_ref().map_or(&[][..], |m| m.as_slice());
            if acc.bits() > CAP_BITS || m.len() > CELL_MAX {
                let s = self.sectors();
                return Err(ExactError::Capacity { portfolio: i / s, sector: i % s });
            }
            let need = CELL_HEADER + m.len();
            cells.try_reserve(need).map_err(|_| ExactError::OutOfMemory { cells: need })?;
            cells.extend_from_slice(&(shift as u16).to_le_bytes());
            cells.extend_from_slice(&(m.len() as u16).to_le_bytes());
            cells.extend_from_slice(m);
        }
        let total = HEADER_LEN + cells.len() + CRC_LEN;
        let mut out = Vec::new();
        out.try_reserve_exact(total).map_err(|_| ExactError::OutOfMemory { cells: total })?;
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(self.portfolios() as u64).to_le_bytes());
        out.extend_from_slice(&(self.sectors() as u64).to_le_bytes());
        out.extend_from_slice(&(cells.len() as u64).to_le_bytes());
        out.extend_from_slice(&cells);
        out.extend_from_slice(&crc32fast::hash(&out).to_le_bytes());
        Ok(out)
    }

    /// Reads a table written by [`Table::to_bytes`]; any other buffer is an error, never a
    /// table of wrong sums.
    pub fn from_bytes(bytes: &[u8]) -> Result<Table, ExactError> {
        let header = Header::read(bytes)?;
        let (p, s) = (header.portfolios, header.sectors);
        let cells_len = header.cell_bytes as usize; // == bytes.len() - HEADER_LEN - CRC_LEN
        let shape = BytesError::Shape { portfolios: p, sectors: s, cell_bytes: header.cell_bytes };
        // Every cell takes at least CELL_HEADER bytes: a shape that cannot fit is refused
        // before anything is allocated for it.
        let count = p.checked_mul(s).filter(|&n| n <= (cells_len / CELL_HEADER) as u64);
        let count = count.ok_or(shape.clone())? as usize;
        let (portfolios, sectors) = (p as usize, s as usize);
        let mut cells = Vec::new();
        cells.try_reserve_exact(count).map_err(|_| ExactError::OutOfMemory { cells: count })?;
        let mut rest = &bytes[HEADER_LEN..HEADER_LEN + cells_len];
        for i in 0..count as u64 {
            let (acc, tail) = read_cell(rest).map_err(|what| BytesError::Cell { cell: i, what })?;
            cells.push(acc);
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(shape.into());
        }
        Ok(Table::from_cells(portfolios, sectors, cells))
    }
}

/// The checked header of a saved table.
struct Header {
    portfolios: u64,
    sectors: u64,
    cell_bytes: u64,
}

impl Header {
    fn read(bytes: &[u8]) -> Result<Header, BytesError> {
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(BytesError::NotAPartial);
        }
        let min = (HEADER_LEN + CRC_LEN) as u64;
        if bytes.len() < HEADER_LEN {
            return Err(BytesError::Truncated { len: bytes.len(), want: min });
        }
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let u64_at = |at: usize| {
            let mut b = [0; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let version = u16_at(8);
        if version != VERSION {
            return Err(BytesError::Version { found: version });
        }
        let flags = u16_at(10);
        if flags != 0 {
            return Err(BytesError::Flags { found: flags });
        }
        let cell_bytes = u64_at(28);
        let want = cell_bytes.saturating_add(min);
        let len = bytes.len();
        if (len as u64) < want {
            return Err(BytesError::Truncated { len, want });
        }
        if (len as u64) > want {
            return Err(BytesError::TrailingBytes { len, want });
        }
        let (body, crc) = bytes.split_at(len - CRC_LEN);
        let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let computed = crc32fast::hash(body);
        if stored != computed {
            return Err(BytesError::Checksum { stored, computed });
        }
        Ok(Header { portfolios: u64_at(12), sectors: u64_at(20), cell_bytes })
    }
}

/// One cell from the front of `bytes`, and the bytes after it.
fn read_cell(bytes: &[u8]) -> Result<(Acc, &[u8]), &'static str> {
    let [s0, s1, l0, l1, rest @ ..] = bytes else {
        return Err("its header runs past the end of the cells");
    };
    let (shift, len) =
        (u32::from(u16::from_le_bytes([*s0, *s1])), usize::from(u16::from_le_bytes([*l0, *l1])));
    if len > rest.len() {
        return Err("its bytes run past the end of the cells");
    }
    let (m, rest) = rest.split_at(len);
    match m {
        [] if shift != 0 => return Err("zero with a nonzero shift"),
        [] => return Ok((Acc::ZERO, rest)),
        [low, ..] if low & 1 == 0 => return Err("even (not in canonical form)"),
        [.., below, top] if *top == ((*below as i8) >> 7) as u8 => {
            return Err("a redundant sign byte (not in canonical form)")
        }
        _ if len > CELL_MAX || shift > CAP_BITS => return Err("beyond the accumulator's capacity"),
        _ => {}
    }
    let acc = Acc::from_odd_part(shift, m);
    if acc.bits() > CAP_BITS {
        return Err("beyond the accumulator's capacity");
    }
    Ok((acc, rest))
}
