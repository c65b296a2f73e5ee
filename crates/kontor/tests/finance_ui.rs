//! The finance pages as people use them: the demo company's trial balance,
//! reports and chart, booking through the entry mask (with its errors), and
//! no finance for roles without it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_e2e::{demo_on_test_storage, Server};
use reqwest::{Client, StatusCode};

fn client() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

fn hidden_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("form has a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

async fn form_login(s: &Server, user: &str) -> Client {
    let c = client();
    let page = c.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_csrf(&page);
    let r = c
        .post(s.url("/login"))
        .form(&[("username", user), ("password", "kontor-demo"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert!(r.url().path().ends_with("/app"), "signed in: {}", r.url());
    c
}

async fn page(c: &Client, s: &Server, path: &str) -> (StatusCode, String) {
    let r = c.get(s.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn accountant_sees_reports_and_books_an_entry() {
    let s = demo_on_test_storage();
    let c = form_login(&s, "buchhaltung").await;
    // Muster GmbH (SKR03).
    let (_, home) = page(&c, &s, "/app").await;
    let csrf = hidden_csrf(&home);
    c.post(s.url("/company"))
        .form(&[("csrf", csrf.as_str()), ("code", "muster"), ("back", "/finance")])
        .send()
        .await
        .unwrap();
    // The module link leads to the finance pages.
    let r = c.get(s.url("/m/finance")).send().await.unwrap();
    assert!(r.url().path().ends_with("/finance"), "{}", r.url());
    let (st, body) = page(&c, &s, "/finance?from=2000-01-01&to=2100-12-31").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        body.contains("Summen- und Saldenliste") && body.contains(">1200<") && body.contains("SKR03"),
        "{body}"
    );
    for (path, needle) in [
        ("/finance/guv?from=2000-01-01&to=2100-12-31", "Umsatzerlöse"),
        ("/finance/bilanz?to=2100-12-31", "Aktiva"),
        ("/finance/accounts", "Erlöse 19% USt"),
        ("/finance/accounts/1200?from=2000-01-01&to=2100-12-31", "Anfangsbestand"),
    ] {
        let (st, body) = page(&c, &s, path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert!(body.contains(needle), "{path}: {needle}");
    }
    let r = c
        .get(s.url("/finance/balance.csv?from=2000-01-01&to=2100-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("summen-salden"));
    assert!(r
        .text()
        .await
        .unwrap()
        .starts_with("account;debit_cents;credit_cents;balance_cents\n"));

    // Book through the mask: 119,00 to Debitor 10001 against 8400 with USt19.
    let (_, form) = page(&c, &s, "/finance/entry").await;
    assert!(form.contains("id=\"entry-split\""));
    let csrf = hidden_csrf(&form);
    let r = c
        .post(s.url("/finance/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("date", "2026-11-20"),
            ("amount", "119,00"),
            ("side", "S"),
            ("konto", "10001"),
            ("gegenkonto", "8400"),
            ("tax", "USt19"),
            ("reference", "RE-UI-1"),
            ("text", "Beratung über die Maske"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.url().query().unwrap_or("").starts_with("saved="), "{}", r.url());
    let (_, ledger) = page(&c, &s, "/finance/accounts/1776?from=2026-11-20&to=2026-11-20").await;
    assert!(ledger.contains("RE-UI-1") && ledger.contains("−19,00"), "{ledger}");
    // Mistakes are named and nothing is booked.
    let r = c
        .post(s.url("/finance/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("date", "2026-02-30"),
            ("amount", "0"),
            ("side", "S"),
            ("konto", "12"),
            ("gegenkonto", "0003"),
            ("tax", ""),
            ("reference", ""),
            ("text", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Das Datum fehlt")
            && body.contains("Keine Kontonummer")
            && body.contains("Konto nicht im Kontenrahmen")
            && body.contains("Der Betrag muss"),
        "{body}"
    );
}

#[tokio::test]
async fn employees_do_not_see_finance() {
    let s = demo_on_test_storage();
    let c = form_login(&s, "mitarbeiter").await;
    let (st, _) = page(&c, &s, "/finance").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = page(&c, &s, "/finance/entry").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_administrator_chooses_the_chart_when_adding_a_company() {
    let s = demo_on_test_storage();
    let c = form_login(&s, "admin").await;
    let (st, admin) = page(&c, &s, "/admin").await;
    assert_eq!(st, StatusCode::OK);
    assert!(admin.contains("name=\"chart\"") && admin.contains("SKR04"));
    let csrf = hidden_csrf(&admin);
    let r = c
        .post(s.url("/admin/companies"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "nord"),
            ("name", "Nord KG"),
            ("chart", "skr05"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = c
        .post(s.url("/admin/companies"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "nord"),
            ("name", "Nord KG"),
            ("chart", "skr04"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.url());
    let (_, admin) = page(&c, &s, "/admin").await;
    assert!(admin.contains("Nord KG"));
}

/// Every report downloads as CSV and as PDF (the PDF's text read back with
/// pdftotext when poppler-utils is there, as in CI); the journal and the
/// open items have pages; UStVA figures lead to their entries.
#[tokio::test]
async fn reports_download_as_csv_and_pdf_and_figures_lead_to_entries() {
    let s = demo_on_test_storage();
    let c = form_login(&s, "steuerberater").await;
    let (_, home) = page(&c, &s, "/app").await;
    let csrf = hidden_csrf(&home);
    c.post(s.url("/company"))
        .form(&[("csrf", csrf.as_str()), ("code", "muster"), ("back", "/finance")])
        .send()
        .await
        .unwrap();
    let range = "from=2000-01-01&to=2100-12-31";
    let (st, journal) = page(&c, &s, &format!("/finance/journal?{range}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        journal.contains("id=\"n1\"") && journal.contains("/finance/download/journal/pdf"),
        "{journal}"
    );
    let (st, one) = page(&c, &s, "/finance/journal?number=2").await;
    assert_eq!(st, StatusCode::OK);
    assert!(one.contains("id=\"n2\"") && !one.contains("id=\"n3\""));
    let (st, opos) = page(&c, &s, "/finance/opos?to=2100-12-31").await;
    assert_eq!(st, StatusCode::OK);
    assert!(opos.contains("Offene Posten"));
    // UStVA: each Kennzahl's entries are links into the journal.
    let (_, ustva) = page(&c, &s, "/finance/ustva?period=2026-Q1").await;
    assert!(ustva.contains("href=\"/finance/journal?number="), "{ustva}");

    let pdftotext = std::process::Command::new("pdftotext").arg("-v").output().is_ok();
    for (report, query, csv_head, pdf_text) in [
        (
            "summen-salden",
            range,
            "Summen- und Saldenliste",
            "Summen- und Saldenliste",
        ),
        (
            "kontoblatt",
            "from=2000-01-01&to=2100-12-31&account=1200",
            "Kontoblatt 1200",
            "Anfangsbestand",
        ),
        ("journal", range, "Journal", "Journal"),
        ("guv", range, "GuV", "Umsatzerlöse"),
        ("bilanz", "to=2100-12-31", "Bilanz", "Aktiva"),
        ("opos", "to=2100-12-31", "Offene Posten", "Offene Posten"),
    ] {
        let r = c
            .get(s.url(&format!("/finance/download/{report}/csv?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{report}");
        assert!(r.headers()["content-disposition"].to_str().unwrap().contains(report));
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with(&format!("\u{feff}{csv_head}")), "{report}: {csv}");
        assert!(csv.contains("\r\n") && csv.lines().count() > 3, "{report}");
        let r = c
            .get(s.url(&format!("/finance/download/{report}/pdf?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{report}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{report}");
        if pdftotext {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("r.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let out = std::process::Command::new("pdftotext")
                .args(["-layout", path.to_str().unwrap(), "-"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains(pdf_text) && text.contains("Seite 1 von"),
                "{report}: {text}"
            );
        }
    }
    // The sum of the trial balance CSV's balances is zero (decimal comma).
    let csv = c
        .get(s.url(&format!("/finance/download/summen-salden/csv?{range}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let total = csv.lines().last().unwrap();
    assert!(total.ends_with(";0,00"), "{total}");
    // Unknown reports and formats are not found.
    let r = c.get(s.url("/finance/download/geheim/pdf")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // People without finance get no report.
    let m = form_login(&s, "mitarbeiter").await;
    let r = m
        .get(s.url(&format!("/finance/download/journal/csv?{range}")))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
}

/// The tax advisor downloads DATEV and GoBD exports from the exports page;
/// wrong DATEV numbers are named, and the numbers are remembered.
#[tokio::test]
async fn the_tax_advisor_downloads_datev_and_gobd_exports() {
    let s = demo_on_test_storage();
    let c = form_login(&s, "steuerberater").await;
    let (_, home) = page(&c, &s, "/app").await;
    let csrf = hidden_csrf(&home);
    c.post(s.url("/company"))
        .form(&[("csrf", csrf.as_str()), ("code", "muster"), ("back", "/finance")])
        .send()
        .await
        .unwrap();
    let (st, exports) = page(&c, &s, "/finance/exports").await;
    assert_eq!(st, StatusCode::OK);
    let csrf = hidden_csrf(&exports);
    let post = |what: &'static str, berater: &'static str| {
        c.post(s.url("/finance/exports/datev")).form(&[
            ("csrf", csrf.as_str()),
            ("from", "2026-01-01"),
            ("to", "2026-12-31"),
            ("berater", berater),
            ("mandant", "55003"),
            ("what", what),
        ])
    };
    let r = post("entries", "12").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Beraternummer ist 1001–9999999"));
    let r = post("entries", "29098").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("EXTF_Buchungsstapel_2026-01-01_2026-12-31.csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\"EXTF\";700;21;\"Buchungsstapel\";13;"));
    let r = post("partners", "29098").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .bytes()
        .await
        .unwrap()
        .starts_with(b"\"EXTF\";700;16;\"Debitoren/Kreditoren\";5;"));
    // Remembered for the next visit.
    let (_, exports) = page(&c, &s, "/finance/exports").await;
    assert!(exports.contains("value=\"29098\"") && exports.contains("value=\"55003\""));
    // GoBD: the files of the export, each downloadable.
    let (st, listed) = page(&c, &s, "/finance/exports?from=2026-01-01&to=2026-12-31&period=gobd").await;
    assert_eq!(st, StatusCode::OK);
    assert!(listed.contains("/finance/exports/gobd/index.xml?"), "{listed}");
    let r = c
        .get(s.url("/finance/exports/gobd/index.xml?from=2026-01-01&to=2026-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("<DataSet>"));
    let r = c
        .get(s.url("/finance/exports/gobd/secret.csv?from=2026-01-01&to=2026-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
