//! kontor's own content checks, reported as warnings next to the official
//! rules: things a bookkeeper should look at before paying or deducting input
//! VAT, which the official rule sets do not check (VAT identifier check
//! digits, IBAN check digits, a due date before the issue date).

use super::Severity::Warning;
use super::Sink;
use crate::model::Invoice;

/// Runs the content checks on the model read from the invoice.
pub(super) fn check(inv: &Invoice, s: &mut Sink) {
    let parties = [
        ("BT-31", inv.seller.vat_id.as_deref()),
        ("BT-48", inv.buyer.vat_id.as_deref()),
        (
            "BT-63",
            inv.tax_representative.as_ref().and_then(|t| t.vat_id.as_deref()),
        ),
    ];
    for (bt, id) in parties {
        if let Some(id) = id.filter(|v| !v.trim().is_empty()) {
            if let Err(problem) = vat_id(id) {
                let (de, en) = problem.text(bt);
                s.push("KONTOR-VAT-ID", Warning, bt, Some(id), &de, &en);
            }
        }
    }
    if let Some(p) = &inv.payment {
        let accounts = p
            .credit_transfers
            .iter()
            .filter_map(|t| t.account.as_deref().map(|a| ("BT-84", a)))
            .chain(p.debited_account.as_deref().map(|a| ("BT-91", a)));
        for (bt, account) in accounts {
            let compact: String = account.chars().filter(|c| !c.is_whitespace()).collect();
            let looks_like_iban = compact.len() >= 4
                && compact[..2].chars().all(|c| c.is_ascii_uppercase())
                && compact[2..4].chars().all(|c| c.is_ascii_digit());
            if looks_like_iban && !super::xr_rules::iban_ok(&compact) {
                s.push(
                    "KONTOR-IBAN",
                    Warning,
                    bt,
                    Some(account),
                    &format!("Die IBAN ({bt}) hat falsche Prüfziffern oder eine falsche Länge – vor einer Zahlung mit dem Lieferanten klären."),
                    &format!("The IBAN ({bt}) has wrong check digits or length – confirm with the supplier before paying."),
                );
            }
        }
    }
    if let (Some(issue), Some(due)) = (
        inv.issue_date.as_deref().and_then(ymd),
        inv.due_date.as_deref().and_then(ymd),
    ) {
        if due < issue {
            s.push(
                "KONTOR-DUE-DATE",
                Warning,
                "BT-9",
                inv.due_date.as_deref(),
                "Das Fälligkeitsdatum (BT-9) liegt vor dem Rechnungsdatum (BT-2).",
                "The payment due date (BT-9) is before the issue date (BT-2).",
            );
        }
    }
}

/// A date as `YYYYMMDD` digits (from `2026-11-27` or `20261127`).
fn ymd(v: &str) -> Option<String> {
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 8).then_some(digits)
}

#[derive(Debug, PartialEq, Eq)]
enum VatIdProblem {
    Shape,
    CheckDigit,
}

impl VatIdProblem {
    fn text(&self, bt: &str) -> (String, String) {
        match self {
            VatIdProblem::Shape => (
                format!("Die Umsatzsteuer-Identifikationsnummer ({bt}) hat nicht die Form Ländercode plus Nummer (z. B. DE123456789)."),
                format!("The VAT identifier ({bt}) is not a country code followed by a number (e.g. DE123456789)."),
            ),
            VatIdProblem::CheckDigit => (
                format!("Die deutsche USt-IdNr. ({bt}) hat eine falsche Prüfziffer – beim Bundeszentralamt für Steuern bestätigen lassen."),
                format!("The German VAT identifier ({bt}) has a wrong check digit – confirm it with the Federal Central Tax Office."),
            ),
        }
    }
}

/// The shape of any EU-style VAT identifier and, for German ones, the check
/// digit (ISO 7064 MOD 11,10 over the nine digits).
fn vat_id(raw: &str) -> Result<(), VatIdProblem> {
    let v: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let (cc, rest) = v.split_at(v.char_indices().nth(2).map_or(v.len(), |(i, _)| i));
    let shape = cc.len() == 2
        && cc.chars().all(|c| c.is_ascii_uppercase())
        && (2..=13).contains(&rest.len())
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '*');
    if !shape {
        return Err(VatIdProblem::Shape);
    }
    if cc == "DE" {
        if rest.len() != 9 || !rest.chars().all(|c| c.is_ascii_digit()) || rest.starts_with('0') {
            return Err(VatIdProblem::Shape);
        }
        let d: Vec<u32> = rest.chars().filter_map(|c| c.to_digit(10)).collect();
        let mut product = 10;
        for &digit in &d[..8] {
            let mut sum = (digit + product) % 10;
            if sum == 0 {
                sum = 10;
            }
            product = (2 * sum) % 11;
        }
        let check = (11 - product) % 10;
        if check != d[8] {
            return Err(VatIdProblem::CheckDigit);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_vat_ids_have_a_check_digit() {
        assert_eq!(vat_id("DE136695976"), Ok(()));
        assert_eq!(vat_id("DE 136 695 976"), Ok(()));
        assert_eq!(vat_id("DE136695977"), Err(VatIdProblem::CheckDigit));
        assert_eq!(vat_id("DE12345678"), Err(VatIdProblem::Shape));
        assert_eq!(vat_id("ATU12345678"), Ok(()));
        assert_eq!(vat_id("123456789"), Err(VatIdProblem::Shape));
    }

    #[test]
    fn dates_compare_in_either_form() {
        assert!(ymd("2026-11-27") > ymd("20261126"));
        assert_eq!(ymd("27.11."), None);
    }
}
