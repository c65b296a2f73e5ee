//! DATEV-Format EXTF 700, Buchungsstapel (Formatkategorie 21, Formatversion
//! 13): export for the tax advisor and import of such files
//! (`../shared/spec/accounting/datev-extf.md`).
//!
//! Export: an entry becomes records that each pair two accounts. Where
//! DATEV computes the tax itself (a BU-Schlüssel, or an Automatikkonto), the
//! revenue/expense line and its tax line go out as one gross record; other
//! tax lines go out as plain records. Import does the reverse, so an
//! exported batch imports back to the same balances.

use crate::account::{AccountNo, AccountType, Chart, ChartKind};
use crate::date::Date;
use crate::entry::{Currency, Entry, Posting};
use crate::money::Cents;
use crate::tax::{Side, TaxCode};

/// Columns of a record.
pub const RECORD_FIELDS: usize = 125;
/// Fields of the header line.
pub const HEADER_FIELDS: usize = 31;

/// Record columns (1-based) written as quoted text, as in DATEV's format
/// description (and the example file of the spec).
const TEXT_COLUMNS: [usize; 84] = [
    2, 3, 6, 9, 11, 12, 14, 16, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40, 42, 48,
    49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77,
    78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 91, 95, 96, 98, 102, 103, 105, 107, 109, 110, 112, 118, 120, 121, 123,
];

/// The column headings (line 2), in order.
pub const COLUMN_HEADINGS: &str = "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basis-Umsatz;WKZ Basis-Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;Belegfeld 1;Belegfeld 2;Skonto;Buchungstext;Postensperre;Diverse Adressnummer;Geschäftspartnerbank;Sachverhalt;Zinssperre;Beleglink;Beleginfo - Art 1;Beleginfo - Inhalt 1;Beleginfo - Art 2;Beleginfo - Inhalt 2;Beleginfo - Art 3;Beleginfo - Inhalt 3;Beleginfo - Art 4;Beleginfo - Inhalt 4;Beleginfo - Art 5;Beleginfo - Inhalt 5;Beleginfo - Art 6;Beleginfo - Inhalt 6;Beleginfo - Art 7;Beleginfo - Inhalt 7;Beleginfo - Art 8;Beleginfo - Inhalt 8;KOST1 - Kostenstelle;KOST2 - Kostenstelle;Kost-Menge;EU-Land u. UStID (Bestimmung);EU-Steuersatz (Bestimmung);Abw. Versteuerungsart;Sachverhalt L+L;Funktionsergänzung L+L;BU 49 Hauptfunktionstyp;BU 49 Hauptfunktionsnummer;BU 49 Funktionsergänzung;Zusatzinformation - Art 1;Zusatzinformation - Inhalt 1;Zusatzinformation - Art 2;Zusatzinformation - Inhalt 2;Zusatzinformation - Art 3;Zusatzinformation - Inhalt 3;Zusatzinformation - Art 4;Zusatzinformation - Inhalt 4;Zusatzinformation - Art 5;Zusatzinformation - Inhalt 5;Zusatzinformation - Art 6;Zusatzinformation - Inhalt 6;Zusatzinformation - Art 7;Zusatzinformation - Inhalt 7;Zusatzinformation - Art 8;Zusatzinformation - Inhalt 8;Zusatzinformation - Art 9;Zusatzinformation - Inhalt 9;Zusatzinformation - Art 10;Zusatzinformation - Inhalt 10;Zusatzinformation - Art 11;Zusatzinformation - Inhalt 11;Zusatzinformation - Art 12;Zusatzinformation - Inhalt 12;Zusatzinformation - Art 13;Zusatzinformation - Inhalt 13;Zusatzinformation - Art 14;Zusatzinformation - Inhalt 14;Zusatzinformation - Art 15;Zusatzinformation - Inhalt 15;Zusatzinformation - Art 16;Zusatzinformation - Inhalt 16;Zusatzinformation - Art 17;Zusatzinformation - Inhalt 17;Zusatzinformation - Art 18;Zusatzinformation - Inhalt 18;Zusatzinformation - Art 19;Zusatzinformation - Inhalt 19;Zusatzinformation - Art 20;Zusatzinformation - Inhalt 20;Stück;Gewicht;Zahlweise;Forderungsart;Veranlagungsjahr;Zugeordnete Fälligkeit;Skontotyp;Auftragsnummer;Buchungstyp;USt-Schlüssel (Anzahlungen);EU-Mitgliedstaat (Anzahlungen);Sachverhalt L+L (Anzahlungen);EU-Steuersatz (Anzahlungen);Erlöskonto (Anzahlungen);Herkunft-Kz;Leerfeld;KOST-Datum;SEPA-Mandatsreferenz;Skontosperre;Gesellschaftername;Beteiligtennummer;Identifikationsnummer;Zeichnernummer;Postensperre bis;Bezeichnung SoBil-Sachverhalt;Kennzeichen SoBil-Buchung;Festschreibung;Leistungsdatum;Datum Zuord. Steuerperiode;Fälligkeit;Generalumkehr (GU);Steuersatz;Land;Abrechnungsreferenz;BVV-Position;EU-Land u. UStID (Ursprung);EU-Steuersatz (Ursprung);Abw. Skontokonto";

