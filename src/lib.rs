//! sector-weights: per-portfolio, per-sector sums of bond weights for many portfolios at once —
//! validated, parallel, deterministic — with a C ABI (`include/sector_weights.h`).
//!
//! The safe Rust API is at the crate root: [`sector_weights()`] (equal-sized portfolios, the
//! article's layout), [`sector_weights_ragged`] and [`sector_exposures`] (portfolios given by
//! offsets), [`grouped_sums`] (a table whose rows name their portfolio, in any order, with
//! columns of any integer or float type), [`compare_to_targets`], [`evaluate_orders`], and the
//! thread count
//! ([`set_num_threads`], [`num_threads`]). Every function checks its whole input before it
//! returns a result; errors ([`Error`]) say what was wrong and where; results are bit-identical
//! for every thread count.
//!
//! ```
//! // Two portfolios of two bonds, two sectors.
//! let weights = [0.5, 0.5, 0.2, 0.8];
//! let sectors = [0, 1, 1, 1];
//! let sums = sector_weights::sector_weights(&weights, &sectors, 2, 2)?;
//! assert_eq!(sums, [0.5, 0.5, 0.0, 1.0]);
//!
//! let err = sector_weights::sector_weights(&weights, &[0, 1, 7, 1], 2, 2).unwrap_err();
//! assert_eq!(err.to_string(), "sector code 7 at bond 0 of portfolio 1 is outside 0..2");
//! # Ok::<(), sector_weights::Error>(())
//! ```
//!
//! Source layout: `api.rs` (this API), `kernel/` (the computation, safe Rust), `orders.rs` and
//! `targets.rs` (the portfolio-manager features), `validate.rs` (every check), `error/` (errors
//! and their text), `pool.rs` (the resizable thread pool), and `ffi/` (the C ABI: the only module
//! with `unsafe`).
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod api;
mod error;
mod exact;
#[allow(unsafe_code)]
pub mod ffi;
mod kernel;
mod labels;
mod orders;
mod partial;
mod pool;
mod targets;
#[doc(hidden)]
pub mod testkit;
mod validate;

pub use api::*;
pub use error::{
    Argument, Bad, BandProblem, Buffer, Data, Error, Offsets, Orders, Resource, Result, Rows,
    Shape, Strings, SwStatus, Targets, Why,
};
pub use kernel::{Codes, Floats};

/// The library version, as `sw_version()` returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The kernel's internals, for the benchmarks and tests only: not part of the API.
#[doc(hidden)]
pub mod internals {
    pub use crate::kernel::{
        chunk_len, compute, compute_exact, scatter, screen, streams_input, Input, Layout, OneTable,
        BASE_CHUNK, PARALLEL_MIN_BONDS,
    };
    #[cfg(feature = "panic-hook")]
    pub use crate::kernel::{FORCE_PANIC, FORCE_POOL};

    /// Exact sums (issue 16): the accumulator, the chunk scan, tables and their bytes.
    pub mod exact {
        pub use crate::exact::{
            round_row, round_row_normalised, scan, Acc, BytesError, Capacity, ExactError, Overflow,
            RowError, Stop, Table,
        };
    }
}
