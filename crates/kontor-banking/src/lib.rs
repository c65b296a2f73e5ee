//! Money moves, pure: what banks send (statements) and what kontor sends
//! to banks (credit transfers), and how bank lines find their open items.
//!
//! - [`read`]: one entry point for bank statement files. CAMT.052 (intraday
//!   report), CAMT.053 (statement) and CAMT.054 (debit/credit notification)
//!   in every version from .001.01 to .001.08 and beyond, detected by the
//!   namespace; MT940/MT942 (SWIFT text) with the German `:86:` structure.
//! - [`check`]: the arithmetic a statement must satisfy before anything is
//!   booked (opening + movements = closing).
//! - [`sepa`]: pain.001 credit transfer files, version .001.09 and .001.03.
//! - [`bic`]: BIC format check (IBANs are checked by `kontor_core::Iban`).
//! - [`matching`]: bank lines against open items, with a confidence and the
//!   reason, never by amount alone without a person.
//!
//! Amounts are integer hundredths (cents) of the currency, signed: positive
//! is money in (credit on the account), negative is money out.

pub mod bic;
pub mod camt;
pub mod check;
pub mod dunning;
pub mod matching;
pub mod mt940;
pub mod sepa;
mod xml;

use std::fmt;

/// The largest statement file kontor reads (a year of a busy account fits).
pub const FILE_MAX_BYTES: usize = 100 * 1024 * 1024;

/// Which kind of bank file a statement came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Intraday account report (Umsatzabfrage, vorgemerkte Umsätze).
    Camt052,
    /// End-of-day statement (Kontoauszug).
    Camt053,
    /// Debit/credit notification (e.g. the details of a batch).
    Camt054,
    Mt940,
    Mt942,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Camt052 => "camt.052",
            Format::Camt053 => "camt.053",
            Format::Camt054 => "camt.054",
            Format::Mt940 => "MT940",
            Format::Mt942 => "MT942",
        }
    }

    /// Whether its lines are final bookings (statements) rather than an
    /// intraday view or a notification that a statement will repeat.
    pub fn is_statement(self) -> bool {
        matches!(self, Format::Camt053 | Format::Mt940)
    }
}

/// The account a statement is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AccountRef {
    pub iban: Option<String>,
    /// Any other identification (Swiss/legacy number, `BLZ/Konto` of MT940).
    pub other: Option<String>,
    pub currency: Option<String>,
    pub name: Option<String>,
    pub bic: Option<String>,
}

impl AccountRef {
    /// The identification as the bank wrote it (IBAN first).
    pub fn identification(&self) -> Option<&str> {
        self.iban.as_deref().or(self.other.as_deref())
    }
}

/// Balance types (ISO 20022 codes; MT940 tags map onto them).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum BalanceKind {
    /// OPBD, `:60F:`.
    Opening,
    /// PRCD: the previous statement's closing balance, used as opening.
    PreviouslyClosed,
    /// CLBD, `:62F:`.
    Closing,
    /// OPAV.
    OpeningAvailable,
    /// CLAV, `:64:`.
    ClosingAvailable,
    /// FWAV, `:65:`.
    ForwardAvailable,
    /// INFO.
    Information,
    /// ITAV.
    InterimAvailable,
    /// ITBD, `:60M:`/`:62M:` and intraday reports.
    Interim,
    /// XPCD.
    Expected,
    /// Any other code as written.
    Other(String),
}

impl BalanceKind {
    pub fn from_code(code: &str) -> BalanceKind {
        match code {
            "OPBD" => BalanceKind::Opening,
            "PRCD" => BalanceKind::PreviouslyClosed,
            "CLBD" => BalanceKind::Closing,
            "OPAV" => BalanceKind::OpeningAvailable,
            "CLAV" => BalanceKind::ClosingAvailable,
            "FWAV" => BalanceKind::ForwardAvailable,
            "INFO" => BalanceKind::Information,
            "ITAV" => BalanceKind::InterimAvailable,
            "ITBD" => BalanceKind::Interim,
            "XPCD" => BalanceKind::Expected,
            other => BalanceKind::Other(other.to_string()),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            BalanceKind::Opening => "OPBD",
            BalanceKind::PreviouslyClosed => "PRCD",
            BalanceKind::Closing => "CLBD",
            BalanceKind::OpeningAvailable => "OPAV",
            BalanceKind::ClosingAvailable => "CLAV",
            BalanceKind::ForwardAvailable => "FWAV",
            BalanceKind::Information => "INFO",
            BalanceKind::InterimAvailable => "ITAV",
            BalanceKind::Interim => "ITBD",
            BalanceKind::Expected => "XPCD",
            BalanceKind::Other(s) => s,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Balance {
    pub kind: BalanceKind,
    /// Cents, signed (negative = debit balance, overdraft).
    pub amount: i64,
    pub currency: String,
    /// ISO date (the date part as the bank wrote it).
    pub date: Option<String>,
}

/// Booking status of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// BOOK: booked on the account.
    Booked,
    /// PDNG: pending (intraday, vorgemerkt).
    Pending,
    /// INFO: for information only.
    Info,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Booked => "BOOK",
            Status::Pending => "PDNG",
            Status::Info => "INFO",
        }
    }
}

