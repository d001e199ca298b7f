//! Fails when the committed include/sector_weights.h differs from what cbindgen generates from the
//! sources (build.rs writes it to OUT_DIR). `make header` (SW_UPDATE_HEADER=1) rewrites it.

#[test]
fn committed_header_matches_generated() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/sector_weights.h"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/sector_weights.h");
    if std::env::var_os("SW_UPDATE_HEADER").is_some() {
        std::fs::write(path, generated).expect("write include/sector_weights.h");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/sector_weights.h is out of date with src/: run `make header` and commit it"
    );
}
