//! Worked examples from DOMAIN.md 1–3 and the precise readings of SPEC 2.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn card_only(birth: &str, applied: Option<&str>, issued: &str) -> ItemDates {
    ItemDates {
        birth: Some(d(birth)),
        card_applied: applied.map(d),
        card_issued: Some(d(issued)),
        ..ItemDates::default()
    }
}

fn card_e(dates: &ItemDates, config: RuleConfig) -> NaiveDate {
    evaluate(dates, config).unwrap().card.unwrap().expiry
}

#[test]
fn domain_1_worked_examples() {
    let c = RuleConfig::default();
    // Issued on the birthday: a full 10 years.
    assert_eq!(
        card_e(&card_only("1990-05-10", None, "2020-05-10"), c),
        d("2030-05-10")
    );
    // Issued the day before: 9 years and a day.
    assert_eq!(
        card_e(&card_only("1990-05-10", None, "2020-05-09"), c),
        d("2029-05-10")
    );
    // Received before 2022-04-01, aged 18 under the old threshold 20: 5-year card.
    let old = card_only("2003-06-01", Some("2022-03-20"), "2022-04-15");
    assert_eq!(card_e(&old, c), d("2026-06-01"));
    // Received from 2022-04-01: threshold 18, 10-year card.
    let new = card_only("2003-06-01", Some("2022-04-05"), "2022-05-10");
    assert_eq!(card_e(&new, c), d("2031-06-01"));
}

#[test]
fn threshold_follows_the_receipt_date_whatever_the_age_basis() {
    // Aged 19 at application (received 2022-03-20), 19 at issue (2022-04-15):
    // threshold 20 in both readings, so a 5-year card either way.
    let dates = card_only("2003-01-01", Some("2022-03-20"), "2022-04-15");
    for basis in [AgeBasis::Application, AgeBasis::Issue] {
        let c = RuleConfig {
            age_basis: basis,
            ..RuleConfig::default()
        };
        assert_eq!(card_e(&dates, c), d("2027-01-01"));
    }
}

#[test]
fn age_basis_reading_differs_and_is_reported() {
    // Turns 18 between application and issue (new threshold 18).
    let dates = card_only("2005-06-10", Some("2023-05-20"), "2023-06-20");
    let by_app = card_e(&dates, RuleConfig::default());
    let by_issue = card_e(
        &dates,
        RuleConfig {
            age_basis: AgeBasis::Issue,
            ..RuleConfig::default()
        },
    );
    assert_eq!(by_app, d("2028-06-10")); // 17 at application: 5th birthday
    assert_eq!(by_issue, d("2033-06-10")); // 18 at issue: 10th birthday
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert!(ev.findings.contains(&Finding::AgeBasis {
        by_application: by_app,
        by_issue
    }));
    // No application date: no age-basis finding (the issue date stands in).
    let ev = evaluate(
        &card_only("2005-06-10", None, "2023-06-20"),
        RuleConfig::default(),
    )
    .unwrap();
    assert!(ev.findings.iter().all(|f| f.code() != "age-basis"));
}

#[test]
fn age_18_holds_from_the_day_before_the_birthday() {
    // Applied on the day before the 18th birthday: adult.
    let dates = card_only("2005-06-10", Some("2023-06-09"), "2023-07-01");
    assert_eq!(card_e(&dates, RuleConfig::default()), d("2033-06-10"));
    // Two days before: minor.
    let dates = card_only("2005-06-10", Some("2023-06-08"), "2023-07-01");
    assert_eq!(card_e(&dates, RuleConfig::default()), d("2028-06-10"));
}