/// One transaction inside an entry (a batch has several).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Detail {
    /// Cents, signed like the entry; `None` when the bank gives none.
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub end_to_end_id: Option<String>,
    pub instruction_id: Option<String>,
    pub mandate_id: Option<String>,
    pub account_servicer_ref: Option<String>,
    /// The other party: debtor for money in, creditor for money out.
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub counterparty_bic: Option<String>,
    /// Unstructured remittance (Verwendungszweck), lines joined by a space.
    pub remittance: Option<String>,
    /// Structured creditor reference (e.g. RF…).
    pub creditor_ref: Option<String>,
    /// Return reason (Rücklastschrift/Rücküberweisung), ISO code.
    pub return_reason: Option<String>,
    pub additional_info: Option<String>,
    /// Charges the bank took (negative), e.g. the fee of a return.
    pub charges: Option<i64>,
}

/// One line of a statement (an ISO "entry", an MT940 `:61:`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    /// Cents, signed: positive money in, negative money out.
    pub amount: i64,
    pub currency: String,
    pub booking_date: Option<String>,
    pub value_date: Option<String>,
    pub status: Option<Status>,
    /// A reversal (Storno) of an earlier line.
    pub reversal: bool,
    /// NtryRef / MT940 customer reference.
    pub reference: Option<String>,
    /// AcctSvcrRef / MT940 bank reference.
    pub account_servicer_ref: Option<String>,
    /// Bank transaction code: ISO domain/family/sub-family or proprietary
    /// (DK GVC), as `PMNT/RCDT/ESCT` or `NTRF+166`.
    pub bank_code: Option<String>,
    pub additional_info: Option<String>,
    pub details: Vec<Detail>,
}

impl Line {
    /// All remittance texts of the line's details, for matching.
    pub fn remittance(&self) -> String {
        let mut s = String::new();
        for d in &self.details {
            let e2e = d
                .end_to_end_id
                .as_ref()
                .filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED"));
            for part in [d.remittance.as_ref(), d.creditor_ref.as_ref(), e2e]
                .into_iter()
                .flatten()
            {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(part);
            }
        }
        if let Some(a) = &self.additional_info {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(a);
        }
        s
    }

    /// The first detail's counterparty IBAN.
    pub fn counterparty_iban(&self) -> Option<&str> {
        self.details.iter().find_map(|d| d.counterparty_iban.as_deref())
    }

    pub fn counterparty_name(&self) -> Option<&str> {
        self.details.iter().find_map(|d| d.counterparty_name.as_deref())
    }

    pub fn end_to_end_ids(&self) -> impl Iterator<Item = &str> {
        self.details
            .iter()
            .filter_map(|d| d.end_to_end_id.as_deref())
            .filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED"))
    }

    pub fn is_return(&self) -> bool {
        self.details.iter().any(|d| d.return_reason.is_some())
    }
}

/// One statement (or report, or notification) of one account.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    pub format: Format,
    /// The exact message version, e.g. `camt.053.001.08` or `MT940`.
    pub version: String,
    /// GrpHdr/MsgId (CAMT).
    pub message_id: Option<String>,
    /// Stmt/Id, Rpt/Id, Ntfctn/Id, `:20:`.
    pub id: Option<String>,
    /// Electronic or legal sequence number, `:28C:`.
    pub sequence: Option<String>,
    /// When the bank created it (as written).
    pub created: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub account: AccountRef,
    pub balances: Vec<Balance>,
    pub lines: Vec<Line>,
}

impl Statement {
    pub fn balance(&self, pick: impl Fn(&BalanceKind) -> bool) -> Option<&Balance> {
        self.balances.iter().find(|b| pick(&b.kind))
    }

    /// Opening balance (OPBD, else PRCD, else the first interim balance of
    /// a report).
    pub fn opening(&self) -> Option<&Balance> {
        self.balance(|k| *k == BalanceKind::Opening)
            .or_else(|| self.balance(|k| *k == BalanceKind::PreviouslyClosed))
    }

    pub fn closing(&self) -> Option<&Balance> {
        self.balance(|k| *k == BalanceKind::Closing)
    }
}

/// Why a bank file was not accepted: what, where, what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {en}")]
pub struct FormatError {
    /// Where: a line number, an element path, a statement id.
    pub location: String,
    pub en: String,
    pub de: String,
}

impl FormatError {
    pub fn new(location: impl Into<String>, en: impl Into<String>, de: impl Into<String>) -> FormatError {
        FormatError {
            location: location.into(),
            en: en.into(),
            de: de.into(),
        }
    }

    /// The message in German (`de`) or English.
    pub fn message(&self, german: bool) -> String {
        if german {
            format!("{}: {}", self.location, self.de)
        } else {
            format!("{}: {}", self.location, self.en)
        }
    }
}

