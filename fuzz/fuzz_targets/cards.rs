//! Card file: arbitrary bytes as the standard profile's card file (CP932 and UTF-8) must never panic; every row ends in one place and no reject carries a 個人番号. The checks live in `kigen::fuzzing::read_card_bytes`.
//!
//! Run: `scripts/fuzz.sh cards` (stable toolchain; see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kigen::fuzzing::read_card_bytes(data));
