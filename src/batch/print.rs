//! Rendering the print files. Each worker lays out one file's packets,
//! writes the PDF and syncs it before taking the next file, so at most one
//! file per worker is in memory, however many packets the batch has.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::plan::PrintFile;
use super::resources::Renderer;
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::{Bundle, CountSheet};
use crate::profile::MailSettings;
use crate::render::display::FontId;
use crate::render::layout::{Canvas, LayoutCache};
use crate::render::mailroom::{bundle_slips, count_sheet, mark_sheets};
use crate::render::notice::{LayoutError, Packet};
use crate::render::packet::{packet_page_count, packet_pages};
use crate::render::pdf::{write_pdf, DocumentInfo};

/// A print file as written.
#[derive(Debug, Clone)]
pub(crate) struct WrittenFile {
    /// Its name under `print/`.
    pub(crate) name: String,
    /// Its path in the batch (`print/<name>`), as the manifest gives it.
    pub(crate) path: String,
    /// Per packet, in order: (seq, first page, pages).
    pub(crate) spans: Vec<(u32, usize, usize)>,
    /// Its size.
    pub(crate) bytes: u64,
    /// Its SHA-256, taken from the bytes written (the report lists it).
    pub(crate) sha256: String,
}

impl WrittenFile {
    /// Its pages.
    pub(crate) fn pages(&self) -> usize {
        self.spans.iter().map(|s| s.2).sum()
    }
}

/// What every file of a batch is rendered with.
pub(crate) struct PrintJob<'a> {
    /// Fonts and wording.
    pub(crate) renderer: &'a Renderer<'a>,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// The batch (`<as-of>`, or `<as-of>.N` for a supplement): the PDFs'
    /// /ID derive from it.
    pub(crate) batch_id: &'a str,
    /// Blank backs so every packet starts on a new sheet.
    pub(crate) duplex: bool,
    /// profile.toml, named when the wording does not fit.
    pub(crate) profile_file: &'a Path,
    /// `[mail]`: the piece marks and OMR track on every sheet.
    pub(crate) mail: &'a MailSettings,
}

/// Per file, per packet: (seq, first page, pages), from the packets' kinds
/// ([`packet_page_count`]), before anything is rendered.
pub(crate) fn planned_spans(job: &PrintJob<'_>, files: &[PrintFile<'_, '_>]) -> Vec<Spans> {
    files
        .iter()
        .map(|file| {
            let mut first = 1;
            file.packets
                .iter()
                .map(|p| {
                    let kind = Packet {
                        document_number: &p.document_number,
                        as_of: job.as_of,
                        notice: p.notice,
                    }
                    .kind();
                    let pages = packet_page_count(kind, job.duplex);
                    let span = (p.seq, first, pages);
                    first += pages;
                    span
                })
                .collect()
        })
        .collect()
}

/// Renders and writes every file into `print_dir`, in parallel, one file per
/// worker at a time; returns them in the order given. Each file's pages
/// must be those `planned` (see [`planned_spans`]) said: the manifest was
/// written from them.
pub(crate) fn write_print_files(
    job: &PrintJob<'_>,
    files: &[PrintFile<'_, '_>],
    planned: &[Spans],
    print_dir: &Path,
) -> Result<Vec<WrittenFile>> {
    crate::progress::rendering(files.iter().map(|f| f.packets.len() as u64).sum());
    let written = files
        .par_iter()
        .zip(planned)
        .map(|(file, planned)| {
            let (bytes, spans) = render_file(job, file)?;
            if spans != *planned {
                return Err(Error::Internal(format!(
                    "{}: the packets' pages as rendered differ from those planned for the manifest",
                    file.name
                )));
            }
            let path = print_dir.join(&file.name);
            let mut f = create_private(&path)?;
            f.write_all(&bytes).map_err(|e| Error::io(&path, e))?;
            f.sync_all().map_err(|e| Error::io(&path, e))?;
            crate::fault::point("print-file");
            Ok(WrittenFile {
                name: file.name.clone(),
                path: file.path(),
                spans,
                bytes: bytes.len() as u64,
                sha256: sha256_hex(&bytes),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    crate::progress::phase_done();
    Ok(written)
}

/// Per packet of a file, in order: (seq, first page, pages).
pub(crate) type Spans = Vec<(u32, usize, usize)>;

fn render_file(job: &PrintJob<'_>, file: &PrintFile<'_, '_>) -> Result<(Vec<u8>, Spans)> {
    let (wording, fonts) = (&job.renderer.wording, &job.renderer.fonts);
    let mut pages = Vec::new();
    let mut spans = Vec::with_capacity(file.packets.len());
    let cache = LayoutCache::default();
    for p in file.packets {
        let packet = Packet {
            document_number: &p.document_number,
            as_of: job.as_of,
            notice: p.notice,
        };
        let (mut pp, _slot) =
            packet_pages(&packet, wording, fonts, &cache, job.duplex).map_err(|e| match e {
                LayoutError::Overflow { .. } => Error::Profile {
                    path: job.profile_file.to_path_buf(),
                    message: e.to_string(),
                },
                LayoutError::TooLong { .. } => Error::Internal(format!(
                    "line {}: {e} (should have been held)",
                    p.notice.resident.line
                )),
            })?;
        mark_sheets(&mut pp, &p.document_number, job.duplex, job.mail);
        crate::progress::packet_rendered();
        spans.push((p.seq, pages.len() + 1, pp.len()));
        pages.extend(pp);
    }
    let id = document_id(&format!(
        "{}/{}/{}",
        job.batch_id,
        file.name,
        file.packets.len()
    ));
    let title = format!("{} {}", job.batch_id, file.name);
    let info = DocumentInfo {
        id,
        title: &title,
        created: job.as_of,
    };
    let bytes = write_pdf(pages, fonts, &info)?;
    Ok((bytes, spans))
}

/// Writes the mail room's own PDFs into `print_dir` (SPEC 11):
/// `bundle-slips.pdf` (a slip per bundle) and `count-sheet.pdf` (the
/// 差出票's numbers); returns their names.
pub(crate) fn write_mailroom_pdfs(
    job: &PrintJob<'_>,
    bundles: &[Bundle],
    sheet: &CountSheet,
    print_dir: &Path,
) -> Result<()> {
    let fonts = &job.renderer.fonts;
    let mut slips = bundle_slips(bundles, job.batch_id, fonts);
    if slips.is_empty() {
        let mut c = Canvas::new(fonts);
        c.text(
            FontId::Gothic,
            14.0,
            20.0,
            30.0,
            "このバッチに区分郵便物の束はありません",
        );
        slips.push(c.finish());
    }
    for (name, pages) in [
        (BUNDLE_SLIPS_FILE, slips),
        (COUNT_SHEET_FILE, vec![count_sheet(sheet, fonts)]),
    ] {
        let title = format!("{} {name}", job.batch_id);
        let info = DocumentInfo {
            id: document_id(&format!("{}/{name}", job.batch_id)),
            title: &title,
            created: job.as_of,
        };
        let bytes = write_pdf(pages, fonts, &info)?;
        let path = print_dir.join(name);
        let mut f = create_private(&path)?;
        f.write_all(&bytes).map_err(|e| Error::io(&path, e))?;
        f.sync_all().map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

pub(crate) use crate::names::BUNDLE_SLIPS_FILE;
pub(crate) use crate::names::COUNT_SHEET_FILE;

/// A PDF's /ID: derived from what it is (batch, file), never random, so a
/// rerun writes the same bytes.
fn document_id(what: &str) -> [u8; 16] {
    let digest = sha256_hex(what.as_bytes());
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = digest
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    id
}
