//! Templates: a page kind's fixed content (see `Page::fixed`) drawn once per
//! file as a Form XObject, placed on every page that has it (`/Tn Do` at
//! the start of the page's content). The XObject's painting is bracketed
//! by an implicit save and restore of the graphics state, so the page's own
//! content starts from the initial state, as the writer assumes.

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};

use lopdf::{Dictionary, Object, ObjectId};

use super::super::display::{Item, Page, PT_PER_MM};
use super::content::{media_box, Content};

/// A template: its content (the key it was made for) and how it is drawn.
pub(super) struct Form {
    /// The fixed items and the page size it was made for.
    key: (Vec<Item>, f32, f32),
    /// Its content stream.
    pub(super) content: Content,
}

/// The templates of one document.
#[derive(Default)]
pub(super) struct Templates {
    /// Hash of a template's content → its indices (equal content verified).
    by_hash: HashMap<u64, Vec<usize>>,
    /// Each template, in the order made.
    pub(super) forms: Vec<Form>,
}

impl Templates {
    /// The template with exactly these fixed items on a page of this size,
    /// if one was made.
    pub(super) fn find(&self, fixed: &[&Item], page: &Page) -> Option<usize> {
        let candidates = self.by_hash.get(&key_hash(fixed, page))?;
        candidates.iter().copied().find(|&t| {
            let (items, w, h) = &self.forms[t].key;
            *w == page.width_mm
                && *h == page.height_mm
                && items.len() == fixed.len()
                && items.iter().zip(fixed).all(|(a, b)| a == *b)
        })
    }

    /// Adds a template for these fixed items, drawn as `content`.
    pub(super) fn add(&mut self, fixed: &[&Item], page: &Page, content: Content) -> usize {
        let t = self.forms.len();
        self.by_hash
            .entry(key_hash(fixed, page))
            .or_default()
            .push(t);
        self.forms.push(Form {
            key: (
                fixed.iter().map(|i| (*i).clone()).collect(),
                page.width_mm,
                page.height_mm,
            ),
            content,
        });
        t
    }
}

/// A hash of a template's content (deterministic: `FxHasher`; equal
/// content is still compared). Text is hashed by where it is, not what it
/// says: the wording of a page kind differs from another's in its places
/// too, and comparing shared text (`TextRun::text` copied from one print
/// file's layout cache) stops at the pointer.
fn key_hash(fixed: &[&Item], page: &Page) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    page.width_mm.to_bits().hash(&mut h);
    page.height_mm.to_bits().hash(&mut h);
    fixed.len().hash(&mut h);
    for item in fixed {
        match item {
            Item::Text(t) => {
                (0u8, t.font as u8, t.size_pt.to_bits()).hash(&mut h);
                (t.x_mm.to_bits(), t.y_mm.to_bits(), t.text.len()).hash(&mut h);
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
            Item::Bitmap(b) => {
                (3u8, b.x_mm.to_bits(), b.y_mm.to_bits()).hash(&mut h);
                (b.module_mm.to_bits(), b.width, &b.dark).hash(&mut h);
            }
        }
    }
    h.finish()
}

/// The template's resource name.
fn name(t: usize) -> String {
    format!("T{t}")
}

/// The start of a page's content that places template `t`.
pub(super) fn placing(t: usize) -> Vec<u8> {
    format!("/{} Do\n", name(t)).into_bytes()
}

/// Adds the templates as Form XObjects (their text in the fonts of
/// `font_dict`); returns the XObject dictionary that names them.
pub(super) fn add_forms(
    lo: &mut lopdf::Document,
    forms: Vec<Form>,
    font_dict: ObjectId,
) -> Dictionary {
    let mut named = Dictionary::new();
    for (t, form) in forms.into_iter().enumerate() {
        let (_, w, h) = form.key;
        let dict = Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            ("BBox", media_box(w * PT_PER_MM, h * PT_PER_MM)),
            (
                "Resources",
                Object::Dictionary(Dictionary::from_iter([(
                    "Font",
                    Object::Reference(font_dict),
                )])),
            ),
        ]);
        let id = lo.add_object(lopdf::Stream::new(dict, form.content.bytes));
        named.set(name(t), Object::Reference(id));
    }
    named
}
