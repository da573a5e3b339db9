//! Registry reader: arbitrary bytes (a header row and records, or records
//! under a fixed header) must never panic, split the same in one piece, two
//! reads or two forked halves, and read every record to exactly one result.
//! The checks live in `kigen::fuzzing::read_registry_bytes`.
//!
//! Run: `scripts/fuzz.sh reader` (stable toolchain; see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kigen::fuzzing::read_registry_bytes(data));
