//! Reading the registry export: bytes → records ([`split`]) → decoded,
//! normalised fields ([`row`]) → a resident, an exclusion or a reject. The
//! file itself is read by [`stream`], which owns the splitter's buffer;
//! [`reader`] is the one reader every command uses: it opens the export and
//! the card file, runs the first pass and hands typed rows to a
//! [`RowSink`].

pub mod cards;
pub mod columns;
pub mod decode;
pub mod duplicates;
pub mod reader;
pub mod row;
pub(crate) mod spill;
pub mod split;
pub mod stream;

pub use cards::{CardIndex, CardJoins, CardLookup};
pub use columns::ColumnMap;
pub use duplicates::Duplicates;
pub(crate) use reader::{join_key, Export, ExportRow, RowSink};
pub use reader::{CardsFile, FirstPass};
pub use row::{parse_flag, RowReader};
pub use stream::InputDigest;

#[cfg(test)]
mod tests;
