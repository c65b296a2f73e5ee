//! What a statement must satisfy before kontor books anything from it.

use crate::{cents_dot, BalanceKind, Format, FormatError, Statement, Status};

/// Where a statement is, for messages: its id or its position.
pub fn label(s: &Statement, index: usize) -> String {
    match &s.id {
        Some(id) => format!("statement {id}"),
        None => format!("statement {}", index + 1),
    }
}

/// Checks one statement for import:
/// - the account is identified and every line is in the account currency;
/// - statements (camt.053, MT940) carry an opening and a closing balance
///   with dates, in the account currency;
/// - for statements, opening + booked movements = closing (reports and
///   notifications carry balances for information only).
pub fn verify(s: &Statement, index: usize) -> Result<(), FormatError> {
    let at = label(s, index);
    if s.account.identification().is_none() {
        return Err(FormatError::new(
            &at,
            "the statement names no account (:25: or Acct/Id). kontor cannot tell which bank account it belongs to.",
            "Der Auszug nennt kein Konto (:25: oder Acct/Id). kontor kann ihn keinem Bankkonto zuordnen.",
        ));
    }
    let opening = s.opening().or_else(|| {
        (s.format == Format::Camt052 || s.format == Format::Mt942)
            .then(|| s.balances.iter().find(|b| b.kind == BalanceKind::Interim))
            .flatten()
    });
    let closing = s.closing().or_else(|| match s.format {
        Format::Camt052 => s.balances.iter().filter(|b| b.kind == BalanceKind::Interim).nth(1),
        // A page of a multi-page MT940 closes with :62M:.
        Format::Mt940 | Format::Mt942 => s.balances.iter().rev().find(|b| b.kind == BalanceKind::Interim),
        _ => None,
    });
    if s.format.is_statement() {
        if opening.is_none() {
            return Err(FormatError::new(
                &at,
                "the statement has no opening balance (OPBD/PRCD, :60F:); without it kontor cannot check that nothing is missing.",
                "Der Auszug hat keinen Anfangssaldo (OPBD/PRCD, :60F:); ohne ihn kann kontor nicht prüfen, ob etwas fehlt.",
            ));
        }
        if closing.is_none() {
            return Err(FormatError::new(
                &at,
                "the statement has no closing balance (CLBD, :62F:); without it kontor cannot check that nothing is missing.",
                "Der Auszug hat keinen Schlusssaldo (CLBD, :62F:); ohne ihn kann kontor nicht prüfen, ob etwas fehlt.",
            ));
        }
    }
    let currency = s
        .account
        .currency
        .clone()
        .or_else(|| opening.map(|b| b.currency.clone()))
        .or_else(|| s.lines.first().map(|l| l.currency.clone()))
        .unwrap_or_default();
    for (name, b) in [("opening", opening), ("closing", closing)] {
        let Some(b) = b else { continue };
        if b.currency != currency {
            return Err(FormatError::new(
                &at,
                format!(
                    "the {name} balance is in {} but the account is in {currency}.",
                    b.currency
                ),
                format!(
                    "Der {} ist in {}, das Konto aber in {currency}.",
                    if name == "opening" {
                        "Anfangssaldo"
                    } else {
                        "Schlusssaldo"
                    },
                    b.currency
                ),
            ));
        }
        if b.date.is_none() {
            return Err(FormatError::new(
                &at,
                format!("the {name} balance has no date (Bal/Dt is mandatory). Download the statement again."),
                format!(
                    "Der {} hat kein Datum (Bal/Dt ist Pflicht). Bitte den Auszug erneut abrufen.",
                    if name == "opening" {
                        "Anfangssaldo"
                    } else {
                        "Schlusssaldo"
                    }
                ),
            ));
        }
    }
    let mut sum: i64 = 0;
    for (i, l) in s.lines.iter().enumerate() {
        if l.currency != currency {
            return Err(FormatError::new(
                format!("{at}, line {}", i + 1),
                format!("the transaction is in {} but the account is in {currency}.", l.currency),
                format!("Der Umsatz ist in {}, das Konto aber in {currency}.", l.currency),
            ));
        }
        if l.booking_date.is_none() && l.status != Some(Status::Pending) && s.format.is_statement() {
            return Err(FormatError::new(
                format!("{at}, line {}", i + 1),
                "the booked transaction has no booking date.",
                "Der gebuchte Umsatz hat kein Buchungsdatum.",
            ));
        }
        if l.status.unwrap_or(Status::Booked) == Status::Booked {
            sum = sum.checked_add(l.amount).ok_or_else(|| {
                FormatError::new(
                    &at,
                    "the amounts are too large to add up.",
                    "Die Beträge sind zu groß zum Addieren.",
                )
            })?;
        }
    }
    // Intraday reports and notifications show balances for information;
    // banks do not promise that they reconcile with the lines shown.
    if !s.format.is_statement() {
        return Ok(());
    }
    if let (Some(o), Some(c)) = (opening, closing) {
        if o.amount.checked_add(sum) != Some(c.amount) {
            return Err(FormatError::new(
                &at,
                format!(
                    "the balances do not add up: opening {} + movements {} = {}, but the closing balance is {} (difference {}). Transactions are missing or doubled; nothing was booked. Download the complete statement again.",
                    cents_dot(o.amount),
                    cents_dot(sum),
                    cents_dot(o.amount + sum),
                    cents_dot(c.amount),
                    cents_dot(c.amount - o.amount - sum)
                ),
                format!(
                    "Die Salden gehen nicht auf: Anfangssaldo {} + Umsätze {} = {}, der Schlusssaldo ist aber {} (Differenz {}). Umsätze fehlen oder sind doppelt; nichts wurde gebucht. Bitte den vollständigen Auszug erneut abrufen.",
                    cents_dot(o.amount),
                    cents_dot(sum),
                    cents_dot(o.amount + sum),
                    cents_dot(c.amount),
                    cents_dot(c.amount - o.amount - sum)
                ),
            ));
        }
    }
    Ok(())
}
