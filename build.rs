//! Inflates the built-in postal table (`data/postal/postal-towns.tsv.gz`,
//! written by `scripts/gen-postal-table.py`) into `OUT_DIR`, so that the
//! binary carries it as text: a run then indexes it in place instead of
//! decompressing 8 MB into fresh memory every night (README, "Speed and
//! memory"). The repository keeps the compressed file.

use std::io::Read;
use std::path::PathBuf;

fn main() {
    let src = "data/postal/postal-towns.tsv.gz";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=build.rs");
    let gz = std::fs::read(src).unwrap_or_else(|e| panic!("{src}: cannot read: {e}"));
    let mut text = Vec::with_capacity(10 << 20);
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut text)
        .unwrap_or_else(|e| panic!("{src}: not a gzip file: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dst = out.join("postal-towns.tsv");
    std::fs::write(&dst, text).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
}
