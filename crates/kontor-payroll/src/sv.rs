//! Social-insurance contributions for one employee and one month: KV
//! (general or reduced rate, the Krankenkasse's Zusatzbeitrag), PV
//! (childless surcharge, child discounts, Sachsen), RV, AV; the
//! Beitragsbemessungsgrenzen; Minijob (employer flat contributions, RV
//! top-up or exemption); Midijob (Übergangsbereich with BE and BE_AN);
//! apprentices below the Geringverdienergrenze; Umlagen U1, U2, U3; the
//! employer subsidy for private health insurance.
//!
//! Amounts are euro, rounded half up to the cent per contribution. Every
//! parameter comes from the year's data file (`params/sv2026.toml`).

use serde::Serialize;

use crate::dec::Dec;
use crate::params::SvParams;
use crate::trace::Trace;

/// How the employee is insured for health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// Gesetzlich versichert: the Krankenkasse's Zusatzbeitrag in percent
    /// (e.g. 2.9) and whether the reduced rate applies (no Krankengeld).
    Statutory { zusatzbeitrag: Dec, reduced: bool },
    /// Privately insured: the monthly premiums for the basic health and the
    /// care insurance (for the employer subsidy and the Lohnsteuer).
    Private { premium_kv: Dec, premium_pv: Dec },
}

/// The kind of employment for social insurance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    /// Regular employment subject to social insurance.
    Regular,
    /// Geringfügig entlohnt (pay up to the Minijob limit).
    Minijob,
    /// Übergangsbereich (above the Minijob limit up to 2,000 €).
    Midijob,
    /// An apprentice below the Geringverdienergrenze: the employer pays all.
    ApprenticeLowPay,
}

/// Which branches the employee is insured in (e.g. a Werkstudent only in
/// RV, a civil servant in none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insured {
    pub kv: bool,
    pub pv: bool,
    pub rv: bool,
    pub av: bool,
}

impl Default for Insured {
    fn default() -> Self {
        Self {
            kv: true,
            pv: true,
            rv: true,
            av: true,
        }
    }
}

/// Everything the contributions depend on.
#[derive(Clone, Debug)]
pub struct SvInput {
    pub employment: Employment,
    /// Laufendes beitragspflichtiges Arbeitsentgelt of the month (euro).
    pub pay: Dec,
    /// Beitragspflichtige one-off payment (Einmalzahlung) of the month, already
    /// limited to the room left under the anteilige Jahres-BBG for KV/PV and
    /// for RV/AV respectively.
    pub one_off_kv: Dec,
    pub one_off_rv: Dec,
    pub health: Health,
    pub insured: Insured,
    /// The workplace is in Sachsen (PV split).
    pub sachsen: bool,
    /// The childless surcharge applies (aged 23 or over, no children).
    pub childless: bool,
    /// Children under 25 (for the discount from the 2nd child on).
    pub children_under_25: u32,
    /// U1 and U2 rates of the employee's Krankenkasse in percent (U1 only
    /// for employers in the Ausgleichsverfahren; 0 if not).
    pub u1_rate: Dec,
    pub u2_rate: Dec,
    /// Minijob: the employee is exempt from RV on request (§ 6 Abs. 1b SGB VI).
    pub minijob_rv_exempt: bool,
}

/// One branch's contribution.
#[derive(Clone, Debug, Serialize)]
pub struct Contribution {
    /// `kv`, `kv_zusatz`, `pv`, `rv`, `av`, `u1`, `u2`, `u3`, `minijob_kv`, `minijob_rv`.
    pub branch: &'static str,
    /// The base the employer share (or the total) was computed from.
    pub base: Dec,
    pub employee: Dec,
    pub employer: Dec,
}

#[derive(Clone, Debug, Serialize)]
pub struct SvResult {
    pub employment: Employment,
    pub contributions: Vec<Contribution>,
    /// Employer subsidy to private health and care insurance (tax-free, paid out).
    pub pkv_subsidy_kv: Dec,
    pub pkv_subsidy_pv: Dec,
    /// The employee's total (deducted from pay).
    pub employee_total: Dec,
    /// The employer's total of contributions and Umlagen (without the subsidy).
    pub employer_total: Dec,
}

/// The parameters used, recorded in the trace.
struct P<'a> {
    p: &'a SvParams,
}

