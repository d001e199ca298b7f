//! Fuzzes `sw_grouped_sums` (typed columns, one portfolio code per row in any order, both
//! strategies: one table and buckets of portfolios) against the naive reference in `common`.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run_grouped(data));
