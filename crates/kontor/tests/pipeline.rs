//! The document pipeline end to end through the use-cases, with the real
//! tools (Poppler, Tesseract): text layer and OCR, recognition, e-invoices,
//! the inbox with failures, confirmation that teaches kontor, rules, search
//! that respects rights, versions, retention with legal hold and audited
//! deletion. On PostgreSQL too with `KONTOR_TEST_DATABASE_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bytes::Bytes;
use kontor_app::actor::{Membership, PartnerScope};
use kontor_app::documents::{Confirmation, SearchParams, Source};
use kontor_app::records::{CompanyRecord, DocumentSort};
use kontor_app::security::OsRandom;
use kontor_app::{Actor, App, AppError, AppSettings};
use kontor_core::time::{ManualClock, SequentialIds};
use kontor_core::{Role, Timestamp, UserId};
use kontor_documents::DocType;
use kontor_store::{SqlStore, StoreOptions};

const SCAN: &[u8] = include_bytes!("../../kontor-app/demo/scan-nebenkostenabrechnung.png");
/// 2027-01-15
const START: i64 = 1_800_000_000_000;
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

fn have_tools() -> bool {
    let ok = ["pdftotext", "tesseract"]
        .iter()
        .all(|t| std::process::Command::new(t).arg("-v").output().is_ok());
    if !ok && std::env::var("CI").is_ok() {
        panic!("CI must install poppler-utils and tesseract-ocr");
    }
    ok
}

async fn app(dir: &std::path::Path) -> (App, Arc<ManualClock>) {
    let url = match kontor_e2e::fresh_postgres_url() {
        Some(url) => url,
        None => format!("sqlite://{}?mode=rwc", dir.join("kontor.db").display()),
    };
    let store = Arc::new(SqlStore::open(&StoreOptions::new(url)).await.unwrap());
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.join("blobs")).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(START)));
    let app = App::new(
        store,
        blobs,
        clock.clone(),
        Arc::new(SequentialIds::default()),
        Arc::new(OsRandom),
        AppSettings {
            session_idle_secs: 600,
            session_absolute_secs: 3600,
            ..AppSettings::default()
        },
    )
    .with_extractor(Arc::new(kontor_extract::Poppler::default()));
    (app, clock)
}

fn person(company: &CompanyRecord, role: Role, period: Option<&str>) -> Actor {
    Actor {
        kind: kontor_app::actor::ActorKind::User(UserId::from_uuid(uuid::Uuid::new_v4())),
        label: format!("user:{}", role.key()),
        system_admin: false,
        memberships: vec![Membership {
            company_id: company.id,
            company_code: company.code.clone(),
            company_name: company.name.to_string(),
            role,
            partner: period.map(|p| PartnerScope {
                grant: kontor_core::GrantId::from_uuid(uuid::Uuid::new_v4()),
                firm: "Kanzlei".into(),
                valid_until: Timestamp::from_millis(START + 10 * YEAR_MS),
                period: kontor_core::Period::parse(p).ok(),
            }),
            custom: None,
        }],
        client_addr: None,
        scope: None,
    }
}

fn pdf(lines: &[&str]) -> Bytes {
    let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    Bytes::from(kontor_pdf::letter("Dokument", &lines).unwrap())
}

fn invoice_pdf(number: &str, date: &str) -> Bytes {
    pdf(&[
        "# Stadtwerke Musterstadt GmbH",
        "Hauptstraße 1, 12345 Musterstadt",
        "Beispiel Handels GmbH, Lindenweg 5, 04103 Leipzig",
        "# Stromrechnung",
        &format!("Rechnungsnummer: {number}"),
        &format!("Rechnungsdatum: {date}"),
        "Strom Februar                 1.000,00 EUR",
        "Umsatzsteuer 19 %               190,00 EUR",
        "Rechnungsbetrag               1.190,00 EUR",
        "Bitte zahlen Sie auf DE89 3704 0044 0532 0130 00.",
        "USt-IdNr. DE123456789",
    ])
}

fn search(text: &str) -> SearchParams {
    SearchParams {
        text: text.into(),
        page: 1,
        per_page: 50,
        ..SearchParams::default()
    }
}

async fn drain(app: &App) {
    app.run_due_jobs("test", 1_000).await.unwrap();
}

