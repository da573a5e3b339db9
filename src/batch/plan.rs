//! The print plan of a batch: mail-room order, document numbers, and print
//! files of at most `chunk` packets, non-forwardable apart.

use chrono::{Datelike, NaiveDate};

use crate::model::{Bundle, DueNotice, MIXED_BUNDLE};

/// One packet's place in the batch.
#[derive(Debug)]
pub(crate) struct Placed<'a> {
    /// Position in the batch (1-based).
    pub(crate) seq: u32,
    /// The notice number printed on it.
    pub(crate) document_number: String,
    /// The resident and what is due.
    pub(crate) notice: &'a DueNotice,
}

/// A print file and the packets that go into it, in order.
#[derive(Debug)]
pub(crate) struct PrintFile<'p, 'a> {
    /// The file's name under `print/`.
    pub(crate) name: String,
    /// Its packets.
    pub(crate) packets: &'p [Placed<'a>],
}

impl PrintFile<'_, '_> {
    /// Its path in the batch (`print/<name>`), as the manifest gives it.
    pub(crate) fn path(&self) -> String {
        format!("print/{}", self.name)
    }
}

/// Sorts the due notices into mail-room order and numbers them (SPEC 11):
/// regular mail first, then the non-forwardable pile; within each, by
/// presort bundle (see [`bundle_keys`]), then 郵便区番号, postal code and
/// address, with the code and line as tie-breakers so the order is total.
/// A bundle's pieces are thus consecutive even when it gathers several
/// small 郵便区. `template` is the profile's document number, with `{date}`
/// (YYYYMMDD) and `{seq}` (5 digits).
pub(crate) fn place<'a>(
    notices: &'a [DueNotice],
    as_of: NaiveDate,
    template: &str,
    first_number: u32,
    bundle_min: u32,
) -> (Vec<Placed<'a>>, Vec<Bundle>) {
    let date = format!("{:04}{:02}{:02}", as_of.year(), as_of.month(), as_of.day());
    let mut placed = Vec::with_capacity(notices.len());
    let mut bundles: Vec<Bundle> = Vec::new();
    for non_forwardable in [false, true] {
        let pile: Vec<&DueNotice> = notices
            .iter()
            .filter(|n| n.resident.non_forwardable == non_forwardable)
            .collect();
        let keys = bundle_keys(
            &pile.iter().map(|n| n.ku.as_deref()).collect::<Vec<_>>(),
            bundle_min,
        );
        let mut order: Vec<(usize, &DueNotice)> = pile.into_iter().enumerate().collect();
        order.sort_by(|(i, a), (j, b)| {
            let key = |k: usize, n: &'a DueNotice| {
                let r = &n.resident;
                let to = r.envelope();
                (
                    keys[k].0,
                    n.ku.is_none(),
                    n.ku.as_deref(),
                    *to.postal_code,
                    to.address,
                    r.code.as_str(),
                    r.line,
                )
            };
            key(*i, a).cmp(&key(*j, b))
        });
        for (k, notice) in order {
            let seq = placed.len() as u32 + 1;
            let key = &keys[k].1;
            match bundles.last_mut() {
                Some(b) if b.non_forwardable == non_forwardable && b.key == *key => {
                    b.pieces += 1;
                    b.last_seq = seq;
                }
                _ => bundles.push(Bundle {
                    number: bundles.len() as u32 + 1,
                    key: key.clone(),
                    pieces: 1,
                    first_seq: seq,
                    last_seq: seq,
                    files: Vec::new(),
                    non_forwardable,
                }),
            }
            placed.push(Placed {
                seq,
                document_number: template
                    .replace("{date}", &date)
                    .replace("{seq}", &format!("{:05}", seq + first_number)),
                notice,
            });
        }
    }
    (placed, bundles)
}

