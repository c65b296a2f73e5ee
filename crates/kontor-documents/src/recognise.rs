//! What kontor reads out of a document's text: its type, the sender, the
//! document date, the total, the invoice number, IBANs and VAT ids. Each
//! guess carries a confidence (percent) so the inbox can show how sure
//! kontor is, and a person confirms or corrects it.

use std::sync::LazyLock;

use regex::Regex;

use crate::search::tokens;
use crate::DocType;

/// A value kontor proposes, and how sure it is (0–100).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guess<T> {
    pub value: T,
    pub confidence: u8,
}

/// A calendar date read from a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid Gregorian date between 1990 and 2100, else `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1990..=2100).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (day <= days).then_some(Date { year, month, day })
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    pub fn parse_iso(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        Date::new(y, m, d)
    }
}

/// Everything recognised in one text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recognition {
    pub doc_type: Guess<DocType>,
    pub correspondent: Option<Guess<String>>,
    pub date: Option<Date>,
    /// The total (gross, payable) in cents.
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub invoice_number: Option<String>,
    /// Valid IBANs (check digits verified), in order of appearance.
    pub ibans: Vec<String>,
    /// VAT ids (USt-IdNr.), in order of appearance.
    pub vat_ids: Vec<String>,
}

static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b").expect("IBAN pattern")
});
static VAT: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(
        r"\b(DE ?\d{3} ?\d{3} ?\d{3}|ATU\d{8}|NL\d{9}B\d{2}|FR[0-9A-Z]{2}\d{9}|(?:BE|BG|CY|CZ|DK|EE|EL|ES|FI|HR|HU|IE|IT|LT|LU|LV|MT|PL|PT|RO|SE|SI|SK)[0-9A-Z]{8,12})\b",
    )
    .expect("VAT pattern")
});
static DATE_DOTTED: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\b(\d{1,2})\. ?(\d{1,2})\. ?(\d{4})\b").expect("date pattern")
});
static DATE_ISO: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").expect("date pattern")
});
static DATE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(
        r"(?i)\b(\d{1,2})\.? ?(Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|January|February|March|May|June|July|October|December) (\d{4})\b",
    )
    .expect("date pattern")
});
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"(?:^|[\s:(€])(-?(?:\d{1,3}(?:\.\d{3})+|\d+),\d{2})\b").expect("amount pattern")
});
static INVOICE_NO: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(
        r"(?i)(?:rechnungs-? ?(?:nummer|nr\.?)|rechnung nr\.?|gutschrift nr\.?|gutschriftsnummer|beleg-? ?nr\.?|invoice (?:no\.?|number|#))\s*[:#]?\s*([A-Z0-9][A-Z0-9/_.\-]{1,30})",
    )
    .expect("invoice number pattern")
});
static LEGAL_FORM: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(
        r"\b(GmbH|AG|KG|KGaA|OHG|GbR|UG|e\. ?K\.|e\. ?V\.|mbH|SE|Ltd\.?|Inc\.?|S\.A\.|S\.à r\.l\.|B\.V\.)(?:\s|$|,|&)",
    )
    .expect("legal form pattern")
});

const MONTHS: [(&str, u8); 20] = [
    ("januar", 1),
    ("january", 1),
    ("februar", 2),
    ("february", 2),
    ("märz", 3),
    ("maerz", 3),
    ("march", 3),
    ("april", 4),
    ("mai", 5),
    ("may", 5),
    ("juni", 6),
    ("june", 6),
    ("juli", 7),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("oktober", 10),
    ("october", 10),
    ("november", 11),
    ("dezember", 12),
];

/// Labels after which the document date stands.
const DATE_LABELS: [&str; 8] = [
    "rechnungsdatum",
    "belegdatum",
    "ausstellungsdatum",
    "invoice date",
    "datum",
    "date",
    "vom",
    "stand",
];
/// Labels of the line that carries the total.
const TOTAL_LABELS: [&str; 12] = [
    "zahlbetrag",
    "zu zahlen",
    "rechnungsbetrag",
    "gesamtbetrag",
    "bruttobetrag",
    "endbetrag",
    "gesamtsumme",
    "auszahlungsbetrag",
    "amount due",
    "total",
    "summe",
    "gesamt",
];

