//! Journal entries (Buchungssätze) that balance by construction.

use std::fmt;

use crate::account::AccountNo;
use crate::date::Date;
use crate::money::Cents;
use crate::tax::TaxCode;

/// An ISO 4217 currency code (three capital letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(s: &str) -> Option<Currency> {
        let b = s.as_bytes();
        (b.len() == 3 && b.iter().all(u8::is_ascii_uppercase)).then(|| Currency([b[0], b[1], b[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One line of an entry: an amount on an account, debit positive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Posting {
    pub account: AccountNo,
    /// Positive = debit (Soll), negative = credit (Haben).
    pub amount: Cents,
    pub currency: Currency,
    /// The tax code of a revenue or expense line (its base), if any.
    pub tax_code: Option<TaxCode>,
}

impl Posting {
    pub fn new(account: AccountNo, amount: Cents) -> Posting {
        Posting {
            account,
            amount,
            currency: Currency::EUR,
            tax_code: None,
        }
    }

    pub fn with_tax(mut self, code: TaxCode) -> Posting {
        self.tax_code = Some(code);
        self
    }
}

/// Where an entry came from (GoBD: every entry is traceable to its Beleg).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    /// The document (Beleg) the entry is based on, e.g. an archive id.
    pub document: Option<String>,
    /// The import and its line id, or the process step that created it.
    pub source: Option<String>,
    /// Who booked it (user name or `system`).
    pub user: Option<String>,
}

/// Why an entry cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("an entry needs at least two postings (has {0})")]
    TooFewPostings(usize),
    #[error("the postings in {currency} do not balance: debit and credit differ by {difference} cents")]
    Unbalanced { currency: Currency, difference: i64 },
    #[error("posting {index} has the amount zero")]
    ZeroAmount { index: usize },
    #[error("the amounts are too large to add up")]
    Overflow,
    #[error("the Buchungstext is longer than {max} characters")]
    TextTooLong { max: usize },
}

/// Longest Buchungstext kept (DATEV allows 60; kontor keeps more and
/// truncates on export).
pub const TEXT_MAX: usize = 500;

/// A balanced entry. Its postings cannot be changed after construction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    postings: Vec<Posting>,
    /// Buchungsdatum: the date the entry is booked for (decides the period).
    pub posting_date: Date,
    /// Belegdatum: the date of the document.
    pub document_date: Date,
    /// Leistungsdatum: when the supply happened (decides the VAT period under
    /// Sollversteuerung if it differs).
    pub vat_date: Option<Date>,
    pub text: String,
    /// Belegfeld 1: the document number (invoice number).
    pub reference: String,
    /// The dominant tax code of the entry (for display and DATEV).
    pub tax_code: Option<TaxCode>,
    pub provenance: Provenance,
}

impl Entry {
    /// Builds an entry; refuses it unless it has two or more non-zero
    /// postings that sum to zero per currency.
    pub fn new(
        postings: Vec<Posting>,
        posting_date: Date,
        document_date: Date,
        text: impl Into<String>,
        reference: impl Into<String>,
    ) -> Result<Entry, EntryError> {
        if postings.len() < 2 {
            return Err(EntryError::TooFewPostings(postings.len()));
        }
        if let Some(index) = postings.iter().position(|p| p.amount.is_zero()) {
            return Err(EntryError::ZeroAmount { index });
        }
        // Sum per currency (few currencies: a small vector beats a map).
        let mut sums: Vec<(Currency, i64)> = Vec::with_capacity(1);
        for p in &postings {
            match sums.iter_mut().find(|(c, _)| *c == p.currency) {
                Some((_, s)) => *s = s.checked_add(p.amount.0).ok_or(EntryError::Overflow)?,
                None => sums.push((p.currency, p.amount.0)),
            }
        }
        if let Some((currency, difference)) = sums.into_iter().find(|(_, s)| *s != 0) {
            return Err(EntryError::Unbalanced { currency, difference });
        }
        let text = text.into();
        if text.chars().count() > TEXT_MAX {
            return Err(EntryError::TextTooLong { max: TEXT_MAX });
        }
        Ok(Entry {
            postings,
            posting_date,
            document_date,
            vat_date: None,
            text,
            reference: reference.into(),
            tax_code: None,
            provenance: Provenance::default(),
        })
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// The reversal (Storno): the same postings with opposite signs, dated
    /// `date`, referring to this entry's document.
    pub fn reversal(&self, date: Date, text: impl Into<String>) -> Entry {
        Entry {
            postings: self
                .postings
                .iter()
                .map(|p| Posting {
                    amount: Cents(-p.amount.0),
                    ..p.clone()
                })
                .collect(),
            posting_date: date,
            document_date: self.document_date,
            vat_date: self.vat_date,
            text: text.into(),
            reference: self.reference.clone(),
            tax_code: self.tax_code,
            provenance: self.provenance.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn acc(s: &str) -> AccountNo {
        AccountNo::parse(s).unwrap()
    }

    fn day() -> Date {
        Date::parse("2026-03-02").unwrap()
    }

    #[test]
    fn only_balanced_entries_can_be_built() {
        let ok = Entry::new(
            vec![
                Posting::new(acc("1200"), Cents(11900)),
                Posting::new(acc("8400"), Cents(-10000)),
                Posting::new(acc("1776"), Cents(-1900)),
            ],
            day(),
            day(),
            "Verkauf",
            "RE-1",
        );
        assert!(ok.is_ok());
        let off = Entry::new(
            vec![
                Posting::new(acc("1200"), Cents(100)),
                Posting::new(acc("8400"), Cents(-99)),
            ],
            day(),
            day(),
            "",
            "",
        );
        assert_eq!(
            off,
            Err(EntryError::Unbalanced {
                currency: Currency::EUR,
                difference: 1
            })
        );
        assert_eq!(
            Entry::new(vec![Posting::new(acc("1200"), Cents(0))], day(), day(), "", ""),
            Err(EntryError::TooFewPostings(1))
        );
        let zero = Entry::new(
            vec![Posting::new(acc("1200"), Cents(0)), Posting::new(acc("8400"), Cents(0))],
            day(),
            day(),
            "",
            "",
        );
        assert_eq!(zero, Err(EntryError::ZeroAmount { index: 0 }));
        // Balanced in total but not per currency.
        let mut usd = Posting::new(acc("1200"), Cents(-100));
        usd.currency = Currency::parse("USD").unwrap();
        let mixed = Entry::new(vec![Posting::new(acc("1200"), Cents(100)), usd], day(), day(), "", "");
        assert!(matches!(mixed, Err(EntryError::Unbalanced { .. })));
        let huge = Entry::new(
            vec![
                Posting::new(acc("1200"), Cents(i64::MAX)),
                Posting::new(acc("8400"), Cents(1)),
                Posting::new(acc("8400"), Cents(-1)),
            ],
            day(),
            day(),
            "",
            "",
        );
        assert_eq!(huge, Err(EntryError::Overflow));
    }

    #[test]
    fn a_reversal_mirrors_every_posting() {
        let e = Entry::new(
            vec![
                Posting::new(acc("1200"), Cents(500)),
                Posting::new(acc("8400"), Cents(-500)),
            ],
            day(),
            day(),
            "x",
            "R1",
        )
        .unwrap();
        let r = e.reversal(Date::parse("2026-03-05").unwrap(), "Storno x");
        assert_eq!(r.postings()[0].amount, Cents(-500));
        assert_eq!(r.postings()[1].amount, Cents(500));
        assert_eq!(r.reference, "R1");
    }
}
