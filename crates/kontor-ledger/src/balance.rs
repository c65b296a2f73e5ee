//! The trial balance (Summen- und Saldenliste): debit and credit totals and
//! the balance per account.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::account::AccountNo;
use crate::entry::{Currency, Entry};
use crate::money::Cents;

/// Totals of one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub debit: Cents,
    pub credit: Cents,
}

impl Totals {
    /// Debit minus credit.
    pub fn balance(&self) -> Cents {
        Cents(self.debit.0 - self.credit.0)
    }

    pub fn add(&mut self, amount: Cents) {
        if amount.0 >= 0 {
            self.debit.0 += amount.0;
        } else {
            self.credit.0 -= amount.0;
        }
    }
}

/// Accumulates entries into per-account totals (per currency).
#[derive(Clone, Debug, Default)]
pub struct TrialBalance {
    rows: BTreeMap<(AccountNo, Currency), Totals>,
}

impl TrialBalance {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_entry(&mut self, e: &Entry) {
        for p in e.postings() {
            self.rows.entry((p.account, p.currency)).or_default().add(p.amount);
        }
    }

    /// Adds already aggregated totals (e.g. from the store's period sums).
    pub fn add_totals(&mut self, account: AccountNo, currency: Currency, t: Totals) {
        let row = self.rows.entry((account, currency)).or_default();
        row.debit.0 += t.debit.0;
        row.credit.0 += t.credit.0;
    }

    pub fn rows(&self) -> impl Iterator<Item = (AccountNo, Currency, Totals)> + '_ {
        self.rows.iter().map(|((a, c), t)| (*a, *c, *t))
    }

    /// `account;debit_cents;credit_cents;balance_cents`, one line per
    /// account (EUR), with a header.
    pub fn csv(&self) -> String {
        let mut out = String::from("account;debit_cents;credit_cents;balance_cents\n");
        for (a, c, t) in self.rows() {
            if c == Currency::EUR {
                let _ = writeln!(out, "{a};{};{};{}", t.debit.0, t.credit.0, t.balance().0);
            }
        }
        out
    }

    /// The sum of all balances per currency: zero for a balanced journal.
    pub fn total_balance(&self, currency: Currency) -> Cents {
        Cents(
            self.rows()
                .filter(|(_, c, _)| *c == currency)
                .map(|(_, _, t)| t.balance().0)
                .sum(),
        )
    }
}
