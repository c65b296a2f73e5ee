//! Account numbers and the charts of accounts SKR03 and SKR04.
//!
//! The charts are kontor's compilation in `charts/skr03.csv` and
//! `charts/skr04.csv` (see `../shared/spec/accounting/SOURCE.md`): number,
//! title, class, type, HGB position, the tax code an account implies and the
//! code whose tax is posted to it.

use std::fmt;
use std::sync::OnceLock;

/// A DATEV account number: a Sachkonto of 4 digits (`0800`), a Debitor
/// 10000–69999 or a Kreditor 70000–99999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountNo(u32);

/// What kind of account a number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// General ledger account (Sachkonto) of the chart.
    Sachkonto,
    /// Personal account of a customer (Debitor), 10000–69999.
    Debitor,
    /// Personal account of a supplier (Kreditor), 70000–99999.
    Kreditor,
}

impl AccountNo {
    /// Four digits (with leading zeros) or a five-digit personal account.
    pub fn parse(s: &str) -> Option<AccountNo> {
        let s = s.trim();
        if !(s.len() == 4 || s.len() == 5) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = s.parse().ok()?;
        (s.len() == 4 || n >= 10_000).then_some(AccountNo(n))
    }

    pub fn number(self) -> u32 {
        self.0
    }

    pub fn from_number(n: u32) -> Option<AccountNo> {
        (n <= 99_999).then_some(AccountNo(n))
    }

    pub fn kind(self) -> AccountKind {
        match self.0 {
            10_000..=69_999 => AccountKind::Debitor,
            70_000..=99_999 => AccountKind::Kreditor,
            _ => AccountKind::Sachkonto,
        }
    }

    pub fn is_personal(self) -> bool {
        self.kind() != AccountKind::Sachkonto
    }
}

impl fmt::Display for AccountNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 10_000 {
            write!(f, "{:04}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl serde::Serialize for AccountNo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Which standard chart a company uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    Skr03,
    Skr04,
}

impl ChartKind {
    pub fn parse(s: &str) -> Option<ChartKind> {
        match s.to_ascii_lowercase().as_str() {
            "skr03" => Some(ChartKind::Skr03),
            "skr04" => Some(ChartKind::Skr04),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChartKind::Skr03 => "skr03",
            ChartKind::Skr04 => "skr04",
        }
    }
}

/// Account type for the financial statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
    Statistical,
}

impl AccountType {
    fn parse(s: &str) -> Option<AccountType> {
        Some(match s {
            "asset" => AccountType::Asset,
            "liability" => AccountType::Liability,
            "equity" => AccountType::Equity,
            "income" => AccountType::Income,
            "expense" => AccountType::Expense,
            "statistical" => AccountType::Statistical,
            _ => return None,
        })
    }

    /// Balance-sheet accounts carry their balance into the next year.
    pub fn is_balance_sheet(self) -> bool {
        matches!(self, AccountType::Asset | AccountType::Liability | AccountType::Equity)
    }
}

/// One account of a chart.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Account {
    pub number: AccountNo,
    /// The last number when the row stands for a range (e.g. 4000–4099).
    pub range_end: Option<AccountNo>,
    pub name: String,
    pub class: u8,
    pub class_name: String,
    pub account_type: AccountType,
    /// HGB § 266 / § 275 position, e.g. `GuV: Umsatzerlöse`.
    pub report_position: String,
    /// The tax code the account implies (DATEV Automatikkonto-like), if any.
    pub default_tax_code: Option<String>,
    /// For tax accounts: the codes whose tax is posted here.
    pub tax_account_for: Vec<String>,
}