#[tokio::test]
async fn text_pdfs_scans_and_einvoices_are_read_recognised_and_found() {
    if !have_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel Handels GmbH").await.unwrap();
    let inv = app
        .ingest_document(
            &cli,
            &c,
            "strom.pdf",
            invoice_pdf("RE-2027-0815", "14.01.2027"),
            Source::Upload,
        )
        .await
        .unwrap();
    // Usable at once, before any processing.
    assert_eq!(inv.document.status, "stored");
    app.open_document(&cli, &c, &inv.document.id).await.unwrap();
    let scan = app
        .ingest_document(&cli, &c, "scan.png", Bytes::from_static(SCAN), Source::Folder)
        .await
        .unwrap();
    let xml = std::fs::read(
        "../../../shared/corpus/einvoice/kosit-xrechnung-testsuite/business-cases/standard/01.02a-INVOICE_ubl.xml",
    )
    .unwrap();
    let xr = app
        .ingest_document(&cli, &c, "xrechnung.xml", Bytes::from(xml), Source::Email)
        .await
        .unwrap();
    drain(&app).await;

    let (d, text, _) = app.document_details(&cli, &c, &inv.document.id).await.unwrap();
    assert_eq!(d.status, "processed");
    assert_eq!(d.doc_type, "invoice");
    assert_eq!(d.correspondent.as_deref(), Some("Stadtwerke Musterstadt GmbH"));
    assert_eq!(d.doc_date.as_deref(), Some("2027-01-14"));
    assert_eq!(d.amount_cents, Some(119_000));
    assert_eq!(d.invoice_number.as_deref(), Some("RE-2027-0815"));
    assert_eq!(d.iban.as_deref(), Some("DE89370400440532013000"));
    assert_eq!(d.vat_id.as_deref(), Some("DE123456789"));
    assert_eq!((d.document_year, d.retention_years), (2027, 8));
    assert_eq!(text.unwrap().0, "pdf-text");

    let (s, text, _) = app.document_details(&cli, &c, &scan.document.id).await.unwrap();
    let (method, _, body) = text.unwrap();
    assert_eq!(method, "ocr");
    assert!(body.contains("Nebenkostenabrechnung"), "{body}");
    assert_eq!(s.doc_date.as_deref(), Some("2026-02-12"));
    assert_eq!(s.correspondent.as_deref(), Some("Hausverwaltung Lindner GmbH"));

    let (x, _, _) = app.document_details(&cli, &c, &xr.document.id).await.unwrap();
    assert_eq!(x.einvoice.as_deref(), Some("ubl"));
    assert_eq!(x.doc_type, "invoice");
    assert_eq!(x.invoice_number.as_deref(), Some("123456"));
    assert_eq!(x.doc_date.as_deref(), Some("2016-06-21"));

    // Found by OCR text, by a part of a compound, by prefix, with umlauts
    // folded, and by metadata.
    let ids = |r: kontor_app::pipeline::SearchResult| r.documents.into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(
        ids(app.search_documents(&cli, &c, &search("nebenkosten")).await.unwrap()),
        vec![scan.document.id.clone()]
    );
    assert_eq!(
        ids(app.search_documents(&cli, &c, &search("abrechnung")).await.unwrap()),
        vec![scan.document.id.clone()]
    );
    assert_eq!(
        ids(app.search_documents(&cli, &c, &search("rechnung strom")).await.unwrap()),
        vec![inv.document.id.clone()]
    );
    assert_eq!(
        ids(app.search_documents(&cli, &c, &search("HAUPTSTRASSE")).await.unwrap()),
        vec![inv.document.id.clone()]
    );
    assert_eq!(
        ids(app.search_documents(&cli, &c, &search("Müllabf")).await.unwrap()),
        vec![scan.document.id.clone()]
    );
    assert_eq!(
        ids(app.search_documents(&cli, &c, &search("RE-2027-0815")).await.unwrap()),
        vec![inv.document.id.clone()]
    );
    let all_invoices = app
        .search_documents(
            &cli,
            &c,
            &SearchParams {
                doc_type: Some(DocType::Invoice),
                sort: DocumentSort::DateAsc,
                ..search("")
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(all_invoices), vec![xr.document.id.clone(), inv.document.id.clone()]);
    let amounts = app
        .search_documents(
            &cli,
            &c,
            &SearchParams {
                amount_min: Some(100_000),
                amount_max: Some(200_000),
                date_from: Some("2027-01-01".into()),
                ..search("")
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(amounts), vec![inv.document.id.clone()]);
    assert_eq!(
        app.search_documents(&cli, &c, &search("nichtvorhanden"))
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn a_corrupt_pdf_fails_with_its_reason_in_the_inbox_and_can_be_rerun() {
    if !have_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let bad = app
        .ingest_document(
            &cli,
            &c,
            "kaputt.pdf",
            Bytes::from_static(b"%PDF-1.7\n1 0 obj <<"),
            Source::Upload,
        )
        .await
        .unwrap();
    drain(&app).await;
    let inbox = app.document_inbox(&cli, &c, 1).await.unwrap();
    let d = inbox.documents.iter().find(|d| d.id == bad.document.id).unwrap();
    assert_eq!(d.status, "failed");
    assert!(d.failure.as_deref().unwrap().contains("pdftotext"), "{:?}", d.failure);
    // The original stays available.
    assert_eq!(
        &app.open_document(&cli, &c, &d.id).await.unwrap().1[..],
        b"%PDF-1.7\n1 0 obj <<"
    );
    app.reprocess_document(&cli, &c, &d.id).await.unwrap();
    assert_eq!(app.visible_document(&cli, &c, &d.id).await.unwrap().status, "stored");
    drain(&app).await;
    assert_eq!(app.visible_document(&cli, &c, &d.id).await.unwrap().status, "failed");
}

#[tokio::test]
async fn corrections_teach_kontor_and_rules_apply() {
    if !have_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let letter = |n: u32| {
        pdf(&[
            "Anwaltskanzlei Recht & Ordnung",
            &format!("Schreiben {n} vom 03.01.2027"),
            "Sehr geehrte Damen und Herren, wir erlauben uns ...",
            "Konto: DE02 1203 0000 0000 2020 51",
            "Mit freundlichen Grüßen",
        ])
    };
    let first = app
        .ingest_document(&cli, &c, "a.pdf", letter(1), Source::Upload)
        .await
        .unwrap();
    drain(&app).await;
    let d = app.visible_document(&cli, &c, &first.document.id).await.unwrap();
    assert_eq!(d.doc_type, "letter");
    // A person says: a contract, from "Kanzlei Recht & Ordnung".
    let buchhaltung = person(&c, Role::Buchhaltung, None);
    app.confirm_document(
        &buchhaltung,
        &c,
        &d.id,
        &Confirmation {
            doc_type: DocType::Contract,
            correspondent: Some("Kanzlei Recht & Ordnung".into()),
            doc_date: Some("2027-01-03".into()),
            amount_cents: None,
            tags: vec!["Recht".into()],
        },
    )
    .await
    .unwrap();
    let audit = app.audit_log(&cli, Some(&c), 50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "document.confirm" && e.detail.contains("letter → contract")),
        "{audit:?}"
    );
    // An administrator adds a rule for that sender's IBAN.
    let admin = person(&c, Role::Admin, None);
    app.add_document_rule(
        &admin,
        &c,
        "iban",
        "DE02 1203 0000 0000 2020 51",
        None,
        None,
        Some("Kanzlei"),
    )
    .await
    .unwrap();
    let second = app
        .ingest_document(&cli, &c, "b.pdf", letter(2), Source::Upload)
        .await
        .unwrap();
    drain(&app).await;
    let d2 = app.visible_document(&cli, &c, &second.document.id).await.unwrap();
    assert_eq!(d2.doc_type, "contract", "learned from the correction");
    assert_eq!(d2.correspondent.as_deref(), Some("Kanzlei Recht & Ordnung"));
    assert_eq!(d2.tags, vec!["kanzlei"]);
    let s = kontor_app::pipeline::Suggestion::parse(d2.suggestion.as_deref());
    assert!(s.sources.contains(&"learned".to_string()), "{s:?}");
    assert!(s.doc_type.unwrap().confidence >= 60);
    // Bookkeeping may not add rules.
    assert!(matches!(
        app.add_document_rule(&buchhaltung, &c, "text", "x", Some(DocType::Letter), None, None)
            .await,
        Err(AppError::Forbidden { .. })
    ));
}

#[tokio::test]
async fn search_never_shows_what_the_user_may_not_open() {
    if !have_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let other = app.add_company(&cli, "oth", "Andere GmbH").await.unwrap();
    let payslip = pdf(&[
        "Entgeltabrechnung Januar 2027",
        "Abrechnungsdatum 31.01.2027",
        "Steuerklasse 1 Lohnsteuer Vertraulich",
    ]);
    let slip = app
        .ingest_document(&cli, &c, "lohn.pdf", payslip, Source::Upload)
        .await
        .unwrap();
    let inv_jan = app
        .ingest_document(&cli, &c, "jan.pdf", invoice_pdf("RE-1", "20.01.2027"), Source::Upload)
        .await
        .unwrap();
    let inv_mar = app
        .ingest_document(&cli, &c, "mar.pdf", invoice_pdf("RE-3", "10.03.2027"), Source::Upload)
        .await
        .unwrap();
    app.ingest_document(&cli, &other, "x.pdf", invoice_pdf("RE-9", "10.01.2027"), Source::Upload)
        .await
        .unwrap();
    clock.advance_millis(1000);
    drain(&app).await;
    assert_eq!(
        app.visible_document(&cli, &c, &slip.document.id)
            .await
            .unwrap()
            .doc_type,
        "payslip"
    );

    let personal = person(&c, Role::Personal, None);
    let buchhaltung = person(&c, Role::Buchhaltung, None);
    let berater = person(&c, Role::Steuerberater, Some("2027-01..2027-02"));
    let mitarbeiter = person(&c, Role::Mitarbeiter, None);
    let count = |r: kontor_app::pipeline::SearchResult| (r.total, r.documents.len() as i64);

    assert_eq!(
        count(
            app.search_documents(&personal, &c, &search("vertraulich"))
                .await
                .unwrap()
        ),
        (1, 1)
    );
    // Bookkeeping: no payslips, not even as a count.
    assert_eq!(
        count(
            app.search_documents(&buchhaltung, &c, &search("vertraulich"))
                .await
                .unwrap()
        ),
        (0, 0)
    );
    assert_eq!(
        count(app.search_documents(&buchhaltung, &c, &search("")).await.unwrap()),
        (2, 2)
    );
    assert!(matches!(
        app.visible_document(&buchhaltung, &c, &slip.document.id).await,
        Err(AppError::NotFound { .. })
    ));
    // The tax advisor sees January and February only.
    let r = app
        .search_documents(&berater, &c, &search("stromrechnung"))
        .await
        .unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(r.documents[0].id, inv_jan.document.id);
    assert!(app.visible_document(&berater, &c, &inv_mar.document.id).await.is_err());
    // Employees have no archive access; other companies are never mixed in.
    assert!(matches!(
        app.search_documents(&mitarbeiter, &c, &search("")).await,
        Err(AppError::Forbidden { .. })
    ));
    assert_eq!(app.search_documents(&cli, &c, &search("RE-9")).await.unwrap().total, 0);
    // Looking at a payslip is audited.
    app.document_details(&personal, &c, &slip.document.id).await.unwrap();
    let audit = app.audit_log(&cli, Some(&c), 100).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "document.view" && e.subject == slip.document.id));
}

#[tokio::test]
async fn retention_legal_hold_and_audited_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let admin = person(&c, Role::Admin, None);
    // Arrives 2027: "other" is kept 10 years, until the end of 2037.
    let a = app
        .ingest_document(&cli, &c, "a.txt", Bytes::from_static(b"Notiz eins"), Source::Upload)
        .await
        .unwrap();
    let b = app
        .ingest_document(&cli, &c, "b.txt", Bytes::from_static(b"Notiz zwei"), Source::Upload)
        .await
        .unwrap();
    assert!(app.deletion_proposals(&admin, &c).await.unwrap().is_empty());
    let early = app
        .delete_documents(&admin, &c, std::slice::from_ref(&a.document.id))
        .await;
    assert!(
        matches!(early, Err(AppError::Conflict { ref de, .. }) if de.contains("2038")),
        "{early:?}"
    );

    // End of 2037: still kept.
    clock.set(Timestamp::from_millis(2_145_916_799_000)); // 2037-12-31T23:59:59Z
    assert!(app.deletion_proposals(&admin, &c).await.unwrap().is_empty());
    app.set_legal_hold(&admin, &c, &b.document.id, true, "Betriebsprüfung 2027")
        .await
        .unwrap();
    // 1 January 2038: deletable, except the one on hold.
    clock.set(Timestamp::from_millis(2_145_916_800_000));
    let proposed: Vec<String> = app
        .deletion_proposals(&admin, &c)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(proposed, vec![a.document.id.clone()]);
    assert!(matches!(
        app.delete_documents(&admin, &c, std::slice::from_ref(&b.document.id))
            .await,
        Err(AppError::Conflict { .. })
    ));
    // Bookkeeping cannot release deletions.
    assert!(app
        .delete_documents(&person(&c, Role::Buchhaltung, None), &c, &proposed)
        .await
        .is_err());
    let gone = app.delete_documents(&admin, &c, &proposed).await.unwrap();
    assert_eq!(gone.len(), 1);
    assert!(app.open_document(&cli, &c, &a.document.id).await.is_err());
    let audit = app.audit_log(&cli, Some(&c), 100).await.unwrap();
    let del = audit.iter().find(|e| e.action == "document.delete").unwrap();
    assert_eq!(del.subject, a.document.id);
    assert!(del.detail.contains("a.txt"));
    assert!(audit.iter().any(|e| e.action == "document.hold"));
    // The same content may come again later as a new document.
    let again = app
        .ingest_document(&cli, &c, "a.txt", Bytes::from_static(b"Notiz eins"), Source::Upload)
        .await
        .unwrap();
    assert!(!again.duplicate);
    // Lifting the hold makes the other one deletable.
    app.set_legal_hold(&admin, &c, &b.document.id, false, "Prüfung beendet")
        .await
        .unwrap();
    assert_eq!(
        app.delete_documents(&admin, &c, std::slice::from_ref(&b.document.id))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_new_version_never_overwrites_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let v1 = app
        .ingest_document(
            &cli,
            &c,
            "vertrag.txt",
            Bytes::from_static(b"Vertrag Fassung 1"),
            Source::Upload,
        )
        .await
        .unwrap();
    let v2 = app
        .add_document_version(
            &cli,
            &c,
            &v1.document.id,
            "vertrag.txt",
            Bytes::from_static(b"Vertrag Fassung 2"),
        )
        .await
        .unwrap();
    let v3 = app
        .add_document_version(
            &cli,
            &c,
            &v2.document.id,
            "vertrag.txt",
            Bytes::from_static(b"Vertrag Fassung 3"),
        )
        .await
        .unwrap();
    assert_eq!((v2.document.version, v3.document.version), (2, 3));
    let (_, _, versions) = app.document_details(&cli, &c, &v3.document.id).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(
        &app.open_document(&cli, &c, &v1.document.id).await.unwrap().1[..],
        b"Vertrag Fassung 1"
    );
}

#[tokio::test]
async fn the_demo_companies_have_a_filled_archive() {
    if !have_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path()).await;
    let summary = app.seed_demo("kontor-demo").await.unwrap();
    assert_eq!(summary.documents_created, 2 * 15);
    let cli = Actor::cli("test");
    for code in ["muster", "beispiel"] {
        let c = app.company(&cli, code).await.unwrap();
        let count = |t: DocType| {
            let app = app.clone();
            let c = c.clone();
            async move {
                app.search_documents(
                    &Actor::cli("test"),
                    &c,
                    &SearchParams {
                        doc_type: Some(t),
                        ..search("")
                    },
                )
                .await
                .unwrap()
                .total
            }
        };
        assert_eq!(count(DocType::Invoice).await, 9, "{code}: 8 PDFs and one XRechnung");
        assert_eq!(count(DocType::CreditNote).await, 1);
        assert_eq!(count(DocType::Contract).await, 2);
        assert_eq!(count(DocType::Letter).await, 3, "{code}: two letters and the scan");
        // The scan was read by OCR and is found by its words.
        let scan = app
            .search_documents(&cli, &c, &search("nebenkostenabrechnung"))
            .await
            .unwrap();
        assert_eq!(scan.total, 1);
        assert_eq!(scan.documents[0].media_type, "image/png");
        // Most are confirmed; a few wait in the inbox.
        let inbox = app.document_inbox(&cli, &c, 1).await.unwrap();
        assert_eq!(
            inbox.total,
            4,
            "{:?}",
            inbox.documents.iter().map(|d| &d.name).collect::<Vec<_>>()
        );
        assert!(inbox.documents.iter().all(|d| d.status == "processed"));
    }
    // Seeding again adds nothing.
    assert_eq!(app.seed_demo("kontor-demo").await.unwrap().documents_created, 0);
}

