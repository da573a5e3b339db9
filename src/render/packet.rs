//! A notice packet: the letter and its enclosure, as display-list pages.

use super::display::Page;
use super::fonts::FontSet;
use super::forms::{application_page, inquiry_page};
use super::layout::{Canvas, LayoutCache};
use super::letter::{letter_page, BarcodeSlot};
use super::notice::{LayoutError, Packet, Wording};
use super::residence::residence_page;
use crate::select::NoticeKind;

/// How many pages [`packet_pages`] makes for a packet of `kind`: a letter
/// is always one page (it shrinks to fit) and so is an enclosure. Known
/// before layout, so the manifest, the mail room's files and the auditor's
/// workbook are written while the print files render; the pages rendered
/// are checked against it.
pub(crate) fn packet_page_count(kind: NoticeKind, duplex: bool) -> usize {
    let sides = if duplex { 2 } else { 1 };
    match kind {
        NoticeKind::Card | NoticeKind::Certificate => 2 * sides,
        NoticeKind::Residence | NoticeKind::Tokutei => sides,
    }
}

/// The packet's pages: the letter, the enclosure for its kind, and blank
/// backs when printing duplex (so every packet starts on a new sheet). A
/// residence letter and a tokutei letter are one page, with no enclosure
/// (SPEC 15).
pub(crate) fn packet_pages(
    p: &Packet<'_>,
    w: &Wording<'_>,
    fonts: &FontSet,
    cache: &LayoutCache,
    duplex: bool,
) -> Result<(Vec<Page>, BarcodeSlot), LayoutError> {
    let canvas = || Canvas::cached(fonts, cache);
    let residence = match p.kind() {
        NoticeKind::Residence => {
            Some(w.letter.residence.as_ref().ok_or(LayoutError::Overflow {
                page: "residence letter",
                detail: "[letter.residence] is missing".into(),
            })?)
        }
        NoticeKind::Tokutei => Some(w.letter.tokutei.as_ref().ok_or(LayoutError::Overflow {
            page: "tokutei letter",
            detail: "[letter.tokutei] is missing".into(),
        })?),
        _ => None,
    };
    let (mut letter, slot) = match residence {
        Some(r) => residence_page(p, w, r, canvas())?,
        None => letter_page(p, w, canvas())?,
    };
    // The customer barcode, directly under the name at the nominal 10 pt.
    if let Ok(chars) = &p.notice.barcode {
        let bars = crate::barcode::bars(chars);
        for (x, y, bw, bh) in crate::barcode::bar_rects(&bars, slot.x_mm, slot.y_mm, 10.0) {
            letter
                .items
                .push(super::display::Item::Rect(super::display::Rect {
                    x_mm: x,
                    y_mm: y,
                    w_mm: bw,
                    h_mm: bh,
                    paint: super::display::Paint::Fill,
                    width_pt: 0.0,
                }));
        }
    }
    let enclosure = match p.kind() {
        NoticeKind::Certificate => Some(inquiry_page(p, w, canvas())?),
        NoticeKind::Card => Some(application_page(p, w, canvas())?),
        NoticeKind::Residence | NoticeKind::Tokutei => None,
    };
    let mut pages = vec![letter];
    if duplex {
        pages.push(Page::a4());
    }
    if let Some(enclosure) = enclosure {
        pages.push(enclosure);
        if duplex {
            pages.push(Page::a4());
        }
    }
    Ok((pages, slot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DueNotice, Field, PostalCode, Resident};
    use crate::profile::Profile;
    use crate::render::display::Item;
    use crate::rules::{evaluate, ItemDates, RuleConfig};
    use crate::select::{select, NoLedger, Window};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn saku() -> Profile {
        Profile::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/saku"))
            .unwrap()
    }

    fn fonts() -> FontSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        FontSet::load(&dir.join("ipaexm.ttf"), &dir.join("ipaexg.ttf"), None).unwrap()
    }

    fn notice(name: &str, address: &str, certificate_only: bool) -> DueNotice {
        let dates = ItemDates {
            birth: Some(d("1970-01-15")),
            card_issued: Some(d(if certificate_only {
                "2022-03-01"
            } else {
                "2017-03-01"
            })),
            user_issued: Some(d("2022-02-01")),
            sign_issued: Some(d("2022-02-01")),
            ..ItemDates::default()
        };
        let resident = Resident {
            line: 2,
            code: "T1".into(),
            name: name.into(),
            name_kana: "テスト".into(),
            kana_placeholder: false,
            postal_code: PostalCode::parse("3850051").unwrap(),
            address: address.into(),
            address_extra: "コーポ佐久101号室".into(),
            dates,
            birth_written: crate::model::BirthWritten::Exact,
            non_forwardable: true,
            legal_representative: String::new(),
            mail_to: None,
            support_measure: false,
            card_entry: None,
        };
        let evaluation = evaluate(&dates, RuleConfig::default()).unwrap();
        let window = Window {
            as_of: d("2026-11-26"),
            residence_lead: None,
            tokutei_lead: None,
        };
        let selection = select("T1", &evaluation, window, &NoLedger);
        assert!(selection.kind.is_some());
        DueNotice {
            barcode: crate::model::envelope_barcode(&resident, None),
            resident,
            evaluation,
            selection,
            ku: None,
        }
    }

    fn lay_out(
        n: &DueNotice,
        profile: &Profile,
        fonts: &FontSet,
    ) -> Result<(Vec<Page>, BarcodeSlot), LayoutError> {
        lay_out_sides(n, profile, fonts, false)
    }

    fn wording(profile: &Profile) -> Wording<'_> {
        let s = &profile.settings;
        let (letter, inquiry, application) = s.wording(&profile.file()).unwrap();
        Wording {
            letter,
            inquiry,
            application,
            issuer: &s.municipality.issuer,
            mayor: &s.municipality.mayor,
            seal_omitted: s.municipality.seal_omitted,
            window: s.window,
            eras: &profile.eras,
        }
    }

    fn lay_out_sides(
        n: &DueNotice,
        profile: &Profile,
        fonts: &FontSet,
        duplex: bool,
    ) -> Result<(Vec<Page>, BarcodeSlot), LayoutError> {
        let w = wording(profile);
        let p = Packet {
            document_number: "佐市民第20261126-00001号",
            as_of: d("2026-11-26"),
            notice: n,
        };
        packet_pages(&p, &w, fonts, &LayoutCache::default(), duplex)
    }

    /// A print file lays out every packet with one cache: each page must be
    /// the page laid out alone (debug builds also check every block and
    /// remembered body size as they are used).
    #[test]
    fn pages_laid_out_with_a_file_cache_are_those_laid_out_alone() {
        let (profile, fonts) = (saku(), fonts());
        let w = wording(&profile);
        let long =
            "長野県佐久市岩村田字北西久保一二三四番地の五六七　サンライズマンション佐久平駅前東棟";
        let notices = [
            notice("佐久　太郎", "長野県佐久市中込1-2-3", false),
            notice("浅間　花子", long, true),
            notice("寿限無寿限無五劫の擦り切れ海砂利水魚", long, false),
            notice("岩村田　一", "長野県佐久市岩村田1", true),
        ];
        let cache = LayoutCache::default();
        for (i, n) in notices.iter().enumerate() {
            let p = Packet {
                document_number: "佐市民第20261126-00001号",
                as_of: d("2026-11-26"),
                notice: n,
            };
            let shared = packet_pages(&p, &w, &fonts, &cache, true).unwrap().0;
            let alone = packet_pages(&p, &w, &fonts, &LayoutCache::default(), true)
                .unwrap()
                .0;
            assert_eq!(shared, alone, "packet {i}");
        }
    }

    #[test]
    fn the_planned_page_count_is_what_layout_makes() {
        let (profile, fonts) = (saku(), fonts());
        for certificate_only in [false, true] {
            let n = notice("佐久　太郎", "長野県佐久市中込1-2-3", certificate_only);
            let kind = n.selection.kind.unwrap();
            assert_eq!(
                kind,
                if certificate_only {
                    NoticeKind::Certificate
                } else {
                    NoticeKind::Card
                }
            );
            for duplex in [false, true] {
                let (pages, _) = lay_out_sides(&n, &profile, &fonts, duplex).unwrap();
                assert_eq!(
                    pages.len(),
                    packet_page_count(kind, duplex),
                    "{kind:?} {duplex}"
                );
            }
        }
    }

    /// Every text run inside the page's printable area.
    fn assert_inside(page: &Page, fonts: &FontSet) {
        for item in &page.items {
            if let Item::Text(t) = item {
                let w = fonts.text_width_mm(t.font, t.size_pt, &t.text);
                assert!(
                    t.x_mm >= 10.0 && t.x_mm + w <= 200.0,
                    "{:?} overflows ({w} mm)",
                    t.text
                );
                assert!(t.y_mm > 5.0 && t.y_mm < 292.0, "{:?} at {}", t.text, t.y_mm);
            }
        }
    }

    #[test]
    fn long_names_shrink_inside_the_window_above_the_barcode() {
        let (profile, fonts) = (saku(), fonts());
        let win = profile.settings.window;
        let n = notice(
            "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末",
            "長野県佐久市岩村田字北西久保一二三四番地の五六七　サンライズマンション佐久平駅前東棟",
            false,
        );
        let (pages, slot) = lay_out(&n, &profile, &fonts).unwrap();
        let name_run = pages[0]
            .items
            .iter()
            .find_map(|i| match i {
                Item::Text(t) if t.text.ends_with('様') => Some(t.clone()),
                _ => None,
            })
            .unwrap();
        assert!(name_run.size_pt < 14.0, "shrunk");
        let w = fonts.text_width_mm(name_run.font, name_run.size_pt, &name_run.text);
        assert!(name_run.x_mm + w <= win.left_mm + win.width_mm - 2.0 + 0.01);
        let descent = fonts.descent_mm(name_run.font, name_run.size_pt);
        assert!(
            name_run.y_mm + descent + 2.0 <= slot.y_mm + 0.01,
            "2 mm above the barcode"
        );
        assert!(
            slot.y_mm + 3.6 + 2.0 <= win.top_mm + win.height_mm + 0.01,
            "barcode inside the window"
        );
        // Everything in the address block stays inside the window.
        for item in &pages[0].items {
            if let Item::Text(t) = item {
                if t.y_mm < win.top_mm + win.height_mm && t.y_mm > win.top_mm {
                    let w = fonts.text_width_mm(t.font, t.size_pt, &t.text);
                    assert!(
                        t.x_mm >= win.left_mm && t.x_mm + w <= win.left_mm + win.width_mm,
                        "{:?}",
                        t.text
                    );
                }
            }
        }
        for page in &pages {
            assert_inside(page, &fonts);
        }
    }

    #[test]
    fn a_long_building_name_is_refused_not_cut() {
        let (profile, fonts) = (saku(), fonts());
        let mut n = notice("佐久　太郎", "長野県佐久市中込1-2-3", true);
        n.resident.address_extra = "あ".repeat(60);
        match lay_out(&n, &profile, &fonts) {
            Err(LayoutError::TooLong { field, .. }) => assert_eq!(field, Field::AddressExtra),
            other => panic!("{other:?}"),
        }
        // The longest 方書 the window takes still fits page 2's table.
        n.resident.address_extra = "あ".repeat(34);
        n.resident.address =
            "長野県佐久市岩村田字北西久保一二三四番地の五六七　サンライズマンション佐久平駅前東棟"
                .into();
        let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
        for page in &pages {
            assert_inside(page, &fonts);
        }
    }

    #[test]
    fn an_unprintable_reading_is_left_blank() {
        let (profile, fonts) = (saku(), fonts());
        let mut n = notice("佐久　太郎", "長野県佐久市中込1-2-3", false);
        n.resident.name_kana = "サク\u{E014}ロウ".into();
        let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
        assert!(pages[1].text().contains("フリガナ"));
        assert!(
            !pages[1].text().contains("サク"),
            "no reading printed with a substitute"
        );
        n.resident.name_kana = "サク　タロウ".into();
        let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
        assert!(pages[1].text().contains("サク　タロウ"));
    }

    #[test]
    fn a_birth_date_not_on_the_calendar_prints_as_the_registry_writes_it() {
        let (profile, fonts) = (saku(), fonts());
        let mut n = notice("佐久　太郎", "長野県佐久市中込1-2-3", false);
        // 平成3年2月29日 under feb28: computed with 28 February, printed as
        // written in 和暦.
        n.resident.dates.birth = Some(d("1991-02-28"));
        n.resident.birth_written = crate::model::BirthWritten::Feb29Common {
            year: 1991,
            written: "H3.2.29".into(),
        };
        let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
        assert!(pages[1].text().contains("平成3年2月29日"));
        // A 不詳日 minor-looking resident: no age is assumed, so the legal
        // representative is not addressed; the form shows the text as written.
        n.resident.dates.birth = None;
        n.resident.birth_written = crate::model::BirthWritten::Unknown {
            written: "平成5年頃".into(),
        };
        n.resident.legal_representative = "佐久　花子".into();
        let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
        assert!(pages[1].text().contains("平成5年頃"));
        assert!(!pages[0].text().contains("佐久　花子"));
        // With a birth date making the resident a minor, it is.
        n.resident.dates.birth = Some(d("2015-04-01"));
        n.resident.birth_written = crate::model::BirthWritten::Exact;
        let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
        assert!(pages[0].text().contains("佐久　花子"));
    }

    #[test]
    fn a_name_that_cannot_fit_is_refused_not_cut() {
        let (profile, fonts) = (saku(), fonts());
        let name = "長".repeat(40);
        let n = notice(&name, "長野県佐久市中込1-2-3", true);
        match lay_out(&n, &profile, &fonts) {
            Err(LayoutError::TooLong { field, .. }) => assert_eq!(field, Field::Name),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn templated_pages_paint_what_the_pages_painted() {
        use crate::render::pdf::tests::{painted, without_templates};
        use crate::render::pdf::{write_pdf, DocumentInfo};
        let (profile, fonts) = (saku(), fonts());
        let mut pages = Vec::new();
        let long =
            "長野県佐久市岩村田字北西久保一二三四番地の五六七　サンライズマンション佐久平駅前東棟";
        for (i, name) in ["佐久　太郎", "浅間　花子", "岩村田　一", "中込　二郎"]
            .into_iter()
            .enumerate()
        {
            let address = if i == 3 {
                long
            } else {
                "長野県佐久市中込1-2-3"
            };
            let mut n = notice(name, address, i % 2 == 0);
            if i == 3 {
                // Two lines in the form's 住所 row, which still fit its
                // height: the same frame, the same template.
                n.resident.address_extra = "あ".repeat(34);
            }
            pages.extend(lay_out(&n, &profile, &fonts).unwrap().0);
        }
        let info = DocumentInfo {
            id: [0; 16],
            title: "t",
            created: d("2026-11-26"),
        };
        let pdf = write_pdf(&pages, &fonts, &info).unwrap();
        let before = write_pdf(without_templates(&pages), &fonts, &info).unwrap();
        let (doc, old) = (
            lopdf::Document::load_mem(&pdf).unwrap(),
            lopdf::Document::load_mem(&before).unwrap(),
        );
        assert_eq!(doc.get_pages().len(), pages.len());
        for n in 1..=pages.len() as u32 {
            let page = painted(&doc, n);
            assert!(page.len() > 20, "page {n} paints its wording");
            assert_eq!(page, painted(&old, n), "page {n}");
        }
        // The card letter, the certificate letter and the two forms.
        let forms = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| {
                s.dict.get(b"Subtype").and_then(lopdf::Object::as_name).ok() == Some(b"Form")
            })
            .count();
        let placed: Vec<Vec<u8>> = (1..=pages.len() as u32)
            .map(|n| {
                let id = doc.get_pages()[&n];
                let ops = lopdf::content::Content::decode(&doc.get_page_content(id));
                ops.unwrap().operations[0].operands[0]
                    .as_name()
                    .unwrap()
                    .to_vec()
            })
            .collect();
        assert_eq!(forms, 4, "{placed:?}");
        assert!(pdf.len() < before.len(), "{} {}", pdf.len(), before.len());
    }

    #[test]
    fn both_kinds_stay_inside_the_page() {
        let (profile, fonts) = (saku(), fonts());
        for certificate_only in [false, true] {
            let n = notice(
                "佐久　太郎",
                "長野県佐久市中込1丁目2番3号",
                certificate_only,
            );
            let (pages, _) = lay_out(&n, &profile, &fonts).unwrap();
            assert_eq!(pages.len(), 2);
            for page in &pages {
                assert_inside(page, &fonts);
            }
            if certificate_only {
                // Never a PIN: 4 + 16 empty PIN boxes, no text inside any.
                let boxes: Vec<_> = pages[1]
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Rect(r)
                            if (r.w_mm - 9.0).abs() < 0.01 && (r.h_mm - 9.0).abs() < 0.01 =>
                        {
                            Some(*r)
                        }
                        _ => None,
                    })
                    .collect();
                assert_eq!(boxes.len(), 20);
                for item in &pages[1].items {
                    if let Item::Text(t) = item {
                        for b in &boxes {
                            let inside = t.x_mm >= b.x_mm
                                && t.x_mm < b.x_mm + b.w_mm
                                && t.y_mm > b.y_mm
                                && t.y_mm < b.y_mm + b.h_mm;
                            assert!(!inside, "{:?} inside a PIN box", t.text);
                        }
                    }
                }
            }
        }
    }
}
