//! Bank lines against open items.
//!
//! Order of evidence, strongest first:
//! 1. the end-to-end id kontor gave a transfer (our own payment run);
//! 2. invoice numbers named in the remittance (Verwendungszweck), alone or
//!    several (collective payment), paid in full, with Skonto deducted
//!    within its deadline, or in part;
//! 3. the counterparty's IBAN (a known partner) with the exact amount;
//! 4. the amount alone — only ever a suggestion for a person.
//!
//! When the named invoice and the amount disagree (the remittance names
//! one invoice, the amount fits another), the line goes to a person with
//! both candidates. Every proposal says why, with a confidence in percent.

use std::collections::HashMap;

use crate::cents_dot;

/// Skonto terms: `percent_bp` (basis points, 200 = 2 %) if paid by `until`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skonto {
    pub until: String,
    pub percent_bp: u32,
}

/// Skonto terms from an invoice's payment terms (BT-20): the XRechnung
/// convention `#SKONTO#TAGE=14#PROZENT=2.00#` or German prose such as
/// "2 % Skonto bei Zahlung innerhalb von 10 Tagen". The first (best) term
/// counts; the deadline runs from the invoice date.
pub fn skonto_terms(text: &str, issue_date: &str) -> Option<Skonto> {
    let bp = |p: &str| -> Option<u32> {
        let p = p.trim().replace(',', ".");
        let (i, f) = p.split_once('.').unwrap_or((&p, ""));
        let f = format!("{f:0<2}");
        let v = i
            .parse::<u32>()
            .ok()?
            .checked_mul(100)?
            .checked_add(f.get(..2)?.parse::<u32>().ok()?)?;
        (v > 0 && v < 10_000).then_some(v)
    };
    if let Some(pos) = text.find("#SKONTO#") {
        let rest = &text[pos + 8..];
        let mut days = None;
        let mut percent = None;
        for part in rest.split('#') {
            if let Some(d) = part.strip_prefix("TAGE=") {
                days = d.trim().parse::<i64>().ok();
            } else if let Some(p) = part.strip_prefix("PROZENT=") {
                percent = bp(p);
            } else if part.is_empty() || part.starts_with("BASISBETRAG=") {
                continue;
            } else {
                break;
            }
            if days.is_some() && percent.is_some() {
                break;
            }
        }
        return Some(Skonto {
            until: crate::add_days(issue_date, days?)?,
            percent_bp: percent?,
        });
    }
    // "2 % Skonto … 10 Tage"
    let lower = text.to_lowercase();
    let at = lower.find("skonto")?;
    let before = &lower[..at];
    let pct_pos = before.rfind('%')?;
    let num: String = before[..pct_pos]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after = &lower[at..];
    let tage = after.find("tag")?;
    let days: String = after[..tage]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Some(Skonto {
        until: crate::add_days(issue_date, days.parse().ok()?)?,
        percent_bp: bp(&num)?,
    })
}

/// What is still owed on one document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    /// Caller's key (e.g. `70001/R-17`).
    pub key: String,
    pub partner: Option<String>,
    /// Invoice number (Belegfeld 1).
    pub reference: String,
    /// Cents still open, signed: positive a customer owes us (money comes
    /// in), negative we owe a supplier (money goes out).
    pub amount: i64,
    /// The full amount of the invoice (for Skonto and partial payments).
    pub original: i64,
    pub partner_ibans: Vec<String>,
    /// Customer/supplier number as customers write it in the remittance.
    pub partner_number: Option<String>,
    pub skonto: Option<Skonto>,
    /// End-to-end ids of transfers kontor sent for this item.
    pub end_to_end_ids: Vec<String>,
}

