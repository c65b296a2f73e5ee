//! The GoBD data export for auditors (Datenträgerüberlassung, Z3): CSV
//! tables plus `index.xml` describing them per the GDPdU
//! Beschreibungsstandard, and the standard's DTD beside it.
//!
//! Tables: the journal (one row per posting), the accounts used (with
//! names, types and HGB positions), the personal accounts, and the document
//! references of every entry. UTF-8, `;` between columns, text in double
//! quotes, decimal comma, CRLF, no heading line (`index.xml` names the
//! columns).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::account::{AccountKind, AccountNo, Chart};
use crate::date::Date;
use crate::entry::Entry;

/// The DTD file name the index refers to, and its contents.
pub const DTD_NAME: &str = "gdpdu-01-08-2002.dtd";
pub const DTD: &str = include_str!("../gdpdu/gdpdu-01-08-2002.dtd");

/// One entry with what the export needs beyond the entry itself.
pub struct ExportEntry<'a> {
    pub number: i64,
    pub id: &'a str,
    pub entry: &'a Entry,
    pub reverses: Option<&'a str>,
    pub fixed: bool,
}

/// The company and period of an export.
pub struct ExportHeader<'a> {
    pub company: &'a str,
    pub location: &'a str,
    pub from: Date,
    pub to: Date,
    /// When it was made (text for the index comment).
    pub created: &'a str,
    /// Names of personal accounts (the business partners'), by account.
    pub partner_names: &'a std::collections::BTreeMap<u32, String>,
}

/// A column of a table: name, description, kind.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Number { decimals: u8 },
    Date,
}

struct Table {
    file: &'static str,
    name: &'static str,
    description: &'static str,
    /// How many leading columns form the primary key.
    key: usize,
    columns: Vec<(&'static str, &'static str, Kind)>,
    rows: Vec<Vec<String>>,
}

fn text(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\"").replace(['\r', '\n'], " "))
}

fn date(d: Date) -> String {
    let (y, m, dd) = d.ymd();
    format!("{dd:02}.{m:02}.{y:04}")
}

