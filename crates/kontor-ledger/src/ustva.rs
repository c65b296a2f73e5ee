//! The Umsatzsteuer-Voranmeldung: Kennzahlen from the entries of a period,
//! each with the entries it comes from (drill-down).
//!
//! Bases (Bemessungsgrundlagen) come from the revenue and expense postings
//! that carry a tax code; tax amounts from the postings on the chart's tax
//! accounts. Bases are reported in whole euros (cents dropped), taxes in
//! cents (`../shared/spec/accounting/ustva-kennzahlen.md`).

use std::collections::BTreeMap;

use crate::account::{AccountType, Chart};
use crate::entry::Entry;
use crate::money::Cents;
use crate::tax::{Side, TaxCode};

/// One Kennzahl with its sum and the entries behind it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KzLine<K> {
    pub kz: u8,
    /// The exact sum in cents (base or tax).
    pub cents: Cents,
    /// For bases: whole euros as the form wants them (truncated towards zero).
    pub euros: Option<i64>,
    /// The entries that contributed.
    pub entries: Vec<K>,
}

/// The computed UStVA.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Ustva<K> {
    pub lines: Vec<KzLine<K>>,
    /// Output VAT (Umsatzsteuer) in cents: all tax owed.
    pub output_tax: Cents,
    /// Deductible input VAT (Vorsteuer) in cents.
    pub input_tax: Cents,
    /// Kz 83: output − input (negative: refund).
    pub kz83: Cents,
}

impl<K> Ustva<K> {
    pub fn kz(&self, kz: u8) -> Option<&KzLine<K>> {
        self.lines.iter().find(|l| l.kz == kz)
    }
}

/// Kennzahlen that are bases (reported in whole euros).
const BASE_KZ: [u8; 14] = [81, 86, 87, 41, 43, 48, 45, 21, 60, 89, 93, 91, 84, 46];

/// Computes the UStVA of the given entries (already filtered to the period).
pub fn ustva<'a, K: Clone + PartialEq>(chart: &Chart, entries: impl IntoIterator<Item = (K, &'a Entry)>) -> Ustva<K> {
    let mut sums: BTreeMap<u8, (i64, Vec<K>)> = BTreeMap::new();
    let mut add = |kz: u8, cents: i64, key: &K| {
        let e = sums.entry(kz).or_insert_with(|| (0, Vec::new()));
        e.0 += cents;
        if !e.1.contains(key) {
            e.1.push(key.clone());
        }
    };
    let mut output_tax = 0i64;
    let mut input_tax = 0i64;
    for (key, entry) in entries {
        // Tax accounts may serve several codes (SKR03 1787: RC13B19 and
        // RC13B_EU19); the entry's base lines say which one applies.
        let base_codes: Vec<TaxCode> = entry.postings().iter().filter_map(|p| p.tax_code).collect();
        for p in entry.postings() {
            if let Some(code) = p.tax_code {
                if let Some(kz) = code.kz_base() {
                    // Revenue is a credit (negative): the base is its opposite.
                    let base = if code.side() == Side::Output {
                        -p.amount.0
                    } else {
                        p.amount.0
                    };
                    add(kz, base, &key);
                }
                continue;
            }
            // A tax account: which code, which side.
            let Some(account) = chart.account(p.account) else {
                continue;
            };
            let codes: Vec<TaxCode> = account
                .tax_account_for
                .iter()
                .filter_map(|c| TaxCode::parse(c))
                .collect();
            let Some(code) = codes
                .iter()
                .copied()
                .find(|c| base_codes.contains(c))
                .or_else(|| codes.first().copied())
            else {
                continue;
            };
            if account.account_type == AccountType::Liability {
                // Umsatzsteuer: credit (negative) increases the tax owed.
                let tax = -p.amount.0;
                output_tax += tax;
                if let Some(kz) = code.kz_tax_owed() {
                    add(kz, tax, &key);
                } else if code.reverse_charge() {
                    // Tax on intra-EU acquisitions is computed by the form
                    // from Kz 89/93; kontor keeps the exact sum for Kz 83.
                }
            } else {
                let tax = p.amount.0;
                input_tax += tax;
                if let Some(kz) = code.kz_input_tax() {
                    add(kz, tax, &key);
                }
            }
        }
    }
    let lines = sums
        .into_iter()
        .map(|(kz, (cents, entries))| KzLine {
            kz,
            cents: Cents(cents),
            euros: BASE_KZ.contains(&kz).then_some(cents / 100),
            entries,
        })
        .collect();
    Ustva {
        lines,
        output_tax: Cents(output_tax),
        input_tax: Cents(input_tax),
        kz83: Cents(output_tax - input_tax),
    }
}
