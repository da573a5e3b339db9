//! Returns file (`kigen returned --file`): arbitrary bytes must never panic, and the lines named are physical lines. The checks live in `kigen::fuzzing::read_returns_bytes`.
//!
//! Run: `scripts/fuzz.sh returns` (stable toolchain; see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kigen::fuzzing::read_returns_bytes(data));
