//! Social insurance 2026 against worked examples and at the boundaries.
//! Each test names its source.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kontor_payroll::dec::Dec;
use kontor_payroll::params::SvParams;
use kontor_payroll::sv::{contributions, midijob_bases, Contribution, Employment, Health, Insured, SvInput, SvResult};
use kontor_payroll::trace::Trace;

fn d(s: &str) -> Dec {
    Dec::parse(s).unwrap()
}

fn p() -> &'static SvParams {
    SvParams::for_month(2026, 6).unwrap()
}

fn input(employment: Employment, pay: &str) -> SvInput {
    SvInput {
        employment,
        pay: d(pay),
        one_off_kv: Dec::ZERO,
        one_off_rv: Dec::ZERO,
        health: Health::Statutory {
            zusatzbeitrag: d("2.9"),
            reduced: false,
        },
        insured: Insured::default(),
        sachsen: false,
        childless: false,
        children_under_25: 1,
        u1_rate: Dec::ZERO,
        u2_rate: Dec::ZERO,
        minijob_rv_exempt: false,
    }
}

fn run(i: &SvInput) -> SvResult {
    contributions(i, p(), &mut Trace::default())
}

fn branch<'a>(r: &'a SvResult, name: &str) -> &'a Contribution {
    r.contributions
        .iter()
        .find(|c| c.branch == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", r.contributions))
}

fn shares(r: &SvResult, name: &str) -> (Dec, Dec) {
    let c = branch(r, name);
    (c.employee, c.employer)
}

/// Source: `shared/spec/payroll/midijob.md`, "Worked example" (AE 1,200 €,
/// Zusatzbeitrag 2.9 %, childless, not Sachsen), computed by the method of
/// IKK Südwest, "Übergangsbereich – ab 01.01.2026" (half rate on BE, doubled;
/// childless surcharge separately on the reduced base, employee only) and
/// the Spitzenverbände's Grundsätzliche Hinweise zum Übergangsbereich as
/// quoted by Haufe (BE and BE_AN rounded to two decimals, half up).
#[test]
fn midijob_worked_example_1200() {
    let mut i = input(Employment::Midijob, "1200.00");
    i.childless = true;
    i.children_under_25 = 0;
    let mut t = Trace::default();
    assert_eq!(midijob_bases(d("1200.00"), p(), &mut t), (d("1083.25"), d("854.69")));
    let r = run(&i);
    assert_eq!(shares(&r, "kv"), (d("62.39"), d("95.77")));
    assert_eq!(shares(&r, "kv_zusatz"), (d("12.39"), d("19.03")));
    // PV 15.38 plus the childless surcharge 5.13, employer 23.62.
    assert_eq!(shares(&r, "pv"), (d("20.51"), d("23.62")));
    assert_eq!(shares(&r, "rv"), (d("79.49"), d("121.99")));
    assert_eq!(shares(&r, "av"), (d("11.11"), d("17.05")));
    let employee: Dec = ["kv", "kv_zusatz", "pv", "rv", "av"]
        .iter()
        .fold(Dec::ZERO, |a, b| a.add(branch(&r, b).employee));
    let employer: Dec = ["kv", "kv_zusatz", "pv", "rv", "av"]
        .iter()
        .fold(Dec::ZERO, |a, b| a.add(branch(&r, b).employer));
    assert_eq!(employee, d("185.89"));
    assert_eq!(employer, d("277.46"));
}

/// Source: `midijob.md`, check values of the 2026 formulas (IKK Südwest:
/// F = 0.6619, BE = 1.145937223 × AE − 291.8744452): AE = 2,000 gives
/// BE = BE_AN = 2,000; AE = 603.01 gives BE ≈ 399.14 and BE_AN ≈ 0.01.
#[test]
fn midijob_bases_at_both_ends_of_the_range() {
    let mut t = Trace::default();
    assert_eq!(midijob_bases(d("2000.00"), p(), &mut t), (d("2000.00"), d("2000.00")));
    assert_eq!(midijob_bases(d("603.01"), p(), &mut t), (d("399.14"), d("0.01")));
}

/// Source: Minijob-Zentrale, Minijob-Rechner explanation: RV 18.6 %, the
/// employer 15 %, the employee 3.6 %; at least 175 € are the base, the
/// employer pays 15 % of the actual pay and the employee the rest.
/// Rates of the other employer charges: Minijob-Zentrale 2026 (KV 13 %,
/// U1 0.80 %, U2 0.22 %, U3 0.15 %), as in `sv2026.toml`.
#[test]
fn minijob_at_the_limit_603() {
    let r = run(&input(Employment::Minijob, "603.00"));
    assert_eq!(shares(&r, "minijob_rv"), (d("21.71"), d("90.45")));
    assert_eq!(shares(&r, "minijob_kv"), (Dec::ZERO, d("78.39")));
    assert_eq!(branch(&r, "u1").employer, d("4.82"));
    assert_eq!(branch(&r, "u2").employer, d("1.33"));
    assert_eq!(branch(&r, "u3").employer, d("0.90"));
    assert_eq!(r.employee_total, d("21.71"));
    // No PV, no AV, no employee KV in a Minijob.
    assert!(r.contributions.iter().all(|c| !matches!(c.branch, "pv" | "av" | "kv")));
}