impl P<'_> {
    fn v(&self, t: &mut Trace, key: &str) -> Dec {
        t.param(self.p.param(key))
    }
}

/// Midijob: the bases BE (total contribution) and BE_AN (employee share),
/// § 20 Abs. 2a SGB IV, each rounded half up to the cent.
pub fn midijob_bases(ae: Dec, p: &SvParams, t: &mut Trace) -> (Dec, Dec) {
    let pp = P { p };
    let g = pp.v(t, "minijob.limit_month");
    let og = pp.v(t, "midijob.upper_bound_month");
    let f = pp.v(t, "midijob.factor_f");
    // BE = F×G + (OG/(OG−G) − G/(OG−G)×F) × (AE − G)
    //    = F×G + (OG − G×F) × (AE − G) / (OG − G), one division at the end.
    let span = og.subtract(g);
    let be = f
        .multiply(g)
        .add(
            og.subtract(g.multiply(f))
                .multiply(ae.subtract(g))
                .divide_round(span, 10, crate::dec::Round::HalfUp),
        )
        .cents();
    // BE_AN = OG/(OG−G) × (AE − G)
    let be_an = og
        .multiply(ae.subtract(g))
        .divide_round(span, 10, crate::dec::Round::HalfUp)
        .cents();
    let rule = "§ 20 Abs. 2a SGB IV: BE = F×G + (OG/(OG−G) − G/(OG−G)×F)×(AE−G), rounded to the cent";
    t.step("midijob.be", be, rule, &[("AE", ae), ("F", f), ("G", g), ("OG", og)]);
    t.step(
        "midijob.be_an",
        be_an,
        "§ 20 Abs. 2a SGB IV: BE_AN = OG/(OG−G)×(AE−G), rounded to the cent",
        &[("AE", ae), ("G", g), ("OG", og)],
    );
    (be, be_an)
}

/// The PV employee rate in percent: the base share (Sachsen or not) and
/// the adjustment (childless surcharge, or the child discount as a negative
/// number).
fn pv_employee_rates(input: &SvInput, pp: &P<'_>, t: &mut Trace) -> (Dec, Dec) {
    let base = if input.sachsen {
        pp.v(t, "pv.employee_share_sachsen")
    } else {
        pp.v(t, "pv.employee_share")
    };
    let adjustment = if input.childless {
        pp.v(t, "pv.childless_surcharge")
    } else {
        let from = pp.v(t, "pv.child_discount_from_child").long_value();
        let to = pp.v(t, "pv.child_discount_to_child").long_value();
        let n = i64::from(input.children_under_25);
        let discounted = (n.min(to) - from + 1).max(0);
        Dec::ZERO.subtract(
            pp.v(t, "pv.child_discount_per_child")
                .multiply(Dec::from_i64(discounted)),
        )
    };
    t.step(
        "pv.employee_rate",
        base.add(adjustment),
        "§ 58 SGB XI, § 55 Abs. 3 SGB XI: employee share (Sachsen 2.3 %), +0.6 childless, −0.25 per child from the 2nd to the 5th under 25",
        &[
            ("base_share", base),
            ("adjustment", adjustment),
            ("children_under_25", Dec::from_i64(i64::from(input.children_under_25))),
        ],
    );
    (base, adjustment)
}

