//! The header row mapped to the profile's columns.
//!
//! Every column the profile maps must be in the header (SPEC 9): a required
//! one always, an optional one unless the profile lists its key in
//! `[columns] absent`. [`HeaderFit`] says where each key stands (also for
//! `kigen columns`); [`ColumnMap`] is the map a run reads with, built only
//! when the fit has no problem.

use crate::error::Error;
use crate::model::Field;
use crate::profile::Columns;
use crate::text::escape_controls;

/// At most this many header names are listed in a message.
const MAX_LISTED: usize = 40;
/// A header name longer than this is cut in a message.
const MAX_NAME_CHARS: usize = 30;

/// Where one profile key stands against the header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Found at this column (0-based).
    Found(usize),
    /// Not in the header, and not listed in `[columns] absent`.
    Missing,
    /// Listed in `[columns] absent`, and not in the header.
    ListedAbsent,
    /// Listed in `[columns] absent`, yet the header has it at this column.
    AbsentButFound(usize),
    /// The header has it more than once (0-based columns).
    Repeated(Vec<usize>),
    /// The profile maps no header to it (an empty name: SPEC 9 items only).
    Unmapped,
    /// A card date read from the card file (`--cards`): the registry's own
    /// column, if any, is not read.
    FromCards,
}

/// The profile's columns against one header row.
#[derive(Debug, Clone)]
pub(crate) struct HeaderFit {
    /// The header names as read, by column.
    pub(crate) headers: Vec<String>,
    /// The header name of each field (from the profile), trimmed.
    pub(crate) names: [String; Field::COUNT],
    /// Where each field stands, by [`Field::index`].
    pub(crate) placement: [Placement; Field::COUNT],
    /// With a card file: the header the registry joins on (`[cards]
    /// registry_key`) and where it stands.
    pub(crate) join_key: Option<(String, Placement)>,
}

