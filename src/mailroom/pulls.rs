//! `kigen pulls`: a printed batch against a newer export. A packet whose
//! resident has died, moved away, changed status, address or name since the
//! batch was printed, or is no longer in the export, is listed for the
//! person at the inserter to take out before it is mailed (SPEC 11):
//! `pull-list.csv` and `pull-list.pdf`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::export::{find, Export, ExportRequest, Found};
use super::table::{table_pages, Column, Heading};
use super::{pdf_id, refuse_batch_dir, status_class, write_private, StatusClass};
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::files::sync_dir;
use crate::ledger::{Ledger, PrintedAddress};
use crate::model::{CsvEncoding, Resident};
use crate::outputs::csvfile::{push_field, push_record, CsvFile};
use crate::outputs::manifest::read_manifest;
use crate::outputs::summary::{read_summary, SUMMARY_FILE};
use crate::profile::SupportMeasurePolicy;
use crate::render::display::FontId;
use crate::render::pdf::{write_pdf, DocumentInfo};
use crate::verify::verify;

/// pull-list.csv's columns: SPEC 11's, then the name and postal code on the
/// envelope (what the person at the inserter sees through the window) and
/// what was found.
pub(crate) const PULL_LIST_HEADER: [&str; 10] = [
    "seq",
    "file",
    "first_page",
    "pages",
    "resident_code",
    "document_number",
    "reason",
    "name",
    "postal_code",
    "detail",
];

/// Why a packet is pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PullReason {
    /// The resident moved away (転出, 国外転出 …).
    Moved,
    /// The resident died (死亡).
    Died,
    /// Another 住民状態 (職権消除, 消除 …).
    StatusChanged(String),
    /// The resident's address (or 送付先) differs from the one printed.
    AddressChanged,
    /// The resident's name differs from the one printed.
    NameChanged,
    /// No row of the resident in the export.
    NotInExport,
    /// The resident's row is one a night's run would reject: nothing it
    /// says can be compared, so a person looks before the letter goes out.
    RowRejected,
    /// The resident is now under 支援措置 and the profile holds such
    /// notices: it would not be printed tonight, so it is not mailed.
    SupportMeasure,
}

impl PullReason {
    /// The code in pull-list.csv.
    pub(crate) fn code(&self) -> String {
        match self {
            PullReason::Moved => "moved".into(),
            PullReason::Died => "died".into(),
            PullReason::StatusChanged(s) => format!("status-changed: {s}"),
            PullReason::AddressChanged => "address-changed".into(),
            PullReason::NameChanged => "name-changed".into(),
            PullReason::NotInExport => "not-in-export".into(),
            PullReason::RowRejected => "row-rejected".into(),
            PullReason::SupportMeasure => "support-measure".into(),
        }
    }

    /// The code with its Japanese meaning, for the printed list.
    fn label(&self) -> String {
        let ja = match self {
            PullReason::Moved => "転出",
            PullReason::Died => "死亡",
            PullReason::StatusChanged(_) => "住民状態の変更",
            PullReason::AddressChanged => "住所変更",
            PullReason::NameChanged => "氏名変更",
            PullReason::NotInExport => "住民記録になし",
            PullReason::RowRejected => "住民記録の不備",
            PullReason::SupportMeasure => "支援措置",
        };
        format!("{}（{ja}）", self.code())
    }
}

/// A packet to pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pull {
    /// The packet as the manifest lists it.
    pub(crate) packet: ManifestPacket,
    /// Why.
    pub(crate) reason: PullReason,
    /// What was found (the export's line; other reasons that also hold).
    pub(crate) detail: String,
}

/// One manifest row: where the packet is and what is on its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManifestPacket {
    /// Position in the batch.
    pub(crate) seq: u32,
    /// Print file.
    pub(crate) file: String,
    /// First page in it.
    pub(crate) first_page: u32,
    /// Pages.
    pub(crate) pages: u32,
    /// 住民コード.
    pub(crate) resident_code: String,
    /// 氏名 as manifest.csv writes it.
    pub(crate) name: String,
    /// The postal code printed.
    pub(crate) postal_code: String,
    /// The notice number.
    pub(crate) document_number: String,
}

/// What `pulls` needs.
pub(crate) struct PullsRequest<'a> {
    /// The printed batch (`out/<as-of>`).
    pub(crate) batch_dir: &'a Path,
    /// The ledger, when given: the batch must be recorded there, and the
    /// packets' printed addresses come from it.
    pub(crate) state: Option<&'a Path>,
    /// The newer export.
    pub(crate) export: ExportRequest<'a>,
    /// Where pull-list.csv and pull-list.pdf go (`None`: beside the batch,
    /// `pulls-<batch>/`).
    pub(crate) out: Option<PathBuf>,
    /// pull-list.csv's encoding.
    pub(crate) csv_encoding: CsvEncoding,
}

