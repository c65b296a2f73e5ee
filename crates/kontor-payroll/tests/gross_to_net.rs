//! Gross-to-net for one employee-month: components, taxes, social
//! insurance, net, payout, employer cost, the trace, and input validation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kontor_payroll::dec::Dec;
use kontor_payroll::gross_to_net::{compute, EmployeeMonth, Payslip};
use kontor_payroll::pap::LstInput;
use kontor_payroll::sv::Employment;
use serde_json::{json, Value};

fn d(s: &str) -> Dec {
    Dec::parse(s).unwrap()
}

fn month(components: Value) -> Value {
    json!({
        "id": "t-1",
        "month": "2026-06",
        "person": {"birth_date": "1988-04-12", "children": 1, "children_under_25": 1},
        "tax": {"steuerklasse": 1, "kinderfreibetraege": "0.5", "church": true, "state": "BY"},
        "insurance": {"health": {"type": "statutory", "zusatzbeitrag": "2.9"}},
        "components": components,
    })
}

fn run(v: Value) -> Payslip {
    let m: EmployeeMonth = serde_json::from_value(v).unwrap();
    compute(&m).unwrap_or_else(|p| panic!("refused: {p:?}"))
}

fn contribution(p: &Payslip, branch: &str) -> (Dec, Dec) {
    let c = p
        .social_insurance
        .contributions
        .iter()
        .find(|c| c.branch == branch)
        .unwrap();
    (c.employee, c.employer)
}

#[test]
fn a_salaried_employee_from_gross_to_payout() {
    let p = run(month(json!([{"kind": "salary", "amount": "3500.00"}])));
    assert_eq!(p.employment, Employment::Regular);
    assert_eq!(p.gross, d("3500.00"));
    // The Lohnsteuer is the PAP's for the same inputs.
    let pap = LstInput::from_json(
        json!({"LZZ": 2, "RE4": 350000, "STKL": 1, "ZKF": "0.5", "R": 1, "KVZ": "2.9", "PVZ": 0, "PVA": 0, "af": 0, "JRE4": 4200000})
            .as_object()
            .unwrap(),
    )
    .unwrap()
    .compute()
    .output();
    assert_eq!(p.lohnsteuer, Dec::from_cent(pap.LSTLZZ));
    assert_eq!(p.solidaritaetszuschlag, Dec::from_cent(pap.SOLZLZZ));
    // Church tax 8 % in Bayern of the PAP's base, rounded down to the cent.
    assert_eq!(
        p.kirchensteuer,
        Dec::from_cent(pap.BK)
            .percent(d("8"))
            .set_scale(2, kontor_payroll::dec::Round::Down)
    );
    // Social insurance: 7.3 + 1.45 + 1.8 + 9.3 + 1.3 % of 3,500.
    assert_eq!(contribution(&p, "kv"), (d("255.50"), d("255.50")));
    assert_eq!(contribution(&p, "kv_zusatz"), (d("50.75"), d("50.75")));
    assert_eq!(contribution(&p, "pv"), (d("63.00"), d("63.00")));
    assert_eq!(contribution(&p, "rv"), (d("325.50"), d("325.50")));
    assert_eq!(contribution(&p, "av"), (d("45.50"), d("45.50")));
    assert_eq!(p.social_insurance.employee_total, d("740.25"));
    let expected_net = d("3500.00")
        .subtract(p.lohnsteuer)
        .subtract(p.solidaritaetszuschlag)
        .subtract(p.kirchensteuer)
        .subtract(d("740.25"));
    assert_eq!(p.net, expected_net);
    assert_eq!(p.payout, p.net);
    // Employer: gross + its shares + U3 (0.15 % = 5.25).
    assert_eq!(p.employer_cost, d("3500.00").add(d("740.25")).add(d("5.25")));
    // The trace explains the numbers.
    for step in [
        "gross",
        "pap.ZVE",
        "pap.VSP",
        "lohnsteuer",
        "kirchensteuer",
        "kv.employee",
        "pv.employee_rate",
        "net",
        "payout",
        "employer_cost",
    ] {
        assert!(p.trace.steps.iter().any(|s| s.name == step), "no {step} in the trace");
    }
    let net_step = p.trace.steps.iter().find(|s| s.name == "net").unwrap();
    assert!(net_step.rule.contains("gross"));
    assert!(p
        .trace
        .params
        .iter()
        .any(|u| u.key == "kv.rate_general" && u.source.contains("241")));
}

