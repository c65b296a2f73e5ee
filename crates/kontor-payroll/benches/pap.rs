//! Payroll throughput, one thread:
//! - the PAP: the 5,000 inputs of `../shared/corpus/payroll/lst2026_cases.jsonl`
//!   (parsed once) computed in each round; the best round as cases/s;
//! - gross-to-net: 10,000 varied employee-months (salaried, hourly, Minijob,
//!   Midijob, private insurance, company car, one-off payments, church tax),
//!   parsed once, computed with the full trace in each round.
//!
//! `cargo bench -p kontor-payroll --bench pap`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use kontor_payroll::gross_to_net::{compute, EmployeeMonth};
use kontor_payroll::pap::LstInput;
use serde_json::json;

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/payroll/lst2026_cases.jsonl");
    let text = std::fs::read_to_string(&path).expect("the payroll corpus beside the repository");
    let inputs: Vec<LstInput> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            LstInput::from_json(v["input"].as_object().unwrap()).unwrap()
        })
        .collect();
    let rounds = 30;
    let mut best = f64::MAX;
    let mut check = 0i64;
    for _ in 0..rounds {
        let start = Instant::now();
        for i in &inputs {
            check = check.wrapping_add(std::hint::black_box(i).compute().output().LSTLZZ);
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(check);
    println!(
        "pap (Lohnsteuer 2026): {} cases; best of {rounds} rounds {:.4} s = {:.0} cases/s, {:.2} µs/case (one thread)",
        inputs.len(),
        best,
        inputs.len() as f64 / best,
        best * 1e6 / inputs.len() as f64
    );
    gross_to_net();
}

/// 10,000 deterministic, varied employee-months.
fn months() -> Vec<EmployeeMonth> {
    let states = ["BY", "NW", "SN", "BE", "BW", "HH"];
    (0..10_000u64)
        .map(|i| {
            let salary = 40_000 + (i * 7_919) % 900_000; // cent: 400 € to 9,400 €
            let mut components = vec![if i % 5 == 0 {
                json!({"kind": "hourly", "hours": format!("{}", 20 + i % 150), "rate": "15.50"})
            } else {
                json!({"kind": "salary", "amount": format!("{}.{:02}", salary / 100, salary % 100)})
            }];
            if i % 7 == 0 {
                components.push(json!({"kind": "company_car", "list_price": "42000", "commute_km": "18"}));
            }
            if i % 11 == 0 {
                components.push(json!({"kind": "one_off", "amount": "1500.00"}));
            }
            if i % 13 == 0 {
                components.push(json!({"kind": "surcharge", "surcharge": "night", "hours": "12", "base_rate": "18.00", "percent": "25"}));
            }
            let health = if i % 9 == 0 {
                json!({"type": "private", "premium_kv": "520.00", "premium_pv": "75.00"})
            } else {
                json!({"type": "statutory", "zusatzbeitrag": "2.9"})
            };
            let v = json!({
                "id": i,
                "month": format!("2026-{:02}", 1 + i % 12),
                "person": {"birth_date": format!("{}-05-17", 1960 + i % 45), "children": i % 4, "children_under_25": (i % 4).min(i % 3)},
                "tax": {"steuerklasse": 1 + (i % 6), "kinderfreibetraege": if i % 6 < 4 { "1.0" } else { "0.0" }, "church": i % 3 == 0, "state": states[(i % 6) as usize]},
                "insurance": {"health": health},
                "components": components,
            });
            serde_json::from_value(v).unwrap()
        })
        .collect()
}

fn gross_to_net() {
    let months = months();
    let rounds = 10;
    let mut best = f64::MAX;
    let mut check = 0usize;
    for _ in 0..rounds {
        let start = Instant::now();
        for m in &months {
            let p = compute(std::hint::black_box(m)).unwrap();
            check = check.wrapping_add(p.trace.steps.len());
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(check);
    println!(
        "gross-to-net: {} employee-months; best of {rounds} rounds {:.4} s = {:.0} employee-months/s, {:.1} µs each, with the trace (one thread)",
        months.len(),
        best,
        months.len() as f64 / best,
        best * 1e6 / months.len() as f64
    );
}
