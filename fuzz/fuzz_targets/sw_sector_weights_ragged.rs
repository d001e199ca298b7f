//! Fuzzes `sw_sector_weights_ragged` (offsets, flags, normalisation) against the naive reference.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run_ragged(data, false));