#[test]
fn components_follow_their_tax_and_social_insurance_rules() {
    let p = run(month(json!([
        {"kind": "hourly", "hours": "160", "rate": "20.00"},
        {"kind": "overtime", "hours": "10", "rate": "25.00"},
        {"kind": "surcharge", "surcharge": "sunday", "hours": "10", "base_rate": "60.00", "percent": "50"},
        {"kind": "company_car", "list_price": "40049.00", "commute_km": "15"},
        {"kind": "benefit_in_kind", "amount": "50.00"},
        {"kind": "vwl", "employer": "26.59", "transfer": "40.00"},
    ])));
    // 3,200 + 250 + 300 + (400 + 180) + 50 + 26.59
    assert_eq!(p.gross, d("4406.59"));
    // Surcharge: tax-free on at most 50 €/h (250), SV-free on at most 25 €/h (125).
    // Sachbezug of 50 € is within the Freigrenze: tax-free.
    assert_eq!(p.tax_free, d("300.00"));
    assert_eq!(p.taxable, d("4106.59"));
    assert_eq!(p.sv_pay, d("4231.59"));
    let car = p.trace.steps.iter().find(|s| s.name.ends_with("company_car")).unwrap();
    assert_eq!(car.value, d("580.00"));
    // Payout: the car and the Sachbezug were not cash, the VWL saving goes to the contract.
    assert_eq!(
        p.payout,
        p.net.subtract(d("580.00")).subtract(d("50.00")).subtract(d("40.00"))
    );
    // Sachbezug above 50 €: all of it is taxable.
    let over = run(month(
        json!([{"kind": "salary", "amount": "3000"}, {"kind": "benefit_in_kind", "amount": "50.01"}]),
    ));
    assert_eq!(over.taxable, d("3050.01"));
    assert_eq!(over.tax_free, Dec::ZERO);
}

#[test]
fn a_minijob_with_flat_tax() {
    let mut v = month(json!([{"kind": "hourly", "hours": "40", "rate": "13.90"}]));
    v["tax"]["church"] = json!(false);
    let p = run(v);
    assert_eq!(p.employment, Employment::Minijob);
    assert_eq!(p.gross, d("556.00"));
    assert_eq!(p.lohnsteuer, Dec::ZERO);
    assert_eq!(p.flat_tax, d("11.12"));
    assert_eq!(contribution(&p, "minijob_rv"), (d("20.02"), d("83.40")));
    assert_eq!(p.net, d("535.98"));
    // 556 + RV 83.40 + KV 72.28 + U1 4.45 + U2 1.22 + U3 0.83 + tax 11.12
    assert_eq!(p.employer_cost, d("729.30"));
}

#[test]
fn a_midijob_and_the_boundaries_of_the_employment_kinds() {
    let kind = |amount: &str| run(month(json!([{"kind": "salary", "amount": amount}]))).employment;
    assert_eq!(kind("603.00"), Employment::Minijob);
    assert_eq!(kind("603.01"), Employment::Midijob);
    assert_eq!(kind("2000.00"), Employment::Midijob);
    assert_eq!(kind("2000.01"), Employment::Regular);
    let mut apprentice = month(json!([{"kind": "salary", "amount": "325.00"}]));
    apprentice["insurance"]["apprentice"] = json!(true);
    assert_eq!(run(apprentice.clone()).employment, Employment::ApprenticeLowPay);
    apprentice["components"][0]["amount"] = json!("900.00");
    assert_eq!(run(apprentice).employment, Employment::Regular);
}

