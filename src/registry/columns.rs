//! The header row mapped to the profile's columns.

use crate::error::Error;
use crate::model::Field;
use crate::profile::Columns;

/// Where each field sits in the export, found from the header row.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    index: [Option<usize>; 18],
    /// The field of each column, if kigen reads it.
    pub(crate) field_of: Vec<Option<Field>>,
    /// The header names as read, by column.
    pub headers: Vec<String>,
    /// The header name of each field (from the profile).
    names: [String; 18],
}

impl ColumnMap {
    /// Maps the header row. A required header missing, or a mapped header
    /// appearing twice, is a configuration error naming it.
    pub fn from_header(headers: Vec<String>, columns: &Columns) -> Result<Self, Error> {
        let mut index = [None; 18];
        let names: [String; 18] = Field::ALL.map(|f| columns.header(f).trim().to_string());
        for f in Field::ALL {
            let want = &names[f.index()];
            let mut found = headers.iter().enumerate().filter(|(_, h)| *h == want);
            if let Some((i, _)) = found.next() {
                if found.next().is_some() {
                    return Err(Error::Header(format!(
                        "header {want:?} (columns.{}) appears more than once",
                        f.key()
                    )));
                }
                index[f.index()] = Some(i);
            } else if f.required() {
                return Err(Error::Header(format!(
                    "required header {want:?} (columns.{}) is missing; the header row has: {}",
                    f.key(),
                    headers.join(",")
                )));
            }
        }
        let mut field_of = vec![None; headers.len()];
        for f in Field::ALL {
            if let Some(i) = index[f.index()] {
                field_of[i] = Some(f);
            }
        }
        Ok(ColumnMap {
            index,
            field_of,
            headers,
            names,
        })
    }

    /// The column of `field`, if the export has it.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.index[field.index()]
    }

    /// The header name of `field`, as configured.
    pub fn name(&self, field: Field) -> &str {
        &self.names[field.index()]
    }

    /// Number of columns in the header.
    pub fn width(&self) -> usize {
        self.headers.len()
    }
}
