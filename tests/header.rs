//! Generates the C header from the sources with cbindgen (a dev-dependency, pinned in Cargo.toml:
//! point releases change whitespace) and fails when the committed include/sector_weights.h differs.
//! `make header` (SW_UPDATE_HEADER=1) rewrites the committed file instead. build.rs generates
//! nothing: installing the library never runs cbindgen.

use std::path::Path;

fn generated_header() -> String {
    let crate_dir = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(Path::new(crate_dir).join("cbindgen.toml"))
        .expect("cbindgen.toml parses");
    let mut text = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header from src/")
        .write(&mut text);
    String::from_utf8(text).expect("the header is UTF-8")
}

#[test]
fn committed_header_matches_generated() {
    let generated = generated_header();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sector_weights.h");
    if std::env::var_os("SW_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/sector_weights.h");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/sector_weights.h is out of date with src/: run `make header` and commit it"
    );
}