/// PV: the employee's surcharge and discounts are the employee's alone; the
/// employer pays its share (Sachsen 1.3 %), in the Übergangsbereich the rest
/// of the total on BE.
fn pv(input: &SvInput, tot: Dec, an: Dec, pp: &P<'_>, t: &mut Trace) -> Contribution {
    let total_rate = pp.v(t, "pv.rate_total");
    let (base_rate, adj) = pv_employee_rates(input, pp, t);
    let er_rate = if input.sachsen {
        pp.v(t, "pv.employer_share_sachsen")
    } else {
        pp.v(t, "pv.employer_share")
    };
    let (employee, employer, rule) = match input.employment {
        Employment::ApprenticeLowPay => {
            let surcharge = if input.childless { adj } else { Dec::ZERO };
            (
                Dec::ZERO,
                tot.percent(total_rate.add(surcharge)).cents(),
                "§ 20 Abs. 3 SGB IV: the employer pays the whole PV contribution, including a childless surcharge",
            )
        }
        Employment::Midijob => {
            let total = tot.percent(total_rate.divide(Dec::lit(2, 0))).cents().multiply(Dec::lit(2, 0));
            let share = an.percent(base_rate).cents();
            let adjustment = if adj.signum() < 0 {
                Dec::ZERO.subtract(an.percent(Dec::ZERO.subtract(adj)).cents())
            } else {
                an.percent(adj).cents()
            };
            (
                share.add(adjustment),
                total.subtract(share),
                "§ 20 Abs. 2a SGB IV: total 2 × round(BE × 1.8 %); employee round(BE_AN × share) ± round(BE_AN × surcharge/discount); employer total − employee share",
            )
        }
        _ => (
            tot.percent(base_rate.add(adj)).cents(),
            tot.percent(er_rate).cents(),
            "§ 58 SGB XI: employee share incl. surcharge/discount, employer 1.8 % (Sachsen 1.3 %), each rounded to the cent",
        ),
    };
    t.step(
        "pv.employee",
        employee,
        rule,
        &[("base", an), ("rate_percent", base_rate.add(adj))],
    );
    t.step(
        "pv.employer",
        employer,
        rule,
        &[("base", tot), ("rate_percent", er_rate)],
    );
    Contribution {
        branch: "pv",
        base: tot,
        employee,
        employer,
    }
}

/// Computes the month's contributions.
pub fn contributions(input: &SvInput, p: &SvParams, t: &mut Trace) -> SvResult {
    let pp = P { p };
    let mut out: Vec<Contribution> = Vec::new();
    let mut pkv_kv = Dec::ZERO;
    let mut pkv_pv = Dec::ZERO;
    let statutory = matches!(input.health, Health::Statutory { .. });
    match input.employment {
        Employment::Minijob => minijob(input, &pp, t, &mut out),
        Employment::Regular | Employment::Midijob | Employment::ApprenticeLowPay => {
            let bbg_kv = pp.v(t, "rechengroessen.bbg_kv_pv_month");
            let bbg_rv = pp.v(t, "rechengroessen.bbg_rv_av_month");
            let base_kv = input.pay.min(bbg_kv).add(input.one_off_kv);
            let base_rv = input.pay.min(bbg_rv).add(input.one_off_rv);
            t.step(
                "sv.base_kv_pv",
                base_kv,
                "§ 223 SGB V: pay up to the Beitragsbemessungsgrenze KV/PV, plus the one-off payment within the anteilige Jahres-BBG",
                &[("pay", input.pay), ("bbg_kv_pv_month", bbg_kv), ("one_off_kv", input.one_off_kv)],
            );
            t.step(
                "sv.base_rv_av",
                base_rv,
                "§ 157, § 159 SGB VI: pay up to the Beitragsbemessungsgrenze RV/AV, plus the one-off payment within the anteilige Jahres-BBG",
                &[("pay", input.pay), ("bbg_rv_av_month", bbg_rv), ("one_off_rv", input.one_off_rv)],
            );
            // (total base, employee base) per the employment kind.
            let (tot_kv, an_kv, tot_rv, an_rv) = match input.employment {
                Employment::Midijob => {
                    let (be, be_an) = midijob_bases(input.pay, p, t);
                    (be, be_an, be, be_an)
                }
                _ => (base_kv, base_kv, base_rv, base_rv),
            };
            let all_employer = input.employment == Employment::ApprenticeLowPay;
            if input.insured.kv && statutory {
                if let Health::Statutory { zusatzbeitrag, reduced } = &input.health {
                    let rate = if *reduced {
                        pp.v(t, "kv.rate_reduced")
                    } else {
                        pp.v(t, "kv.rate_general")
                    };
                    out.push(branch(
                        input,
                        t,
                        "kv",
                        rate,
                        rate.divide(Dec::lit(2, 0)),
                        (tot_kv, an_kv),
                    ));
                    // Apprentices below the limit: the average Zusatzbeitrag (§ 20 Abs. 3 SGB IV).
                    let zb = if all_employer {
                        pp.v(t, "kv.avg_zusatzbeitrag")
                    } else {
                        *zusatzbeitrag
                    };
                    out.push(branch(
                        input,
                        t,
                        "kv_zusatz",
                        zb,
                        zb.divide(Dec::lit(2, 0)),
                        (tot_kv, an_kv),
                    ));
                }
            }
            if input.insured.pv && statutory {
                out.push(pv(input, tot_kv, an_kv, &pp, t));
            }
            if input.insured.rv {
                let rate = pp.v(t, "rv.rate_total");
                let an_rate = pp.v(t, "rv.employee_share");
                out.push(branch(input, t, "rv", rate, an_rate, (tot_rv, an_rv)));
            }
            if input.insured.av {
                let rate = pp.v(t, "av.rate_total");
                let an_rate = pp.v(t, "av.employee_share");
                out.push(branch(input, t, "av", rate, an_rate, (tot_rv, an_rv)));
            }
            // Umlagen on the actual pay (U1/U2 per Kasse; U3 on the RV base).
            let umlage_base = base_rv;
            for (name, rate, rule) in [
                (
                    "u1",
                    input.u1_rate,
                    "AAG § 7: U1 at the Krankenkasse's rate, on the pay up to the BBG RV",
                ),
                (
                    "u2",
                    input.u2_rate,
                    "AAG § 7: U2 at the Krankenkasse's rate, on the pay up to the BBG RV",
                ),
            ] {
                if !rate.is_zero() {
                    let amount = umlage_base.percent(rate).cents();
                    t.step(name, amount, rule, &[("base", umlage_base), ("rate_percent", rate)]);
                    out.push(Contribution {
                        branch: name,
                        base: umlage_base,
                        employee: Dec::ZERO,
                        employer: amount,
                    });
                }
            }
            let u3 = pp.v(t, "umlagen.u3_insolvenzgeld");
            let amount = umlage_base.percent(u3).cents();
            t.step(
                "u3",
                amount,
                "§ 358, § 360 SGB III: Insolvenzgeldumlage on the RV-pflichtige pay",
                &[("base", umlage_base), ("rate_percent", u3)],
            );
            out.push(Contribution {
                branch: "u3",
                base: umlage_base,
                employee: Dec::ZERO,
                employer: amount,
            });
            if let Health::Private { premium_kv, premium_pv } = &input.health {
                (pkv_kv, pkv_pv) = pkv_subsidy(input, *premium_kv, *premium_pv, &pp, t);
            }
        }
    }
    let employee_total = out.iter().fold(Dec::ZERO, |a, c| a.add(c.employee));
    let employer_total = out.iter().fold(Dec::ZERO, |a, c| a.add(c.employer));
    t.step("sv.employee_total", employee_total, "sum of the employee shares", &[]);
    t.step(
        "sv.employer_total",
        employer_total,
        "sum of the employer shares and Umlagen",
        &[],
    );
    SvResult {
        employment: input.employment,
        contributions: out,
        pkv_subsidy_kv: pkv_kv,
        pkv_subsidy_pv: pkv_pv,
        employee_total,
        employer_total,
    }
}

