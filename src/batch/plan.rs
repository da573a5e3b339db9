//! The print plan of a batch: mail-room order, document numbers, and print
//! files of at most `chunk` packets, non-forwardable apart.

use chrono::{Datelike, NaiveDate};

use crate::model::DueNotice;

/// One packet's place in the batch.
#[derive(Debug)]
pub(crate) struct Placed<'a> {
    /// Position in the batch (1-based).
    pub seq: u32,
    /// The notice number printed on it.
    pub document_number: String,
    /// The resident and what is due.
    pub notice: &'a DueNotice,
}

/// A print file and the packets that go into it, in order.
#[derive(Debug)]
pub(crate) struct PrintFile<'p, 'a> {
    /// The file's name under `print/`.
    pub name: String,
    /// Its packets.
    pub packets: &'p [Placed<'a>],
}

/// Sorts the due notices into mail-room order and numbers them: regular
/// mail first, then the non-forwardable pile; within each, by postal code
/// then address (bulk-mail sorting), with the code and line as tie-breakers
/// so the order is total. `template` is the profile's document number, with
/// `{date}` (YYYYMMDD) and `{seq}` (5 digits).
pub(crate) fn place<'a>(
    notices: &'a [DueNotice],
    as_of: NaiveDate,
    template: &str,
    first_number: u32,
) -> Vec<Placed<'a>> {
    let mut order: Vec<&DueNotice> = notices.iter().collect();
    order.sort_by(|a, b| {
        let key = |n: &'a DueNotice| {
            let r = &n.resident;
            // Sorted by where the letter goes: the 送付先 when there is one.
            let to = r.envelope();
            (
                r.non_forwardable,
                *to.postal_code,
                to.address,
                r.code.as_str(),
                r.line,
            )
        };
        key(a).cmp(&key(b))
    });
    let date = format!("{:04}{:02}{:02}", as_of.year(), as_of.month(), as_of.day());
    order
        .into_iter()
        .enumerate()
        .map(|(i, notice)| {
            let seq = i as u32 + 1;
            Placed {
                seq,
                document_number: template
                    .replace("{date}", &date)
                    .replace("{seq}", &format!("{:05}", seq + first_number)),
                notice,
            }
        })
        .collect()
}

/// Splits the placed packets into print files of at most `chunk` packets:
/// `notices-NNNN.pdf`, then `non-forwardable-NNNN.pdf`.
pub(crate) fn print_files<'p, 'a>(placed: &'p [Placed<'a>], chunk: u32) -> Vec<PrintFile<'p, 'a>> {
    let chunk = chunk.max(1) as usize;
    let split = placed.partition_point(|p| !p.notice.resident.non_forwardable);
    let mut files = Vec::new();
    for (prefix, part) in [
        ("notices", &placed[..split]),
        ("non-forwardable", &placed[split..]),
    ] {
        for (i, packets) in part.chunks(chunk).enumerate() {
            files.push(PrintFile {
                name: format!("{prefix}-{:04}.pdf", i + 1),
                packets,
            });
        }
    }
    files
}
