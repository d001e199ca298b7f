//! sector-weights: per-portfolio, per-sector sums of bond weights for many portfolios at once —
//! validated, parallel, deterministic — with a C ABI (see `include/sector_weights.h`).
//!
//! Layout: [`kernel`] computes (safe Rust; its inner loops are in [`scatter`]); [`orders`] and
//! [`targets`] build the portfolio-manager features on it; [`validate`] holds every check,
//! [`error`] the status codes and messages, [`pool`] the resizable thread pool, and `ffi` the C
//! surface: the only module with `unsafe`.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod error;
pub mod ffi;
pub mod kernel;
pub mod orders;
pub mod pool;
pub mod scatter;
pub mod targets;
pub mod validate;

pub use error::{Error, Result, SwStatus};
pub use kernel::{compute, sector_weights, Input, Layout};

/// The library version, as `sw_version()` returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
