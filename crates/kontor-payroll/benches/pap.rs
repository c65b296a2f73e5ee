//! PAP throughput, one thread: the 5,000 inputs of
//! `../shared/corpus/payroll/lst2026_cases.jsonl` (parsed once) computed in
//! each round; the best round is reported as cases/s.
//!
//! `cargo bench -p kontor-payroll --bench pap`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use kontor_payroll::pap::LstInput;

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
}
