//! Date parser: arbitrary text must never panic `kigen::wareki::parse_date`,
//! and a parsed date must format (和暦 and the other forms) and parse back to
//! itself. The checks live in `kigen::fuzzing::parse_dates`.
//!
//! Run: `scripts/fuzz.sh dates` (stable toolchain; see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kigen::fuzzing::parse_dates(data));