/// "Aufhebung der Automatik": book on an Automatikkonto without its tax.
const KEY_NO_AUTOMATIC: &str = "40";

/// The header data of a batch.
#[derive(Clone, Debug)]
pub struct BatchHeader {
    pub berater: u32,
    pub mandant: u32,
    /// Start of the fiscal year.
    pub fiscal_year_start: Date,
    pub from: Date,
    pub to: Date,
    /// Max 30 characters.
    pub label: String,
    /// Header field 21: lock the batch on import.
    pub fixed: bool,
    /// `YYYYMMDDHHMMSSmmm`, injected (the caller's clock).
    pub created: String,
    pub chart: ChartKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DatevError {
    #[error("the batch {from}–{to} crosses the fiscal year starting {fy}; export one fiscal year per file")]
    CrossesFiscalYear { from: Date, to: Date, fy: Date },
    #[error("entry {reference:?} is dated {date}, outside the batch {from}–{to}")]
    OutsideBatch {
        reference: String,
        date: Date,
        from: Date,
        to: Date,
    },
    #[error("entry {reference:?} is in {currency}; kontor exports EUR batches only")]
    Currency { reference: String, currency: Currency },
    #[error("line {line}: {detail}")]
    Format { line: usize, detail: String },
}

/// A record before writing: Konto, Gegenkonto, amount (> 0, debit on Konto
/// when `debit_konto`), BU key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub amount: Cents,
    /// `S`: Konto is debited; `H`: Konto is credited.
    pub debit_konto: bool,
    pub konto: AccountNo,
    pub gegenkonto: AccountNo,
    pub bu: Option<String>,
    pub date: Date,
    pub belegfeld1: String,
    pub text: String,
    pub vat_date: Option<Date>,
    pub fixed: bool,
}

/// Whether DATEV computes `code`'s tax on `account` by itself.
fn automatic(chart: &Chart, account: AccountNo, code: TaxCode) -> bool {
    chart
        .account(account)
        .and_then(|a| a.default_tax_code.as_deref())
        .is_some_and(|c| c == code.as_str())
}

/// A line of an entry as it goes to DATEV: account, signed amount, key.
#[derive(Clone, Debug)]
struct Line {
    account: AccountNo,
    amount: i64,
    bu: Option<String>,
}

/// Codes whose tax DATEV can compute from a key or an Automatikkonto.
fn collapsible(code: TaxCode) -> bool {
    code.rate() > 0 && code.datev_key().is_some()
}