#[tokio::test]
async fn a_missing_tool_is_retried_and_only_the_last_attempt_marks_the_document_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (with_tools, clock) = app(dir.path()).await;
    // The same installation without Poppler and Tesseract configured.
    let store = with_tools.store().clone();
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.path().join("blobs")).unwrap());
    let app = App::new(
        store,
        blobs,
        clock.clone(),
        Arc::new(SequentialIds::starting_at(1_000_000)),
        Arc::new(OsRandom),
        AppSettings::default(),
    );
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let d = app
        .ingest_document(&cli, &c, "brief.pdf", invoice_pdf("RE-7", "01.02.2027"), Source::Upload)
        .await
        .unwrap();
    let mut attempts = 0;
    for _ in 0..20 {
        attempts += app.run_due_jobs("test", 10).await.unwrap();
        let now = app.visible_document(&cli, &c, &d.document.id).await.unwrap();
        if now.status == "failed" {
            assert!(
                now.failure.as_deref().unwrap().contains("no text extractor"),
                "{:?}",
                now.failure
            );
            break;
        }
        assert_eq!(now.status, "stored", "still queued after {attempts} attempts");
        // The next attempt is due after the backoff.
        clock.advance_millis(2 * 3_600_000);
    }
    assert_eq!(attempts, 8, "every attempt ran before the document was marked failed");
    // With the tools it works on re-run.
    with_tools.reprocess_document(&cli, &c, &d.document.id).await.unwrap();
    with_tools.run_due_jobs("test", 10).await.unwrap();
    assert_eq!(
        with_tools
            .visible_document(&cli, &c, &d.document.id)
            .await
            .unwrap()
            .status,
        "processed"
    );
}

