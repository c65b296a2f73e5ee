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

/// The outcome of checking a whole file: how many transaction lines it
/// has and every problem, in line order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    pub lines: usize,
    pub errors: Vec<LineError>,
}

/// Lines in a part of a file, the ids read with their line numbers, and
/// the problems (line numbers counted within the part).
type PartChecked = (usize, Vec<(usize, String)>, Vec<LineError>);

/// Checks every line of a file (on up to `threads` threads; the file is cut
/// at line ends) without keeping the transactions: each line must parse
/// and every id must be unique within the file.
pub fn check(chart: &Chart, source: &str, text: &str, threads: usize) -> Checked {
    let parts = split_at_lines(text, threads.max(1));
    let results: Vec<PartChecked> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                s.spawn(move || {
                    let mut ids = Vec::new();
                    let mut errors = Vec::new();
                    let mut count = 0;
                    for (i, line) in part.lines().enumerate() {
                        count = i + 1;
                        if line.trim().is_empty() {
                            continue;
                        }
                        match parse_line(chart, source, i + 1, line) {
                            Ok(t) => ids.push((i + 1, t.id)),
                            Err(e) => errors.push(e),
                        }
                    }
                    (count, ids, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| (0, Vec::new(), Vec::new())))
            .collect()
    });
    // Line numbers were counted per part; shift them to the file's.
    let mut out = Checked::default();
    let mut offset = 0;
    let mut seen = std::collections::HashSet::new();
    for (count, ids, errors) in results {
        let mut ids = ids.into_iter().peekable();
        let mut errors = errors.into_iter().peekable();
        out.lines += ids.len() + errors.len();
        // Merge both in line order.
        loop {
            let take_id = match (ids.peek(), errors.peek()) {
                (Some((a, _)), Some(e)) => *a < e.line,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_id {
                let Some((line, id)) = ids.next() else { break };
                if !seen.insert(id.clone()) {
                    out.errors.push(LineError {
                        line: offset + line,
                        de: format!("Die id {id} kommt in der Datei mehrfach vor."),
                        en: format!("The id {id} occurs more than once in the file."),
                        id: Some(id),
                    });
                }
            } else if let Some(mut e) = errors.next() {
                e.line += offset;
                out.errors.push(e);
            }
        }
        offset += count;
    }
    out
}

/// Cuts `text` into at most `n` parts of about equal size, each ending at a
/// line end (the last one at the end of the text).
fn split_at_lines(text: &str, n: usize) -> Vec<&str> {
    let mut parts = Vec::with_capacity(n);
    let mut rest = text;
    for k in (1..=n).rev() {
        if k == 1 || rest.is_empty() {
            parts.push(rest);
            break;
        }
        let target = rest.len() / k;
        match rest.as_bytes()[target..].iter().position(|&b| b == b'\n') {
            Some(p) => {
                let (a, b) = rest.split_at(target + p + 1);
                parts.push(a);
                rest = b;
            }
            None => {
                parts.push(rest);
                break;
            }
        }
    }
    parts
}

/// Reads a checked file again in batches of `size` transactions (blank
/// lines skipped). Lines that fail to parse are skipped too; run
/// [`check`] first.
pub fn batches<'a>(
    chart: &'a Chart,
    source: &'a str,
    text: &'a str,
    size: usize,
) -> impl Iterator<Item = Vec<Imported>> + 'a {
    let mut lines = text.lines().enumerate();
    std::iter::from_fn(move || {
        let mut batch = Vec::with_capacity(size);
        for (i, line) in lines.by_ref() {
            if line.trim().is_empty() {
                continue;
            }
            if let Ok(t) = parse_line(chart, source, i + 1, line) {
                batch.push(t);
                if batch.len() == size {
                    break;
                }
            }
        }
        (!batch.is_empty()).then_some(batch)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::account::ChartKind;

    fn line(id: &str, amount: i64) -> String {
        format!(
            r#"{{"id":"{id}","date":"2026-01-05","text":"t","postings":[{{"account":"1200","amount_cents":{amount}}},{{"account":"1000","amount_cents":{}}}]}}"#,
            -amount
        )
    }

    #[test]
    fn check_reports_every_problem_with_its_line_whatever_the_threads() {
        let chart = Chart::standard(ChartKind::Skr03);
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&line(&format!("T{i}"), 100 + i));
            text.push('\n');
            if i % 7 == 0 {
                text.push('\n');
            }
        }
        text.push_str("{broken\n");
        text.push_str(&line("T3", 5));
        text.push('\n');
        text.push_str(&line("T99", 5));
        let total_lines = text.lines().count();
        for threads in [1, 2, 3, 8, 100] {
            let c = check(chart, "f", &text, threads);
            assert_eq!(c.lines, 53, "threads {threads}");
            let lines: Vec<usize> = c.errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, vec![total_lines - 2, total_lines - 1], "threads {threads}");
            assert_eq!(c.errors[1].id.as_deref(), Some("T3"));
        }
        let all: Vec<Imported> = batches(chart, "f", &text, 7).flatten().collect();
        assert_eq!(all.len(), 52);
        assert_eq!(batches(chart, "f", &text, 7).next().map(|b| b.len()), Some(7));
        assert_eq!(all[51].id, "T99");
        assert!(check(chart, "f", "", 2).errors.is_empty());
    }
}