/// The lines of an entry with tax lines folded into their base where DATEV
/// recomputes the same tax.
fn lines(chart: &Chart, e: &Entry) -> Vec<Line> {
    let postings: &[Posting] = e.postings();
    let mut used = vec![false; postings.len()];
    let mut out = Vec::new();
    for (i, p) in postings.iter().enumerate() {
        if used[i] {
            continue;
        }
        let Some(code) = p.tax_code.filter(|c| collapsible(*c)) else {
            continue;
        };
        // Find the tax line(s) that DATEV would compute from this base.
        let folded = if code.reverse_charge() {
            let tax = code.tax_on_net(p.amount).0;
            let vst = chart.tax_account(code.as_str(), false);
            let ust = chart.tax_account(code.as_str(), true);
            let a = postings
                .iter()
                .enumerate()
                .position(|(j, q)| !used[j] && j != i && Some(q.account) == vst && q.amount.0 == tax);
            let b = postings
                .iter()
                .enumerate()
                .position(|(j, q)| !used[j] && j != i && Some(q.account) == ust && q.amount.0 == -tax);
            match (a, b) {
                (Some(a), Some(b)) if tax != 0 => {
                    used[a] = true;
                    used[b] = true;
                    Some(p.amount.0)
                }
                _ => None,
            }
        } else {
            let output = code.side() == Side::Output;
            let tax_account = chart.tax_account(code.as_str(), output);
            postings
                .iter()
                .enumerate()
                .position(|(j, q)| {
                    !used[j]
                        && j != i
                        && Some(q.account) == tax_account
                        && (q.amount.0 < 0) == (p.amount.0 < 0)
                        && code.split_gross(Cents(p.amount.0 + q.amount.0)) == (p.amount, q.amount)
                })
                .map(|j| {
                    used[j] = true;
                    p.amount.0 + postings[j].amount.0
                })
        };
        if let Some(amount) = folded {
            used[i] = true;
            let bu = if automatic(chart, p.account, code) {
                None
            } else {
                code.datev_key().map(str::to_string)
            };
            out.push(Line {
                account: p.account,
                amount,
                bu,
            });
        }
    }
    for (i, p) in postings.iter().enumerate() {
        if used[i] {
            continue;
        }
        // A plain line on an Automatikkonto must switch the automatic off.
        let auto = chart
            .account(p.account)
            .and_then(|a| a.default_tax_code.as_deref())
            .and_then(TaxCode::parse)
            .is_some_and(collapsible);
        out.push(Line {
            account: p.account,
            amount: p.amount.0,
            bu: auto.then(|| KEY_NO_AUTOMATIC.to_string()),
        });
    }
    out
}

/// Pairs debit and credit lines into two-account records.
fn pair(lines: Vec<Line>) -> Vec<(Line, Line, i64)> {
    let (mut debits, mut credits): (Vec<Line>, Vec<Line>) =
        lines.into_iter().filter(|l| l.amount != 0).partition(|l| l.amount > 0);
    // Largest first: the counter side (bank, customer) usually carries one big line.
    debits.sort_by_key(|l| -l.amount);
    credits.sort_by_key(|l| l.amount);
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut d_left = debits.first().map_or(0, |l| l.amount);
    let mut c_left = credits.first().map_or(0, |l| -l.amount);
    while i < debits.len() && j < credits.len() {
        let m = d_left.min(c_left);
        if m > 0 {
            out.push((debits[i].clone(), credits[j].clone(), m));
        }
        d_left -= m;
        c_left -= m;
        if d_left == 0 {
            i += 1;
            d_left = debits.get(i).map_or(0, |l| l.amount);
        }
        if c_left == 0 {
            j += 1;
            c_left = credits.get(j).map_or(0, |l| -l.amount);
        }
    }
    out
}

/// Belegfeld 1: at most 36 of `A-Za-z0-9$&%*+-/`; other characters become `-`.
pub fn belegfeld(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "$&%*+-/".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(36)
        .collect()
}