/// Keywords (normalised tokens) per document type and their weight.
const KEYWORDS: [(DocType, &str, u32); 42] = [
    (DocType::Invoice, "rechnung", 3),
    (DocType::Invoice, "rechnungsnummer", 3),
    (DocType::Invoice, "rechnungsdatum", 3),
    (DocType::Invoice, "invoice", 3),
    (DocType::Invoice, "zahlbar", 1),
    (DocType::Invoice, "zahlungsziel", 1),
    (DocType::Invoice, "umsatzsteuer", 1),
    (DocType::Invoice, "mwst", 1),
    (DocType::Invoice, "nettobetrag", 1),
    (DocType::Invoice, "leistungsdatum", 1),
    (DocType::Invoice, "lieferdatum", 1),
    (DocType::CreditNote, "gutschrift", 6),
    (DocType::CreditNote, "gutschriftsnummer", 3),
    (DocType::CreditNote, "rechnungskorrektur", 5),
    (DocType::CreditNote, "stornorechnung", 5),
    (DocType::Contract, "vertrag", 3),
    (DocType::Contract, "vertragsparteien", 4),
    (DocType::Contract, "vereinbarung", 2),
    (DocType::Contract, "laufzeit", 2),
    (DocType::Contract, "kuendigungsfrist", 3),
    (DocType::Contract, "vertragsbeginn", 4),
    (DocType::Contract, "mietvertrag", 5),
    (DocType::Contract, "arbeitsvertrag", 5),
    (DocType::Contract, "dienstleistungsvertrag", 5),
    (DocType::Payslip, "entgeltabrechnung", 6),
    (DocType::Payslip, "lohnabrechnung", 6),
    (DocType::Payslip, "gehaltsabrechnung", 6),
    (DocType::Payslip, "verdienstabrechnung", 6),
    (DocType::Payslip, "lohnsteuer", 2),
    (DocType::Payslip, "steuerklasse", 2),
    (DocType::Payslip, "auszahlungsbetrag", 2),
    (DocType::Payslip, "rentenversicherung", 1),
    (DocType::BankStatement, "kontoauszug", 6),
    (DocType::BankStatement, "saldo", 2),
    (DocType::BankStatement, "buchungstag", 2),
    (DocType::BankStatement, "valuta", 2),
    (DocType::BankStatement, "kontostand", 2),
    (DocType::Letter, "geehrte", 1),
    (DocType::Letter, "geehrter", 1),
    (DocType::Letter, "freundlichen", 1),
    (DocType::Letter, "gruessen", 1),
    (DocType::Letter, "betreff", 1),
];

