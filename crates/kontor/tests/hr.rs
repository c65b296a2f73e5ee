//! Employees and their sensitive HR data: visible only with the explicit
//! permission, and never stored in plain text (SQLite file and PostgreSQL
//! table contents are searched for a demo employee's tax id and IBAN).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_e2e::{demo_on_test_storage, Server};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::{AnyConnection, Connection, Row};

// Erika Mustermann, the first demo employee of muster.
const TAX_ID: &str = "47123456788";
const IBAN: &str = "DE12500105170648489890";

async fn login(s: &Server, user: &str) -> (Client, String) {
    let c = Client::builder().cookie_store(true).build().unwrap();
    let r = c
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "kontor-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    (c, v["csrf_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn sensitive_fields_are_shown_only_with_the_explicit_permission() {
    let s = demo_on_test_storage();
    let url = s.url("/api/v1/companies/muster/employees");
    let (personal, personal_csrf) = login(&s, "personal").await;
    let staff: Value = personal.get(&url).send().await.unwrap().json().await.unwrap();
    let erika = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["personnel_number"] == "1001")
        .unwrap();
    assert_eq!(erika["sensitive"]["tax_id"], TAX_ID);
    assert_eq!(erika["sensitive"]["iban"], IBAN);
    // The approver reads employees but not their sensitive data.
    let (freigabe, csrf) = login(&s, "freigabe").await;
    let staff: Value = freigabe.get(&url).send().await.unwrap().json().await.unwrap();
    assert!(staff.as_array().unwrap().iter().all(|e| e["sensitive"].is_null()));
    assert!(!staff.to_string().contains(TAX_ID));
    let r = freigabe
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(&json!({"personnel_number": "9", "first_name": "A", "last_name": "B", "entry_date": "2026-01-01", "steuerklasse": "I"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Looking at sensitive data is recorded in the audit trail; the approver's look is not sensitive.
    let (admin, _) = login(&s, "admin").await;
    // The audit trail's records of looks at sensitive data, oldest last.
    let sensitive_reads = || async {
        let trail: Value = admin
            .get(s.url("/api/v1/companies/muster/audit"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        trail
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "employee.read_sensitive")
            .cloned()
            .collect::<Vec<Value>>()
    };
    let reads = sensitive_reads().await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["actor"], "user:personal");
    // In the UI the list shows no sensitive field and records no look; one
    // employee's page shows them and records one.
    let switched = personal
        .post(s.url("/company"))
        .form(&[
            ("csrf", personal_csrf.as_str()),
            ("code", "muster"),
            ("back", "/employees"),
        ])
        .send()
        .await
        .unwrap();
    assert!(switched.status().is_success(), "{}", switched.status());
    let list = switched.text().await.unwrap();
    assert!(list.contains("1001") && !list.contains(TAX_ID), "{list}");
    assert_eq!(sensitive_reads().await.len(), 1);
    let erika_id = erika["id"].as_str().unwrap();
    let page = personal
        .get(s.url(&format!("/employees/{erika_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(TAX_ID), "{page}");
    assert_eq!(sensitive_reads().await.len(), 2);
    // The administrator has no automatic access to HR data.
    assert_eq!(admin.get(&url).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    // Creating with sensitive data works for HR and validates it.
    let (hr, csrf) = login(&s, "personal").await;
    let r = hr
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(
            &json!({"personnel_number": "1003", "first_name": "Lea", "last_name": "Neu", "entry_date": "2026-11-01",
                      "steuerklasse": "I", "tax_id": "47123456789", "iban": "DE12500105170648489891"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = r.json::<Value>().await.unwrap()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["tax_id", "iban"]);
}

#[tokio::test]
async fn the_raw_database_holds_no_tax_id_or_iban_in_plain_text() {
    let s = demo_on_test_storage();
    // The API shows the values, so they are really stored.
    let (personal, _) = login(&s, "personal").await;
    let staff = personal
        .get(s.url("/api/v1/companies/muster/employees"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff.contains(TAX_ID) && staff.contains(IBAN));
    match &s.storage.database_url {
        None => {
            // Every byte of the SQLite database and its write-ahead log.
            let mut bytes = Vec::new();
            for f in ["kontor.db", "kontor.db-wal"] {
                if let Ok(b) = std::fs::read(s.storage.data_dir.join(f)) {
                    bytes.extend(b);
                }
            }
            assert!(bytes.len() > 10_000);
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(TAX_ID), "tax id found in the SQLite file");
            assert!(!text.contains(IBAN), "IBAN found in the SQLite file");
        }
        Some(url) => {
            sqlx::any::install_default_drivers();
            let mut c = AnyConnection::connect(url).await.unwrap();
            let rows = sqlx::query("SELECT CAST(e.* AS TEXT) FROM employees e")
                .fetch_all(&mut c)
                .await;
            let rows = match rows {
                Ok(r) => r,
                Err(_) => sqlx::query("SELECT e::text FROM employees e")
                    .fetch_all(&mut c)
                    .await
                    .unwrap(),
            };
            let all: String = rows.iter().map(|r| r.get::<String, _>(0)).collect();
            assert!(all.contains("Mustermann"), "the table was read");
            assert!(
                !all.contains(TAX_ID) && !all.contains(IBAN),
                "sensitive value in plain text in PostgreSQL"
            );
        }
    }
}

#[tokio::test]
async fn a_wrong_master_key_stops_kontor_with_a_clear_message() {
    let (storage, _tmp) = Server::demo().into_storage();
    let data = storage.data_dir.clone();
    let key = data.join("master.key");
    let text = std::fs::read_to_string(&key).unwrap();
    let id = text.lines().find_map(|l| l.strip_prefix("id=")).unwrap().to_string();
    std::fs::write(
        &key,
        format!("kontor-master-key v1\nid={id}\nkey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
    )
    .unwrap();
    let out = kontor_e2e::run(&["admin", "check"], &[("KONTOR_DATA_DIR", data.to_str().unwrap())]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("master key file does not match"), "{err}");
}

#[tokio::test]
async fn rotating_the_master_key_re_seals_everything() {
    let (storage, _tmp) = Server::demo().into_storage();
    let data = storage.data_dir.clone();
    let env = [("KONTOR_DATA_DIR", data.to_str().unwrap())];
    let out = kontor_e2e::run(&["admin", "rotate-key"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 employees re-sealed"));
    // Drop the old key from the file: everything must still open with the new one.
    let key = data.join("master.key");
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("old=")),
        "the old key is kept readable after rotation"
    );
    let only_new: String = text
        .lines()
        .filter(|l| !l.starts_with("old="))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&key, only_new).unwrap();
    let s = kontor_e2e::Server::start(kontor_e2e::ServerOptions {
        storage: Some(storage.clone()),
        demo: false,
        ..Default::default()
    });
    let (personal, _) = login(&s, "personal").await;
    let staff = personal
        .get(s.url("/api/v1/companies/muster/employees"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff.contains(TAX_ID), "re-sealed values open with the new key alone");
}

/// A small but well-formed PDF standing in for a payslip.
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% kontor test document: {text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

async fn upload_payslip(c: &Client, csrf: &str, url: &str, month: &str, content: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("kind", "payslip")
        .text("period", month.to_string())
        .part("file", reqwest::multipart::Part::bytes(content).file_name("lohn.pdf"));
    c.post(url)
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_employee_opens_only_their_own_payslips() {
    let s = demo_on_test_storage();
    let (personal, csrf) = login(&s, "personal").await;
    let staff: Value = personal
        .get(s.url("/api/v1/companies/muster/employees"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_of = |nr: &str| {
        staff
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["personnel_number"] == nr)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Max Beispiel (1002) is the demo `mitarbeiter`; Erika Mustermann (1001) is someone else.
    let (max, erika) = (id_of("1002"), id_of("1001"));
    let docs = |e: &str| s.url(&format!("/api/v1/companies/muster/employees/{e}/documents"));
    let r = upload_payslip(&personal, &csrf, &docs(&max), "2026-10", pdf("Max Oktober")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let max_doc: Value = r.json().await.unwrap();
    let r = upload_payslip(&personal, &csrf, &docs(&erika), "2026-10", pdf("Erika Oktober")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let erika_doc: Value = r.json().await.unwrap();
    assert_eq!(erika_doc["title"], "Lohnabrechnung 2026-10");
    // Not a PDF, PNG or JPEG: refused with a field error.
    let r = upload_payslip(&personal, &csrf, &docs(&erika), "2026-10", b"<script>".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (me, _) = login(&s, "mitarbeiter").await;
    // Own record and own payslips.
    let own: Value = me
        .get(s.url("/api/v1/companies/muster/me/employee"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own["id"], max.as_str());
    assert_eq!(
        own["sensitive"]["tax_id"], "51938274654",
        "own protected data is visible to oneself"
    );
    let mine: Value = me.get(docs(&max)).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let own_url = format!("{}/{}", docs(&max), max_doc["id"].as_str().unwrap());
    let r = me.get(&own_url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(String::from_utf8_lossy(&r.bytes().await.unwrap()).contains("Max Oktober"));

    // Someone else's file, by id, whichever way it is asked for.
    let erika_doc_id = erika_doc["id"].as_str().unwrap();
    for (url, why) in [
        (docs(&erika), "list of another employee's documents"),
        (format!("{}/{erika_doc_id}", docs(&erika)), "another employee's payslip"),
        (
            format!("{}/{erika_doc_id}", docs(&max)),
            "another employee's payslip through one's own file",
        ),
        (
            s.url(&format!("/api/v1/companies/muster/employees/{erika}")),
            "another employee's record",
        ),
    ] {
        let r = me.get(&url).send().await.unwrap();
        assert!(
            matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{why}: {}",
            r.status()
        );
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("Erika Oktober") && !body.contains(TAX_ID),
            "{why} leaked"
        );
    }
    // Art. 15: the employee gets their own export, not another's.
    let own_export: Value = me
        .get(s.url(&format!("/api/v1/companies/muster/employees/{max}/dsgvo-export")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own_export["employee"]["tax_id"], "51938274654");
    assert_eq!(own_export["account"]["username"], "mitarbeiter");
    assert_eq!(own_export["personnel_file"][0]["title"], "Lohnabrechnung 2026-10");
    let r = me
        .get(s.url(&format!("/api/v1/companies/muster/employees/{erika}/dsgvo-export")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nor can the employee add documents.
    let (_, me_csrf) = login(&s, "mitarbeiter").await;
    let r = upload_payslip(&me, &me_csrf, &docs(&max), "2026-11", pdf("selbst")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Downloads are in the audit trail.
    let (admin, _) = login(&s, "admin").await;
    let audit: Value = admin
        .get(s.url("/api/v1/companies/muster/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "employee_document.download" && e["actor"] == "user:mitarbeiter"),
        "download recorded"
    );
}

#[tokio::test]
async fn oversized_requests_are_refused_before_they_are_read() {
    let s = demo_on_test_storage();
    let (acc, csrf) = login(&s, "buchhaltung").await;
    let big = "x".repeat(3 * 1024 * 1024);
    let r = acc
        .post(s.url("/api/v1/companies/muster/partners"))
        .header("x-csrf-token", &csrf)
        // The server stops reading and may close the connection; keep it out
        // of the client's pool so the next request opens a fresh one.
        .header("connection", "close")
        .json(&json!({"name": big, "kind": "supplier"}))
        .send()
        .await;
    match r {
        Ok(r) => {
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
            let p: Value = r.json().await.unwrap();
            assert_eq!(p["code"], "payload_too_large");
        }
        // The server may answer and close before the client has written the
        // whole body; the client then sees the connection end while writing.
        Err(e) => assert!(e.is_request() || e.is_body(), "unexpected error: {e}"),
    }
    // Either way nothing was stored.
    let page: Value = acc
        .get(s.url("/api/v1/companies/muster/partners?limit=200"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["name"].as_str().unwrap().len() < 1000));
}
