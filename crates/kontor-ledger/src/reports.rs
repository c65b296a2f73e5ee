//! Financial statements from a trial balance and the chart's HGB positions
//! (GuV § 275, Bilanz § 266 HGB), and open items per personal account.

use std::collections::BTreeMap;

use crate::account::{AccountNo, AccountType, Chart};
use crate::balance::TrialBalance;
use crate::date::Date;
use crate::entry::{Currency, Entry};
use crate::money::Cents;

/// One line of a statement: an HGB position with its amount and accounts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub position: String,
    /// Positive = income (GuV) or the side's natural sign (Bilanz).
    pub amount: Cents,
    pub accounts: Vec<AccountNo>,
}

/// Gewinn- und Verlustrechnung.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProfitAndLoss {
    pub income: Vec<Position>,
    pub expenses: Vec<Position>,
    /// Jahresüberschuss (positive) or -fehlbetrag (negative).
    pub result: Cents,
}

/// Bilanz.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BalanceSheet {
    pub assets: Vec<Position>,
    pub liabilities_and_equity: Vec<Position>,
    /// The period's result, shown within equity.
    pub result: Cents,
    pub total_assets: Cents,
    pub total_liabilities_and_equity: Cents,
}

/// The position name of an account (without the "GuV: " / "Bilanz …: " prefix).
fn position_of(chart: &Chart, a: AccountNo) -> (Option<AccountType>, String) {
    match chart.account(a) {
        Some(acc) => {
            let p = acc
                .report_position
                .split_once(": ")
                .map_or(acc.report_position.as_str(), |(_, p)| p);
            (
                Some(acc.account_type),
                if p.is_empty() { acc.name.clone() } else { p.to_string() },
            )
        }
        None if a.kind() == crate::account::AccountKind::Debitor => (
            Some(AccountType::Asset),
            "Forderungen aus Lieferungen und Leistungen".into(),
        ),
        None if a.kind() == crate::account::AccountKind::Kreditor => (
            Some(AccountType::Liability),
            "Verbindlichkeiten aus Lieferungen und Leistungen".into(),
        ),
        None => (None, format!("Konto {a}")),
    }
}

fn group(items: Vec<(String, AccountNo, i64)>) -> Vec<Position> {
    let mut m: BTreeMap<String, (i64, Vec<AccountNo>)> = BTreeMap::new();
    for (p, a, v) in items {
        let e = m.entry(p).or_default();
        e.0 += v;
        e.1.push(a);
    }
    m.into_iter()
        .filter(|(_, (v, _))| *v != 0)
        .map(|(position, (v, accounts))| Position {
            position,
            amount: Cents(v),
            accounts,
        })
        .collect()
}

/// The GuV of a trial balance (EUR).
pub fn profit_and_loss(chart: &Chart, tb: &TrialBalance) -> ProfitAndLoss {
    let mut income = Vec::new();
    let mut expenses = Vec::new();
    for (a, c, t) in tb.rows() {
        if c != Currency::EUR {
            continue;
        }
        match position_of(chart, a) {
            (Some(AccountType::Income), p) => income.push((p, a, -t.balance().0)),
            (Some(AccountType::Expense), p) => expenses.push((p, a, t.balance().0)),
            _ => {}
        }
    }
    let income = group(income);
    let expenses = group(expenses);
    let result = income.iter().map(|p| p.amount.0).sum::<i64>() - expenses.iter().map(|p| p.amount.0).sum::<i64>();
    ProfitAndLoss {
        income,
        expenses,
        result: Cents(result),
    }
}

/// The Bilanz of a trial balance (EUR): balance-sheet accounts by position,
/// with the result of the income and expense accounts in equity. Accounts
/// whose balance has the other side's sign stay where their type puts them.
pub fn balance_sheet(chart: &Chart, tb: &TrialBalance) -> BalanceSheet {
    let mut assets = Vec::new();
    let mut passiva = Vec::new();
    let mut result = 0i64;
    for (a, c, t) in tb.rows() {
        if c != Currency::EUR {
            continue;
        }
        let b = t.balance().0;
        match position_of(chart, a) {
            (Some(AccountType::Asset), p) => assets.push((p, a, b)),
            (Some(AccountType::Liability | AccountType::Equity), p) => passiva.push((p, a, -b)),
            (Some(AccountType::Income | AccountType::Expense), _) => result -= b,
            (Some(AccountType::Statistical), _) => {}
            (None, p) => {
                if b >= 0 {
                    assets.push((p, a, b))
                } else {
                    passiva.push((p, a, -b))
                }
            }
        }
    }
    let assets = group(assets);
    let passiva = group(passiva);
    let total_assets = assets.iter().map(|p| p.amount.0).sum::<i64>();
    let total_passiva = passiva.iter().map(|p| p.amount.0).sum::<i64>() + result;
    BalanceSheet {
        assets,
        liabilities_and_equity: passiva,
        result: Cents(result),
        total_assets: Cents(total_assets),
        total_liabilities_and_equity: Cents(total_passiva),
    }
}

/// An open item: what is still owed on one document of a personal account.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OpenItem {
    pub account: AccountNo,
    /// Belegfeld 1 (the invoice number payments repeat).
    pub reference: String,
    /// Debit positive (a customer owes), credit negative (we owe).
    pub amount: Cents,
    pub first_date: Date,
    pub last_date: Date,
}

/// Open items of the personal accounts: postings grouped by account and
/// document reference; what does not net to zero is open.
pub fn open_items<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<OpenItem> {
    let mut m: BTreeMap<(AccountNo, String), (i64, Date, Date)> = BTreeMap::new();
    for e in entries {
        for p in e
            .postings()
            .iter()
            .filter(|p| p.account.is_personal() && p.currency == Currency::EUR)
        {
            let v = m
                .entry((p.account, e.reference.clone()))
                .or_insert((0, e.posting_date, e.posting_date));
            v.0 += p.amount.0;
            v.1 = v.1.min(e.posting_date);
            v.2 = v.2.max(e.posting_date);
        }
    }
    m.into_iter()
        .filter(|(_, (v, _, _))| *v != 0)
        .map(|((account, reference), (v, first_date, last_date))| OpenItem {
            account,
            reference,
            amount: Cents(v),
            first_date,
            last_date,
        })
        .collect()
}