/// The records of one entry.
pub fn records(chart: &Chart, e: &Entry, fixed: bool) -> Vec<Record> {
    pair(lines(chart, e))
        .into_iter()
        .map(|(d, c, m)| {
            // The revenue/expense side (with its key) goes into the
            // Gegenkonto, the other side (customer, supplier, bank) into
            // Konto; without such a side the debited account is Konto (S).
            let pl = |l: &Line| {
                l.bu.is_some()
                    || chart
                        .account(l.account)
                        .is_some_and(|a| matches!(a.account_type, AccountType::Income | AccountType::Expense))
            };
            let (konto, gegen, debit_konto) = if pl(&d) && !pl(&c) {
                (c.clone(), d.clone(), false)
            } else {
                (d.clone(), c.clone(), true)
            };
            Record {
                amount: Cents(m),
                debit_konto,
                konto: konto.account,
                gegenkonto: gegen.account,
                bu: gegen.bu.or(konto.bu),
                date: e.posting_date,
                belegfeld1: belegfeld(&e.reference),
                text: e.text.chars().take(60).collect(),
                vat_date: e.vat_date,
                fixed,
            }
        })
        .collect()
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn record_line(r: &Record) -> String {
    let mut f: Vec<String> = (1..=RECORD_FIELDS)
        .map(|c| {
            if TEXT_COLUMNS.contains(&c) {
                "\"\"".to_string()
            } else {
                String::new()
            }
        })
        .collect();
    let mut set = |col: usize, v: String| f[col - 1] = v;
    set(1, r.amount.comma());
    set(2, quote(if r.debit_konto { "S" } else { "H" }));
    set(3, quote("EUR"));
    set(7, r.konto.to_string());
    set(8, r.gegenkonto.to_string());
    set(9, quote(r.bu.as_deref().unwrap_or("")));
    set(10, r.date.ddmm());
    set(11, quote(&r.belegfeld1));
    set(14, quote(&r.text));
    set(114, if r.fixed { "1" } else { "0" }.to_string());
    if let Some(v) = r.vat_date {
        let (y, m, d) = v.ymd();
        set(115, format!("{d:02}{m:02}{y:04}"));
    }
    f.join(";")
}

fn header_line(h: &BatchHeader) -> String {
    header_line_of(h, false)
}

/// The header of a Buchungsstapel, or of Debitoren/Kreditoren master data
/// (`partners`: category 16, version 5, fields 15–22 empty).
fn header_line_of(h: &BatchHeader, partners: bool) -> String {
    let batch = |v: String| if partners { String::new() } else { v };
    let mut fields: [String; HEADER_FIELDS] = [
        quote("EXTF"),
        "700".into(),
        (if partners { "16" } else { "21" }).into(),
        quote(if partners {
            "Debitoren/Kreditoren"
        } else {
            "Buchungsstapel"
        }),
        (if partners { "5" } else { "13" }).into(),
        h.created.clone(),
        String::new(),
        quote("KO"),
        quote("kontor"),
        quote(""),
        h.berater.to_string(),
        h.mandant.to_string(),
        h.fiscal_year_start.yyyymmdd(),
        "4".into(),
        h.from.yyyymmdd(),
        h.to.yyyymmdd(),
        quote(&h.label.chars().take(30).collect::<String>()),
        quote(""),
        "1".into(),
        "0".into(),
        if h.fixed { "1" } else { "0" }.into(),
        quote("EUR"),
        String::new(),
        quote(""),
        String::new(),
        String::new(),
        quote(match h.chart {
            ChartKind::Skr03 => "03",
            ChartKind::Skr04 => "04",
        }),
        String::new(),
        String::new(),
        quote(""),
        quote(""),
    ];
    for f in fields.iter_mut().take(22).skip(14) {
        *f = batch(std::mem::take(f));
    }
    fields.join(";")
}

/// Column headings of Debitoren/Kreditoren master data (Formatkategorie 16,
/// Formatversion 5), one per line, in order.
const PARTNER_HEADINGS: &str = include_str!("datev_partner_columns.txt");
/// Columns of a Debitoren/Kreditoren record.
pub const PARTNER_FIELDS: usize = 254;

/// A business partner's master data for DATEV.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartnerMaster {
    /// Personal account: Debitor 10000–69999 or Kreditor 70000–99999.
    pub account: u32,
    pub name: String,
    /// VAT id with its country prefix (`DE136695976`).
    pub vat_id: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub email: Option<String>,
    /// IBAN without spaces.
    pub iban: Option<String>,
}

fn partner_line(p: &PartnerMaster) -> String {
    let mut f: Vec<String> = vec![String::new(); PARTNER_FIELDS];
    let mut set = |col: usize, v: &str| f[col - 1] = quote(v);
    set(2, &p.name.chars().take(50).collect::<String>());
    set(7, "2"); // Adressatentyp: Unternehmen
    set(8, &p.name.chars().take(15).collect::<String>());
    if let Some(v) = &p.vat_id {
        let (country, number) = v.split_at(v.char_indices().nth(2).map_or(v.len(), |(i, _)| i));
        set(9, country);
        set(10, number);
    }
    set(15, "STR");
    if let Some(v) = &p.street {
        set(16, v);
    }
    if let Some(v) = &p.postcode {
        set(18, v);
    }
    if let Some(v) = &p.city {
        set(19, v);
    }
    set(20, &p.country);
    if let Some(v) = &p.email {
        set(33, v);
    }
    if let Some(iban) = &p.iban {
        set(44, &iban.chars().take(2).collect::<String>());
        set(45, iban);
        set(49, "1"); // Kennz. Haupt-Bankverbindung
    }
    f[0] = p.account.to_string();
    f.join(";")
}