/// One branch (KV, KV-Zusatzbeitrag, RV, AV) on (total base, employee base):
/// total = 2 × round(total base × rate/2); employee = round(employee base ×
/// employee rate); employer = total − employee. With equal halves on one
/// base that is round(base × half rate) each.
fn branch(
    input: &SvInput,
    t: &mut Trace,
    name: &'static str,
    rate: Dec,
    an_rate: Dec,
    (tot, an): (Dec, Dec),
) -> Contribution {
    let all_employer = input.employment == Employment::ApprenticeLowPay;
    let half = rate.divide(Dec::lit(2, 0));
    let total_from_halves = tot.percent(half).cents().multiply(Dec::lit(2, 0));
    let (employee, employer) = if all_employer {
        (Dec::ZERO, tot.percent(rate).cents())
    } else if input.employment == Employment::Midijob || an_rate != half {
        let e = an.percent(an_rate).cents();
        (e, total_from_halves.subtract(e))
    } else {
        let e = tot.percent(an_rate).cents();
        (e, e)
    };
    t.step(
        &format!("{name}.employee"),
        employee,
        "employee share: base × employee rate, rounded half up to the cent",
        &[("base", an), ("rate_percent", an_rate)],
    );
    t.step(
        &format!("{name}.employer"),
        employer,
        if all_employer {
            "§ 20 Abs. 3 SGB IV: below the Geringverdienergrenze the employer pays the whole contribution"
        } else {
            "employer share: 2 × round(base × rate/2) − employee share (equal halves: base × half rate)"
        },
        &[("base", tot), ("rate_percent", rate)],
    );
    Contribution {
        branch: name,
        base: tot,
        employee,
        employer,
    }
}