impl HeaderFit {
    /// Places every profile key in `headers`. `join_key`: with `--cards`,
    /// the registry header the card file joins on; the card dates then come
    /// from the card file.
    pub(crate) fn new(headers: Vec<String>, columns: &Columns, join_key: Option<&str>) -> Self {
        let names: [String; Field::COUNT] =
            Field::ALL.map(|f| columns.header(f).trim().to_string());
        let place = |want: &str, absent: bool| {
            let found: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(_, h)| *h == want)
                .map(|(i, _)| i)
                .collect();
            match (found.as_slice(), absent) {
                ([], false) => Placement::Missing,
                ([], true) => Placement::ListedAbsent,
                ([i], false) => Placement::Found(*i),
                ([i], true) => Placement::AbsentButFound(*i),
                _ => Placement::Repeated(found),
            }
        };
        let placement = Field::ALL.map(|f| {
            let want = &names[f.index()];
            if join_key.is_some() && f.is_card_date() {
                Placement::FromCards
            } else if want.is_empty() {
                Placement::Unmapped
            } else {
                place(want, columns.is_absent(f))
            }
        });
        let join_key = join_key.map(|k| (k.trim().to_string(), place(k.trim(), false)));
        HeaderFit {
            headers,
            names,
            placement,
            join_key,
        }
    }

    /// The join key's column, when there is a card file and the header has
    /// it once.
    pub(crate) fn join_column(&self) -> Option<usize> {
        match self.join_key {
            Some((_, Placement::Found(i))) => Some(i),
            _ => None,
        }
    }

    /// Where `field` stands.
    pub(crate) fn placement(&self, field: Field) -> &Placement {
        &self.placement[field.index()]
    }

    /// Columns (0-based) that no profile key maps: kigen ignores them.
    pub(crate) fn unknown(&self) -> Vec<usize> {
        (0..self.headers.len())
            .filter(|i| {
                !self
                    .placement
                    .iter()
                    .chain(self.join_key.as_ref().map(|(_, p)| p))
                    .any(|p| match p {
                        Placement::Found(c) | Placement::AbsentButFound(c) => c == i,
                        Placement::Repeated(cs) => cs.contains(i),
                        Placement::Missing
                        | Placement::ListedAbsent
                        | Placement::Unmapped
                        | Placement::FromCards => false,
                    })
            })
            .collect()
    }

    /// True when the first line holds values rather than header names (a
    /// file without its header row): its names are then never echoed.
    pub(crate) fn looks_like_data(&self) -> bool {
        looks_like_data(&self.headers)
    }

    /// The configuration error this fit is, if any: the problems in one
    /// message, with what to do. A required header missing comes with what
    /// the first line holds (its names, or that it looks like data: a data
    /// row is never echoed) and only the count of optional ones missing, as
    /// the likely cause is the file (its header row, its encoding) rather
    /// than the mapping.
    pub(crate) fn error(&self) -> Option<Error> {
        let mut required = Vec::new();
        let mut optional = Vec::new();
        let mut other = Vec::new();
        let mut optional_keys = Vec::new();
        for f in Field::ALL {
            let want = &self.names[f.index()];
            match self.placement(f) {
                Placement::Found(_)
                | Placement::ListedAbsent
                | Placement::Unmapped
                | Placement::FromCards => {}
                Placement::Missing if f.required() => required.push(format!(
                    "required header {want:?} (columns.{}) is missing",
                    f.key()
                )),
                Placement::Missing => {
                    optional_keys.push(format!("\"{}\"", f.key()));
                    optional.push(format!("columns.{}: header {want:?} is missing", f.key()));
                }
                Placement::AbsentButFound(i) => other.push(format!(
                    "columns.{}: the profile lists it in columns.absent but the header has {want:?} at column {}: remove it from columns.absent",
                    f.key(),
                    i + 1
                )),
                Placement::Repeated(cols) => other.push(format!(
                    "header {want:?} (columns.{}) appears more than once (columns {})",
                    f.key(),
                    cols.iter()
                        .map(|c| (c + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        match &self.join_key {
            Some((want, Placement::Missing)) => required.push(format!(
                "the header {want:?} the card file joins on ([cards] registry_key) is missing"
            )),
            Some((want, Placement::Repeated(cols))) => other.push(format!(
                "header {want:?} ([cards] registry_key) appears more than once (columns {})",
                cols.iter()
                    .map(|c| (c + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => {}
        }
        let message = if !required.is_empty() {
            let mut m = required.join("; ");
            if !optional.is_empty() {
                m.push_str(&format!(
                    "; {} optional column{} the profile maps {} missing too",
                    optional.len(),
                    if optional.len() == 1 { "" } else { "s" },
                    if optional.len() == 1 { "is" } else { "are" }
                ));
            }
            for o in &other {
                m.push_str("; ");
                m.push_str(o);
            }
            if self.looks_like_data() {
                format!("{m}; {}", self.describe_first_line())
            } else {
                format!(
                    "{m}: fix the header names in the profile's [columns]; {}",
                    self.describe_first_line()
                )
            }
        } else if !optional.is_empty() {
            let mut m = optional.join("; ");
            m.push_str(&format!(
                ": fix the header names in the profile's [columns], or, if the export does not have {}, list {} in [columns] absent = [{}]",
                if optional.len() == 1 { "it" } else { "them" },
                if optional.len() == 1 { "the key" } else { "the keys" },
                optional_keys.join(", ")
            ));
            for o in &other {
                m.push_str("; ");
                m.push_str(o);
            }
            m
        } else if !other.is_empty() {
            other.join("; ")
        } else {
            return None;
        };
        Some(Error::Header(message))
    }

    /// What the first line holds, for a message: its header names (at most
    /// [`MAX_LISTED`], each cut to [`MAX_NAME_CHARS`]), or that it does not
    /// look like a header at all.
    fn describe_first_line(&self) -> String {
        if self.looks_like_data() {
            return "the first line does not look like a header row (is the header missing, or is this the wrong file?)".into();
        }
        let mut names: Vec<String> = self
            .headers
            .iter()
            .take(MAX_LISTED)
            .map(|h| short_name(h))
            .collect();
        if self.headers.len() > MAX_LISTED {
            names.push(format!("… ({} more)", self.headers.len() - MAX_LISTED));
        }
        format!("the header row has: {}", names.join(","))
    }
}

/// A header name for a message: control characters escaped, long names cut.
pub(crate) fn short_name(h: &str) -> String {
    let escaped = escape_controls(h);
    if escaped.chars().count() > MAX_NAME_CHARS {
        let cut: String = escaped.chars().take(MAX_NAME_CHARS).collect();
        format!("{cut}…")
    } else {
        escaped.into_owned()
    }
}

/// Whether a first line holds values rather than header names: a 個人番号
/// in any spelling, a run of six or more digits anywhere (a postal code, a
/// compact date), or
/// at least a third of its non-empty fields mostly digits (dates, codes).
/// Header names are words; they rarely hold a digit at all.
pub(crate) fn looks_like_data(fields: &[String]) -> bool {
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut non_empty = 0usize;
    let mut numeric = 0usize;
    for f in fields {
        if f.is_empty() {
            continue;
        }
        // A 個人番号 however it is spelled (`1234-5678-9018`): never echoed.
        if crate::mynumber::looks_like_my_number(f) {
            return true;
        }
        non_empty += 1;
        let mut run = 0usize;
        let mut digits = 0usize;
        for c in f.chars() {
            if is_digit(c) {
                run += 1;
                digits += 1;
                if run >= 6 {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        if digits * 2 >= f.chars().count() {
            numeric += 1;
        }
    }
    non_empty > 0 && numeric * 3 >= non_empty
}

/// Where each field sits in the export, found from the header row.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMap {
    index: [Option<usize>; Field::COUNT],
    /// The field of each column, if kigen reads it.
    pub(crate) field_of: Vec<Option<Field>>,
    /// The header names as read, by column.
    pub(crate) headers: Vec<String>,
    /// The header name of each field (from the profile).
    names: [String; Field::COUNT],
    /// With a card file: the column of the registry's join key.
    pub(crate) join_key: Option<usize>,
    /// With a card file: the join key's header name.
    pub(crate) join_name: Option<String>,
}

impl ColumnMap {
    /// Maps the header row. A mapped header missing (a required one, or an
    /// optional one the profile does not list in `[columns] absent`), a
    /// header listed absent but present, or a mapped header appearing twice
    /// is a configuration error naming the key and the header.
    pub(crate) fn from_header(
        headers: Vec<String>,
        columns: &Columns,
        join_key: Option<&str>,
    ) -> Result<Self, Error> {
        let fit = HeaderFit::new(headers, columns, join_key);
        if let Some(e) = fit.error() {
            return Err(e);
        }
        let join_column = fit.join_column();
        let HeaderFit {
            headers,
            names,
            placement,
            join_key,
        } = fit;
        let index = placement.map(|p| match p {
            Placement::Found(i) => Some(i),
            _ => None,
        });
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
            join_key: join_column,
            join_name: join_key.map(|(name, _)| name),
        })
    }

    /// The column of `field`, if the export has it.
    pub(crate) fn column(&self, field: Field) -> Option<usize> {
        self.index[field.index()]
    }

    /// The header name of `field`, as configured.
    pub(crate) fn name(&self, field: Field) -> &str {
        &self.names[field.index()]
    }

    /// The header each field is read from, in [`Field::ALL`] order: `None`
    /// for a column listed absent, unmapped, or read from the card file
    /// (summary.json's `columns`).
    pub(crate) fn used(&self) -> Vec<(Field, Option<String>)> {
        Field::ALL
            .into_iter()
            .map(|f| (f, self.column(f).map(|_| self.name(f).to_string())))
            .collect()
    }

    /// Number of columns in the header.
    pub(crate) fn width(&self) -> usize {
        self.headers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    const FULL: &str = "住民コード,個人番号,氏名,氏名カナ,生年月日,性別,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";

    #[test]
    fn every_mapped_column_must_exist_unless_listed_absent() {
        let full = ColumnMap::from_header(header(FULL), &Columns::default(), None).unwrap();
        // Every SPEC 1 key is read; the SPEC 9 items are not mapped by default.
        for (f, h) in full.used() {
            assert_eq!(h.is_some(), !f.may_be_unmapped(), "{f:?}");
        }
        let renamed = FULL.replace("カード発行日", "交付日");
        let e = ColumnMap::from_header(header(&renamed), &Columns::default(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("columns.card_issued: header \"カード発行日\" is missing"),
            "{e}"
        );
        assert!(e.contains("absent = [\"card_issued\"]"), "{e}");
        assert!(
            !e.contains("交付日"),
            "only required misses list the header: {e}"
        );

        let without = FULL.replace(",カード発行日", "");
        let mut columns = Columns::default();
        columns.absent = vec!["card_issued".into()];
        let map = ColumnMap::from_header(header(&without), &columns, None).unwrap();
        assert_eq!(map.column(Field::CardIssued), None);
        let used = map.used();
        assert_eq!(used[Field::CardIssued.index()], (Field::CardIssued, None));
        assert_eq!(
            used[Field::Name.index()],
            (Field::Name, Some("氏名".to_string()))
        );

        // Listed absent but there: the profile is out of date.
        let e = ColumnMap::from_header(header(FULL), &columns, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("columns.card_issued") && e.contains("column 12"),
            "{e}"
        );
    }

    #[test]
    fn a_data_row_is_never_echoed() {
        let row = header(
            "R1,401112190958,小山　明美,コヤマ　アケミ,1959-02-26,女,住民,385-0021,長野県佐久市",
        );
        let e = ColumnMap::from_header(row, &Columns::default(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not look like a header row"), "{e}");
        assert!(!e.contains("401112190958") && !e.contains("小山"), "{e}");
        let few = header("R0001,佐久　太郎,1970-01-15,住民,385-0051");
        assert!(looks_like_data(&few));
        assert!(!looks_like_data(&header(FULL)));
        assert!(!looks_like_data(&header("住所1,住所2,氏名,生年月日")));
    }

    #[test]
    fn unknown_columns_are_listed() {
        let fit = HeaderFit::new(header(FULL), &Columns::default(), None);
        assert_eq!(fit.unknown(), vec![1, 5]);
        assert!(fit.error().is_none());
    }
}