/// Whether `iban` (no spaces, upper case) has valid check digits.
pub fn iban_valid(iban: &str) -> bool {
    let b = iban.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(u8::is_ascii_alphanumeric)
        || (iban.starts_with("DE") && b.len() != 22)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c.to_ascii_uppercase() - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// A German-format amount (`1.234,56`) in cents.
pub fn parse_amount(s: &str) -> Option<i64> {
    let neg = s.starts_with('-');
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

fn amounts_in(line: &str) -> Vec<i64> {
    AMOUNT
        .captures_iter(line)
        .filter_map(|c| c.get(1).and_then(|m| parse_amount(m.as_str())))
        .collect()
}

fn dates_in(line: &str) -> Vec<(usize, Date)> {
    let mut out = Vec::new();
    for c in DATE_DOTTED.captures_iter(line) {
        let (Some(d), Some(m), Some(y)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        if let (Ok(d), Ok(m), Ok(y)) = (d.as_str().parse(), m.as_str().parse(), y.as_str().parse()) {
            if let Some(date) = Date::new(y, m, d) {
                out.push((c.get(0).map_or(0, |m| m.start()), date));
            }
        }
    }
    for c in DATE_ISO.captures_iter(line) {
        if let Some(date) = c.get(0).and_then(|m| Date::parse_iso(m.as_str())) {
            out.push((c.get(0).map_or(0, |m| m.start()), date));
        }
    }
    for c in DATE_WORDS.captures_iter(line) {
        let (Some(d), Some(m), Some(y)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        let month = m.as_str().to_lowercase();
        let Some(&(_, mo)) = MONTHS.iter().find(|(n, _)| *n == month) else {
            continue;
        };
        if let (Ok(d), Ok(y)) = (d.as_str().parse(), y.as_str().parse()) {
            if let Some(date) = Date::new(y, mo, d) {
                out.push((c.get(0).map_or(0, |m| m.start()), date));
            }
        }
    }
    out.sort_by_key(|(at, _)| *at);
    out
}

fn classify(text: &str) -> Guess<DocType> {
    let mut counts: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for w in tokens(text) {
        if let Some((_, k, _)) = KEYWORDS.iter().find(|(_, k, _)| *k == w) {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut scores: Vec<(DocType, u32)> = DocType::ALL.iter().map(|t| (*t, 0)).collect();
    for (t, k, weight) in KEYWORDS {
        if let Some(n) = counts.get(k) {
            if let Some(s) = scores.iter_mut().find(|(d, _)| *d == t) {
                // A keyword counts at most three times.
                s.1 += weight * (*n).min(3);
            }
        }
    }
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    let (best, top) = scores[0];
    let second = scores[1].1;
    if top < 2 {
        return Guess {
            value: DocType::Other,
            confidence: 30,
        };
    }
    let margin = top.saturating_sub(second);
    let confidence = (35 + 8 * margin + 2 * top).min(95) as u8;
    Guess {
        value: best,
        confidence,
    }
}

/// The sender as written: the first line with a legal form (GmbH, AG, …)
/// that is not one of `own_names`, else the first line with letters.
fn sender(text: &str, own_names: &[String]) -> Option<Guess<String>> {
    let own: Vec<String> = own_names.iter().map(|n| tokens(n).join(" ")).collect();
    let is_own = |line: &str| {
        let t = tokens(line).join(" ");
        own.iter().any(|o| !o.is_empty() && t.contains(o.as_str()))
    };
    let lines = text
        .lines()
        .map(str::trim)
        .filter(|l| l.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .take(40);
    let mut first = None;
    for l in lines {
        if is_own(l) {
            continue;
        }
        if let Some(m) = LEGAL_FORM.find(l) {
            // The name ends with its legal form; what follows (address) is cut.
            let name = l[..m.end()].trim().trim_end_matches([',', '&']).trim();
            let name = name.rsplit("  ").next().unwrap_or(name).trim();
            // Labels and joining words before the name: "Vertragsparteien:",
            // "zwischen", "und", "von", "Absender".
            let mut name = name.get(name.rfind(':').map_or(0, |i| i + 1)..).unwrap_or(name).trim();
            for w in ["zwischen ", "und ", "von ", "absender "] {
                if name.len() > w.len() && name.is_char_boundary(w.len()) && name[..w.len()].eq_ignore_ascii_case(w) {
                    name = name[w.len()..].trim();
                }
            }
            if name.len() >= 4 && name.len() <= 120 {
                return Some(Guess {
                    value: name.to_string(),
                    confidence: 55,
                });
            }
        }
        if first.is_none() && l.len() <= 80 && dates_in(l).is_empty() {
            first = Some(l.to_string());
        }
    }
    first.map(|value| Guess { value, confidence: 20 })
}

/// Reads what it can out of `text`. `own_names` are the receiving
/// company's names, never taken for the sender.
pub fn recognise(text: &str, own_names: &[String]) -> Recognition {
    let upper = text.to_uppercase();
    let mut ibans = Vec::new();
    for m in IBAN.find_iter(&upper) {
        let iban: String = m.as_str().chars().filter(|c| !c.is_whitespace()).collect();
        if iban_valid(&iban) && !ibans.contains(&iban) {
            ibans.push(iban);
        }
    }
    let mut vat_ids = Vec::new();
    for m in VAT.find_iter(&upper) {
        let vat: String = m.as_str().chars().filter(|c| !c.is_whitespace()).collect();
        if !ibans.iter().any(|i| i.contains(&vat)) && !vat_ids.contains(&vat) {
            vat_ids.push(vat);
        }
    }

    let mut labelled_date = None;
    let mut first_date = None;
    let mut labelled_totals = Vec::new();
    let mut currency_amounts = Vec::new();
    let mut currency = None;
    for line in text.lines() {
        let lower = line.to_lowercase();
        let dates = dates_in(line);
        if first_date.is_none() {
            first_date = dates.first().map(|(_, d)| *d);
        }
        if labelled_date.is_none() {
            for label in DATE_LABELS {
                if let Some(at) = lower.find(label) {
                    if let Some((_, d)) = dates.iter().find(|(pos, _)| *pos >= at) {
                        labelled_date = Some(*d);
                        break;
                    }
                }
            }
        }
        let amounts = amounts_in(line);
        if amounts.is_empty() {
            continue;
        }
        let has_currency = line.contains('€') || lower.contains("eur");
        if has_currency && currency.is_none() {
            currency = Some("EUR".to_string());
        }
        if TOTAL_LABELS.iter().any(|l| lower.contains(l)) {
            labelled_totals.extend(amounts.iter().copied());
        } else if has_currency {
            currency_amounts.extend(amounts.iter().copied());
        }
    }
    let amount_cents = labelled_totals
        .iter()
        .copied()
        .max()
        .or_else(|| currency_amounts.iter().copied().max());

    let invoice_number = INVOICE_NO
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str().trim_end_matches(['.', '-', '/']).to_string())
        .find(|n| n.chars().any(|c| c.is_ascii_digit()));

    Recognition {
        doc_type: classify(text),
        correspondent: sender(text, own_names),
        date: labelled_date.or(first_date),
        amount_cents,
        currency: currency.or_else(|| amount_cents.map(|_| "EUR".to_string())),
        invoice_number,
        ibans,
        vat_ids,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    const INVOICE: &str = "Stadtwerke Musterstadt GmbH · Hauptstr. 1 · 12345 Musterstadt\n\
        Beispiel Handels GmbH\nLindenweg 5\n\n\
        Rechnung\nRechnungsnummer: RE-2026-0815\nRechnungsdatum: 14.03.2026\n\
        Leistungszeitraum 01.02.2026 bis 28.02.2026\n\
        Strom Februar          1.000,00 EUR\nUmsatzsteuer 19 %        190,00 EUR\n\
        Rechnungsbetrag        1.190,00 EUR\n\
        Zahlbar bis 28.03.2026 auf DE89 3704 0044 0532 0130 00\n\
        USt-IdNr. DE123456789";

    #[test]
    fn an_invoice_is_read_completely() {
        let r = recognise(INVOICE, &["Beispiel Handels GmbH".to_string()]);
        assert_eq!(r.doc_type.value, DocType::Invoice);
        assert!(r.doc_type.confidence >= 60, "{:?}", r.doc_type);
        assert_eq!(r.correspondent.unwrap().value, "Stadtwerke Musterstadt GmbH");
        assert_eq!(r.date, Date::new(2026, 3, 14));
        assert_eq!(r.amount_cents, Some(119_000));
        assert_eq!(r.currency.as_deref(), Some("EUR"));
        assert_eq!(r.invoice_number.as_deref(), Some("RE-2026-0815"));
        assert_eq!(r.ibans, vec!["DE89370400440532013000"]);
        assert_eq!(r.vat_ids, vec!["DE123456789"]);
    }

    #[test]
    fn types_by_their_words() {
        let t = |s: &str| recognise(s, &[]).doc_type.value;
        assert_eq!(t("Gutschrift Nr. G-17 zu Rechnung 4711"), DocType::CreditNote);
        assert_eq!(
            t("Entgeltabrechnung März 2026 Steuerklasse 1 Lohnsteuer"),
            DocType::Payslip
        );
        assert_eq!(t("Kontoauszug 3/2026 alter Saldo neuer Saldo"), DocType::BankStatement);
        assert_eq!(t("Mietvertrag\n§ 3 Laufzeit und Kündigungsfrist"), DocType::Contract);
        assert_eq!(
            t("Sehr geehrte Damen und Herren,\nbitte ... Mit freundlichen Grüßen"),
            DocType::Letter
        );
        assert_eq!(t("Lorem ipsum dolor"), DocType::Other);
    }

    #[test]
    fn senders_without_labels_or_joining_words() {
        let c = |s: &str| recognise(s, &[]).correspondent.unwrap().value;
        assert_eq!(
            c("Vertragsparteien: Netzwerk & Service Berger e.K., Leipzig"),
            "Netzwerk & Service Berger e.K."
        );
        assert_eq!(
            c("zwischen Hausverwaltung Lindner GmbH, Am Stadtpark 12"),
            "Hausverwaltung Lindner GmbH"
        );
        assert_eq!(c("Absender: Müller und Söhne GmbH"), "Müller und Söhne GmbH");
    }

    #[test]
    fn dates_in_words_and_iso() {
        assert_eq!(recognise("Berlin, den 3. März 2026", &[]).date, Date::new(2026, 3, 3));
        assert_eq!(recognise("Date: 2026-11-02", &[]).date, Date::new(2026, 11, 2));
        assert_eq!(recognise("am 31.02.2026", &[]).date, None);
    }

    #[test]
    fn iban_check_digits() {
        assert!(iban_valid("DE89370400440532013000"));
        assert!(!iban_valid("DE89370400440532013001"));
        assert!(iban_valid("GB82WEST12345698765432"));
        assert!(!iban_valid("DE8937040044053201300"));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,400}") {
            let r = recognise(&s, &["X GmbH".to_string()]);
            for i in &r.ibans {
                prop_assert!(iban_valid(i));
            }
            prop_assert!(r.doc_type.confidence <= 100);
        }
    }
}
