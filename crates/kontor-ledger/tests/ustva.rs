//! UStVA of a hand-computed month (SKR03, March 2026): every tax code at
//! least once, including § 13b and intra-EU, and a credit note. The expected
//! Kennzahlen are worked out by hand in the comments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;
use kontor_ledger::ustva::ustva;

fn acc(s: &str) -> AccountNo {
    AccountNo::parse(s).unwrap()
}

/// One document: a line with a tax code against a personal account.
fn doc(chart: &Chart, code: TaxCode, account: &str, euros: &str, partner: &str, reference: &str) -> Entry {
    let mut postings = code.lines(chart, acc(account), Cents::parse(euros).unwrap()).unwrap();
    let sum: i64 = postings.iter().map(|p| p.amount.0).sum();
    postings.push(Posting::new(acc(partner), Cents(-sum)));
    let day = Date::parse("2026-03-16").unwrap();
    Entry::new(postings, day, day, format!("{code:?}"), reference).unwrap()
}

#[test]
fn a_hand_computed_month() {
    let c = Chart::standard(ChartKind::Skr03);
    let d = "10001"; // a customer
    let k = "70001"; // a supplier
    let entries = [
        doc(c, TaxCode::USt19, "8400", "1190.00", d, "RE-1"), // Kz 81: 1,000.00, USt 190.00
        doc(c, TaxCode::USt19, "8400", "-238.00", d, "GS-1"), // credit note: Kz 81 −200.00, USt −38.00
        doc(c, TaxCode::USt7, "8300", "107.00", d, "RE-2"),   // Kz 86: 100.00, USt 7.00
        doc(c, TaxCode::USt0, "8400", "500.00", d, "RE-3"),   // Kz 87: 500.00
        doc(c, TaxCode::Igl, "8125", "2000.00", d, "RE-4"),   // Kz 41: 2,000.00
        doc(c, TaxCode::Ausfuhr, "8120", "300.00", d, "RE-5"), // Kz 43: 300.00
        doc(c, TaxCode::StFrei, "8120", "50.00", d, "RE-6"),  // Kz 43: +50.00 = 350.00
        doc(c, TaxCode::StFreiOhneVst, "8100", "400.00", d, "RE-7"), // Kz 48: 400.00
        doc(c, TaxCode::Nstb, "8338", "150.00", d, "RE-8"),   // Kz 45: 150.00
        doc(c, TaxCode::EuSlNstb, "8338", "250.00", d, "RE-9"), // Kz 21: 250.00
        doc(c, TaxCode::Rc13bLeistend, "8400", "600.00", d, "RE-10"), // Kz 60: 600.00
        doc(c, TaxCode::VSt19, "4930", "595.00", k, "ER-1"),  // VSt 95.00 (Kz 66)
        doc(c, TaxCode::VSt7, "3300", "214.00", k, "ER-2"),   // VSt 14.00 (Kz 66) = 109.00
        doc(c, TaxCode::Ige19, "3425", "1000.00", k, "ER-3"), // Kz 89: 1,000.00; USt 190.00; Kz 61: 190.00
        doc(c, TaxCode::Ige7, "3420", "300.00", k, "ER-4"),   // Kz 93: 300.00; USt 21.00; Kz 61: +21.00 = 211.00
        doc(c, TaxCode::IgeFrei, "3425", "80.00", k, "ER-5"), // Kz 91: 80.00
        doc(c, TaxCode::Rc13b19, "3120", "2000.00", k, "ER-6"), // Kz 84: 2,000.00; Kz 85: 380.00; Kz 67: 380.00
        doc(c, TaxCode::Rc13bEu19, "4930", "800.00", k, "ER-7"), // Kz 46: 800.00; Kz 47: 152.00; Kz 67: +152.00 = 532.00
        doc(c, TaxCode::NichtAbz19, "4654", "119.00", k, "ER-8"), // no Kennzahl
    ];
    let r = ustva(c, entries.iter().map(|e| (e.reference.clone(), e)));
    let base = |kz: u8| r.kz(kz).map(|l| (l.cents.0, l.euros));
    let tax = |kz: u8| r.kz(kz).map(|l| l.cents.0);
    assert_eq!(base(81), Some((80_000, Some(800))));
    assert_eq!(base(86), Some((10_000, Some(100))));
    assert_eq!(base(87), Some((50_000, Some(500))));
    assert_eq!(base(41), Some((200_000, Some(2000))));
    assert_eq!(base(43), Some((35_000, Some(350))));
    assert_eq!(base(48), Some((40_000, Some(400))));
    assert_eq!(base(45), Some((15_000, Some(150))));
    assert_eq!(base(21), Some((25_000, Some(250))));
    assert_eq!(base(60), Some((60_000, Some(600))));
    assert_eq!(base(89), Some((100_000, Some(1000))));
    assert_eq!(base(93), Some((30_000, Some(300))));
    assert_eq!(base(91), Some((8_000, Some(80))));
    assert_eq!(base(84), Some((200_000, Some(2000))));
    assert_eq!(base(46), Some((80_000, Some(800))));
    assert_eq!(tax(85), Some(38_000));
    assert_eq!(tax(47), Some(15_200));
    assert_eq!(tax(66), Some(10_900));
    assert_eq!(tax(61), Some(21_100));
    assert_eq!(tax(67), Some(53_200));
    // Output tax: 190 − 38 + 7 + 190 + 21 + 380 + 152 = 902.00;
    // input tax: 109 + 211 + 532 = 852.00; Kz 83 = 50.00.
    assert_eq!(r.output_tax, Cents(90_200));
    assert_eq!(r.input_tax, Cents(85_200));
    assert_eq!(r.kz83, Cents(5_000));
    // Drill-down: Kz 81 comes from the invoice and the credit note.
    assert_eq!(r.kz(81).unwrap().entries, vec!["RE-1".to_string(), "GS-1".to_string()]);
    assert_eq!(r.kz(67).unwrap().entries, vec!["ER-6".to_string(), "ER-7".to_string()]);
    // No Kennzahl for the non-deductible purchase.
    assert!(r.lines.iter().all(|l| !l.entries.contains(&"ER-8".to_string())));
}