#[test]
fn certificates_five_years_capped_by_card() {
    let dates = ItemDates {
        birth: Some(d("1980-07-01")),
        card_issued: Some(d("2018-03-01")),
        user_issued: Some(d("2023-06-01")),
        sign_issued: Some(d("2023-06-01")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2027-07-01"));
    // Own rule would give 2028-07-01; the card caps it.
    assert_eq!(ev.user_cert.unwrap().expiry, d("2027-07-01"));
    assert_eq!(ev.sign_cert.unwrap().expiry, d("2027-07-01"));
    // Adults renew certificates half-way: issued with the card, 5th birthday.
    let dates = ItemDates {
        birth: Some(d("1980-07-01")),
        card_issued: Some(d("2018-03-01")),
        user_issued: Some(d("2018-03-01")),
        sign_issued: Some(d("2018-03-01")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.user_cert.unwrap().expiry, d("2022-07-01"));
}

#[test]
fn signing_cert_capped_by_recorded_user_cert() {
    let dates = ItemDates {
        birth: Some(d("1980-07-01")),
        card_issued: Some(d("2020-03-01")),
        user_issued: Some(d("2020-03-01")),
        user_recorded: Some(d("2024-01-01")),
        sign_issued: Some(d("2020-03-01")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.sign_cert.unwrap().expiry, d("2024-01-01"));
    assert_eq!(ev.sign_cert.unwrap().source, ExpirySource::Computed);
    assert!(ev.findings.contains(&Finding::ExpiryMismatch {
        kind: ItemKind::UserCert,
        recorded: d("2024-01-01"),
        computed: d("2024-07-01"),
    }));
}

#[test]
fn recorded_expiry_is_used_and_mismatch_reported() {
    let mut dates = card_only("1990-05-10", None, "2020-05-10");
    dates.card_recorded = Some(d("2030-05-11"));
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2030-05-11"));
    assert_eq!(ev.card.unwrap().source, ExpirySource::Recorded);
    assert_eq!(ev.findings[0].code(), "expiry-mismatch");
    dates.card_recorded = Some(d("2030-05-10"));
    assert!(evaluate(&dates, RuleConfig::default())
        .unwrap()
        .findings
        .is_empty());
}

#[test]
fn sixth_birthday_renewal_shows_as_mismatch() {
    // A certificate renewed early runs to the 6th birthday; computing never
    // applies that, so a recorded 6th birthday is for a person to look at.
    let dates = ItemDates {
        birth: Some(d("1980-07-01")),
        card_issued: Some(d("2024-05-01")),
        user_issued: Some(d("2024-05-01")),
        user_recorded: Some(d("2030-07-01")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.user_cert.unwrap().expiry, d("2030-07-01"));
    assert!(ev.findings.iter().any(|f| f.code() == "expiry-mismatch"));
}

#[test]
fn period_of_stay_decides_only_when_strictly_earlier() {
    let mut dates = ItemDates {
        birth: Some(d("1990-05-10")),
        card_issued: Some(d("2024-01-10")),
        user_issued: Some(d("2024-01-10")),
        sign_issued: Some(d("2024-01-10")),
        stay_end: Some(d("2026-12-31")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    for item in ev.items() {
        assert_eq!(item.expiry, d("2026-12-31"));
        assert_eq!(
            item.source,
            ExpirySource::ResidencePeriod,
            "{:?}",
            item.kind
        );
    }
    // Equal to the birthday rule: the birthday rule decides.
    dates.stay_end = Some(d("2033-05-10"));
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().source, ExpirySource::Computed);
    // Later than the certificate's own rule but earlier than the card's: the
    // card is decided by it, the certificates by their own rule.
    dates.stay_end = Some(d("2030-01-01"));
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().source, ExpirySource::ResidencePeriod);
    assert_eq!(ev.user_cert.unwrap().expiry, d("2028-05-10"));
    assert_eq!(ev.user_cert.unwrap().source, ExpirySource::Computed);
}

#[test]
fn recorded_card_is_not_cut_by_the_period_of_stay() {
    let dates = ItemDates {
        birth: Some(d("1990-05-10")),
        card_issued: Some(d("2024-01-10")),
        card_recorded: Some(d("2033-05-10")),
        user_issued: Some(d("2024-01-10")),
        stay_end: Some(d("2026-12-31")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2033-05-10"));
    assert_eq!(ev.card.unwrap().source, ExpirySource::Recorded);
    // Checked against the computed value, which the period of stay cut.
    assert!(ev.findings.contains(&Finding::ExpiryMismatch {
        kind: ItemKind::Card,
        recorded: d("2033-05-10"),
        computed: d("2026-12-31"),
    }));
    // The certificate is capped by the card as used, not by the stay.
    assert_eq!(ev.user_cert.unwrap().expiry, d("2028-05-10"));
    assert_eq!(ev.user_cert.unwrap().source, ExpirySource::Computed);
}

#[test]
fn feb29_birth_with_computed_expiry() {
    let dates = card_only("2000-02-29", None, "2020-03-01");
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2030-02-28"));
    assert!(ev.findings.iter().any(|f| f.code() == "feb29"));
    let mar1 = RuleConfig {
        feb29: Feb29Rule::Mar1,
        ..RuleConfig::default()
    };
    assert_eq!(card_e(&dates, mar1), d("2030-03-01"));
    // All recorded: no feb29 finding.
    let mut rec = dates;
    rec.card_recorded = Some(d("2030-02-28"));
    let ev = evaluate(&rec, RuleConfig::default()).unwrap();
    assert!(ev.findings.is_empty(), "{:?}", ev.findings);
}

#[test]
fn signing_cert_under_15_judged_on_its_own_issue_date() {
    let dates = ItemDates {
        birth: Some(d("2012-08-20")),
        card_issued: Some(d("2020-01-10")),
        user_issued: Some(d("2020-01-10")),
        sign_issued: Some(d("2027-08-19")), // the day before the 15th birthday: 15
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert!(ev.findings.iter().all(|f| f.code() != "sign-cert-under-15"));
    let mut young = dates;
    young.sign_issued = Some(d("2027-08-18"));
    let ev = evaluate(&young, RuleConfig::default()).unwrap();
    assert!(ev.findings.iter().any(|f| f.code() == "sign-cert-under-15"));
}

#[test]
fn no_card_means_no_items() {
    let dates = ItemDates {
        birth: Some(d("1980-01-01")),
        user_issued: Some(d("2020-01-01")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.items().count(), 0);
}

#[test]
fn issue_before_birth_is_evaluated_and_reported() {
    // Birthdays count from the birth: the 1st is 2021-01-01, the 5th 2025-01-01.
    let dates = card_only("2020-01-01", None, "2019-12-01");
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2025-01-01"));
    assert_eq!(
        ev.findings,
        vec![Finding::IssuedBeforeBirth {
            kinds: vec![ItemKind::Card]
        }]
    );
}

#[test]
fn age_basis_is_reported_even_when_the_period_of_stay_decides() {
    // The category depends on the reading (SPEC 1), even though the period
    // of stay then gives E: a person should still look at it.
    let mut dates = card_only("2004-06-10", Some("2022-05-01"), "2022-07-01");
    dates.stay_end = Some(d("2026-12-31"));
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2026-12-31"));
    assert!(
        ev.findings.iter().any(|f| f.code() == "age-basis"),
        "{:?}",
        ev.findings
    );
}

#[test]
fn unknown_birth_uses_the_recorded_expiries_and_skips_the_age_checks() {
    // 不詳日 (SPEC 9): a signing certificate issued to someone whose age
    // cannot be known is no sign-cert-under-15 finding; nothing is computed.
    let dates = ItemDates {
        birth: None,
        card_applied: Some(d("2021-12-01")),
        card_issued: Some(d("2022-01-10")),
        card_recorded: Some(d("2032-01-20")),
        user_issued: Some(d("2022-01-10")),
        user_recorded: Some(d("2027-01-20")),
        sign_issued: Some(d("2022-01-10")),
        sign_recorded: Some(d("2027-01-20")),
        stay_end: Some(d("2026-12-31")),
        ..ItemDates::default()
    };
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    let got: Vec<_> = ev.items().map(|i| (i.kind, i.expiry, i.source)).collect();
    assert_eq!(
        got,
        vec![
            (ItemKind::Card, d("2032-01-20"), ExpirySource::Recorded),
            (ItemKind::UserCert, d("2027-01-20"), ExpirySource::Recorded),
            (ItemKind::SignCert, d("2027-01-20"), ExpirySource::Recorded),
        ]
    );
    assert!(ev.findings.is_empty(), "{:?}", ev.findings);
}

#[test]
fn unknown_birth_without_a_recorded_expiry_cannot_be_evaluated() {
    let mut dates = ItemDates {
        birth: None,
        card_issued: Some(d("2022-01-10")),
        card_recorded: Some(d("2032-01-20")),
        user_issued: Some(d("2022-01-10")),
        ..ItemDates::default()
    };
    assert_eq!(
        evaluate(&dates, RuleConfig::default()),
        Err(RuleError::BirthUnknown(ItemKind::UserCert))
    );
    dates.card_recorded = None;
    assert_eq!(
        evaluate(&dates, RuleConfig::default()),
        Err(RuleError::BirthUnknown(ItemKind::Card))
    );
    // No card: no item at all, whatever the birth date.
    dates.card_issued = None;
    let ev = evaluate(&dates, RuleConfig::default()).unwrap();
    assert_eq!(ev.items().count(), 0);
}

/// The announced next generation (SPEC 15): adults' certificates to the 10th
/// birthday like the card, due 12 months ahead; minors as today.
fn next_generation() -> Generation {
    Generation {
        name: "next".into(),
        issued_from: d("2028-04-01"),
        adult: BandCounts {
            card: 10,
            user_cert: 10,
            sign_cert: 10,
        },
        lead_months: 12,
        ..Generation::current(3)
    }
}

fn all_items(birth: &str, issued: &str) -> ItemDates {
    ItemDates {
        birth: Some(d(birth)),
        card_issued: Some(d(issued)),
        user_issued: Some(d(issued)),
        sign_issued: Some(d(issued)),
        ..ItemDates::default()
    }
}

#[test]
fn the_card_issue_date_chooses_the_generation_of_every_item() {
    let table = [Generation::current(3), next_generation()];
    let config = RuleConfig {
        generations: &table,
        ..RuleConfig::default()
    };
    // Issued after issued_from: certificates to the 10th birthday, lead 12.
    let ev = evaluate(&all_items("1980-06-15", "2028-05-01"), config).unwrap();
    assert_eq!(ev.generation, Some(1));
    for item in ev.items() {
        assert_eq!(item.expiry, d("2037-06-15"), "{:?}", item.kind);
        assert_eq!(item.lead_months, 12);
    }
    // Issued the day before: today's rules, 5 years and a 3-month lead.
    let ev = evaluate(&all_items("1980-06-15", "2028-03-31"), config).unwrap();
    assert_eq!(ev.generation, Some(0));
    assert_eq!(ev.card.unwrap().expiry, d("2037-06-15"));
    assert_eq!(ev.user_cert.unwrap().expiry, d("2032-06-15"));
    assert_eq!(ev.sign_cert.unwrap().expiry, d("2032-06-15"));
    assert!(ev.items().all(|i| i.lead_months == 3));
    // A minor under next: the band's counts (today's), the generation's lead.
    let ev = evaluate(&all_items("2016-06-15", "2028-05-01"), config).unwrap();
    assert_eq!(ev.card.unwrap().expiry, d("2032-06-15"));
    assert_eq!(ev.user_cert.unwrap().expiry, d("2032-06-15"));
    assert_eq!(ev.card.unwrap().lead_months, 12);
}

#[test]
fn the_builtin_current_table_is_todays_rules() {
    // The profile's own `current` (with its lead) and the built-in table
    // give the same items for the same dates, over ages and issue dates
    // that cross every band and the 2022-04-01 threshold change.
    let own = [Generation::current(3)];
    let with_table = RuleConfig {
        generations: &own,
        ..RuleConfig::default()
    };
    let empty = RuleConfig {
        generations: &[],
        ..RuleConfig::default()
    };
    for birth in [
        "2002-06-01",
        "2003-06-01",
        "2008-02-29",
        "2012-12-31",
        "1950-01-01",
    ] {
        for issued in [
            "2016-01-01",
            "2021-04-02",
            "2022-03-31",
            "2022-04-01",
            "2024-07-07",
        ] {
            let dates = all_items(birth, issued);
            let a = evaluate(&dates, RuleConfig::default()).unwrap();
            assert_eq!(a, evaluate(&dates, with_table).unwrap());
            assert_eq!(a, evaluate(&dates, empty).unwrap());
            // Today's card rule, written out: 10 for of age, else 5.
            let years = match card_category(d(birth), None, d(issued), AgeBasis::Application) {
                CardCategory::Adult => 10,
                CardCategory::Minor => 5,
            };
            let want = nth_birthday_after(d(birth), d(issued), years, Feb29Rule::Feb28);
            assert_eq!(a.card.map(|c| c.expiry), want, "{birth} {issued}");
        }
    }
}