/// A bank line as the matcher needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BankLine {
    pub key: String,
    /// Cents, signed (positive money in).
    pub amount: i64,
    /// ISO booking date.
    pub date: String,
    pub remittance: String,
    pub counterparty_iban: Option<String>,
    pub end_to_end_ids: Vec<String>,
    pub is_return: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Our own transfer's end-to-end id.
    EndToEnd,
    /// The remittance names the invoice; amount equal.
    Reference,
    /// Several named invoices, together equal to the amount.
    Collective,
    /// Named invoice(s) paid less the Skonto allowed until the line's date.
    Skonto,
    /// Named invoice paid in part.
    Partial,
    /// Known IBAN of a partner with exactly one item of that amount.
    IbanAmount,
    /// Only the amount fits: a suggestion for a person.
    AmountOnly,
    /// The remittance names one invoice, the amount fits another.
    Conflict,
    /// More than the named invoices: a person decides.
    Overpaid,
    /// A return (Rücklastschrift/Rücküberweisung) of an earlier payment.
    Return,
    /// Nothing fits.
    None,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::EndToEnd => "end_to_end",
            Reason::Reference => "reference",
            Reason::Collective => "collective",
            Reason::Skonto => "skonto",
            Reason::Partial => "partial",
            Reason::IbanAmount => "iban_amount",
            Reason::AmountOnly => "amount_only",
            Reason::Conflict => "conflict",
            Reason::Overpaid => "overpaid",
            Reason::Return => "return",
            Reason::None => "none",
        }
    }
}

/// One item a line clears (wholly or in part).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Applied {
    pub item: String,
    pub reference: String,
    /// Cents paid on the item, signed like the item.
    pub paid: i64,
    /// Skonto taken on the item, signed like the item (gross, VAT inside).
    pub discount: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Proposal {
    pub line: String,
    pub reason: Reason,
    /// Percent.
    pub confidence: u8,
    /// Never applied without a person, whatever the automation level.
    pub person_only: bool,
    pub applied: Vec<Applied>,
    /// Other candidates a person should see (item keys).
    pub alternatives: Vec<String>,
    /// One sentence for the screen, in English and German.
    pub explanation: String,
    #[serde(default)]
    pub explanation_de: String,
}

impl Proposal {
    fn say(&mut self, en: impl Into<String>, de: impl Into<String>) {
        self.explanation = en.into();
        self.explanation_de = de.into();
    }

    /// The explanation in German (`true`) or English.
    pub fn explanation_in(&self, german: bool) -> &str {
        if german && !self.explanation_de.is_empty() {
            &self.explanation_de
        } else {
            &self.explanation
        }
    }
}