/// What `pulls` found and wrote.
#[derive(Debug)]
pub(crate) struct PullsReport {
    /// The batch (its directory's name, or its ledger id).
    pub(crate) batch_id: String,
    /// Packets in the batch.
    pub(crate) packets: usize,
    /// Packets to pull, in print order.
    pub(crate) pulls: Vec<Pull>,
    /// False when the ledger had no printed addresses for the batch (or no
    /// ledger was given): addresses were compared by postal code only.
    pub(crate) addresses_known: bool,
    /// The directory written.
    pub(crate) out: PathBuf,
}

/// A committed batch as `pulls` reads it.
struct Batch {
    id: String,
    as_of: String,
    packets: Vec<ManifestPacket>,
    printed: HashMap<String, PrintedAddress>,
}

/// Compares the batch with the export and writes the pull list.
pub(crate) fn pulls(req: &PullsRequest<'_>) -> Result<PullsReport> {
    // A batch archived out of --out is read where the ledger says it went
    // (SPEC 14), as `verify` finds it.
    let archived = crate::verify::archived_place(req.batch_dir, req.state)?;
    let batch = committed_batch(archived.as_deref().unwrap_or(req.batch_dir), req.state)?;
    let out = match &req.out {
        Some(o) => o.clone(),
        None => default_out(req.batch_dir, &batch.id),
    };
    refuse_batch_dir(&out, "--out")?;
    let wanted: HashSet<String> = batch
        .packets
        .iter()
        .map(|p| p.resident_code.clone())
        .collect();
    let export = find(&req.export, &wanted)?;
    let hold_support =
        req.export.profile.settings.rules.support_measure == SupportMeasurePolicy::Hold;
    let addresses_known = batch.packets.is_empty() || !batch.printed.is_empty();
    let pulls: Vec<Pull> = batch
        .packets
        .iter()
        .filter_map(|p| {
            judge(
                p,
                batch.printed.get(&p.document_number),
                export.rows.get(&p.resident_code).map(Vec::as_slice),
                hold_support,
            )
        })
        .collect();
    let group = crate::batch::shared_group(req.export.profile)?;
    crate::files::create_output_dir_for(&out, "--out", group)?;
    write_csv(&out, &pulls, req.csv_encoding)?;
    write_list_pdf(req, &batch, &export, &pulls, addresses_known, &out)?;
    if let Some(gid) = group {
        for name in ["pull-list.csv", "pull-list.pdf"] {
            crate::files::share_with_group(&out.join(name), gid)?;
        }
    }
    sync_dir(&out)?;
    Ok(PullsReport {
        batch_id: batch.id,
        packets: batch.packets.len(),
        pulls,
        addresses_known,
        out,
    })
}

/// `pulls-<batch>/` beside the batch directory.
fn default_out(batch_dir: &Path, id: &str) -> PathBuf {
    // An archived batch's pull list goes beside where it was, not onto
    // the archive.
    let parent = std::fs::canonicalize(batch_dir)
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .or_else(|| batch_dir.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    parent.join(format!("pulls-{}", super::file_component(id)))
}

/// The batch in `dir`, if it is a committed one: its summary.json is
/// there, it verifies (checksums, the manifest against the PDFs, and with a
/// ledger its record and notices), else exit 2 saying why.
fn committed_batch(dir: &Path, state: Option<&Path>) -> Result<Batch> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such batch directory",
            dir.display()
        )));
    }
    if !dir.join(SUMMARY_FILE).is_file() {
        return Err(Error::State(format!(
            "{} is not a committed batch: it has no {SUMMARY_FILE} (a batch being written, or not a batch directory); nothing was written",
            dir.display()
        )));
    }
    if dir.join(crate::names::PURGED_FILE).is_file() {
        return Err(Error::State(format!(
            "{} was purged (its {} says when): its manifest and print files are erased, so there is nothing to pull; nothing was written",
            dir.display(),
            crate::names::PURGED_FILE
        )));
    }
    let report = verify(dir, state)?;
    if !report.problems.is_empty() {
        let shown: Vec<&str> = report.problems.iter().take(5).map(String::as_str).collect();
        return Err(Error::State(format!(
            "{} does not verify ({} problem(s): {}{}): a pull list is made from a committed, intact batch only; see `kigen verify {}`",
            dir.display(),
            report.problems.len(),
            shown.join("; "),
            if report.problems.len() > 5 { "; …" } else { "" },
            dir.display()
        )));
    }
    let (summary, bytes) = read_summary(dir)?;
    let packets = manifest_packets(dir)?;
    let name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| summary.as_of.clone());
    let (id, printed) = match state {
        None => (name, HashMap::new()),
        Some(state) => {
            let ledger = Ledger::open_read_only(state)?;
            let date = NaiveDate::parse_from_str(&summary.as_of, "%Y-%m-%d").map_err(|e| {
                Error::Input {
                    path: dir.join(SUMMARY_FILE),
                    message: format!("as_of {:?}: {e}", summary.as_of),
                }
            })?;
            let sha = sha256_hex(&bytes);
            let Some(rec) = ledger
                .batches_on(date)?
                .into_iter()
                .find(|r| r.summary_sha256 == sha)
            else {
                return Err(Error::State(format!(
                    "{} is not a batch the ledger {} records: a pull list is made from a committed batch only",
                    dir.display(),
                    state.display()
                )));
            };
            let printed = ledger
                .packets_of(&rec.batch_id)?
                .into_iter()
                .map(|p| (p.document_number, p.address))
                .collect();
            (rec.batch_id, printed)
        }
    };
    Ok(Batch {
        id,
        as_of: summary.as_of,
        packets,
        printed,
    })
}