/// Source: Minijob-Zentrale (minimum base 175 €: 18.6 % × 175 = 32.55 €,
/// the employer 15 % of the actual pay, the employee the remainder).
#[test]
fn minijob_below_the_minimum_base() {
    let r = run(&input(Employment::Minijob, "100.00"));
    assert_eq!(shares(&r, "minijob_rv"), (d("17.55"), d("15.00")));
    let mut exempt = input(Employment::Minijob, "100.00");
    exempt.minijob_rv_exempt = true;
    assert_eq!(shares(&run(&exempt), "minijob_rv"), (Dec::ZERO, d("15.00")));
}

/// Source: ECOVIS press release "Rentenansprüche: Lohnt sich die
/// Beitragszahlung bei Minijobs?" (2024, 538 €: employer 80.70 €, employee
/// 19.37 €); the RV rates are unchanged in 2026.
#[test]
fn minijob_538_as_published() {
    let r = run(&input(Employment::Minijob, "538.00"));
    assert_eq!(shares(&r, "minijob_rv"), (d("19.37"), d("80.70")));
}

/// § 20 Abs. 2a SGB IV (since 2023): in the Übergangsbereich the employee
/// pays less than half of the contribution on the actual pay, the employer
/// at least its regular half (Haufe, "Neue Formeln für Midijobs ab
/// 1.1.2026": at the lower end the employer pays about 28 %).
#[test]
fn midijob_shifts_the_burden_to_the_employer() {
    for pay in ["700.00", "1000.00", "1500.00", "1999.99"] {
        let r = run(&input(Employment::Midijob, pay));
        for (b, half) in [("rv", "9.3"), ("av", "1.3"), ("kv", "7.3")] {
            let (employee, employer) = shares(&r, b);
            let regular_half = d(pay).percent(d(half)).cents();
            assert!(
                employee <= regular_half,
                "{pay} {b}: employee {employee} > {regular_half}"
            );
            assert!(
                employer >= regular_half,
                "{pay} {b}: employer {employer} < {regular_half}"
            );
        }
    }
}

#[test]
fn boundaries_603_and_2000() {
    // 603.00 is a Minijob, 603.01 a Midijob with a tiny employee share.
    let mini = run(&input(Employment::Minijob, "603.00"));
    assert_eq!(mini.employment, Employment::Minijob);
    let midi = run(&input(Employment::Midijob, "603.01"));
    assert_eq!(shares(&midi, "rv").0, d("0.00"));
    assert!(midi.employer_total > mini.employer_total.subtract(d("100")));
    // 2,000.00 in the range equals 2,000.00 as a regular employment; 2,000.01 is regular.
    let at = run(&input(Employment::Midijob, "2000.00"));
    let regular = run(&input(Employment::Regular, "2000.00"));
    for b in ["kv", "kv_zusatz", "pv", "rv", "av"] {
        assert_eq!(shares(&at, b), shares(&regular, b), "{b}");
    }
    let above = run(&input(Employment::Regular, "2000.01"));
    assert_eq!(shares(&above, "rv"), (d("186.00"), d("186.00")));
    assert_eq!(shares(&above, "kv"), (d("146.00"), d("146.00")));
}

/// Beitragsbemessungsgrenzen 2026 (SV-Rechengrößenverordnung 2026): KV/PV
/// 5,812.50 €, RV/AV 8,450.00 € a month.
#[test]
fn contributions_stop_at_the_beitragsbemessungsgrenzen() {
    let at_kv = run(&input(Employment::Regular, "5812.50"));
    let over_kv = run(&input(Employment::Regular, "5812.51"));
    assert_eq!(shares(&at_kv, "kv"), (d("424.31"), d("424.31")));
    assert_eq!(shares(&over_kv, "kv"), shares(&at_kv, "kv"));
    assert_eq!(shares(&over_kv, "pv"), shares(&at_kv, "pv"));
    assert!(shares(&run(&input(Employment::Regular, "6000.00")), "rv").0 > shares(&at_kv, "rv").0);
    let at_rv = run(&input(Employment::Regular, "8450.00"));
    let over_rv = run(&input(Employment::Regular, "8450.01"));
    assert_eq!(shares(&at_rv, "rv"), (d("785.85"), d("785.85")));
    assert_eq!(shares(&over_rv, "rv"), shares(&at_rv, "rv"));
    assert_eq!(shares(&over_rv, "av"), (d("109.85"), d("109.85")));
    // U3 on the RV base, capped too.
    assert_eq!(branch(&over_rv, "u3").employer, d("12.68"));
}