/// Invoice numbers and tokens compared without case, spaces or separators.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Tokens of a remittance text that may be invoice or customer numbers:
/// runs of letters, digits and `-/._`, and also runs of two and three
/// neighbours (banks wrap texts at fixed widths, cutting numbers apart).
fn tokens(s: &str) -> Vec<String> {
    let parts: Vec<&str> = s
        .split(|c: char| !(c.is_alphanumeric() || "-/._".contains(c)))
        .filter(|p| !p.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(parts.len() * 3);
    for (i, p) in parts.iter().enumerate() {
        let n = norm(p);
        if n.len() >= 3 {
            out.push(n.clone());
        }
        // "RE-2026-0017/0018": parts split by '/'.
        if p.contains('/') {
            out.extend(p.split('/').map(norm).filter(|x| x.len() >= 3));
        }
        // "Rg.Nr.R-17" style prefixes end with a dot.
        if let Some((_, tail)) = p.rsplit_once('.') {
            let t = norm(tail);
            if t.len() >= 3 {
                out.push(t);
            }
        }
        let mut joined = (*p).to_string();
        for next in parts.iter().skip(i + 1).take(2) {
            joined.push_str(next);
            let j = norm(&joined);
            if j.len() >= 4 {
                out.push(j);
            }
        }
    }
    out
}

/// The matcher: an index over the open items; lines are matched one after
/// another and each match reduces what is open, so a second payment never
/// clears the same invoice twice.
pub struct Matcher {
    items: Vec<Item>,
    by_ref: HashMap<String, Vec<usize>>,
    by_e2e: HashMap<String, Vec<usize>>,
    by_iban: HashMap<String, Vec<usize>>,
    by_number: HashMap<String, Vec<usize>>,
    by_amount: HashMap<i64, Vec<usize>>,
    by_key: HashMap<String, usize>,
}

fn skonto_allowed(item: &Item, date: &str) -> i64 {
    match &item.skonto {
        Some(s) if date <= s.until.as_str() => {
            let base = item.original.abs();
            let d = (base as i128 * s.percent_bp as i128 + 5_000) / 10_000;
            let d = d as i64;
            // Only if nothing was paid yet (Skonto applies to full payment).
            if item.amount.abs() == base {
                d * item.amount.signum()
            } else {
                0
            }
        }
        _ => 0,
    }
}

impl Matcher {
    pub fn new(items: Vec<Item>) -> Matcher {
        let mut m = Matcher {
            by_ref: HashMap::with_capacity(items.len()),
            by_e2e: HashMap::new(),
            by_iban: HashMap::new(),
            by_number: HashMap::new(),
            by_amount: HashMap::with_capacity(items.len()),
            by_key: items.iter().enumerate().map(|(i, it)| (it.key.clone(), i)).collect(),
            items,
        };
        for (i, it) in m.items.iter().enumerate() {
            let r = norm(&it.reference);
            if r.len() >= 3 {
                m.by_ref.entry(r).or_default().push(i);
            }
            for e in &it.end_to_end_ids {
                m.by_e2e.entry(e.clone()).or_default().push(i);
            }
            for iban in &it.partner_ibans {
                m.by_iban.entry(norm(iban)).or_default().push(i);
            }
            if let Some(n) = &it.partner_number {
                m.by_number.entry(norm(n)).or_default().push(i);
            }
            m.by_amount.entry(it.amount.abs()).or_default().push(i);
        }
        m
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Still open, same direction as the line (money in ↔ receivables).
    fn live(&self, i: usize, line: &BankLine) -> bool {
        let a = self.items[i].amount;
        a != 0 && (a > 0) == (line.amount > 0)
    }

    fn applied_full(&self, idx: &[usize]) -> Vec<Applied> {
        idx.iter()
            .map(|&i| Applied {
                item: self.items[i].key.clone(),
                reference: self.items[i].reference.clone(),
                paid: self.items[i].amount,
                discount: 0,
            })
            .collect()
    }

    fn same_amount(&self, line: &BankLine, except: &[usize]) -> Vec<usize> {
        self.by_amount
            .get(&line.amount.abs())
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|i| {
                        self.live(*i, line) && self.items[*i].amount.abs() == line.amount.abs() && !except.contains(i)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The proposal for one line (does not change what is open).
    pub fn propose(&self, line: &BankLine) -> Proposal {
        let mut p = Proposal {
            line: line.key.clone(),
            reason: Reason::None,
            confidence: 0,
            person_only: true,
            applied: Vec::new(),
            alternatives: Vec::new(),
            explanation: String::new(),
            explanation_de: String::new(),
        };
        let abs = line.amount.abs();
        if line.amount == 0 {
            p.say("amount zero: nothing to clear", "Betrag null: nichts auszugleichen");
            return p;
        }
        // 0. Returns reverse an earlier payment: a person books them.
        if line.is_return {
            let named = self.named(line, true);
            p.reason = Reason::Return;
            p.confidence = if named.is_empty() { 30 } else { 80 };
            p.alternatives = named.iter().map(|i| self.items[*i].key.clone()).collect();
            p.say(
                format!(
                    "return of an earlier payment ({}): the item is reopened and, for direct debits, the fee charged on",
                    cents_dot(line.amount)
                ),
                format!(
                    "Rückbuchung einer früheren Zahlung ({}): der Posten wird wieder offen, bei Lastschriften die Gebühr weiterberechnet",
                    cents_dot(line.amount)
                ),
            );
            return p;
        }
        // 1. Our own end-to-end id.
        let mut e2e: Vec<usize> = Vec::new();
        for e in &line.end_to_end_ids {
            if let Some(v) = self.by_e2e.get(e) {
                e2e.extend(v.iter().copied().filter(|i| self.live(*i, line)));
            }
        }
        e2e.sort_unstable();
        e2e.dedup();
        if !e2e.is_empty() {
            let sum: i64 = e2e.iter().map(|i| self.items[*i].amount.abs()).sum();
            if sum == abs {
                p.reason = Reason::EndToEnd;
                p.confidence = 100;
                p.person_only = false;
                p.applied = self.applied_full(&e2e);
                p.say(
                    "end-to-end id of kontor's own transfer, amount equal",
                    "End-to-End-ID einer Überweisung aus kontor, Betrag gleich",
                );
                return p;
            }
            if let Some(sk) = self.with_skonto(&e2e, line) {
                p.reason = Reason::Skonto;
                p.confidence = 100;
                p.person_only = false;
                p.applied = sk;
                p.say(
                    "end-to-end id of kontor's own transfer, paid less Skonto",
                    "End-to-End-ID einer Überweisung aus kontor, bezahlt abzüglich Skonto",
                );
                return p;
            }
        }
        // 2. Invoice numbers in the remittance.
        let named = self.named(line, false);
        if !named.is_empty() {
            let sum: i64 = named.iter().map(|i| self.items[*i].amount.abs()).sum();
            let refs: Vec<&str> = named.iter().map(|i| self.items[*i].reference.as_str()).collect();
            if sum == abs {
                p.reason = if named.len() > 1 {
                    Reason::Collective
                } else {
                    Reason::Reference
                };
                p.confidence = if named.len() > 1 { 92 } else { 95 };
                p.person_only = false;
                p.applied = self.applied_full(&named);
                p.say(
                    format!("remittance names {}, amount equal", refs.join(", ")),
                    format!("Verwendungszweck nennt {}, Betrag gleich", refs.join(", ")),
                );
                return p;
            }
            if let Some(sk) = self.with_skonto(&named, line) {
                p.reason = Reason::Skonto;
                p.confidence = 90;
                p.person_only = false;
                p.applied = sk;
                p.say(
                    format!(
                        "remittance names {}, paid less Skonto within the deadline",
                        refs.join(", ")
                    ),
                    format!(
                        "Verwendungszweck nennt {}, bezahlt abzüglich Skonto in der Frist",
                        refs.join(", ")
                    ),
                );
                return p;
            }
            let others = self.same_amount(line, &named);
            if !others.is_empty() {
                p.reason = Reason::Conflict;
                p.confidence = 40;
                p.alternatives = named
                    .iter()
                    .chain(others.iter())
                    .map(|i| self.items[*i].key.clone())
                    .collect();
                let fits = others
                    .iter()
                    .map(|i| self.items[*i].reference.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                p.say(
                    format!(
                        "remittance names {} ({}), but the amount {} fits {fits}",
                        refs.join(", "),
                        cents_dot(sum),
                        cents_dot(abs)
                    ),
                    format!(
                        "Verwendungszweck nennt {} ({}), der Betrag {} passt aber zu {fits}",
                        refs.join(", "),
                        cents_dot(sum),
                        cents_dot(abs)
                    ),
                );
                return p;
            }
            if abs < sum && named.len() == 1 {
                let i = named[0];
                p.reason = Reason::Partial;
                p.confidence = 80;
                p.person_only = false;
                p.applied = vec![Applied {
                    item: self.items[i].key.clone(),
                    reference: self.items[i].reference.clone(),
                    paid: abs * self.items[i].amount.signum(),
                    discount: 0,
                }];
                p.say(
                    format!(
                        "remittance names {}, partial payment {} of {}; {} stays open",
                        refs[0],
                        cents_dot(abs),
                        cents_dot(sum),
                        cents_dot(sum - abs)
                    ),
                    format!(
                        "Verwendungszweck nennt {}, Teilzahlung {} von {}; {} bleiben offen",
                        refs[0],
                        cents_dot(abs),
                        cents_dot(sum),
                        cents_dot(sum - abs)
                    ),
                );
                return p;
            }
            p.reason = if abs > sum { Reason::Overpaid } else { Reason::Partial };
            p.confidence = 50;
            p.alternatives = named.iter().map(|i| self.items[*i].key.clone()).collect();
            p.say(
                format!(
                    "remittance names {} ({} open) but {} arrived: a person decides",
                    refs.join(", "),
                    cents_dot(sum),
                    cents_dot(abs)
                ),
                format!(
                    "Verwendungszweck nennt {} ({} offen), eingegangen sind {}: ein Mensch entscheidet",
                    refs.join(", "),
                    cents_dot(sum),
                    cents_dot(abs)
                ),
            );
            return p;
        }
        // 3. Known IBAN with the exact amount.
        if let Some(iban) = &line.counterparty_iban {
            if let Some(v) = self.by_iban.get(&norm(iban)) {
                let of_partner: Vec<usize> = v.iter().copied().filter(|i| self.live(*i, line)).collect();
                let exact: Vec<usize> = of_partner
                    .iter()
                    .copied()
                    .filter(|i| self.items[*i].amount.abs() == abs)
                    .collect();
                if exact.len() == 1 {
                    p.reason = Reason::IbanAmount;
                    p.confidence = 85;
                    p.person_only = false;
                    p.applied = self.applied_full(&exact);
                    p.say(
                        format!(
                            "known IBAN of the partner, amount equals {}",
                            self.items[exact[0]].reference
                        ),
                        format!(
                            "bekannte IBAN des Partners, Betrag gleich {}",
                            self.items[exact[0]].reference
                        ),
                    );
                    return p;
                }
                let total: i64 = of_partner.iter().map(|i| self.items[*i].amount.abs()).sum();
                if exact.is_empty() && of_partner.len() > 1 && total == abs {
                    p.reason = Reason::Collective;
                    p.confidence = 75;
                    p.applied = self.applied_full(&of_partner);
                    p.say(
                        "known IBAN, amount equals all open items of the partner together",
                        "bekannte IBAN, Betrag gleich allen offenen Posten des Partners zusammen",
                    );
                    return p;
                }
                if exact.len() > 1 {
                    p.reason = Reason::IbanAmount;
                    p.confidence = 60;
                    p.applied = self.applied_full(&exact[..1]);
                    p.alternatives = exact.iter().map(|i| self.items[*i].key.clone()).collect();
                    p.say(
                        "known IBAN, several items of this amount: the oldest is suggested",
                        "bekannte IBAN, mehrere Posten dieses Betrags: der älteste ist vorgeschlagen",
                    );
                    return p;
                }
            }
        }
        // 4. The amount alone: never without a person.
        let same = self.same_amount(line, &[]);
        if !same.is_empty() {
            p.reason = Reason::AmountOnly;
            p.confidence = if same.len() == 1 { 50 } else { 30 };
            p.applied = self.applied_full(&same[..1]);
            p.alternatives = same.iter().take(10).map(|i| self.items[*i].key.clone()).collect();
            p.say(
                format!("only the amount {} fits; a person confirms", cents_dot(abs)),
                format!("nur der Betrag {} passt; ein Mensch bestätigt", cents_dot(abs)),
            );
            return p;
        }
        p.say("no open item fits", "kein offener Posten passt");
        p
    }

    /// Items named in the remittance (invoice numbers, else the partner
    /// number); for returns also settled ones.
    fn named(&self, line: &BankLine, any_state: bool) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let toks = tokens(&line.remittance);
        for t in &toks {
            if let Some(v) = self.by_ref.get(t) {
                out.extend(v.iter().copied().filter(|i| any_state || self.live(*i, line)));
            }
        }
        if any_state {
            for e in &line.end_to_end_ids {
                if let Some(v) = self.by_e2e.get(e) {
                    out.extend(v.iter().copied());
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Applies Skonto where the line's amount equals the named items less
    /// the discount each allows on the line's date.
    fn with_skonto(&self, idx: &[usize], line: &BankLine) -> Option<Vec<Applied>> {
        let abs = line.amount.abs();
        let full: i64 = idx.iter().map(|i| self.items[*i].amount.abs()).sum();
        let allowed: i64 = idx
            .iter()
            .map(|i| skonto_allowed(&self.items[*i], &line.date).abs())
            .sum();
        if allowed == 0 {
            return None;
        }
        // One cent per item of rounding slack (banks and customers round).
        let slack = idx.len() as i64;
        let diff = full - abs;
        if (diff - allowed).abs() > slack {
            return None;
        }
        let mut rest = diff;
        let mut out = Vec::new();
        for (n, &i) in idx.iter().enumerate() {
            let it = &self.items[i];
            let d = if n + 1 == idx.len() {
                rest
            } else {
                skonto_allowed(it, &line.date).abs()
            };
            rest -= d;
            out.push(Applied {
                item: it.key.clone(),
                reference: it.reference.clone(),
                paid: (it.amount.abs() - d) * it.amount.signum(),
                discount: d * it.amount.signum(),
            });
        }
        Some(out)
    }

    /// Records an applied proposal: the items' open amounts shrink.
    pub fn apply(&mut self, applied: &[Applied]) {
        for a in applied {
            if let Some(i) = self.index_of(&a.item) {
                self.items[i].amount -= a.paid + a.discount;
            }
        }
    }

    fn index_of(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }
}

/// Matches all lines in order; applies what may be applied without a person
/// at `min_confidence` and returns every proposal.
pub fn match_all(items: Vec<Item>, lines: &[BankLine], min_confidence: u8) -> (Vec<Proposal>, Matcher) {
    let mut m = Matcher::new(items);
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let p = m.propose(l);
        if !p.person_only && p.confidence >= min_confidence {
            m.apply(&p.applied);
        }
        out.push(p);
    }
    (out, m)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn item(key: &str, reference: &str, amount: i64, iban: &str) -> Item {
        Item {
            key: key.into(),
            partner: Some("p".into()),
            reference: reference.into(),
            amount,
            original: amount,
            partner_ibans: vec![iban.into()],
            partner_number: None,
            skonto: None,
            end_to_end_ids: vec![],
        }
    }

    fn line(amount: i64, remittance: &str) -> BankLine {
        BankLine {
            key: "l".into(),
            amount,
            date: "2026-11-20".into(),
            remittance: remittance.into(),
            ..BankLine::default()
        }
    }

    #[test]
    fn reference_collective_skonto_conflict() {
        let mut a = item("a", "RE-2026-0017", 11900, "DE1");
        a.skonto = Some(Skonto {
            until: "2026-11-25".into(),
            percent_bp: 200,
        });
        let b = item("b", "RE-2026-0018", 5000, "DE1");
        let c = item("c", "RE-2026-0019", 2500, "DE2");
        let m = Matcher::new(vec![a, b, c]);
        let p = m.propose(&line(11900, "Rechnung RE-2026-0017 danke"));
        assert_eq!((p.reason, p.person_only), (Reason::Reference, false));
        let p = m.propose(&line(16900, "RE 2026 0017 und RE-2026-0018"));
        assert_eq!(p.reason, Reason::Collective, "{p:?}");
        let p = m.propose(&line(11662, "RE-2026-0017 abzgl. 2% Skonto"));
        assert_eq!(p.reason, Reason::Skonto);
        assert_eq!(p.applied[0].discount, 238);
        let mut late = line(11662, "RE-2026-0017");
        late.date = "2026-11-26".into();
        assert_ne!(m.propose(&late).reason, Reason::Skonto);
        let p = m.propose(&line(2500, "RE-2026-0018"));
        assert_eq!((p.reason, p.person_only), (Reason::Conflict, true), "{p:?}");
        let p = m.propose(&line(2500, "Miete"));
        assert_eq!((p.reason, p.person_only), (Reason::AmountOnly, true));
        let mut by_iban = line(2500, "Miete");
        by_iban.counterparty_iban = Some("DE2".into());
        assert_eq!(m.propose(&by_iban).reason, Reason::IbanAmount);
        // Money out never clears a receivable.
        assert_eq!(m.propose(&line(-2500, "RE-2026-0019")).reason, Reason::None);
    }

    #[test]
    fn skonto_terms_are_read() {
        let s = skonto_terms("#SKONTO#TAGE=14#PROZENT=2.00#\n", "2026-11-10").unwrap();
        assert_eq!((s.until.as_str(), s.percent_bp), ("2026-11-24", 200));
        let s = skonto_terms(
            "Zahlbar in 30 Tagen, 3 % Skonto bei Zahlung innerhalb von 10 Tagen",
            "2026-11-10",
        )
        .unwrap();
        assert_eq!((s.until.as_str(), s.percent_bp), ("2026-11-20", 300));
        assert_eq!(skonto_terms("Zahlbar sofort ohne Abzug", "2026-11-10"), None);
    }

    #[test]
    fn partial_then_rest() {
        let items = vec![item("a", "R-100", 10000, "DE1")];
        let lines = vec![line(4000, "R-100 Teilzahlung"), line(6000, "R-100 Rest")];
        let (ps, m) = match_all(items, &lines, 80);
        assert_eq!(ps[0].reason, Reason::Partial);
        assert_eq!(ps[1].reason, Reason::Reference);
        assert_eq!(m.items()[0].amount, 0);
    }
}