#[tokio::test]
async fn thumbnails_are_made_once_kept_beside_the_original_and_deleted_with_it() {
    if !have_tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = app(dir.path()).await;
    let cli = Actor::cli("test");
    let c = app.add_company(&cli, "bsp", "Beispiel GmbH").await.unwrap();
    let original = invoice_pdf("RE-1", "03.01.2027");
    let d = app
        .ingest_document(&cli, &c, "re.pdf", original.clone(), Source::Upload)
        .await
        .unwrap();
    let (mime, png) = app.document_thumbnail(&cli, &c, &d.document.id).await.unwrap().unwrap();
    assert_eq!(mime, "image/png");
    assert!(png.starts_with(b"\x89PNG"));
    // The second time it comes from the archive, identical.
    let (_, again) = app.document_thumbnail(&cli, &c, &d.document.id).await.unwrap().unwrap();
    assert_eq!(png, again);
    // The original is untouched.
    assert_eq!(app.open_document(&cli, &c, &d.document.id).await.unwrap().1, original);
    let blobs = |dir: &std::path::Path| {
        fn walk(p: &std::path::Path, n: &mut usize) {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    walk(&e.path(), n)
                } else {
                    *n += 1
                }
            }
        }
        let mut n = 0;
        walk(&dir.join("blobs"), &mut n);
        n
    };
    assert_eq!(blobs(dir.path()), 2, "original and thumbnail");
    // Text files have none; deletion after retention takes the thumbnail too.
    let txt = app
        .ingest_document(&cli, &c, "n.txt", Bytes::from_static(b"Notiz"), Source::Upload)
        .await
        .unwrap();
    assert!(app
        .document_thumbnail(&cli, &c, &txt.document.id)
        .await
        .unwrap()
        .is_none());
    clock.set(Timestamp::from_millis(START + 12 * YEAR_MS));
    let admin = person(&c, Role::Admin, None);
    app.delete_documents(&admin, &c, &[d.document.id.clone(), txt.document.id.clone()])
        .await
        .unwrap();
    assert_eq!(blobs(dir.path()), 0, "originals and derived files are gone");
}
