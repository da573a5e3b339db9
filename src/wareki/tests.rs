use super::birth::DateSpan;
use super::*;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn err(s: &str) -> DateError {
    parse_date(s).expect_err(s)
}

fn compact(w: WarekiDate) -> String {
    format!(
        "{}{:02}.{:02}.{:02}",
        w.era.letter(),
        w.year,
        w.month,
        w.day
    )
}

fn era_code(w: WarekiDate) -> String {
    format!("{}{:02}{:02}{:02}", w.era.code(), w.year, w.month, w.day)
}

#[test]
fn western_forms() {
    assert_eq!(parse_date("2026-08-14"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("2026/8/14"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("2026-8-4"), Ok(d(2026, 8, 4)));
    assert_eq!(parse_date("20260814"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("1868-01-01"), Ok(d(1868, 1, 1)));
    assert_eq!(parse_date("2999-12-31"), Ok(d(2999, 12, 31)));
}

#[test]
fn western_errors() {
    let e = err("2026-13-01");
    assert_eq!(e.form, DateForm::Iso);
    assert_eq!(e.to_string(), "2026-13-01: month 13 is not 1-12");
    assert_eq!(
        err("2026-02-30").reason,
        "2026-02-30 is not a calendar date"
    );
    assert_eq!(err("2026/1/32").reason, "day 32 is not 1-31");
    assert_eq!(err("2026/1/0").reason, "day 0 is not 1-31");
    let e = err("18671231");
    assert_eq!(e.form, DateForm::Compact8);
    assert_eq!(e.reason, "year 1867 is outside 1868-2999");
    assert_eq!(err("3000-01-01").reason, "year 3000 is outside 1868-2999");
    assert_eq!(err("00000000").reason, "year 0 is outside 1868-2999");
    assert_eq!(err("20230229").reason, "2023-02-29 is not a calendar date");
}

#[test]
fn wareki_kanji_forms() {
    assert_eq!(parse_date("令和7年8月14日"), Ok(d(2025, 8, 14)));
    assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
    assert_eq!(parse_date("令7年8月14日"), Ok(d(2025, 8, 14)));
    assert_eq!(parse_date("R7年8月14日"), Ok(d(2025, 8, 14)));
    assert!(parse_date("r7年8月14日").is_err());
    assert_eq!(parse_date("昭和60年2月14日"), Ok(d(1985, 2, 14)));
    assert_eq!(parse_date("明治45年7月29日"), Ok(d(1912, 7, 29)));
    assert_eq!(parse_date("大正元年7月30日"), Ok(d(1912, 7, 30)));
    assert_eq!(parse_date("平成元年1月8日"), Ok(d(1989, 1, 8)));
    assert_eq!(parse_date("令和07年08月14日"), Ok(d(2025, 8, 14)));
}

#[test]
fn wareki_compact_forms() {
    let cases = [
        ("R07.08.14", d(2025, 8, 14)),
        ("R7.8.14", d(2025, 8, 14)),
        ("H1.1.8", d(1989, 1, 8)),
        ("令7.8.14", d(2025, 8, 14)),
        ("昭60.2.14", d(1985, 2, 14)),
        ("昭和60.2.14", d(1985, 2, 14)),
        ("明治6.1.1", d(1873, 1, 1)),
        ("大正2.3.4", d(1913, 3, 4)),
        ("平成31.4.30", d(2019, 4, 30)),
        ("令和1.5.1", d(2019, 5, 1)),
        ("M45.7.29", d(1912, 7, 29)),
        ("T15.12.24", d(1926, 12, 24)),
        ("S64.1.7", d(1989, 1, 7)),
    ];
    for (s, want) in cases {
        assert_eq!(parse_date(s), Ok(want), "{s}");
    }
    // Forms SPEC does not list: lower-case era letters, other
    // separators, 元 outside the kanji form.
    for s in ["r7.8.14", "h1.1.8", "H1/1/8", "H1-1-8", "R元.5.1"] {
        assert!(parse_date(s).is_err(), "{s}");
    }
}

#[test]
fn era_code_form() {
    assert_eq!(parse_date("5070814"), Ok(d(2025, 8, 14)));
    assert_eq!(parse_date("3600214"), Ok(d(1985, 2, 14)));
    assert_eq!(parse_date("4010108"), Ok(d(1989, 1, 8)));
    assert_eq!(parse_date("1010125"), Ok(d(1868, 1, 25)));
    let e = err("6070814");
    assert_eq!(e.form, DateForm::EraCode7);
    assert!(e.reason.starts_with("era code 6 is not 1-5"), "{e}");
    assert_eq!(err("0070814").form, DateForm::EraCode7);
    let e = err("3640108");
    assert_eq!(e.form, DateForm::EraCode7);
    assert_eq!(e.to_string(), "3640108: 昭和 ends 1989-01-07");
    assert_eq!(
        err("5000501").reason,
        "令和0年 does not exist (the first year is 元年)"
    );
}

#[test]
fn spec_invalid_examples() {
    let cases = [
        ("昭和64年1月8日", "昭和", "1989-01-07", "ends"),
        ("平成31年5月1日", "平成", "2019-04-30", "ends"),
        ("令和元年4月30日", "令和", "2019-05-01", "begins"),
    ];
    for (s, era, boundary, word) in cases {
        let e = err(s);
        assert_eq!(e.form, DateForm::WarekiKanji);
        let text = e.to_string();
        assert!(text.contains(era), "{text}");
        assert!(text.contains(boundary), "{text}");
        assert!(text.contains(word), "{text}");
        assert!(text.starts_with(s), "{text}");
    }
    assert_eq!(
        err("昭和64年1月8日").to_string(),
        "昭和64年1月8日: 昭和 ends 1989-01-07"
    );
    assert_eq!(
        err("令和5年2月29日").to_string(),
        "令和5年2月29日: 2023-02-29 is not a calendar date"
    );
    assert_eq!(parse_date("令和6年2月29日"), Ok(d(2024, 2, 29)));
    let e = err("R0.1.1");
    assert_eq!(e.form, DateForm::WarekiCompact);
    assert!(e.reason.contains("令和0年"), "{e}");
    assert_eq!(err("平成1.1.7").reason, "平成 begins 1989-01-08");
    assert_eq!(err("明治1年1月24日").reason, "明治 begins 1868-01-25");
    assert_eq!(err("明治99年1月1日").reason, "明治 ends 1912-07-29");
    assert_eq!(err("令和5年13月1日").reason, "month 13 is not 1-12");
    assert_eq!(parse_date("R981.12.31"), Ok(d(2999, 12, 31)));
    assert_eq!(err("R982.1.1").reason, "year 3000 is outside 1868-2999");
}

#[test]
fn every_era_boundary_both_directions() {
    for era in Era::ALL {
        let first = era.first_day();
        let w = WarekiDate::from_date(first).unwrap();
        assert_eq!(w.era, era);
        assert_eq!(w.year, 1);
        assert_eq!(w.to_date(), Ok(first));
        assert_eq!(parse_date(&w.to_string()), Ok(first));
        assert_eq!(parse_date(&compact(w)), Ok(first));
        assert_eq!(parse_date(&era_code(w)), Ok(first));

        // The day before the era starts belongs to the previous era and
        // must be rejected when written in this one.
        let before = first.pred_opt().unwrap();
        assert_ne!(Era::of(before), Some(era));
        let wrong = WarekiDate {
            era,
            year: 1,
            month: before.month(),
            day: before.day(),
        };
        let e = err(&wrong.to_string());
        assert!(e.to_string().contains(era.name()), "{e}");
        assert!(e.to_string().contains(&first.to_string()), "{e}");
        assert!(wrong.to_date().unwrap_err().contains("begins"));

        if let Some(last) = era.last_day() {
            let w = WarekiDate::from_date(last).unwrap();
            assert_eq!(w.era, era);
            assert_eq!(parse_date(&w.to_string()), Ok(last));
            assert_eq!(parse_date(&compact(w)), Ok(last));
            assert_eq!(parse_date(&era_code(w)), Ok(last));

            let after = last.succ_opt().unwrap();
            let next = WarekiDate::from_date(after).unwrap();
            assert_ne!(next.era, era);
            assert_eq!(next.year, 1);
            assert_eq!(next.era.first_day(), after);
            let in_this_era = |date: NaiveDate| WarekiDate {
                era,
                year: w.year + u32::from(date.year() != last.year()),
                month: date.month(),
                day: date.day(),
            };
            // 明治45年7月30日 and 大正15年12月25日 are lawful (standard §1.1.8:
            // the era changed during that day); the day after is not.
            let mut past = after;
            if matches!(era, Era::Meiji | Era::Taisho) {
                let shared = in_this_era(after);
                assert_eq!(parse_date(&shared.to_string()), Ok(after));
                assert_eq!(parse_date(&compact(shared)), Ok(after));
                assert_eq!(parse_date(&era_code(shared)), Ok(after));
                past = after.succ_opt().unwrap();
            }
            let wrong = in_this_era(past);
            let e = err(&wrong.to_string());
            assert!(e.to_string().contains(era.name()), "{e}");
            assert!(e.to_string().contains(&last.to_string()), "{e}");
            assert!(e.to_string().contains("ends"), "{e}");
        } else {
            assert_eq!(era, Era::Reiwa);
        }
    }
}

#[test]
fn spec_boundary_days_are_valid() {
    assert_eq!(parse_date("昭和64年1月7日"), Ok(d(1989, 1, 7)));
    assert_eq!(parse_date("平成元年1月8日"), Ok(d(1989, 1, 8)));
    assert_eq!(parse_date("平成31年4月30日"), Ok(d(2019, 4, 30)));
    assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
    assert_eq!(format(d(1989, 1, 7)).unwrap(), "昭和64年1月7日");
    assert_eq!(format(d(1989, 1, 8)).unwrap(), "平成元年1月8日");
}

#[test]
fn era_table() {
    assert_eq!(
        Era::ALL.map(Era::name),
        ["明治", "大正", "昭和", "平成", "令和"]
    );
    assert_eq!(
        Era::ALL.map(Era::first_year),
        [1868, 1912, 1926, 1989, 2019]
    );
    assert_eq!(Era::of(d(1868, 1, 24)), None);
    assert_eq!(Era::of(d(1868, 1, 25)), Some(Era::Meiji));
    assert_eq!(Era::of(d(2100, 1, 1)), Some(Era::Reiwa));
    assert_eq!(Era::Reiwa.last_day(), None);
    for pair in Era::ALL.windows(2) {
        assert_eq!(
            pair[0].last_day().unwrap().succ_opt(),
            Some(pair[1].first_day())
        );
    }
    for era in Era::ALL {
        assert_eq!(Era::from_code(era.code()), Some(era));
    }
}

#[test]
fn full_width_input() {
    assert_eq!(parse_date("令和７年８月１４日"), Ok(d(2025, 8, 14)));
    assert_eq!(parse_date("２０２６／８／１４"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("２０２６－０８－１４"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("2026\u{2212}08\u{2212}14"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("２０２６０８１４"), Ok(d(2026, 8, 14)));
    assert_eq!(parse_date("Ｒ７．８．１４"), Ok(d(2025, 8, 14)));
    assert_eq!(parse_date("Ｒ７年８月１４日"), Ok(d(2025, 8, 14)));
    assert_eq!(parse_date("昭６０．２．１４"), Ok(d(1985, 2, 14)));
    assert_eq!(parse_date("５０７０８１４"), Ok(d(2025, 8, 14)));
    let e = err("令和５年２月２９日");
    assert_eq!(e.form, DateForm::WarekiKanji);
    assert_eq!(
        e.to_string(),
        "令和５年２月２９日: 2023-02-29 is not a calendar date"
    );
}

#[test]
fn unknown_forms() {
    let expected = "abc: not a date (expected 2026-08-14, 2026/8/14, 20260814, \
                    令和7年8月14日, R07.08.14 or 5070814)";
    assert_eq!(err("abc").to_string(), expected);
    for s in [
        "",
        "abc",
        "260814",
        "202608141",
        "2026-08-14 10:00",
        "2026-08-14T00:00:00",
        "2026/08-14",
        "2026-8",
        "26-08-14",
        "02026-08-14",
        "2026-008-14",
        "R7.8",
        "R7.8/14",
        "R7年8月14",
        "R7年8月14日 ",
        "R.8.14",
        "R1234.1.1",
        "X7.8.14",
        "令和7年8月14日(木)",
        "明和7年8月14日",
        "令成7年8月14日",
        "令和和7年8月14日",
        "元年5月1日",
        "R7年8.14",
        " 2026-08-14",
        "2026-08-1４x",
        "２０２６年８月１４日",
        "R7.8.14.",
        "1234567890123456789012345678901234567890",
        "令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和",
    ] {
        let e = err(s);
        assert_eq!(e.form, DateForm::Unknown, "{s}");
        assert_eq!(e.input, s);
        assert!(e.reason.starts_with("not a date"), "{s}");
    }
}

#[test]
fn formatting() {
    assert_eq!(format(d(2026, 11, 26)).unwrap(), "令和8年11月26日");
    assert_eq!(format(d(2019, 5, 1)).unwrap(), "令和元年5月1日");
    assert_eq!(format(d(1868, 1, 25)).unwrap(), "明治元年1月25日");
    assert_eq!(format(d(1868, 1, 24)), None);
    assert_eq!(
        format_with_weekday(d(2027, 2, 26)).unwrap(),
        "令和9年2月26日（金）"
    );
    assert_eq!(
        format_with_weekday(d(2026, 11, 26)).unwrap(),
        "令和8年11月26日（木）"
    );
    assert_eq!(
        format_with_weekday(d(2019, 5, 1)).unwrap(),
        "令和元年5月1日（水）"
    );
    assert_eq!(
        format_with_weekday(d(2026, 8, 16)).unwrap(),
        "令和8年8月16日（日）"
    );
    assert_eq!(
        format_with_weekday(d(2026, 8, 15)).unwrap(),
        "令和8年8月15日（土）"
    );
    assert_eq!(format_with_weekday(d(1800, 1, 1)), None);
}

#[test]
fn to_date_rejects_out_of_range_fields() {
    let w = |era, year, month, day| WarekiDate {
        era,
        year,
        month,
        day,
    };
    assert_eq!(w(Era::Reiwa, 7, 8, 14).to_date(), Ok(d(2025, 8, 14)));
    assert!(w(Era::Reiwa, u32::MAX, 1, 1).to_date().is_err());
    assert!(w(Era::Showa, u32::MAX, 1, 1).to_date().is_err());
    assert!(w(Era::Reiwa, 7, 0, 1).to_date().is_err());
    assert!(w(Era::Reiwa, 7, 1, u32::MAX).to_date().is_err());
    assert_eq!(
        w(Era::Reiwa, 5, 2, 29).to_date(),
        Err("2023-02-29 is not a calendar date".to_owned())
    );
}

/// Release-mode speed check: `cargo test --release -- --ignored speed`.
#[test]
#[ignore]
fn speed_one_million_mixed() {
    let inputs = [
        "2026-08-14",
        "2026/8/14",
        "20260814",
        "令和7年8月14日",
        "R07.08.14",
        "5070814",
        "昭60.2.14",
        "H1/1/8",
    ];
    let start = std::time::Instant::now();
    let mut ok = 0usize;
    for i in 0..1_000_000 {
        let s = std::hint::black_box(inputs[i % inputs.len()]);
        ok += usize::from(parse_date(s).is_ok());
    }
    let elapsed = start.elapsed();
    assert_eq!(ok, 1_000_000);
    eprintln!("1,000,000 parses in {elapsed:?}");
    assert!(elapsed.as_secs_f64() < 0.1, "{elapsed:?}");
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    let start = d(1873, 1, 1);
    let span = (d(2100, 12, 31) - start).num_days();
    (0..=span).prop_map(move |k| start + chrono::Duration::days(k))
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_strings(s in any::<String>()) {
        let _ = parse_date(&s);
    }

    #[test]
    fn never_panics_on_date_like_strings(
        s in "[0-9０-９年月日元明治大正昭和平成令RHSTMrhstm./／．－\\-]{0,14}"
    ) {
        if let Err(e) = parse_date(&s) {
            prop_assert_eq!(e.input, s);
        }
    }

    #[test]
    fn formatted_dates_parse_back(date in any_date()) {
        let w = WarekiDate::from_date(date).unwrap();
        prop_assert_eq!(w.to_date(), Ok(date));
        prop_assert_eq!(parse_date(&format(date).unwrap()), Ok(date));
        prop_assert_eq!(parse_date(&era_code(w)), Ok(date));
        prop_assert_eq!(parse_date(&compact(w)), Ok(date));
        prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
        prop_assert_eq!(parse_date(&date.format("%Y%m%d").to_string()), Ok(date));
    }
}

// ---- Dates the registry may lawfully hold (SPEC 9) and the era table ----

fn birth(s: &str) -> Result<BirthDate, DateError> {
    parse_birth_date(s, Eras::builtin())
}

fn birth_err(s: &str) -> DateError {
    birth(s).expect_err(s)
}

fn span(first: NaiveDate, last: NaiveDate) -> Option<DateSpan> {
    Some(DateSpan { first, last })
}

#[test]
fn dual_era_days_in_every_form() {
    let cases = [
        (
            d(1912, 7, 30),
            [
                "明治45年7月30日",
                "明45年7月30日",
                "M45年7月30日",
                "明治45.7.30",
                "M45.07.30",
                "M45.7.30",
                "1450730",
                "明治４５年７月３０日",
                "Ｍ４５．０７．３０",
                "１４５０７３０",
                "大正元年7月30日",
                "T01.07.30",
                "2010730",
            ],
        ),
        (
            d(1926, 12, 25),
            [
                "大正15年12月25日",
                "大15年12月25日",
                "T15年12月25日",
                "大正15.12.25",
                "T15.12.25",
                "大15.12.25",
                "2151225",
                "大正１５年１２月２５日",
                "Ｔ１５．１２．２５",
                "２１５１２２５",
                "昭和元年12月25日",
                "S01.12.25",
                "3011225",
            ],
        ),
    ];
    for (want, forms) in cases {
        for s in forms {
            assert_eq!(parse_date(s), Ok(want), "{s}");
            assert_eq!(Eras::builtin().parse_date(s), Ok(want), "{s}");
            assert_eq!(birth(s), Ok(BirthDate::Exact(want)), "{s}");
        }
    }
    let w = |era, year, month, day| WarekiDate {
        era,
        year,
        month,
        day,
    };
    assert_eq!(w(Era::Meiji, 45, 7, 30).to_date(), Ok(d(1912, 7, 30)));
    assert_eq!(w(Era::Taisho, 15, 12, 25).to_date(), Ok(d(1926, 12, 25)));
    // The day is formatted in the new era.
    assert_eq!(format(d(1912, 7, 30)).unwrap(), "大正元年7月30日");
    assert_eq!(format(d(1926, 12, 25)).unwrap(), "昭和元年12月25日");
    assert_eq!(
        Eras::builtin().format(d(1912, 7, 30)).unwrap(),
        "大正元年7月30日"
    );
    // Only that one day.
    for (s, reason) in [
        ("明治45年7月31日", "明治 ends 1912-07-29"),
        ("M45.7.31", "明治 ends 1912-07-29"),
        ("1450731", "明治 ends 1912-07-29"),
        ("大正15年12月26日", "大正 ends 1926-12-24"),
        ("T15.12.26", "大正 ends 1926-12-24"),
        ("2151226", "大正 ends 1926-12-24"),
        ("大正元年7月29日", "大正 begins 1912-07-30"),
        ("昭和元年12月24日", "昭和 begins 1926-12-25"),
    ] {
        assert_eq!(err(s).reason, reason, "{s}");
        assert_eq!(birth_err(s).reason, reason, "{s}");
    }
}

#[test]
fn other_era_changes_have_no_shared_day() {
    for (s, reason) in [
        ("昭和64年1月8日", "昭和 ends 1989-01-07"),
        ("S64.1.8", "昭和 ends 1989-01-07"),
        ("3640108", "昭和 ends 1989-01-07"),
        ("平成31年5月1日", "平成 ends 2019-04-30"),
        ("H31.5.1", "平成 ends 2019-04-30"),
        ("4310501", "平成 ends 2019-04-30"),
        ("平成元年1月7日", "平成 begins 1989-01-08"),
        ("令和元年4月30日", "令和 begins 2019-05-01"),
    ] {
        assert_eq!(err(s).reason, reason, "{s}");
        assert_eq!(birth_err(s).reason, reason, "{s}");
    }
}

#[test]
fn feb29_of_a_common_year_only_in_birth_dates() {
    for s in [
        "平成3年2月29日",
        "平3年2月29日",
        "H3.2.29",
        "H03.02.29",
        "4030229",
        "1991-02-29",
        "1991/2/29",
        "19910229",
        "平成３年２月２９日",
    ] {
        assert_eq!(birth(s), Ok(BirthDate::Feb29Common { year: 1991 }), "{s}");
        assert_eq!(err(s).reason, "1991-02-29 is not a calendar date", "{s}");
    }
    // 1900 is a common year (a century not divisible by 400).
    assert_eq!(
        birth("明治33年2月29日"),
        Ok(BirthDate::Feb29Common { year: 1900 })
    );
    let b = birth("平成3年2月29日").unwrap();
    assert_eq!(b.resolve(Feb29::Feb28), Some(d(1991, 2, 28)));
    assert_eq!(b.resolve(Feb29::Mar1), Some(d(1991, 3, 1)));
    // A leap year's 29 February is an ordinary date.
    let b = birth("令和6年2月29日").unwrap();
    assert_eq!(b, BirthDate::Exact(d(2024, 2, 29)));
    assert_eq!(b.resolve(Feb29::Mar1), Some(d(2024, 2, 29)));
    assert_eq!(parse_date("令和6年2月29日"), Ok(d(2024, 2, 29)));
    // Only 29 February, and only inside the era.
    assert_eq!(
        birth_err("平成3年2月30日").reason,
        "1991-02-30 is not a calendar date"
    );
    assert_eq!(
        birth_err("平成3年4月31日").reason,
        "1991-04-31 is not a calendar date"
    );
    assert_eq!(birth_err("昭和65年2月29日").reason, "昭和 ends 1989-01-07");
    assert_eq!(
        birth_err("1867-02-29").reason,
        "year 1867 is outside 1868-2999"
    );
}

#[test]
fn unknown_birth_dates() {
    let cases = [
        ("年月日不詳", None),
        ("昭和○○年頃", span(d(1926, 12, 25), d(1989, 1, 7))),
        ("昭和〇〇年頃", span(d(1926, 12, 25), d(1989, 1, 7))),
        ("昭和4○年頃", span(d(1965, 1, 1), d(1974, 12, 31))),
        ("平成○年頃", span(d(1989, 1, 8), d(1997, 12, 31))),
        ("平成5年頃", span(d(1993, 1, 1), d(1993, 12, 31))),
        ("平成元年頃", span(d(1989, 1, 8), d(1989, 12, 31))),
        ("平成31年頃", span(d(2019, 1, 1), d(2019, 4, 30))),
        ("令和元年頃", span(d(2019, 5, 1), d(2019, 12, 31))),
        ("H5年頃", span(d(1993, 1, 1), d(1993, 12, 31))),
        ("平成5年3月頃", span(d(1993, 3, 1), d(1993, 3, 31))),
        ("平成5年2月頃", span(d(1993, 2, 1), d(1993, 2, 28))),
        ("推定平成5年3月1日", span(d(1993, 3, 1), d(1993, 3, 1))),
        ("推定平成元年1月8日", span(d(1989, 1, 8), d(1989, 1, 8))),
        ("推定平成3年2月29日", span(d(1991, 2, 28), d(1991, 3, 1))),
        ("推定明治45年7月30日", span(d(1912, 7, 30), d(1912, 7, 30))),
        ("平成5年春", span(d(1993, 3, 1), d(1993, 5, 31))),
        ("平成5年夏", span(d(1993, 6, 1), d(1993, 8, 31))),
        ("平成5年秋", span(d(1993, 9, 1), d(1993, 11, 30))),
        ("平成5年冬", span(d(1993, 1, 1), d(1993, 12, 31))),
        ("平成5年3月上旬", span(d(1993, 3, 1), d(1993, 3, 10))),
        ("平成5年3月中旬", span(d(1993, 3, 11), d(1993, 3, 20))),
        ("平成5年3月下旬", span(d(1993, 3, 21), d(1993, 3, 31))),
        ("平成4年2月下旬", span(d(1992, 2, 21), d(1992, 2, 29))),
        ("昭和64年1月上旬", span(d(1989, 1, 1), d(1989, 1, 7))),
        ("1993年頃", span(d(1993, 1, 1), d(1993, 12, 31))),
        ("19○○年頃", span(d(1900, 1, 1), d(1999, 12, 31))),
        ("18○○年頃", span(d(1868, 1, 1), d(1899, 12, 31))),
        ("1993年3月頃", span(d(1993, 3, 1), d(1993, 3, 31))),
        ("推定1993年3月1日", span(d(1993, 3, 1), d(1993, 3, 1))),
        ("1993年秋", span(d(1993, 9, 1), d(1993, 11, 30))),
        ("1993年3月下旬", span(d(1993, 3, 21), d(1993, 3, 31))),
        ("平成５年３月頃", span(d(1993, 3, 1), d(1993, 3, 31))),
        ("推定平成５年３月１日", span(d(1993, 3, 1), d(1993, 3, 1))),
        ("１９９３年頃", span(d(1993, 1, 1), d(1993, 12, 31))),
        ("昭和６○年頃", span(d(1985, 1, 1), d(1989, 1, 7))),
    ];
    for (s, want) in cases {
        let text = s.to_owned();
        assert_eq!(birth(s), Ok(BirthDate::Unknown { text, span: want }), "{s}");
        assert_eq!(birth(s).unwrap().resolve(Feb29::Feb28), None);
        // Card dates never take them.
        let e = err(s);
        assert_eq!(e.form, DateForm::Unknown, "{s}");
        assert!(e.reason.starts_with("not a date"), "{s}");
    }
}

#[test]
fn unknown_birth_date_near_misses() {
    let approx = DateForm::Approximate;
    let cases: &[(&str, DateForm, &str)] = &[
        ("平成5年13月頃", approx, "month 13 is not 1-12"),
        ("平成5年0月上旬", approx, "month 0 is not 1-12"),
        ("平成32年頃", approx, "平成 ends 2019-04-30"),
        ("平成31年5月頃", approx, "平成 ends 2019-04-30"),
        ("昭和64年1月中旬", approx, "昭和 ends 1989-01-07"),
        ("令和元年4月下旬", approx, "令和 begins 2019-05-01"),
        ("大正9○年頃", approx, "大正 ends 1926-12-24"),
        (
            "平成0年頃",
            approx,
            "平成0年 does not exist (the first year is 元年)",
        ),
        ("1867年頃", approx, "year 1867 is outside 1868-2999"),
        ("3000年3月頃", approx, "year 3000 is outside 1868-2999"),
        ("推定平成5年13月1日", approx, "month 13 is not 1-12"),
        ("推定平成31年5月1日", approx, "平成 ends 2019-04-30"),
        (
            "推定1993年2月30日",
            approx,
            "1993-02-30 is not a calendar date",
        ),
        ("推定", approx, "推定 must be followed"),
        ("推定平成5年3月", approx, "推定 must be followed"),
        ("推定平成5年頃", approx, "推定 must be followed"),
        ("推定R7.8.14", approx, "推定 must be followed"),
        ("推定2025-08-14", approx, "推定 must be followed"),
        ("推定推定平成5年3月1日", approx, "推定 must be followed"),
        ("推定 平成5年3月1日", approx, "推定 must be followed"),
        ("平成5年春夏", approx, "not a 不詳日"),
        ("平成5年頃頃", approx, "not a 不詳日"),
        ("平成5年頃春", approx, "not a 不詳日"),
        ("平成5年3月上", approx, "not a 不詳日"),
        ("平成5年3月旬", approx, "not a 不詳日"),
        ("平成5年3月上中旬", approx, "not a 不詳日"),
        ("平成5年上旬", approx, "not a 不詳日"),
        ("平成5年3月1日頃", approx, "not a 不詳日"),
        ("平成○年3月頃", approx, "not a 不詳日"),
        ("平成○年春", approx, "not a 不詳日"),
        ("平成○○○年頃", approx, "not a 不詳日"),
        ("○○年頃", approx, "not a 不詳日"),
        ("199年頃", approx, "not a 不詳日"),
        ("19930年頃", approx, "not a 不詳日"),
        ("頃", approx, "not a 不詳日"),
        ("年頃", approx, "not a 不詳日"),
        ("平成元5年頃", approx, "not a 不詳日"),
        ("R5.3頃", approx, "not a 不詳日"),
        ("平成5年", DateForm::Unknown, "not a date"),
        ("平成5年3月", DateForm::Unknown, "not a date"),
        ("1993年3月1日", DateForm::Unknown, "not a date"),
        ("平成5年ごろ", DateForm::Unknown, "not a date"),
        ("平成五年頃", DateForm::Unknown, "not a date"),
        ("年月日不明", DateForm::Unknown, "not a date"),
        ("生年月日不詳", DateForm::Unknown, "not a date"),
        ("年月日不詳 ", DateForm::Unknown, "not a date"),
        ("不詳", DateForm::Unknown, "not a date"),
        ("", DateForm::Unknown, "not a date"),
        (
            "平成5年3月32日",
            DateForm::WarekiKanji,
            "day 32 is not 1-31",
        ),
    ];
    for &(s, form, reason) in cases {
        let e = birth_err(s);
        assert_eq!(e.input, s);
        assert_eq!(e.form, form, "{s}: {e}");
        assert!(e.reason.starts_with(reason), "{s}: {e}");
        assert!(parse_date(s).is_err(), "{s}");
    }
    // The messages say what was expected.
    assert!(birth_err("平成5年")
        .reason
        .contains("or a 不詳日: 年月日不詳, 昭和○○年頃"));
    assert!(birth_err("平成5年春夏")
        .reason
        .contains("平成5年春/夏/秋/冬 or 平成5年3月上旬/中旬/下旬"));
    assert_eq!(
        birth_err("推定").reason,
        "推定 must be followed by a full date (推定平成5年3月1日 or 推定1993年3月1日)"
    );
}

fn shin() -> Eras {
    Eras::with_extra(vec![EraDef::new("新元", 'N', 6, d(2031, 5, 1))]).unwrap()
}

#[test]
fn builtin_table_matches_the_era_enum() {
    let eras = Eras::builtin();
    assert_eq!(eras.eras().len(), 5);
    for (def, era) in eras.eras().zip(Era::ALL) {
        assert_eq!(def.name(), era.name());
        assert_eq!(def.letter(), era.letter());
        assert_eq!(def.code(), era.code());
        assert_eq!(def.start(), era.first_day());
    }
    for date in [
        d(1868, 1, 25),
        d(1912, 7, 29),
        d(1989, 1, 7),
        d(2026, 8, 16),
    ] {
        assert_eq!(eras.format(date), format(date));
        assert_eq!(eras.format_with_weekday(date), format_with_weekday(date));
    }
    assert_eq!(eras.format(d(1868, 1, 24)), None);
    assert_eq!(
        eras.parse_date("6070814").unwrap_err().reason,
        "era code 6 is not 1-5 (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和)"
    );
}

#[test]
fn added_era() {
    let eras = shin();
    let names: Vec<&str> = eras.eras().map(EraDef::name).collect();
    assert_eq!(names, ["明治", "大正", "昭和", "平成", "令和", "新元"]);
    // Formatting: the old era ends the day before.
    assert_eq!(eras.format(d(2031, 4, 30)).unwrap(), "令和13年4月30日");
    assert_eq!(eras.format(d(2031, 5, 1)).unwrap(), "新元元年5月1日");
    assert_eq!(eras.format(d(2032, 1, 1)).unwrap(), "新元2年1月1日");
    assert_eq!(
        eras.format_with_weekday(d(2031, 5, 1)).unwrap(),
        "新元元年5月1日（木）"
    );
    let w = eras.wareki(d(2031, 5, 1)).unwrap();
    assert_eq!((w.era.name(), w.era.letter(), w.year), ("新元", 'N', 1));
    // The built-in table is not changed.
    assert_eq!(format(d(2031, 5, 1)).unwrap(), "令和13年5月1日");
    assert_eq!(parse_date("令和13年5月1日"), Ok(d(2031, 5, 1)));
    assert!(parse_date("N2.1.1").is_err());
    assert!(parse_date("新元2年1月1日").is_err());
    // Parsing every form.
    for s in [
        "新元2年1月1日",
        "新2年1月1日",
        "N2年1月1日",
        "N2.1.1",
        "N02.01.01",
        "新元2.1.1",
        "新2.1.1",
        "6020101",
        "Ｎ２．１．１",
        "６０２０１０１",
        "新元２年１月１日",
        "2032-01-01",
    ] {
        assert_eq!(eras.parse_date(s), Ok(d(2032, 1, 1)), "{s}");
        assert_eq!(
            eras.parse_birth_date(s),
            Ok(BirthDate::Exact(d(2032, 1, 1))),
            "{s}"
        );
    }
    for s in ["新元元年5月1日", "N01.05.01", "N1.5.1", "6010501"] {
        assert_eq!(eras.parse_date(s), Ok(d(2031, 5, 1)), "{s}");
    }
    assert_eq!(eras.parse_date("令和13年4月30日"), Ok(d(2031, 4, 30)));
    for s in ["令和13年5月1日", "R13.5.1", "5130501"] {
        assert_eq!(
            eras.parse_date(s).unwrap_err().reason,
            "令和 ends 2031-04-30"
        );
    }
    assert_eq!(
        eras.parse_date("新元元年4月30日").unwrap_err().reason,
        "新元 begins 2031-05-01"
    );
    assert_eq!(
        eras.parse_date("7020101").unwrap_err().reason,
        "era code 7 is not 1-6 (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, 6 新元)"
    );
    assert!(eras.parse_date("新和2年1月1日").is_err());
    // The built-in eras parse as before.
    assert_eq!(eras.parse_date("令和7年8月14日"), Ok(d(2025, 8, 14)));
    assert_eq!(eras.parse_date("M45.7.30"), Ok(d(1912, 7, 30)));
    assert!(eras.parse_date("昭和64年1月8日").is_err());
    // Birth dates in the new era.
    assert_eq!(
        eras.parse_birth_date("新元3年2月29日"),
        Ok(BirthDate::Feb29Common { year: 2033 })
    );
    assert_eq!(
        eras.parse_birth_date("新元元年頃"),
        Ok(BirthDate::Unknown {
            text: "新元元年頃".into(),
            span: span(d(2031, 5, 1), d(2031, 12, 31)),
        })
    );
    assert_eq!(
        eras.parse_birth_date("令和13年頃"),
        Ok(BirthDate::Unknown {
            text: "令和13年頃".into(),
            span: span(d(2031, 1, 1), d(2031, 4, 30)),
        })
    );
    assert_eq!(
        parse_birth_date("推定新元2年1月1日", &eras),
        Ok(BirthDate::Unknown {
            text: "推定新元2年1月1日".into(),
            span: span(d(2032, 1, 1), d(2032, 1, 1)),
        })
    );
}

#[test]
fn added_eras_are_sorted_and_abbreviated_only_when_unambiguous() {
    let eras = Eras::with_extra(vec![
        EraDef::new("平和", 'Q', 7, d(2060, 1, 1)),
        EraDef::new("新元", 'N', 6, d(2031, 5, 1)),
    ])
    .unwrap();
    assert_eq!(eras.format(d(2059, 12, 31)).unwrap(), "新元29年12月31日");
    assert_eq!(eras.format(d(2060, 1, 1)).unwrap(), "平和元年1月1日");
    assert_eq!(eras.parse_date("平和2.1.1"), Ok(d(2061, 1, 1)));
    assert_eq!(eras.parse_date("Q2.1.1"), Ok(d(2061, 1, 1)));
    assert_eq!(eras.parse_date("7020101"), Ok(d(2061, 1, 1)));
    // 平 stays 平成's.
    assert_eq!(eras.parse_date("平5.1.1"), Ok(d(1993, 1, 1)));
    assert_eq!(
        eras.parse_date("新元30年1月1日").unwrap_err().reason,
        "新元 ends 2059-12-31"
    );
    // An abbreviation that is a word of the date grammar is not taken.
    let eras = Eras::with_extra(vec![EraDef::new("元和", 'G', 6, d(2031, 5, 1))]).unwrap();
    assert_eq!(eras.parse_date("元和元年5月1日"), Ok(d(2031, 5, 1)));
    assert!(eras.parse_date("元2.1.1").is_err());
    assert!(eras.parse_date("元年5月1日").is_err());
}

#[test]
fn invalid_added_eras_are_rejected() {
    let one = |name: &str, letter, code, start| {
        Eras::with_extra(vec![EraDef::new(name, letter, code, start)]).unwrap_err()
    };
    let start = d(2031, 5, 1);
    assert_eq!(
        one("新元", 'N', 6, d(2019, 5, 1)),
        "era 新元: start 2019-05-01 must be after 令和's start 2019-05-01"
    );
    assert_eq!(
        one("新元", 'N', 6, d(2000, 1, 1)),
        "era 新元: start 2000-01-01 must be after 令和's start 2019-05-01"
    );
    assert_eq!(
        one("新元", 'N', 6, d(3000, 1, 1)),
        "era 新元: start 3000-01-01 is after 2999"
    );
    assert_eq!(
        one("新元", 'R', 6, start),
        "era 新元: letter R is already 令和's"
    );
    assert_eq!(
        one("新元", 'n', 6, start),
        "era 新元: letter 'n' must be an ASCII capital letter A-Z"
    );
    assert!(one("新元", 'Ｎ', 6, start).contains("ASCII capital"));
    assert_eq!(
        one("新元", 'N', 5, start),
        "era 新元: code 5 is already 令和's"
    );
    assert_eq!(
        one("新元", 'N', 1, start),
        "era 新元: code 1 is already 明治's"
    );
    assert_eq!(
        one("新元", 'N', 10, start),
        "era 新元: code 10 must be a single digit 1-9"
    );
    assert_eq!(
        one("新元", 'N', 0, start),
        "era 新元: code 0 must be a single digit 1-9"
    );
    assert_eq!(
        one("令和", 'N', 6, start),
        "era 令和: the name is already an era"
    );
    for name in [
        "新",
        "",
        "Shin",
        "新元ABC",
        "新元年",
        "新月",
        "新元新元新",
        "新 元",
    ] {
        assert!(
            one(name, 'N', 6, start)
                .ends_with("the name must be 2-4 kanji, none of them 年, 月 or 日"),
            "{name}"
        );
    }
    let e = Eras::with_extra(vec![
        EraDef::new("新元", 'N', 6, start),
        EraDef::new("次元", 'J', 6, d(2060, 1, 1)),
    ])
    .unwrap_err();
    assert_eq!(e, "era 次元: code 6 is already 新元's");
    let e = Eras::with_extra(vec![
        EraDef::new("新元", 'N', 6, start),
        EraDef::new("次元", 'J', 7, start),
    ])
    .unwrap_err();
    assert_eq!(
        e,
        "era 次元: start 2031-05-01 must be after 新元's start 2031-05-01"
    );
    // No extra eras: the built-in table.
    let eras = Eras::with_extra(Vec::new()).unwrap();
    assert_eq!(eras.eras().len(), 5);
}

/// Release-mode speed check for birth dates and a profile's table:
/// `cargo test --release -- --ignored speed`.
#[test]
#[ignore]
fn speed_birth_dates_with_an_added_era() {
    let eras = shin();
    let inputs = [
        "1990-08-14",
        "19900814",
        "昭和60年2月14日",
        "S60.02.14",
        "3600214",
        "平成3年2月29日",
        "新元2年1月1日",
        "N2.1.1",
    ];
    let start = std::time::Instant::now();
    let mut ok = 0usize;
    for i in 0..1_000_000 {
        let s = std::hint::black_box(inputs[i % inputs.len()]);
        ok += usize::from(eras.parse_birth_date(s).is_ok());
    }
    let elapsed = start.elapsed();
    assert_eq!(ok, 1_000_000);
    eprintln!("1,000,000 birth-date parses in {elapsed:?}");
    assert!(elapsed.as_secs_f64() < 0.1, "{elapsed:?}");
}

proptest! {
    #[test]
    fn birth_dates_never_panic(s in any::<String>()) {
        let _ = parse_birth_date(&s, Eras::builtin());
        let _ = shin().parse_birth_date(&s);
    }

    #[test]
    fn birth_dates_never_panic_on_date_like_strings(
        s in "(推定)?[0-9０-９○〇年月日元明治大正昭和平成令新元頃春夏秋冬上中下旬RHSTMN./－\\-]{0,14}"
    ) {
        let eras = shin();
        match eras.parse_birth_date(&s) {
            Ok(BirthDate::Unknown { text, span }) => {
                prop_assert_eq!(text, s);
                if let Some(span) = span {
                    prop_assert!(span.first <= span.last);
                }
            }
            Ok(_) => {}
            Err(e) => prop_assert_eq!(e.input, s),
        }
    }

    #[test]
    fn birth_dates_read_card_dates_alike(
        s in "[0-9０-９年月日元明治大正昭和平成令RHSTM./－\\-]{0,12}"
    ) {
        // Wherever parse_date gives a date, parse_birth_date gives the same.
        if let Ok(date) = parse_date(&s) {
            prop_assert_eq!(birth(&s), Ok(BirthDate::Exact(date)));
        }
    }

    #[test]
    fn formatted_dates_parse_back_with_an_added_era(date in any_date()) {
        let eras = shin();
        let text = eras.format(date).unwrap();
        prop_assert_eq!(eras.parse_date(&text), Ok(date));
        let w = eras.wareki(date).unwrap();
        let compact = format!("{}{:02}.{:02}.{:02}", w.era.letter(), w.year, w.month, w.day);
        prop_assert_eq!(eras.parse_date(&compact), Ok(date));
        let code = format!("{}{:02}{:02}{:02}", w.era.code(), w.year, w.month, w.day);
        prop_assert_eq!(eras.parse_date(&code), Ok(date));
        if date < d(2031, 5, 1) {
            prop_assert_eq!(Some(text), format(date));
        }
    }
}
