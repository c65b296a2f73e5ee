//! The demo companies' archive: incoming invoices (PDF and one XRechnung),
//! a credit note, contracts, letters and one paper scan, dated in the
//! previous year, run through the real pipeline. Most are confirmed; a few
//! wait in the inbox so the demo shows both.

use bytes::Bytes;
use kontor_documents::DocType;

use crate::actor::Actor;
use crate::app::App;
use crate::documents::{Confirmation, Source};
use crate::error::{AppError, AppResult};
use crate::records::CompanyRecord;

const SCAN: &[u8] = include_bytes!("../demo/scan-nebenkostenabrechnung.png");
const XRECHNUNG: &str = include_str!("../demo/xrechnung-buerobedarf.xml");

/// One generated document: file name, its lines, and whether it stays
/// unconfirmed in the inbox.
struct DemoDoc {
    name: String,
    lines: Vec<String>,
    inbox: bool,
}

fn invoice(company: &str, year: i32, month: u32, n: u32, office: bool) -> DemoDoc {
    let (net, items): (i64, Vec<(&str, i64)>) = if office {
        let items = vec![
            ("Toner schwarz, 2 Stück", 9_800),
            ("Ordner A4, 20 Stück", 3_990 + i64::from(n) * 100),
        ];
        (items.iter().map(|(_, c)| c).sum(), items)
    } else {
        let items = vec![
            ("Strom Arbeitspreis", 28_450 + i64::from(month) * 730),
            ("Grundpreis", 1_290),
        ];
        (items.iter().map(|(_, c)| c).sum(), items)
    };
    let tax = (net * 19 + 50) / 100;
    let eur = |c: i64| format!("{},{:02} EUR", c / 100, c % 100);
    let (sender, address, iban, vat, subject, number) = if office {
        (
            "Bürobedarf Schmidt GmbH",
            "Domstraße 10, 50667 Köln",
            "DE89 3704 0044 0532 0130 00",
            "USt-IdNr. DE136695976",
            "Rechnung",
            format!("BS-{year}-{:04}", 100 + n),
        )
    } else {
        (
            "Stadtwerke Musterstadt GmbH",
            "Am Wasserturm 1, 10115 Berlin",
            "DE02 1203 0000 0000 2020 51",
            "Steuernummer 11/222/33333",
            "Stromrechnung",
            format!("SW-{year}{month:02}-{:05}", 7_000 + n),
        )
    };
    let mut lines = vec![
        format!("# {sender}"),
        address.to_string(),
        String::new(),
        company.to_string(),
        "Lindenweg 5, 04103 Leipzig".into(),
        String::new(),
        format!("# {subject}"),
        format!("Rechnungsnummer: {number}"),
        format!("Rechnungsdatum: {:02}.{month:02}.{year}", 3 + n % 20),
        format!("Leistungszeitraum: {month:02}/{year}"),
        String::new(),
    ];
    for (what, c) in &items {
        lines.push(format!("{what}    {}", eur(*c)));
    }
    lines.push(format!("Nettobetrag    {}", eur(net)));
    lines.push(format!("Umsatzsteuer 19 %    {}", eur(tax)));
    lines.push(format!("Rechnungsbetrag    {}", eur(net + tax)));
    lines.push(String::new());
    lines.push(format!("Zahlbar innerhalb von 14 Tagen auf IBAN {iban}."));
    lines.push(vat.to_string());
    DemoDoc {
        name: format!(
            "{}-{year}-{month:02}.pdf",
            if office {
                "rechnung-buerobedarf"
            } else {
                "stromrechnung"
            }
        ),
        lines,
        inbox: false,
    }
}