#[test]
fn a_one_off_payment_is_taxed_as_sonstiger_bezug_within_the_pro_rata_bbg() {
    let p = run(month(
        json!([{"kind": "salary", "amount": "5000.00"}, {"kind": "one_off", "amount": "10000.00"}]),
    ));
    assert_eq!(p.one_off, d("10000.00"));
    assert!(p.lohnsteuer > run(month(json!([{"kind": "salary", "amount": "5000.00"}]))).lohnsteuer);
    // June, 5,000 a month before: KV room = 6 × 5,812.50 − 5 × 5,000 − 5,000 = 4,875.
    assert_eq!(p.trace.value("one_off_kv_pv"), Some(d("4875.00")));
    // RV room = 6 × 8,450 − 30,000 = 20,700: all of it.
    assert_eq!(p.trace.value("one_off_rv_av"), Some(d("10000.00")));
}

#[test]
fn private_insurance_subsidy_is_paid_out_and_counts_for_the_employer() {
    let mut v = month(json!([{"kind": "salary", "amount": "7000.00"}]));
    v["insurance"] = json!({"health": {"type": "private", "premium_kv": "600.00", "premium_pv": "80.00"}});
    let p = run(v);
    assert_eq!(p.payout, p.net.add(d("340.00")));
    assert!(p.social_insurance.contributions.iter().all(|c| c.branch != "kv"));
}

#[test]
fn every_problem_of_an_input_is_reported() {
    let v = json!({
        "id": "bad",
        "month": "2026-13",
        "person": {"birth_date": "19880412", "children": 0, "children_under_25": 2},
        "tax": {"steuerklasse": 7, "faktor": "1.5", "kinderfreibetraege": "0.3", "state": "XX"},
        "insurance": {"health": {"type": "statutory"}},
        "components": [{"kind": "salary", "amount": "-100"}, {"kind": "hourly", "hours": "800", "rate": "10"}],
    });
    let m: EmployeeMonth = serde_json::from_value(v).unwrap();
    let problems = compute(&m).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "month",
        "person.birth_date",
        "person.children_under_25",
        "tax.steuerklasse",
        "tax.faktor",
        "tax.kinderfreibetraege",
        "tax.state",
        "insurance.zusatzbeitrag",
        "components[0].amount",
        "components[1].hours",
    ] {
        assert!(fields.contains(&f), "{f} not reported: {fields:?}");
    }
    assert!(problems.iter().all(|p| !p.de.is_empty() && !p.en.is_empty()));
}

#[test]
fn floats_and_unknown_fields_are_refused_with_a_clear_message() {
    let mut v = month(json!([{"kind": "salary", "amount": 3500.5}]));
    let e = serde_json::from_value::<EmployeeMonth>(v.clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("floating-point") && e.contains("\"3500.5\""), "{e}");
    v["components"] = json!([{"kind": "salary", "amount": "3500", "bonus": 1}]);
    assert!(serde_json::from_value::<EmployeeMonth>(v).is_err());
}

#[test]
fn church_tax_is_nine_percent_outside_bayern_and_baden_wuerttemberg() {
    let mut v = month(json!([{"kind": "salary", "amount": "4000.00"}]));
    let by = run(v.clone());
    v["tax"]["state"] = json!("NW");
    let nw = run(v);
    assert_eq!(by.lohnsteuer, nw.lohnsteuer);
    assert!(nw.kirchensteuer > by.kirchensteuer);
    let base = by.kirchensteuer.divide(d("0.08"));
    assert!(nw.kirchensteuer.subtract(base.percent(d("9"))).compare_to(d("0.01")) <= 0);
}

/// § 24a EStG via the PAP (ALTER1/AJAHR): the Altersentlastungsbetrag from
/// the year after completing 64; a year of life is completed the day before
/// the birthday (§ 187 Abs. 2, § 188 BGB), so 1 January 1962 counts as 1961.
#[test]
fn the_altersentlastungsbetrag_starts_the_year_after_completing_64() {
    let tax = |birth: &str| {
        let mut v = month(json!([{"kind": "salary", "amount": "4000.00"}]));
        v["person"]["birth_date"] = json!(birth);
        run(v).lohnsteuer
    };
    let young = tax("1970-06-01");
    let senior = tax("1961-06-01");
    assert!(senior < young, "{senior} !< {young}");
    assert_eq!(tax("1962-01-01"), senior);
    assert_eq!(tax("1962-01-02"), young);
}
