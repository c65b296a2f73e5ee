//! Properties of gross-to-net over generated employee-months: net pay never
//! exceeds gross; every social-insurance contribution stays within its rate
//! × Beitragsbemessungsgrenze.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kontor_payroll::dec::Dec;
use kontor_payroll::gross_to_net::{compute, EmployeeMonth};
use proptest::prelude::*;
use serde_json::json;

fn d(s: &str) -> Dec {
    Dec::parse(s).unwrap()
}

/// The highest total rate of each branch (percent) and its BBG.
fn ceiling(branch: &str) -> Option<(Dec, Dec)> {
    let kv = d("5812.50");
    let rv = d("8450.00");
    Some(match branch {
        // 14.6 % general rate.
        "kv" => (d("14.6"), kv),
        // Zusatzbeitrag up to 10 % (the validation's limit).
        "kv_zusatz" => (d("10"), kv),
        // 3.6 % plus the childless surcharge 0.6 %.
        "pv" => (d("4.2"), kv),
        "rv" => (d("18.6"), rv),
        "av" => (d("2.6"), rv),
        _ => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn net_never_exceeds_gross_and_contributions_stay_within_rate_times_bbg(
        salary_cent in 0i64..3_000_000,
        one_off_cent in prop::sample::select(vec![0i64, 50_000, 1_000_000, 5_000_000]),
        car in prop::bool::ANY,
        stkl in 1i64..=6,
        month in 1u32..=12,
        church in prop::bool::ANY,
        state in prop::sample::select(vec!["BY", "NW", "SN", "BE"]),
        zb in prop::sample::select(vec!["0.00", "1.70", "2.90", "4.40"]),
        children in 0u32..=6,
        private in prop::bool::ANY,
        apprentice in prop::bool::ANY,
        rv_exempt in prop::bool::ANY,
    ) {
        let mut components = vec![json!({"kind": "salary", "amount": Dec::from_cent(salary_cent).to_string()})];
        if one_off_cent > 0 {
            components.push(json!({"kind": "one_off", "amount": Dec::from_cent(one_off_cent).to_string()}));
        }
        if car {
            components.push(json!({"kind": "company_car", "list_price": "35000", "commute_km": "12"}));
        }
        let health = if private {
            json!({"type": "private", "premium_kv": "500.00", "premium_pv": "90.00"})
        } else {
            json!({"type": "statutory", "zusatzbeitrag": zb})
        };
        let v = json!({
            "month": format!("2026-{month:02}"),
            "person": {"birth_date": "1980-07-01", "children": children, "children_under_25": children},
            "tax": {"steuerklasse": stkl, "church": church, "state": state},
            "insurance": {"health": health, "apprentice": apprentice, "minijob_rv_exempt": rv_exempt},
            "components": components,
        });
        let m: EmployeeMonth = serde_json::from_value(v).unwrap();
        let p = compute(&m).unwrap();
        prop_assert!(p.net <= p.gross, "net {} > gross {}", p.net, p.gross);
        prop_assert!(p.lohnsteuer.signum() >= 0 && p.solidaritaetszuschlag.signum() >= 0 && p.kirchensteuer.signum() >= 0);
        for c in &p.social_insurance.contributions {
            prop_assert!(c.employee.signum() >= 0 && c.employer.signum() >= 0, "{c:?}");
            if let Some((rate, bbg)) = ceiling(c.branch) {
                // The month's BBG; a one-off payment may use the room left from
                // earlier months (anteilige Jahres-BBG), at most month × BBG.
                let limit = bbg.multiply(Dec::from_i64(i64::from(month))).percent(rate).add(d("0.02"));
                prop_assert!(c.employee.add(c.employer) <= limit, "{} {} + {} > {}", c.branch, c.employee, c.employer, limit);
                if one_off_cent == 0 {
                    let monthly = bbg.percent(rate).add(d("0.02"));
                    prop_assert!(c.employee.add(c.employer) <= monthly, "{} {} + {} > {}", c.branch, c.employee, c.employer, monthly);
                }
            }
        }
    }
}
