//! Templates: a page kind's fixed content (see `Page::fixed`) drawn once per
//! file as a Form XObject, placed on every page that has it.
//!
//! printpdf encodes a template's text like any page's (the same subset
//! fonts), so each template goes to printpdf as an extra page at the end of
//! the document; once printpdf has written the document, those pages become
//! Form XObjects and every page that uses one starts with `/Tn Do`. The
//! XObject's painting is bracketed by an implicit save and restore of the
//! graphics state, so the page's own content starts from the initial state,
//! as the writer assumes.

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};

use lopdf::{Dictionary, Object, ObjectId};
use printpdf::PdfPage;

use super::super::display::{Item, Page};
use crate::error::Error;

/// The templates of one document, and which page uses which.
#[derive(Default)]
pub(super) struct Templates {
    /// Hash of a template's content → its indices (equal content verified).
    by_hash: HashMap<u64, Vec<usize>>,
    /// Each template's content: its items and the page size.
    keys: Vec<(Vec<Item>, f32, f32)>,
    /// Each template as a printpdf page, until it is handed to printpdf.
    pub(super) pages: Vec<PdfPage>,
    /// Per document page, in order, the template it places.
    pub(super) uses: Vec<Option<usize>>,
}

impl Templates {
    /// The template with exactly these fixed items on a page of this size,
    /// if one was made.
    pub(super) fn find(&self, fixed: &[&Item], page: &Page) -> Option<usize> {
        let candidates = self.by_hash.get(&key_hash(fixed, page))?;
        candidates.iter().copied().find(|&t| {
            let (items, w, h) = &self.keys[t];
            *w == page.width_mm
                && *h == page.height_mm
                && items.len() == fixed.len()
                && items.iter().zip(fixed).all(|(a, b)| a == *b)
        })
    }

    /// Adds a template for these fixed items, drawn as `pdf_page`.
    pub(super) fn add(&mut self, fixed: &[&Item], page: &Page, pdf_page: PdfPage) -> usize {
        let t = self.keys.len();
        self.by_hash
            .entry(key_hash(fixed, page))
            .or_default()
            .push(t);
        self.keys.push((
            fixed.iter().map(|i| (*i).clone()).collect(),
            page.width_mm,
            page.height_mm,
        ));
        self.pages.push(pdf_page);
        t
    }
}

/// A hash of a template's content (deterministic: `DefaultHasher::new`).
fn key_hash(fixed: &[&Item], page: &Page) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    page.width_mm.to_bits().hash(&mut h);
    page.height_mm.to_bits().hash(&mut h);
    for item in fixed {
        match item {
            Item::Text(t) => {
                (0u8, t.font as u8, t.size_pt.to_bits()).hash(&mut h);
                (t.x_mm.to_bits(), t.y_mm.to_bits(), &t.text).hash(&mut h);
            }
            Item::Line(l) => {
                (1u8, l.x1_mm.to_bits(), l.y1_mm.to_bits()).hash(&mut h);
                (l.x2_mm.to_bits(), l.y2_mm.to_bits()).hash(&mut h);
                (l.width_pt.to_bits(), l.dashed).hash(&mut h);
            }
            Item::Rect(r) => {
                (2u8, r.x_mm.to_bits(), r.y_mm.to_bits()).hash(&mut h);
                (r.w_mm.to_bits(), r.h_mm.to_bits()).hash(&mut h);
                (r.paint as u8, r.width_pt.to_bits()).hash(&mut h);
            }
        }
    }
    h.finish()
}

fn lo_err(e: lopdf::Error) -> Error {
    Error::Internal(format!("PDF writer: templates: {e}"))
}

/// The template's resource name.
fn name(t: usize) -> String {
    format!("T{t}")
}

/// Turns the pages after the first `real` (the templates, in order) into
/// Form XObjects named in the pages' shared XObject dictionary, takes them
/// out of the page tree, and starts every page that uses template `t`
/// (`uses`, per real page) with `/Tt Do`.
pub(super) fn pages_to_xobjects(
    lo: &mut lopdf::Document,
    real: usize,
    uses: &[Option<usize>],
) -> Result<(), Error> {
    let page_ids: Vec<ObjectId> = lo.get_pages().into_values().collect();
    if page_ids.len() <= real {
        return Ok(());
    }
    let (pages, forms) = page_ids.split_at(real);
    let mut named = Vec::with_capacity(forms.len());
    for (t, id) in forms.iter().enumerate() {
        named.push((name(t), page_to_xobject(lo, *id)?));
    }
    let pages_id = lo
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(lo_err)?;
    let tree = lo.get_dictionary_mut(pages_id).map_err(lo_err)?;
    tree.set(
        "Kids",
        Object::Array(pages.iter().map(|id| Object::Reference(*id)).collect()),
    );
    tree.set("Count", Object::Integer(real as i64));
    // Every page's Resources names the same XObject dictionary: the
    // templates go there.
    let Some(first) = pages.first() else {
        return Ok(());
    };
    let xobjects = lo
        .get_dictionary(*first)
        .and_then(|p| p.get(b"Resources"))
        .and_then(Object::as_reference)
        .and_then(|r| lo.get_dictionary(r))
        .and_then(|r| r.get(b"XObject"))
        .and_then(Object::as_reference)
        .map_err(lo_err)?;
    let dict = lo.get_dictionary_mut(xobjects).map_err(lo_err)?;
    for (n, id) in named {
        dict.set(n, Object::Reference(id));
    }
    for (page, t) in pages.iter().zip(uses) {
        if let Some(t) = t {
            place(lo, *page, *t)?;
        }
    }
    Ok(())
}

/// Makes the template page `id` a Form XObject (its content stream, with
/// the page's box and fonts); removes the page; returns the XObject's id.
fn page_to_xobject(lo: &mut lopdf::Document, id: ObjectId) -> Result<ObjectId, Error> {
    let page = lo.get_dictionary(id).map_err(lo_err)?;
    let media = page.get(b"MediaBox").map_err(lo_err)?.clone();
    let contents = page
        .get(b"Contents")
        .and_then(Object::as_reference)
        .map_err(lo_err)?;
    let resources = page
        .get(b"Resources")
        .and_then(Object::as_reference)
        .map_err(lo_err)?;
    let fonts = lo
        .get_dictionary(resources)
        .and_then(|r| r.get(b"Font"))
        .map_err(lo_err)?
        .clone();
    let stream = lo
        .get_object_mut(contents)
        .and_then(Object::as_stream_mut)
        .map_err(lo_err)?;
    stream.dict.set("Type", Object::Name(b"XObject".to_vec()));
    stream.dict.set("Subtype", Object::Name(b"Form".to_vec()));
    stream.dict.set("BBox", media);
    stream.dict.set(
        "Resources",
        Object::Dictionary(Dictionary::from_iter([("Font", fonts)])),
    );
    lo.objects.remove(&id);
    lo.objects.remove(&resources);
    Ok(contents)
}

/// Starts page `page`'s content with placing template `t`.
fn place(lo: &mut lopdf::Document, page: ObjectId, t: usize) -> Result<(), Error> {
    let contents = lo
        .get_dictionary(page)
        .and_then(|p| p.get(b"Contents"))
        .and_then(Object::as_reference)
        .map_err(lo_err)?;
    let stream = lo
        .get_object_mut(contents)
        .and_then(Object::as_stream_mut)
        .map_err(lo_err)?;
    let mut content = format!("/{} Do\n", name(t)).into_bytes();
    content.extend_from_slice(&stream.content);
    stream.set_content(content);
    Ok(())
}
