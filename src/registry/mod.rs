//! Reading the registry export: bytes → records ([`split`]) → decoded,
//! normalised fields ([`row`]) → a resident, an exclusion or a reject. The
//! file itself is read by [`stream`], which owns the splitter's buffer;
//! [`reader`] is the one reader every command uses: it opens the export and
//! the card file, runs the first pass and hands typed rows to a
//! [`RowSink`].

pub(crate) mod cards;
pub(crate) mod columns;
pub(crate) mod decode;
pub(crate) mod duplicates;
pub(crate) mod headers;
pub(crate) mod reader;
pub(crate) mod row;
pub(crate) mod spill;
pub mod split;
pub(crate) mod stream;

pub(crate) use cards::{CardIndex, CardJoins};
pub(crate) use columns::ColumnMap;
pub(crate) use duplicates::Duplicates;
pub(crate) use reader::{CardsFile, FirstPass};
pub(crate) use reader::{Export, ExportRow, RowSink};
pub(crate) use row::RowReader;
pub(crate) use stream::InputDigest;

#[cfg(test)]
mod tests;