/// Reads a bank statement file of any supported format.
pub fn read(bytes: &[u8]) -> Result<Vec<Statement>, FormatError> {
    if bytes.len() > FILE_MAX_BYTES {
        return Err(FormatError::new(
            "file",
            format!(
                "the file has {} MB; bank files up to {} MB are accepted. Split it by period at the bank.",
                bytes.len() / 1_048_576,
                FILE_MAX_BYTES / 1_048_576
            ),
            format!(
                "Die Datei ist {} MB groß; Bankdateien bis {} MB werden angenommen. Bitte bei der Bank nach Zeiträumen getrennt abrufen.",
                bytes.len() / 1_048_576,
                FILE_MAX_BYTES / 1_048_576
            ),
        ));
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
        .unwrap_or(bytes.len());
    if start == bytes.len() {
        return Err(FormatError::new(
            "file",
            "the file is empty. Download the statement again from the bank.",
            "Die Datei ist leer. Bitte den Auszug erneut bei der Bank abrufen.",
        ));
    }
    if bytes[start] == b'<' {
        camt::read(bytes)
    } else {
        mt940::read(bytes)
    }
}

/// Amount text (`1234.56`, `1234,56`, `18.150`) to cents. More than two
/// decimals are accepted only when the extra digits are zero; at most
/// 99,999,999,999.99 (so the sums of a 100 MB file cannot overflow).
pub(crate) fn cents_of(text: &str, decimal: char) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (int, frac) = match t.split_once(decimal) {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if (int.is_empty() && frac.is_empty()) || int.starts_with(['+', '-']) {
        return None;
    }
    let int = int.trim_start_matches('0');
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() > 11 {
        return None;
    }
    let (keep, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return None;
    }
    let mut cents: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    cents = cents.checked_mul(100)?;
    let f: i64 = match keep.len() {
        0 => 0,
        1 => keep.parse::<i64>().ok()? * 10,
        _ => keep.parse().ok()?,
    };
    cents = cents.checked_add(f)?;
    Some(if neg { -cents } else { cents })
}

/// Checks an ISO date `YYYY-MM-DD` (the first ten characters of a date or
/// date-time) and returns it.
pub(crate) fn iso_date(text: &str) -> Option<String> {
    let t = text.trim();
    let d = t.get(..10)?;
    let b = d.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = d[..4].parse().ok()?;
    let m: u32 = d[5..7].parse().ok()?;
    let day: u32 = d[8..10].parse().ok()?;
    (valid_date(y, m, day)).then(|| d.to_string())
}

pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

pub(crate) fn valid_date(y: i32, m: u32, d: u32) -> bool {
    (1900..=2200).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An ISO date plus `days` (negative to go back).
pub fn add_days(date: &str, days: i64) -> Option<String> {
    let d = iso_date(date)?;
    let n = days_from_civil(d[..4].parse().ok()?, d[5..7].parse().ok()?, d[8..10].parse().ok()?) + days;
    let (y, m, dd) = civil_from_days(n);
    Some(format!("{y:04}-{m:02}-{dd:02}"))
}

/// Days from `a` to `b` (ISO dates).
pub fn days_between(a: &str, b: &str) -> Option<i64> {
    let f = |s: &str| -> Option<i64> {
        let d = iso_date(s)?;
        Some(days_from_civil(
            d[..4].parse().ok()?,
            d[5..7].parse().ok()?,
            d[8..10].parse().ok()?,
        ))
    };
    Some(f(b)? - f(a)?)
}

/// Formats cents as `1234.56` (for files and messages).
pub fn cents_dot(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(cents_of("18.15", '.'), Some(1815));
        assert_eq!(cents_of("18.150", '.'), Some(1815));
        assert_eq!(cents_of("5442.09000", '.'), Some(544209));
        assert_eq!(cents_of("1125250,4", ','), Some(112525040));
        assert_eq!(cents_of("30,", ','), Some(3000));
        assert_eq!(cents_of(",5", ','), Some(50));
        assert_eq!(cents_of("1.005", '.'), None);
        assert_eq!(cents_of("1e5", '.'), None);
        assert_eq!(cents_of("", '.'), None);
        assert_eq!(cents_of("99999999999999999999", '.'), None);
        assert_eq!(cents_of("100000000000.00", '.'), None);
        assert_eq!(cents_of("99999999999.99", '.'), Some(9_999_999_999_999));
        assert_eq!(cents_of("0000000000000000,00", ','), Some(0));
    }

    #[test]
    fn day_arithmetic() {
        assert_eq!(add_days("2026-02-20", 14).as_deref(), Some("2026-03-06"));
        assert_eq!(add_days("2024-12-31", 1).as_deref(), Some("2025-01-01"));
        assert_eq!(add_days("2024-03-01", -1).as_deref(), Some("2024-02-29"));
        assert_eq!(days_between("2026-01-01", "2026-12-31"), Some(364));
    }

    #[test]
    fn dates() {
        assert_eq!(iso_date("2014-12-31T13:15:00+01:00").as_deref(), Some("2014-12-31"));
        assert_eq!(iso_date("2014-02-30"), None);
        assert_eq!(iso_date("2014/02/03"), None);
        assert_eq!(iso_date("2014"), None);
    }
}