/// Writes Debitoren/Kreditoren master data (CP1252, CRLF), one record per
/// partner, ordered by account. The header's period, label and lock fields
/// stay empty, as the category wants.
pub fn export_partners(h: &BatchHeader, partners: &[PartnerMaster]) -> Vec<u8> {
    let mut sorted: Vec<&PartnerMaster> = partners.iter().collect();
    sorted.sort_by_key(|p| p.account);
    let mut text = String::new();
    text.push_str(&header_line_of(h, true));
    text.push_str("\r\n");
    text.push_str(&PARTNER_HEADINGS.lines().collect::<Vec<_>>().join(";"));
    text.push_str("\r\n");
    for p in sorted {
        text.push_str(&partner_line(p));
        text.push_str("\r\n");
    }
    cp1252(&text)
}

/// Encodes as Windows-1252; characters it lacks become `?`.
fn cp1252(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
    if !unmappable {
        return bytes.into_owned();
    }
    // encoding_rs writes unmappable characters as HTML references; DATEV
    // wants plain text, so they become '?'.
    let mut buf = [0u8; 4];
    let cleaned: String = s
        .chars()
        .map(|c| {
            if encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf)).2 {
                '?'
            } else {
                c
            }
        })
        .collect();
    encoding_rs::WINDOWS_1252.encode(&cleaned).0.into_owned()
}

/// Writes a Buchungsstapel file (CP1252, CRLF) for `entries` (with whether
/// each is fixed).
pub fn export(chart: &Chart, h: &BatchHeader, entries: &[(&Entry, bool)]) -> Result<Vec<u8>, DatevError> {
    let fy_end = Date::new(
        h.fiscal_year_start.year() + 1,
        h.fiscal_year_start.ymd().1,
        h.fiscal_year_start.ymd().2,
    )
    .map(|d| Date::from_days(d.days() - 1))
    .unwrap_or(h.to);
    if h.from < h.fiscal_year_start || h.to > fy_end || h.to < h.from {
        return Err(DatevError::CrossesFiscalYear {
            from: h.from,
            to: h.to,
            fy: h.fiscal_year_start,
        });
    }
    let mut text = String::new();
    text.push_str(&header_line(h));
    text.push_str("\r\n");
    text.push_str(COLUMN_HEADINGS);
    text.push_str("\r\n");
    for (e, fixed) in entries {
        if e.posting_date < h.from || e.posting_date > h.to {
            return Err(DatevError::OutsideBatch {
                reference: e.reference.clone(),
                date: e.posting_date,
                from: h.from,
                to: h.to,
            });
        }
        if let Some(p) = e.postings().iter().find(|p| p.currency != Currency::EUR) {
            return Err(DatevError::Currency {
                reference: e.reference.clone(),
                currency: p.currency,
            });
        }
        for r in records(chart, e, *fixed) {
            text.push_str(&record_line(&r));
            text.push_str("\r\n");
        }
    }
    Ok(cp1252(&text))
}

/// Splits a CSV line at `;` outside quotes and unquotes the fields.
pub fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ';' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A parsed batch: its header fields and records.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub header: Vec<String>,
    pub from: Date,
    pub to: Date,
    pub records: Vec<Record>,
}