/// manifest.csv's packets (read by `outputs::manifest`), in print order.
fn manifest_packets(dir: &Path) -> Result<Vec<ManifestPacket>> {
    let mut out: Vec<ManifestPacket> = read_manifest(dir)?
        .into_iter()
        .map(|r| ManifestPacket {
            seq: r.seq,
            file: r.file,
            first_page: r.first_page,
            pages: r.pages,
            resident_code: r.resident_code,
            name: r.name,
            postal_code: r.postal_code,
            document_number: r.document_number,
        })
        .collect();
    out.sort_by_key(|p| p.seq);
    Ok(out)
}

/// How manifest.csv writes a value (a cell starting with `=` gets a `'`,
/// control characters are spelled out), to compare a name with it.
fn as_written(value: &str) -> String {
    let mut buf = String::new();
    push_field(&mut buf, value);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(buf.as_bytes());
    r.records()
        .next()
        .and_then(|r| r.ok())
        .and_then(|r| r.get(0).map(String::from))
        .unwrap_or(buf)
}

/// Whether the packet must be pulled, and why. `printed` is the envelope
/// the ledger recorded (`None`: compare the manifest's postal code and
/// name only); `found` the export's rows of the resident.
fn judge(
    p: &ManifestPacket,
    printed: Option<&PrintedAddress>,
    found: Option<&[Found]>,
    hold_support: bool,
) -> Option<Pull> {
    let pull = |reason: PullReason, detail: String| {
        Some(Pull {
            packet: p.clone(),
            reason,
            detail,
        })
    };
    let Some(found) = found.filter(|f| !f.is_empty()) else {
        return pull(PullReason::NotInExport, String::new());
    };
    if let Some(r) = found.iter().find_map(|f| match f {
        Found::Resident(r) => Some(r),
        _ => None,
    }) {
        let mut reasons = Vec::new();
        if r.support_measure && hold_support {
            reasons.push(PullReason::SupportMeasure);
        }
        if address_changed(p, printed, r) {
            reasons.push(PullReason::AddressChanged);
        }
        let name_changed = match printed {
            Some(a) => a.name != r.name,
            None => p.name != as_written(&r.name),
        };
        if name_changed {
            reasons.push(PullReason::NameChanged);
        }
        let mut reasons = reasons.into_iter();
        let first = reasons.next()?;
        let also: Vec<String> = reasons.map(|r| r.code()).collect();
        let mut detail = format!("line {}", r.line);
        if !also.is_empty() {
            detail.push_str(&format!("; also {}", also.join(", ")));
        }
        return pull(first, detail);
    }
    if let Some((line, field, reason)) = found.iter().find_map(|f| match f {
        Found::Rejected {
            line,
            field,
            reason,
        } => Some((line, field, reason)),
        _ => None,
    }) {
        return pull(
            PullReason::RowRejected,
            format!("line {line}: {field}: {reason}"),
        );
    }
    // Only rows that are not 住民: the most final status decides.
    let (class, line, status) = found
        .iter()
        .filter_map(|f| match f {
            Found::Excluded { line, status } => Some((status_class(status), *line, status)),
            _ => None,
        })
        .min_by_key(|(class, line, _)| (*class, *line))?;
    let detail = format!("line {line}: 住民状態 {status}");
    match class {
        StatusClass::Died => pull(PullReason::Died, detail),
        StatusClass::Moved => pull(PullReason::Moved, detail),
        StatusClass::Other => pull(
            PullReason::StatusChanged(crate::text::trim(status).to_string()),
            detail,
        ),
    }
}

