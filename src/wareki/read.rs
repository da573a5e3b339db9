//! Reading a date with an era table: the entry points [`Eras::parse_date`]
//! and [`Eras::parse_birth_date`], above the table (`eras`), the shared
//! scanner (`parse`) and the birth-date forms (`birth`), so that none of
//! those imports another in a circle.

use chrono::NaiveDate;

use super::birth::{self, BirthDate};
use super::eras::Eras;
use super::parse::{self, Day, Invalid};
use super::{DateError, DateForm};

impl Eras {
    /// [`super::parse_date`] with this table: a card or certificate date in
    /// any accepted form, no 不詳日 and no 29 February of a common year.
    pub(crate) fn parse_date(&self, s: &str) -> Result<NaiveDate, DateError> {
        let result = if s.is_ascii() {
            // Most fields are plain ASCII: parse the bytes in place, no copy.
            parse::parse_exact(self, s.as_bytes(), false)
        } else {
            let mut buf = [0u8; parse::MAX_NORMALIZED];
            match parse::normalize(s, self, &mut buf) {
                Some(len) => parse::parse_exact(self, &buf[..len], false),
                None => Err((DateForm::Unknown, Invalid::NotADate)),
            }
        };
        match result {
            Ok(Day::Date(d)) => Ok(d),
            // Not produced when 29 February is not allowed; kept total.
            Ok(Day::Feb29(y)) => Err(self.error(
                s,
                DateForm::Unknown,
                Invalid::NotCalendar(i64::from(y), 2, 29),
            )),
            Err((form, why)) => Err(self.error(s, form, why)),
        }
    }

    /// [`super::parse_birth_date`] with this table.
    pub(crate) fn parse_birth_date(&self, s: &str) -> Result<BirthDate, DateError> {
        birth::parse(self, s).map_err(|(form, why)| self.error(s, form, why))
    }

    pub(super) fn error(&self, s: &str, form: DateForm, why: Invalid) -> DateError {
        DateError {
            input: s.to_owned(),
            form,
            reason: why.describe(self),
        }
    }
}