/// § 257 SGB V, § 61 SGB XI: half the premium, at most what the employer
/// would pay for a statutory member at the BBG.
fn pkv_subsidy(input: &SvInput, premium_kv: Dec, premium_pv: Dec, pp: &P<'_>, t: &mut Trace) -> (Dec, Dec) {
    let bbg = pp.v(t, "rechengroessen.bbg_kv_pv_month");
    let kv_share = pp
        .v(t, "kv.rate_general")
        .add(pp.v(t, "kv.avg_zusatzbeitrag"))
        .divide(Dec::lit(2, 0));
    let max_kv = bbg.percent(kv_share).cents();
    let pv_share = if input.sachsen {
        pp.v(t, "pv.employer_share_sachsen")
    } else {
        pp.v(t, "pv.employer_share")
    };
    let max_pv = bbg.percent(pv_share).cents();
    let half = |x: Dec| x.divide(Dec::lit(2, 0)).cents();
    let kv = half(premium_kv).min(max_kv);
    let pv = half(premium_pv).min(max_pv);
    t.step(
        "pkv.subsidy_kv",
        kv,
        "§ 257 Abs. 2 SGB V: half the premium, at most (general rate + average Zusatzbeitrag)/2 × BBG KV",
        &[("premium_kv", premium_kv), ("max", max_kv)],
    );
    t.step(
        "pkv.subsidy_pv",
        pv,
        "§ 61 Abs. 2 SGB XI: half the premium, at most the employer share of PV × BBG",
        &[("premium_pv", premium_pv), ("max", max_pv)],
    );
    (kv, pv)
}

/// A gewerblicher Minijob: employer flat contributions, the employee's RV
/// top-up (on at least the minimum base) unless exempt, Umlagen.
fn minijob(input: &SvInput, pp: &P<'_>, t: &mut Trace, out: &mut Vec<Contribution>) {
    let pay = input.pay.add(input.one_off_rv);
    if matches!(input.health, Health::Statutory { .. }) {
        let rate = pp.v(t, "minijob.kv_pauschal");
        let employer = pay.percent(rate).cents();
        t.step(
            "minijob_kv.employer",
            employer,
            "§ 249b SGB V: 13 % flat KV contribution for a GKV-insured Minijobber",
            &[("pay", pay), ("rate_percent", rate)],
        );
        out.push(Contribution {
            branch: "minijob_kv",
            base: pay,
            employee: Dec::ZERO,
            employer,
        });
    }
    let er_rate = pp.v(t, "minijob.rv_employer");
    let employer = pay.percent(er_rate).cents();
    let employee = if input.minijob_rv_exempt {
        Dec::ZERO
    } else {
        let total_rate = pp.v(t, "rv.rate_total");
        let min_base = pp.v(t, "minijob.rv_min_base_month");
        let base = pay.max(min_base);
        base.percent(total_rate).cents().subtract(employer).max(Dec::ZERO)
    };
    t.step(
        "minijob_rv.employer",
        employer,
        "§ 172 Abs. 3 SGB VI: 15 % flat RV contribution",
        &[("pay", pay), ("rate_percent", er_rate)],
    );
    t.step(
        "minijob_rv.employee",
        employee,
        if input.minijob_rv_exempt {
            "§ 6 Abs. 1b SGB VI: exempt from RV on request, no top-up"
        } else {
            "§ 168 Abs. 1 Nr. 1b, § 163 Abs. 8 SGB VI: full RV rate on at least the minimum base, less the employer's 15 %"
        },
        &[("pay", pay)],
    );
    out.push(Contribution {
        branch: "minijob_rv",
        base: pay,
        employee,
        employer,
    });
    for (name, key, rule) in [
        ("u1", "umlagen.u1_minijob", "AAG: U1 of the Minijob-Zentrale"),
        ("u2", "umlagen.u2_minijob", "AAG: U2 of the Minijob-Zentrale"),
        ("u3", "umlagen.u3_insolvenzgeld", "§ 360 SGB III: Insolvenzgeldumlage"),
    ] {
        let rate = pp.v(t, key);
        let amount = pay.percent(rate).cents();
        t.step(name, amount, rule, &[("pay", pay), ("rate_percent", rate)]);
        out.push(Contribution {
            branch: name,
            base: pay,
            employee: Dec::ZERO,
            employer: amount,
        });
    }
}