/// Whether where the letter would go now differs from where it was
/// addressed: the whole envelope (postal code, address, 方書, 送付先氏名)
/// when the ledger recorded it, else the postal code the manifest gives.
fn address_changed(p: &ManifestPacket, printed: Option<&PrintedAddress>, r: &Resident) -> bool {
    let to = r.envelope();
    match printed {
        Some(a) => {
            a.postal_code != to.postal_code.digits()
                || a.address != to.address
                || a.address_extra != to.address_extra
                || a.care_of.as_deref() != to.care_of
        }
        None => p.postal_code != to.postal_code.digits(),
    }
}

fn write_csv(out: &Path, pulls: &[Pull], encoding: CsvEncoding) -> Result<()> {
    let mut file = CsvFile::create(&out.join("pull-list.csv"), &PULL_LIST_HEADER, encoding)?;
    let mut text = String::new();
    for pull in pulls {
        let p = &pull.packet;
        push_record(
            &mut text,
            &[
                p.seq.to_string().as_str(),
                &p.file,
                &p.first_page.to_string(),
                &p.pages.to_string(),
                &p.resident_code,
                &p.document_number,
                &pull.reason.code(),
                &p.name,
                &p.postal_code,
                &pull.detail,
            ],
        );
    }
    file.write_records(&text, pulls.len() as u64)?;
    file.finish()?;
    Ok(())
}

/// pull-list.pdf: the same rows as a table, in print order, a tick box
/// each, for the person at the inserter.
fn write_list_pdf(
    req: &PullsRequest<'_>,
    batch: &Batch,
    export: &Export,
    pulls: &[Pull],
    addresses_known: bool,
    out: &Path,
) -> Result<()> {
    let fonts = crate::batch::resources::load_fonts(req.export.profile)?;
    let lines = list_heading(req, batch, export, pulls.len(), addresses_known);
    let rows: Vec<Vec<String>> = pulls.iter().map(list_row).collect();
    let pages = table_pages(
        &fonts,
        &Heading {
            title: "抜き取りリスト（pull list）",
            lines: &lines,
            empty: "抜き取る封筒はありません。",
            tick: "済",
        },
        &LIST_COLUMNS,
        &rows,
    );
    let title = format!("{} pull-list.pdf", batch.id);
    let info = DocumentInfo {
        id: pdf_id(&format!("pull-list/{}/{}", batch.id, export.digest.sha256)),
        title: &title,
        created: batch.as_of.parse().map_err(|e| {
            Error::Internal(format!("batch {}: as-of {:?}: {e}", batch.id, batch.as_of))
        })?,
    };
    let bytes = write_pdf(pages, &fonts, &info)?;
    write_private(&out.join("pull-list.pdf"), &bytes)
}

/// The pull list's columns.
const LIST_COLUMNS: [Column; 7] = [
    Column {
        head: "順番",
        width_mm: 14.0,
        font: FontId::Gothic,
    },
    Column {
        head: "印刷ファイル",
        width_mm: 46.0,
        font: FontId::Gothic,
    },
    Column {
        head: "ページ",
        width_mm: 20.0,
        font: FontId::Gothic,
    },
    Column {
        head: "住民コード",
        width_mm: 30.0,
        font: FontId::Gothic,
    },
    Column {
        head: "氏名",
        width_mm: 46.0,
        font: FontId::Mincho,
    },
    Column {
        head: "文書番号",
        width_mm: 50.0,
        font: FontId::Gothic,
    },
    Column {
        head: "理由",
        width_mm: 54.0,
        font: FontId::Gothic,
    },
];

/// The lines above the table: the batch, the export compared, what to do.
fn list_heading(
    req: &PullsRequest<'_>,
    batch: &Batch,
    export: &Export,
    count: usize,
    addresses_known: bool,
) -> Vec<String> {
    let input_name = req
        .export
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut lines = vec![
        format!(
            "バッチ {}（{} 通印刷）　基準日 {}",
            batch.id,
            batch.packets.len(),
            batch.as_of
        ),
        format!(
            "照合した住民記録：{input_name}（SHA-256 {}）",
            export.digest.sha256
        ),
        format!(
            "抜き取り {} 通：封入・発送の前に下の封筒を抜き取り、□にレ点を付けてください。",
            count
        ),
    ];
    if !addresses_known {
        lines
            .push("※ 台帳に印刷時の住所がないため、住所は郵便番号だけで照合しました。".to_string());
    }
    lines
}

/// One pulled envelope's row.
fn list_row(pull: &Pull) -> Vec<String> {
    let p = &pull.packet;
    let last = p.first_page + p.pages.saturating_sub(1);
    vec![
        p.seq.to_string(),
        p.file.clone(),
        if last > p.first_page {
            format!("{}–{last}", p.first_page)
        } else {
            p.first_page.to_string()
        },
        p.resident_code.clone(),
        p.name.clone(),
        p.document_number.clone(),
        pull.reason.label(),
    ]
}
