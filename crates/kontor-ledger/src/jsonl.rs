//! The neutral journal import format (JSON Lines,
//! `../shared/spec/accounting/journal-jsonl.md`): one transaction per line,
//! checked line by line with a clear error per line.

use serde::Deserialize;

use crate::account::{AccountNo, Chart};
use crate::date::Date;
use crate::entry::{Currency, Entry, Posting, Provenance};
use crate::money::Cents;
use crate::tax::TaxCode;

#[derive(Deserialize)]
struct Line {
    id: String,
    date: String,
    #[serde(default)]
    text: String,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    tax_code: Option<String>,
    postings: Vec<LinePosting>,
}

#[derive(Deserialize)]
struct LinePosting {
    account: String,
    amount_cents: i64,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    tax_code: Option<String>,
}

/// A transaction read from one line.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The line's `id` (unique per file; kept as provenance).
    pub id: String,
    pub entry: Entry,
}

/// Why one line cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    pub line: usize,
    pub id: Option<String>,
    pub de: String,
    pub en: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "line {} ({id}): {}", self.line, self.en),
            None => write!(f, "line {}: {}", self.line, self.en),
        }
    }
}

/// Parses one line. `source` names the import (file) for the provenance.
pub fn parse_line(chart: &Chart, source: &str, line_no: usize, text: &str) -> Result<Imported, LineError> {
    let fail = |id: Option<&str>, de: String, en: String| LineError {
        line: line_no,
        id: id.map(str::to_string),
        de,
        en,
    };
    let l: Line = serde_json::from_str(text).map_err(|e| {
        fail(
            None,
            format!("Die Zeile ist keine gültige Buchung im JSON-Format: {e}"),
            format!("The line is not a valid JSON transaction: {e}"),
        )
    })?;
    let id = Some(l.id.as_str());
    let date = Date::parse(&l.date).ok_or_else(|| {
        fail(
            id,
            format!("Das Datum {:?} ist kein gültiges Datum JJJJ-MM-TT.", l.date),
            format!("The date {:?} is not a valid date YYYY-MM-DD.", l.date),
        )
    })?;
    let mut postings = Vec::with_capacity(l.postings.len());
    for (i, p) in l.postings.iter().enumerate() {
        let n = i + 1;
        let account = AccountNo::parse(&p.account).ok_or_else(|| {
            fail(
                id,
                format!(
                    "Buchungszeile {n}: {:?} ist keine Kontonummer (4 Stellen oder Personenkonto 10000–99999).",
                    p.account
                ),
                format!(
                    "Posting {n}: {:?} is not an account number (4 digits or a personal account 10000–99999).",
                    p.account
                ),
            )
        })?;
        if !account.is_personal() && chart.account(account).is_none() {
            return Err(fail(
                id,
                format!(
                    "Buchungszeile {n}: Konto {account} gibt es im {} nicht.",
                    chart.kind.as_str().to_uppercase()
                ),
                format!(
                    "Posting {n}: account {account} does not exist in {}.",
                    chart.kind.as_str().to_uppercase()
                ),
            ));
        }
        let currency = match p.currency.as_deref() {
            None => Currency::EUR,
            Some(c) => Currency::parse(c).ok_or_else(|| {
                fail(
                    id,
                    format!("Buchungszeile {n}: Währung {c:?} ist kein ISO-Code."),
                    format!("Posting {n}: currency {c:?} is not an ISO code."),
                )
            })?,
        };
        let tax_code = match p.tax_code.as_deref() {
            None => None,
            Some(c) => Some(TaxCode::parse(c).ok_or_else(|| {
                fail(
                    id,
                    format!("Buchungszeile {n}: Steuerschlüssel {c:?} ist unbekannt."),
                    format!("Posting {n}: tax code {c:?} is unknown."),
                )
            })?),
        };
        postings.push(Posting {
            account,
            amount: Cents(p.amount_cents),
            currency,
            tax_code,
        });
    }
    let mut entry = Entry::new(postings, date, date, l.text, l.reference.unwrap_or_default()).map_err(|e| {
        fail(
            id,
            format!("Die Buchung ist nicht zulässig: {e}."),
            format!("The transaction is not valid: {e}."),
        )
    })?;
    entry.tax_code = l.tax_code.as_deref().and_then(TaxCode::parse);
    entry.provenance = Provenance {
        document: None,
        source: Some(format!("{source}#{}", l.id)),
        user: None,
    };
    Ok(Imported { id: l.id, entry })
}
