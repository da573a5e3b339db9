//! Reading the registry export: bytes → records ([`split`]) → decoded,
//! normalised fields ([`row`]) → a resident, an exclusion or a reject. The
//! file itself is read by [`stream`], which owns the splitter's buffer.

pub mod cards;
pub mod columns;
pub mod decode;
pub mod duplicates;
pub mod row;
pub(crate) mod spill;
pub mod split;
pub mod stream;

pub use cards::{CardIndex, CardJoins, CardLookup};
pub use columns::ColumnMap;
pub use duplicates::Duplicates;
pub use row::{parse_flag, RowReader};
pub use stream::{
    read_header, read_header_fields, scan_duplicates, InputDigest, RecordStream, BATCH_RECORDS,
};

#[cfg(test)]
mod tests;
