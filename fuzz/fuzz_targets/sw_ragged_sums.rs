//! Fuzzes `sw_ragged_sums` (typed columns, portfolios given by offsets) against the naive
//! reference in `common`.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run_typed_ragged(data));