/// § 55 Abs. 3 SGB XI / § 58 SGB XI with the 2026 rates: childless +0.6 %,
/// −0.25 % per child from the 2nd to the 5th under 25; Sachsen 2.3 % / 1.3 %.
#[test]
fn pv_surcharge_discounts_and_sachsen() {
    let pv_of = |childless: bool, children: u32, sachsen: bool| {
        let mut i = input(Employment::Regular, "4000.00");
        i.childless = childless;
        i.children_under_25 = children;
        i.sachsen = sachsen;
        shares(&run(&i), "pv")
    };
    assert_eq!(pv_of(false, 1, false), (d("72.00"), d("72.00")));
    assert_eq!(pv_of(true, 0, false), (d("96.00"), d("72.00")));
    assert_eq!(pv_of(false, 2, false), (d("62.00"), d("72.00")));
    assert_eq!(pv_of(false, 5, false), (d("32.00"), d("72.00")));
    assert_eq!(pv_of(false, 7, false), (d("32.00"), d("72.00")));
    assert_eq!(pv_of(false, 1, true), (d("92.00"), d("52.00")));
}

/// § 257 SGB V, § 61 SGB XI: subsidy half the premium, at most 8.75 % (7.3 +
/// 2.9/2) and 1.8 % of the BBG KV/PV (508.59 € and 104.63 €).
#[test]
fn private_insurance_subsidy_is_half_the_premium_up_to_the_maximum() {
    let mut i = input(Employment::Regular, "7000.00");
    i.health = Health::Private {
        premium_kv: d("600.00"),
        premium_pv: d("80.00"),
    };
    let r = run(&i);
    assert_eq!((r.pkv_subsidy_kv, r.pkv_subsidy_pv), (d("300.00"), d("40.00")));
    i.health = Health::Private {
        premium_kv: d("1200.00"),
        premium_pv: d("300.00"),
    };
    let r = run(&i);
    assert_eq!((r.pkv_subsidy_kv, r.pkv_subsidy_pv), (d("508.59"), d("104.63")));
    assert!(r
        .contributions
        .iter()
        .all(|c| !matches!(c.branch, "kv" | "pv" | "kv_zusatz")));
}

/// § 20 Abs. 3 SGB IV: an apprentice up to 325 € pays nothing; the employer
/// pays all, with the average Zusatzbeitrag (2.9 %).
#[test]
fn apprentice_below_the_geringverdienergrenze_pays_nothing() {
    let mut i = input(Employment::ApprenticeLowPay, "300.00");
    i.health = Health::Statutory {
        zusatzbeitrag: d("3.5"),
        reduced: false,
    };
    let r = run(&i);
    assert_eq!(r.employee_total, Dec::ZERO);
    assert_eq!(shares(&r, "kv"), (Dec::ZERO, d("43.80")));
    assert_eq!(shares(&r, "kv_zusatz"), (Dec::ZERO, d("8.70")));
    assert_eq!(shares(&r, "rv"), (Dec::ZERO, d("55.80")));
}

/// Sources: Bundesministerium für Arbeit und Soziales, "Midi-Jobs" (the
/// employee contribution starts at zero at the lower end of the range and
/// rises to the regular share; the employer's starts at 28 % as for a
/// Minijob and falls to the regular share); Deutsche Rentenversicherung,
/// summa summarum Lexikon "Übergangsbereich" (no employee share at the lower
/// limit, half of the total at 2,000 €). With the average Zusatzbeitrag
/// (2.9 %) and no PV surcharge or discount.
#[test]
fn midijob_shares_run_from_zero_and_28_percent_to_the_regular_halves() {
    let branches = ["kv", "kv_zusatz", "pv", "rv", "av"];
    let totals = |r: &SvResult| {
        branches.iter().fold((Dec::ZERO, Dec::ZERO), |(e, r2), b| {
            let (x, y) = shares(r, b);
            (e.add(x), r2.add(y))
        })
    };
    let low = run(&input(Employment::Midijob, "603.01"));
    let (employee, employer) = totals(&low);
    assert_eq!(employee, Dec::ZERO);
    // 28 % of 603.01 = 168.84; the formula gives F × G × 42.3 % on BE.
    let share = employer.divide_round(d("603.01"), 4, kontor_payroll::dec::Round::HalfUp);
    assert!(
        share >= d("0.2790") && share <= d("0.2810"),
        "employer {employer} = {share}"
    );
    let top = run(&input(Employment::Midijob, "2000.00"));
    let (employee, employer) = totals(&top);
    // 21.15 % of 2,000 on each side (7.3 + 1.45 + 1.8 + 9.3 + 1.3).
    assert_eq!(employee, d("423.00"));
    assert_eq!(employer, d("423.00"));
}