fn amount(c: i64) -> String {
    let neg = c < 0;
    let a = c.unsigned_abs();
    format!("{}{},{:02}", if neg { "-" } else { "" }, a / 100, a % 100)
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn tables(chart: &Chart, entries: &[ExportEntry<'_>], names: &std::collections::BTreeMap<u32, String>) -> Vec<Table> {
    let mut journal = Table {
        file: "buchungsjournal.csv",
        name: "Buchungsjournal",
        description: "Alle Buchungen des Zeitraums, eine Zeile je Buchungszeile (Soll positiv, Haben negativ)",
        key: 2,
        columns: vec![
            (
                "Buchungsnummer",
                "fortlaufende Journalnummer",
                Kind::Number { decimals: 0 },
            ),
            (
                "Zeile",
                "Buchungszeile innerhalb der Buchung",
                Kind::Number { decimals: 0 },
            ),
            ("Buchungsdatum", "Datum der Buchung", Kind::Date),
            ("Belegdatum", "Datum des Belegs", Kind::Date),
            (
                "Leistungsdatum",
                "Datum der Leistung (leer: wie Belegdatum)",
                Kind::Date,
            ),
            ("Belegnummer", "Belegfeld 1", Kind::Text),
            ("Buchungstext", "Buchungstext", Kind::Text),
            ("Konto", "Sach- oder Personenkonto", Kind::Text),
            (
                "Betrag",
                "Betrag in Währung, Soll positiv",
                Kind::Number { decimals: 2 },
            ),
            ("Waehrung", "ISO-Währungscode", Kind::Text),
            ("Steuerschluessel", "Steuerschlüssel der Buchungszeile", Kind::Text),
            ("Festgeschrieben", "J = festgeschrieben, N = Entwurf", Kind::Text),
            ("Storno_zu", "Buchungs-ID der stornierten Buchung", Kind::Text),
            ("Buchungs_ID", "eindeutige ID der Buchung", Kind::Text),
        ],
        rows: Vec::new(),
    };
    let mut docs = Table {
        file: "belege.csv",
        name: "Belegverweise",
        description: "Herkunft jeder Buchung: Beleg, Import bzw. Vorgang, Benutzer",
        key: 1,
        columns: vec![
            (
                "Buchungsnummer",
                "fortlaufende Journalnummer",
                Kind::Number { decimals: 0 },
            ),
            ("Belegnummer", "Belegfeld 1", Kind::Text),
            ("Beleg_ID", "Dokument im Archiv", Kind::Text),
            ("Herkunft", "Importdatei und Zeile oder Vorgang", Kind::Text),
            ("Benutzer", "gebucht von", Kind::Text),
        ],
        rows: Vec::new(),
    };
    let mut used: BTreeSet<AccountNo> = BTreeSet::new();
    for e in entries {
        let en = e.entry;
        for (i, p) in en.postings().iter().enumerate() {
            used.insert(p.account);
            journal.rows.push(vec![
                e.number.to_string(),
                (i + 1).to_string(),
                date(en.posting_date),
                date(en.document_date),
                en.vat_date.map(date).unwrap_or_default(),
                text(&en.reference),
                text(&en.text),
                text(&p.account.to_string()),
                amount(p.amount.0),
                text(p.currency.as_str()),
                text(p.tax_code.map(|c| c.as_str()).unwrap_or("")),
                text(if e.fixed { "J" } else { "N" }),
                text(e.reverses.unwrap_or("")),
                text(e.id),
            ]);
        }
        docs.rows.push(vec![
            e.number.to_string(),
            text(&en.reference),
            text(en.provenance.document.as_deref().unwrap_or("")),
            text(en.provenance.source.as_deref().unwrap_or("")),
            text(en.provenance.user.as_deref().unwrap_or("")),
        ]);
    }
    let mut accounts = Table {
        file: "konten.csv",
        name: "Sachkonten",
        description: "Die im Zeitraum bebuchten Sachkonten mit Bezeichnung, Art und HGB-Position",
        key: 1,
        columns: vec![
            ("Konto", "Kontonummer", Kind::Text),
            ("Bezeichnung", "Kontenbezeichnung", Kind::Text),
            (
                "Art",
                "asset, liability, equity, income, expense, statistical",
                Kind::Text,
            ),
            ("HGB_Position", "Position in Bilanz oder GuV", Kind::Text),
            ("Steuerautomatik", "Steuerschlüssel, den das Konto vorgibt", Kind::Text),
        ],
        rows: Vec::new(),
    };
    let mut personal = Table {
        file: "personenkonten.csv",
        name: "Debitoren und Kreditoren",
        description: "Die im Zeitraum bebuchten Personenkonten",
        key: 1,
        columns: vec![
            ("Konto", "Personenkontonummer", Kind::Text),
            ("Art", "Debitor oder Kreditor", Kind::Text),
            ("Name", "Name des Geschäftspartners", Kind::Text),
        ],
        rows: Vec::new(),
    };
    for a in used {
        match a.kind() {
            AccountKind::Sachkonto => {
                let acc = chart.account(a);
                accounts.rows.push(vec![
                    text(&a.to_string()),
                    text(acc.map(|x| x.name.as_str()).unwrap_or("")),
                    text(
                        &acc.map(|x| format!("{:?}", x.account_type).to_lowercase())
                            .unwrap_or_default(),
                    ),
                    text(acc.map(|x| x.report_position.as_str()).unwrap_or("")),
                    text(acc.and_then(|x| x.default_tax_code.as_deref()).unwrap_or("")),
                ]);
            }
            k => personal.rows.push(vec![
                text(&a.to_string()),
                text(if k == AccountKind::Debitor {
                    "Debitor"
                } else {
                    "Kreditor"
                }),
                text(names.get(&a.number()).map_or("", String::as_str)),
            ]),
        }
    }
    vec![journal, accounts, personal, docs]
}

fn column_xml(out: &mut String, element: &str, (name, description, kind): (&str, &str, Kind)) {
    let _ = write!(
        out,
        "        <{element}>\n          <Name>{}</Name>\n          <Description>{}</Description>\n",
        xml(name),
        xml(description)
    );
    match kind {
        Kind::Text => out.push_str("          <AlphaNumeric/>\n"),
        Kind::Number { decimals } => {
            let _ = writeln!(
                out,
                "          <Numeric>\n            <Accuracy>{decimals}</Accuracy>\n          </Numeric>"
            );
        }
        Kind::Date => out.push_str("          <Date>\n            <Format>DD.MM.YYYY</Format>\n          </Date>\n"),
    }
    let _ = writeln!(out, "        </{element}>");
}

/// The export's files: (file name, contents).
pub fn export(chart: &Chart, h: &ExportHeader<'_>, entries: &[ExportEntry<'_>]) -> Vec<(String, Vec<u8>)> {
    let tables = tables(chart, entries, h.partner_names);
    let mut index = String::new();
    let _ = write!(
        index,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE DataSet SYSTEM \"{DTD_NAME}\">\n<DataSet>\n  <Version>1.0</Version>\n  <DataSupplier>\n    <Name>{}</Name>\n    <Location>{}</Location>\n    <Comment>{}</Comment>\n  </DataSupplier>\n  <Media>\n    <Name>{}</Name>\n",
        xml(h.company),
        xml(h.location),
        xml(&format!("GoBD-Datenexport (Z3) aus kontor, erstellt {}", h.created)),
        xml(&format!("Finanzbuchhaltung {} bis {}", date(h.from), date(h.to))),
    );
    let mut files = Vec::new();
    for t in &tables {
        let _ = write!(
            index,
            "    <Table>\n      <URL>{}</URL>\n      <Name>{}</Name>\n      <Description>{}</Description>\n      <Validity>\n        <Range>\n          <From>{}</From>\n          <To>{}</To>\n        </Range>\n        <Format>DD.MM.YYYY</Format>\n      </Validity>\n      <UTF8/>\n      <DecimalSymbol>,</DecimalSymbol>\n      <DigitGroupingSymbol>.</DigitGroupingSymbol>\n      <VariableLength>\n        <ColumnDelimiter>;</ColumnDelimiter>\n        <RecordDelimiter>&#13;&#10;</RecordDelimiter>\n        <TextEncapsulator>\"</TextEncapsulator>\n",
            t.file,
            xml(t.name),
            xml(t.description),
            date(h.from),
            date(h.to),
        );
        for (i, c) in t.columns.iter().enumerate() {
            column_xml(
                &mut index,
                if i < t.key {
                    "VariablePrimaryKey"
                } else {
                    "VariableColumn"
                },
                *c,
            );
        }
        index.push_str("      </VariableLength>\n    </Table>\n");
        let mut csv = String::new();
        for r in &t.rows {
            csv.push_str(&r.join(";"));
            csv.push_str("\r\n");
        }
        files.push((t.file.to_string(), csv.into_bytes()));
    }
    index.push_str("  </Media>\n</DataSet>\n");
    files.insert(0, ("index.xml".to_string(), index.into_bytes()));
    files.push((DTD_NAME.to_string(), DTD.as_bytes().to_vec()));
    files
}

/// The column count `index.xml` declares for each table file (for checks).
pub fn declared_columns(index_xml: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for table in index_xml.split("<Table>").skip(1) {
        let url = table
            .split("<URL>")
            .nth(1)
            .and_then(|s| s.split("</URL>").next())
            .unwrap_or("")
            .to_string();
        let n = table.matches("<VariableColumn>").count() + table.matches("<VariablePrimaryKey>").count();
        out.push((url, n));
    }
    out
}