fn documents(company: &str, year: i32) -> Vec<DemoDoc> {
    let mut docs = Vec::new();
    for (n, month) in [1u32, 3, 6, 9].into_iter().enumerate() {
        docs.push(invoice(company, year, month, n as u32, true));
    }
    for (n, month) in [2u32, 5, 8, 11].into_iter().enumerate() {
        docs.push(invoice(company, year, month, n as u32, false));
    }
    // The latest electricity invoice waits in the inbox.
    if let Some(last) = docs.last_mut() {
        last.inbox = true;
    }
    let s = |v: &[&str]| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    docs.push(DemoDoc {
        name: format!("gutschrift-buerobedarf-{year}.pdf"),
        lines: s(&[
            "# Bürobedarf Schmidt GmbH",
            "Domstraße 10, 50667 Köln",
            "",
            company,
            "",
            "# Gutschrift",
            &format!("Gutschriftsnummer: GS-{year}-0007"),
            &format!("Datum: 14.07.{year}"),
            &format!("zu Rechnung BS-{year}-0102: Rücksendung Ordner A4"),
            "Gutschriftsbetrag    47,48 EUR",
            "Der Betrag wird mit der nächsten Rechnung verrechnet.",
            "USt-IdNr. DE136695976",
        ]),
        inbox: false,
    });
    docs.push(DemoDoc {
        name: "mietvertrag-gewerberaum.pdf".into(),
        lines: s(&[
            "# Mietvertrag über Gewerberaum",
            "zwischen Hausverwaltung Lindner GmbH, Am Stadtpark 12, 04109 Leipzig (Vermieterin)",
            &format!("und {company}, Lindenweg 5, 04103 Leipzig (Mieterin)"),
            "",
            "§ 1 Mietgegenstand: Büro- und Lagerflächen im Erdgeschoss, 240 m².",
            &format!("§ 2 Mietzeit: Das Mietverhältnis beginnt am 01.01.{year} und läuft fünf Jahre."),
            "§ 3 Kündigungsfrist: sechs Monate zum Ende eines Kalendervierteljahres.",
            "§ 4 Miete: monatlich 2.400,00 EUR zuzüglich Nebenkostenvorauszahlung 200,00 EUR.",
            "§ 5 Laufzeit und Verlängerung: ohne Kündigung verlängert sich der Vertrag um ein Jahr.",
            "",
            &format!("Leipzig, den 15.12.{}", year - 1),
            "Unterschriften der Vertragsparteien",
        ]),
        inbox: false,
    });
    docs.push(DemoDoc {
        name: "wartungsvertrag-it.pdf".into(),
        lines: s(&[
            "# Wartungsvertrag IT-Systeme",
            "Vertragsparteien: Netzwerk & Service Berger e.K., Leipzig, und",
            company,
            &format!("Vertragsbeginn: 01.04.{year}; Laufzeit zwölf Monate, Kündigungsfrist drei Monate."),
            "Leistungen: Wartung der Server und Arbeitsplätze, Datensicherung, Notdienst.",
            "Vergütung: pauschal 390,00 EUR netto im Monat.",
            &format!("Leipzig, 20.03.{year}"),
        ]),
        inbox: false,
    });
    docs.push(DemoDoc {
        name: "finanzamt-schreiben.pdf".into(),
        lines: s(&[
            "# Finanzamt Leipzig I",
            "Wilhelm-Liebknecht-Platz 3/4, 04105 Leipzig",
            "",
            company,
            "",
            &format!("Leipzig, 05.05.{year}"),
            "Betreff: Umsatzsteuer-Voranmeldung März",
            "",
            "Sehr geehrte Damen und Herren,",
            "die Voranmeldung ist eingegangen und wurde ohne Abweichungen verarbeitet.",
            "Mit freundlichen Grüßen",
            "Ihr Finanzamt",
        ]),
        inbox: false,
    });
    docs.push(DemoDoc {
        name: "kunde-nord-anfrage.pdf".into(),
        lines: s(&[
            "# Kunde Nord AG",
            "Speicherstadt 4, 20095 Hamburg",
            "",
            &format!("Hamburg, 02.10.{year}"),
            "Betreff: Anfrage Rahmenvereinbarung",
            "",
            "Sehr geehrte Damen und Herren,",
            "wir bitten um ein Angebot für die Belieferung unserer Filialen im kommenden Jahr.",
            "Mit freundlichen Grüßen",
            "Kunde Nord AG, Einkauf",
        ]),
        inbox: true,
    });
    docs
}

