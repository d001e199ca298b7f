//! Fuzzes `sw_sector_exposures` (weights x values, offsets, flags) against the naive reference.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run_ragged(data, true));
