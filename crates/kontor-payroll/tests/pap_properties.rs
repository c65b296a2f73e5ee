//! Properties of the Lohnsteuer PAP over generated inputs: Lohnsteuer (and
//! Soli) never decrease when the wage RE4 rises, all else equal, within one
//! Steuerklasse and Lohnzahlungszeitraum.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kontor_payroll::pap::LstInput;
use proptest::prelude::*;
use serde_json::json;

/// An input with this wage and the other fields of `rest`.
fn input(re4: i64, rest: &serde_json::Value) -> LstInput {
    let mut v = rest.clone();
    v["RE4"] = json!(re4);
    LstInput::from_json(v.as_object().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn lohnsteuer_never_decreases_when_the_wage_rises(
        stkl in 1i64..=6,
        lzz in 1i64..=4,
        re4 in 0i64..50_000_000,
        raise in 1i64..5_000_000,
        kvz in prop::sample::select(vec!["0.00", "1.70", "2.90", "4.40"]),
        zkf in prop::sample::select(vec!["0.0", "0.5", "1.0", "2.5"]),
        pkv in 0i64..=1,
        pvz in 0i64..=1,
        r in 0i64..=1,
        krv in 0i64..=1,
    ) {
        let rest = json!({
            "STKL": stkl, "LZZ": lzz, "KVZ": kvz, "ZKF": zkf, "PKV": pkv,
            "PKPV": if pkv == 1 { 40000 } else { 0 }, "PVZ": pvz, "R": r, "KRV": krv, "af": 0,
        });
        let lower = input(re4, &rest).compute().output();
        let higher = input(re4 + raise, &rest).compute().output();
        prop_assert!(higher.LSTLZZ >= lower.LSTLZZ, "LSTLZZ fell from {} to {} (RE4 {} -> {})", lower.LSTLZZ, higher.LSTLZZ, re4, re4 + raise);
        prop_assert!(higher.SOLZLZZ >= lower.SOLZLZZ, "SOLZLZZ fell from {} to {}", lower.SOLZLZZ, higher.SOLZLZZ);
        prop_assert!(higher.BK >= lower.BK, "BK fell from {} to {}", lower.BK, higher.BK);
    }
}