/// Reads a Buchungsstapel file (CP1252).
pub fn parse(bytes: &[u8]) -> Result<Parsed, DatevError> {
    let (text, _, had_errors) = encoding_rs::WINDOWS_1252.decode(bytes);
    let fail = |line: usize, detail: String| DatevError::Format { line, detail };
    if had_errors {
        return Err(fail(0, "the file is not Windows-1252 text".into()));
    }
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header = fields(lines.next().ok_or_else(|| fail(1, "empty file".into()))?);
    if header.len() != HEADER_FIELDS || header[0] != "EXTF" || header[2] != "21" {
        return Err(fail(
            1,
            format!(
                "not an EXTF Buchungsstapel header ({} fields, {:?})",
                header.len(),
                header.first()
            ),
        ));
    }
    let date8 = |s: &str, line: usize| -> Result<Date, DatevError> {
        if s.len() != 8 {
            return Err(fail(line, format!("{s:?} is not a date YYYYMMDD")));
        }
        Date::parse(&format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8]))
            .ok_or_else(|| fail(line, format!("{s:?} is not a date")))
    };
    let from = date8(&header[14], 1)?;
    let to = date8(&header[15], 1)?;
    lines.next(); // column headings
    let mut records = Vec::new();
    for (i, line) in lines.enumerate() {
        let n = i + 3;
        let f = fields(line);
        if f.len() != RECORD_FIELDS {
            return Err(fail(n, format!("{} fields instead of {RECORD_FIELDS}", f.len())));
        }
        let amount = Cents::parse_comma(&f[0])
            .filter(|c| c.0 > 0)
            .ok_or_else(|| fail(n, format!("Umsatz {:?} is not a positive amount like 1234,56", f[0])))?;
        let debit_konto = match f[1].as_str() {
            "S" => true,
            "H" => false,
            other => return Err(fail(n, format!("Soll/Haben-Kennzeichen {other:?} is neither S nor H"))),
        };
        let account = |s: &str| AccountNo::parse(s).ok_or_else(|| fail(n, format!("{s:?} is not an account number")));
        let ddmm = &f[9];
        if ddmm.len() != 4 {
            return Err(fail(n, format!("Belegdatum {ddmm:?} is not TTMM")));
        }
        let (d, m): (u32, u32) = (
            ddmm[0..2].parse().map_err(|_| fail(n, "Belegdatum".into()))?,
            ddmm[2..4].parse().map_err(|_| fail(n, "Belegdatum".into()))?,
        );
        // The year comes from the batch (which never crosses a year end).
        let date = Date::new(from.year(), m, d)
            .filter(|x| *x >= from && *x <= to)
            .ok_or_else(|| fail(n, format!("Belegdatum {ddmm} is not within the batch {from}–{to}")))?;
        let vat_date = match f[114].as_str() {
            "" => None,
            s if s.len() == 8 => Date::parse(&format!("{}-{}-{}", &s[4..8], &s[2..4], &s[0..2])),
            s => return Err(fail(n, format!("Leistungsdatum {s:?} is not TTMMJJJJ"))),
        };
        records.push(Record {
            amount,
            debit_konto,
            konto: account(&f[6])?,
            gegenkonto: account(&f[7])?,
            bu: (!f[8].is_empty()).then(|| f[8].clone()),
            date,
            belegfeld1: f[10].clone(),
            text: f[13].clone(),
            vat_date,
            fixed: f[113] == "1",
        });
    }
    Ok(Parsed {
        header,
        from,
        to,
        records,
    })
}

/// The entry a record stands for, with the tax DATEV would compute split
/// out onto the chart's tax accounts.
pub fn entry_of(chart: &Chart, r: &Record) -> Result<Entry, DatevError> {
    let fail = |detail: String| DatevError::Format { line: 0, detail };
    let sign = if r.debit_konto { 1 } else { -1 };
    let konto = Posting::new(r.konto, Cents(sign * r.amount.0));
    let gross = Cents(-sign * r.amount.0);
    // Which tax applies to the Gegenkonto: a key, else the Automatikkonto's.
    let code = match r.bu.as_deref() {
        Some(KEY_NO_AUTOMATIC) => None,
        Some(k) => Some(
            crate::tax::ALL
                .iter()
                .copied()
                .find(|c| c.datev_key() == Some(k) && collapsible(*c) && side_fits(*c, gross))
                .or_else(|| {
                    crate::tax::ALL
                        .iter()
                        .copied()
                        .find(|c| c.datev_key() == Some(k) && collapsible(*c))
                })
                .ok_or_else(|| fail(format!("BU-Schlüssel {k} is not supported")))?,
        ),
        None => chart
            .account(r.gegenkonto)
            .and_then(|a| a.default_tax_code.as_deref())
            .and_then(TaxCode::parse)
            .filter(|c| collapsible(*c)),
    };
    let mut postings = vec![konto];
    match code {
        None => postings.push(Posting::new(r.gegenkonto, gross)),
        Some(c) => postings.extend(
            c.lines(
                chart,
                r.gegenkonto,
                Cents(if c.side() == Side::Output { -gross.0 } else { gross.0 }),
            )
            .map_err(|e| fail(e.to_string()))?,
        ),
    }
    let mut e =
        Entry::new(postings, r.date, r.date, r.text.clone(), r.belegfeld1.clone()).map_err(|e| fail(e.to_string()))?;
    e.vat_date = r.vat_date;
    Ok(e)
}

/// Keys like 9 (VSt) or 3 (USt) fit expense debits or revenue credits.
fn side_fits(c: TaxCode, gegen_amount: Cents) -> bool {
    (c.side() == Side::Input) == (gegen_amount.0 > 0)
}