/// The presort bundle of each piece of one pile, by its 郵便区番号 (SPEC
/// 11): a 郵便区 with at least `min` pieces is its own bundle; the others
/// join the bundle of their first two digits when that gathers `min`;
/// what is still under it, and pieces whose 郵便区番号 is unknown, go into
/// one 雑 bundle. Returns, per piece, the bundle's rank in print order
/// (bundles by their smallest 郵便区番号, 雑 last) and its key.
pub(crate) fn bundle_keys(kus: &[Option<&str>], min: u32) -> Vec<(u32, String)> {
    use std::collections::BTreeMap;
    let mut per_ku: BTreeMap<&str, u32> = BTreeMap::new();
    for ku in kus.iter().flatten() {
        *per_ku.entry(ku).or_default() += 1;
    }
    let prefix = |ku: &str| ku.chars().take(2).collect::<String>();
    let mut per_prefix: BTreeMap<String, u32> = BTreeMap::new();
    for (ku, n) in &per_ku {
        if *n < min {
            *per_prefix.entry(prefix(ku)).or_default() += n;
        }
    }
    let key_of = |ku: &str| -> String {
        if per_ku.get(ku).copied().unwrap_or(0) >= min {
            ku.to_string()
        } else if per_prefix.get(&prefix(ku)).copied().unwrap_or(0) >= min {
            prefix(ku)
        } else {
            MIXED_BUNDLE.to_string()
        }
    };
    // Each bundle ranks by its smallest 郵便区番号 (per_ku is sorted).
    let mut rank: BTreeMap<String, u32> = BTreeMap::new();
    for ku in per_ku.keys() {
        let key = key_of(ku);
        if key != MIXED_BUNDLE {
            let next = rank.len() as u32;
            rank.entry(key).or_insert(next);
        }
    }
    let mixed = rank.len() as u32;
    kus.iter()
        .map(|ku| {
            let key = ku.map_or_else(|| MIXED_BUNDLE.to_string(), key_of);
            (rank.get(&key).copied().unwrap_or(mixed), key)
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

/// Fills in the print files each bundle's pieces are in.
pub(crate) fn bundle_files(bundles: &mut [Bundle], files: &[PrintFile<'_, '_>]) {
    // A file's packets are consecutive seqs: its first and last are its range.
    let ranges: Vec<(u32, u32, String)> = files
        .iter()
        .filter_map(|f| {
            let (first, last) = (f.packets.first()?.seq, f.packets.last()?.seq);
            Some((first, last, format!("print/{}", f.name)))
        })
        .collect();
    for b in bundles {
        b.files = ranges
            .iter()
            .filter(|(first, last, _)| *first <= b.last_seq && b.first_seq <= *last)
            .map(|(_, _, name)| name.clone())
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(kus: &[&str], min: u32) -> Vec<String> {
        let kus: Vec<Option<&str>> = kus.iter().map(|k| (!k.is_empty()).then_some(*k)).collect();
        bundle_keys(&kus, min).into_iter().map(|(_, k)| k).collect()
    }

    #[test]
    fn small_ku_join_their_first_two_digits_then_the_mixed_bundle() {
        // 38401: 3 pieces (own bundle at min 3); 38403 and 385: 1 each,
        // together under 38 with 2 < 3 … so 雑; an unknown one: 雑.
        let got = keys(&["38401", "38401", "38401", "38403", "385", ""], 3);
        assert_eq!(got, ["38401", "38401", "38401", "雑", "雑", "雑"]);
        // With min 2, 38403 and 385 gather into 38.
        let got = keys(&["38401", "38401", "38401", "38403", "385"], 2);
        assert_eq!(got, ["38401", "38401", "38401", "38", "38"]);
        // Large 郵便区 keep their own bundles.
        let got = keys(&["100", "100", "060", "060"], 2);
        assert_eq!(got, ["100", "100", "060", "060"]);
    }

    #[test]
    fn bundles_rank_by_their_smallest_ku_and_mixed_is_last() {
        let kus = [
            Some("38403"),
            Some("38401"),
            None,
            Some("38401"),
            Some("060"),
        ];
        let ranked = bundle_keys(&kus, 2);
        // 38401 (own) ranks before 雑; 38403 and 060 alone are too small
        // and share no two digits with another small one.
        assert_eq!(ranked[1], (0, "38401".to_string()));
        assert_eq!(ranked[0], (1, "雑".to_string()));
        assert_eq!(ranked[2], (1, "雑".to_string()));
        assert_eq!(ranked[4], (1, "雑".to_string()));
    }
}