impl App {
    /// Fills an empty demo archive; returns how many documents it stored.
    pub(crate) async fn seed_demo_archive(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<usize> {
        let mut tx = self.store().begin_read().await?;
        if !tx.list_documents(company.id, "", 1).await?.is_empty() {
            return Ok(0);
        }
        drop(tx);
        let year = i32::from(kontor_core::YearMonth::of(self.now()).year()) - 1;
        let name = company.name.to_string();
        let mut confirm = Vec::new();
        let mut stored = 0;
        for d in documents(&name, year) {
            let pdf = kontor_pdf::letter(&d.name, &d.lines)
                .map_err(|e| AppError::Internal(format!("demo document {}: {e}", d.name)))?;
            let r = self
                .ingest_document(actor, company, &d.name, Bytes::from(pdf), Source::Upload)
                .await?;
            stored += 1;
            if !d.inbox {
                confirm.push(r.document.id);
            }
        }
        let xml = XRECHNUNG
            .replace("{NUMBER}", &format!("BS-{year}-1017"))
            .replace("{DATE}", &format!("{year}-10-17"))
            .replace("{DUE}", &format!("{year}-10-31"))
            .replace("{BUYER_REF}", "04011000-12345-67")
            .replace("{BUYER_MAIL}", &format!("{}.example", company.code))
            .replace("{BUYER}", &name);
        self.ingest_document(actor, company, "xrechnung-BS-1017.xml", Bytes::from(xml), Source::Email)
            .await?;
        self.ingest_document(
            actor,
            company,
            "scan-nebenkostenabrechnung.png",
            Bytes::from_static(SCAN),
            Source::Folder,
        )
        .await?;
        stored += 2;
        // Process now (text, OCR, recognition); what cannot run here (no
        // Tesseract) stays queued for the workers.
        self.run_due_jobs("demo", 100).await?;
        for id in confirm {
            let d = self.visible_document(actor, company, &id).await?;
            if d.status != crate::pipeline::STATUS_PROCESSED {
                continue;
            }
            let t = DocType::parse(&d.doc_type).unwrap_or(DocType::Other);
            self.confirm_document(
                actor,
                company,
                &id,
                &Confirmation {
                    doc_type: t,
                    correspondent: d.correspondent.clone(),
                    doc_date: d.doc_date.clone(),
                    amount_cents: d.amount_cents,
                    tags: vec![format!("{year}")],
                },
            )
            .await?;
        }
        Ok(stored)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_xrechnung_is_valid() {
        let xml = XRECHNUNG
            .replace("{NUMBER}", "BS-2025-1017")
            .replace("{DATE}", "2025-10-17")
            .replace("{DUE}", "2025-10-31")
            .replace("{BUYER_REF}", "04011000-12345-67")
            .replace("{BUYER_MAIL}", "muster.example")
            .replace("{BUYER}", "Muster GmbH");
        let report = kontor_einvoice::validate::validate(xml.as_bytes());
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    #[test]
    fn demo_documents_are_recognised_as_what_they_are() {
        for d in documents("Muster GmbH", 2025) {
            let text = d.lines.join("\n");
            let r = kontor_documents::recognise::recognise(&text, &["Muster GmbH".to_string()]);
            let want = if d.name.starts_with("rechnung") || d.name.starts_with("strom") {
                DocType::Invoice
            } else if d.name.starts_with("gutschrift") {
                DocType::CreditNote
            } else if d.name.contains("vertrag") {
                DocType::Contract
            } else {
                DocType::Letter
            };
            assert_eq!(r.doc_type.value, want, "{}", d.name);
            assert!(r.date.is_some(), "{}", d.name);
        }
    }
}