/// A chart of accounts.
#[derive(Debug)]
pub struct Chart {
    pub kind: ChartKind,
    /// Sorted by number.
    pub accounts: Vec<Account>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{file} line {line}: {detail}")]
pub struct ChartError {
    pub file: String,
    pub line: usize,
    pub detail: String,
}

impl Chart {
    /// Parses a chart CSV (`;`-separated, header as in `charts/skr03.csv`).
    pub fn parse(kind: ChartKind, file: &str, text: &str) -> Result<Chart, ChartError> {
        let err = |line: usize, detail: String| ChartError {
            file: file.into(),
            line,
            detail,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| err(1, e.to_string()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| err(1, format!("column {name} is missing")))
        };
        let (c_num, c_end, c_name, c_class, c_class_name, c_type, c_pos, c_tax, c_for) = (
            col("number")?,
            col("range_end")?,
            col("name")?,
            col("class")?,
            col("class_name")?,
            col("type")?,
            col("report_position")?,
            col("default_tax_code")?,
            col("tax_account_for")?,
        );
        let mut accounts = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let f = record.map_err(|e| err(line, e.to_string()))?;
            let get = |c: usize| f.get(c).unwrap_or("").trim();
            if get(c_num).is_empty() {
                continue;
            }
            let number = AccountNo::parse(get(c_num))
                .ok_or_else(|| err(line, format!("bad account number {:?}", get(c_num))))?;
            let range_end = match get(c_end) {
                "" => None,
                e => Some(AccountNo::parse(e).ok_or_else(|| err(line, format!("bad range end {e:?}")))?),
            };
            let account_type =
                AccountType::parse(get(c_type)).ok_or_else(|| err(line, format!("bad type {:?}", get(c_type))))?;
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            accounts.push(Account {
                number,
                range_end,
                name: get(c_name).to_string(),
                class: get(c_class).parse().unwrap_or(0),
                class_name: get(c_class_name).to_string(),
                account_type,
                report_position: get(c_pos).to_string(),
                default_tax_code: opt(get(c_tax)),
                tax_account_for: get(c_for)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
        accounts.sort_by_key(|a| a.number);
        Ok(Chart { kind, accounts })
    }

    /// The embedded standard chart.
    pub fn standard(kind: ChartKind) -> &'static Chart {
        static SKR03: OnceLock<Chart> = OnceLock::new();
        static SKR04: OnceLock<Chart> = OnceLock::new();
        let (cell, file, text) = match kind {
            ChartKind::Skr03 => (&SKR03, "skr03.csv", include_str!("../charts/skr03.csv")),
            ChartKind::Skr04 => (&SKR04, "skr04.csv", include_str!("../charts/skr04.csv")),
        };
        cell.get_or_init(|| {
            // The embedded files are checked by the tests; a broken one is a
            // build defect, so an empty chart (every account unknown) is the
            // visible failure rather than a panic.
            Chart::parse(kind, file, text).unwrap_or(Chart {
                kind,
                accounts: Vec::new(),
            })
        })
    }

    /// The account a number belongs to (exactly, or inside a range row).
    pub fn account(&self, no: AccountNo) -> Option<&Account> {
        let i = match self.accounts.binary_search_by_key(&no, |a| a.number) {
            Ok(i) => return Some(&self.accounts[i]),
            Err(0) => return None,
            Err(i) => i - 1,
        };
        let a = &self.accounts[i];
        a.range_end.filter(|end| no <= *end).map(|_| a)
    }

    /// The account where the tax of `code` is posted, on the given side
    /// (`output`: Umsatzsteuer, a liability; else Vorsteuer, an asset).
    pub fn tax_account(&self, code: &str, output: bool) -> Option<AccountNo> {
        self.accounts
            .iter()
            .find(|a| {
                a.tax_account_for.iter().any(|c| c == code) && (a.account_type == AccountType::Liability) == output
            })
            .map(|a| a.number)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_kinds() {
        assert_eq!(AccountNo::parse("0800").unwrap().to_string(), "0800");
        assert_eq!(AccountNo::parse("10001").unwrap().kind(), AccountKind::Debitor);
        assert_eq!(AccountNo::parse("70002").unwrap().kind(), AccountKind::Kreditor);
        for bad in ["800", "08000", "123456", "12a4", ""] {
            assert_eq!(AccountNo::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn both_standard_charts_load_with_their_tax_accounts() {
        Chart::parse(ChartKind::Skr03, "skr03.csv", include_str!("../charts/skr03.csv")).unwrap();
        Chart::parse(ChartKind::Skr04, "skr04.csv", include_str!("../charts/skr04.csv")).unwrap();
        let skr03 = Chart::standard(ChartKind::Skr03);
        let skr04 = Chart::standard(ChartKind::Skr04);
        assert!(skr03.accounts.len() > 1400, "{}", skr03.accounts.len());
        assert!(skr04.accounts.len() > 1200, "{}", skr04.accounts.len());
        let a = skr03.account(AccountNo::parse("8400").unwrap()).unwrap();
        assert_eq!(a.account_type, AccountType::Income);
        assert_eq!(a.default_tax_code.as_deref(), Some("USt19"));
        // Inside a range row (3300–3309).
        assert_eq!(
            skr03
                .account(AccountNo::parse("3305").unwrap())
                .unwrap()
                .number
                .to_string(),
            "3300"
        );
        assert!(skr03.account(AccountNo::parse("0003").unwrap()).is_none());
        assert_eq!(skr03.tax_account("USt19", true).unwrap().to_string(), "1776");
        assert_eq!(skr03.tax_account("VSt19", false).unwrap().to_string(), "1576");
        assert_eq!(skr04.tax_account("USt19", true).unwrap().to_string(), "3806");
        assert_eq!(skr04.tax_account("IGE19", false).unwrap().to_string(), "1404");
        assert_eq!(skr04.tax_account("RC13B19", true).unwrap().to_string(), "3837");
    }
}
