//! The document archive as people feed it: `kontor import` of files and
//! directories (real files from ../shared/corpus), duplicates recognised,
//! bad files named, and the use-cases' rules (size limit, safe names,
//! rights, audited opening).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::process::Command;

fn kontor(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(args)
        .env("KONTOR_DATA_DIR", data)
        .env("KONTOR_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/einvoice");

#[test]
fn import_takes_files_and_directories_once_and_names_what_it_cannot_take() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (code, _, err) = kontor(
        &data,
        &["admin", "company", "add", "--code", "archiv", "--name", "Archiv GmbH"],
    );
    assert_eq!(code, 0, "{err}");
    let inbox = tmp.path().join("eingang");
    std::fs::create_dir_all(inbox.join("unter")).unwrap();
    let pdf = std::fs::read(format!(
        "{CORPUS}/zugferd-corpus/XML-Rechnung/FX/EN16931_RechnungsUebertragung.pdf"
    ))
    .unwrap();
    let xml = std::fs::read(format!(
        "{CORPUS}/kosit-xrechnung-schematron/ubl-inv/ubl-inv-peppol-en16931-r008.xml"
    ))
    .unwrap();
    std::fs::write(inbox.join("rechnung.pdf"), &pdf).unwrap();
    std::fs::write(inbox.join("unter/kopie-mit-anderem-namen.bin"), &pdf).unwrap();
    std::fs::write(inbox.join("unter/xrechnung.xml"), &xml).unwrap();
    std::fs::write(inbox.join("leer.pdf"), b"").unwrap();
    std::fs::write(inbox.join(".versteckt"), b"skip me").unwrap();
    let args = ["import", "--company", "archiv", inbox.to_str().unwrap()];
    let (code, out, err) = kontor(&data, &args);
    assert_eq!(code, 1, "an empty file fails the run: {out}{err}");
    assert!(
        out.contains("2 stored, 1 already in the archive, 1 failed (4 files)"),
        "{out}"
    );
    assert!(
        out.contains("application/pdf") && out.contains("application/xml"),
        "{out}"
    );
    assert!(out.contains("leer.pdf: leer.pdf: the file is 0 bytes"), "{out}");
    // Again: nothing new.
    let (_, out, _) = kontor(&data, &args);
    assert!(out.contains("0 stored, 3 already in the archive, 1 failed"), "{out}");
    // A path that does not exist is named, the rest goes on.
    let missing = tmp.path().join("fehlt.pdf");
    let (code, out, _) = kontor(&data, &["import", "--company", "archiv", missing.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("no such file or directory"), "{out}");
    // The originals are in the content-addressed store, unaltered.
    let blobs = data.join("blobs");
    let found = walk(&blobs)
        .into_iter()
        .any(|p| std::fs::read(&p).is_ok_and(|b| b == pdf));
    assert!(found, "the PDF is stored byte for byte");

    // The import processed what it stored: found by search, as a table
    // and as JSON lines.
    let (code, out, err) = kontor(&data, &["documents", "search", "rechnung", "--company", "archiv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rechnung.pdf"), "{out}");
    let (_, out, _) = kontor(
        &data,
        &["documents", "search", "", "--format", "jsonl", "--type", "invoice"],
    );
    let hits: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(hits.len(), 2, "{out}");
    assert!(
        hits.iter()
            .all(|h| h["company"] == "archiv" && h["status"] == "processed"),
        "{out}"
    );
    // Export: originals byte for byte plus an index naming each with its digest.
    let export = tmp.path().join("export");
    let (code, out, err) = kontor(
        &data,
        &[
            "documents",
            "export",
            "--company",
            "archiv",
            "--out",
            export.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 documents exported"), "{out}");
    let index = std::fs::read_to_string(export.join("index.jsonl")).unwrap();
    for line in index.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = std::fs::read(export.join(v["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            v["sha256"].as_str().unwrap(),
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&file))
        );
    }
    assert!(std::fs::read_to_string(export.join("index.csv"))
        .unwrap()
        .starts_with("path;id;name;type"));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

mod use_cases {
    use std::sync::Arc;

    use kontor_app::documents::{Source, DOCUMENT_MAX};
    use kontor_app::security::OsRandom;
    use kontor_app::{Actor, App, AppError, AppSettings};
    use kontor_core::time::{ManualClock, SequentialIds};
    use kontor_core::Timestamp;
    use kontor_store::{SqlStore, StoreOptions};

    async fn app(dir: &std::path::Path) -> App {
        let url = match kontor_e2e::fresh_postgres_url() {
            Some(url) => url,
            None => format!("sqlite://{}?mode=rwc", dir.join("kontor.db").display()),
        };
        let store = Arc::new(SqlStore::open(&StoreOptions::new(url)).await.unwrap());
        let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.join("blobs")).unwrap());
        App::new(
            store,
            blobs,
            // 2027-01-15
            Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000))),
            Arc::new(SequentialIds::default()),
            Arc::new(OsRandom),
            AppSettings {
                session_idle_secs: 600,
                session_absolute_secs: 3600,
                ..AppSettings::default()
            },
        )
    }

    #[tokio::test]
    async fn the_same_content_is_one_document_per_company_and_names_are_made_safe() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let actor = Actor::cli("test");
        let a = app.add_company(&actor, "aa", "A GmbH").await.unwrap();
        let b = app.add_company(&actor, "bb", "B GmbH").await.unwrap();
        let scan = bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\n scan of a letter");
        let first = app
            .ingest_document(&actor, &a, "../../etc/scan\u{7}.png", scan.clone(), Source::Upload)
            .await
            .unwrap();
        assert!(!first.duplicate);
        assert_eq!(first.document.name, "scan.png");
        assert_eq!(first.document.media_type, "image/png");
        assert_eq!(
            (first.document.document_year, first.document.retention_years),
            (2027, 10)
        );
        let again = app
            .ingest_document(&actor, &a, "anders.png", scan.clone(), Source::Api)
            .await
            .unwrap();
        assert!(again.duplicate);
        assert_eq!(again.document.id, first.document.id);
        // Another company keeps its own document of the same content.
        let other = app
            .ingest_document(&actor, &b, "scan.png", scan.clone(), Source::Cli)
            .await
            .unwrap();
        assert!(!other.duplicate);
        assert_ne!(other.document.id, first.document.id);
        assert_eq!(app.documents(&actor, &a, "", 100).await.unwrap().len(), 1);
        // Too large and empty files are refused with the limit named.
        let big = bytes::Bytes::from(vec![b'x'; DOCUMENT_MAX + 1]);
        match app.ingest_document(&actor, &a, "gross.pdf", big, Source::Upload).await {
            Err(AppError::Invalid(errs)) => assert!(errs[0].de.contains("50 MB"), "{errs:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            app.ingest_document(&actor, &a, "leer.pdf", bytes::Bytes::new(), Source::Upload)
                .await,
            Err(AppError::Invalid(_))
        ));
        // Opening gives the original back, byte for byte; another company
        // cannot open it by id.
        let (doc, content) = app.open_document(&actor, &a, &first.document.id).await.unwrap();
        assert_eq!((doc.id.as_str(), &content[..]), (first.document.id.as_str(), &scan[..]));
        assert!(matches!(
            app.open_document(&actor, &b, &first.document.id).await,
            Err(AppError::NotFound { .. })
        ));
    }
}

mod api {
    use kontor_e2e::demo_on_test_storage;
    use reqwest::{Client, StatusCode};
    use serde_json::{json, Value};

    async fn login(s: &kontor_e2e::Server, user: &str) -> (Client, String) {
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

    async fn upload(c: &Client, csrf: &str, url: &str, name: &str, content: Vec<u8>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(content).file_name(name.to_string()),
        );
        c.post(url)
            .header("x-csrf-token", csrf)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_api_takes_a_file_once_gives_it_back_unaltered_and_checks_rights_and_size() {
        let s = demo_on_test_storage();
        let url = s.url("/api/v1/companies/muster/documents");
        let (c, csrf) = login(&s, "buchhaltung").await;
        let pdf = std::fs::read(format!(
            "{}/zugferd-corpus/XML-Rechnung/FX/EN16931_RechnungsUebertragung.pdf",
            super::CORPUS
        ))
        .unwrap();
        let r = upload(&c, &csrf, &url, "../../Rechnung.pdf", pdf.clone()).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let first: Value = r.json().await.unwrap();
        assert_eq!(first["name"], "Rechnung.pdf");
        assert_eq!(first["media_type"], "application/pdf");
        assert_eq!(first["duplicate"], false);
        let r = upload(&c, &csrf, &url, "nochmal.pdf", pdf.clone()).await;
        assert_eq!(r.status(), StatusCode::OK);
        let again: Value = r.json().await.unwrap();
        assert_eq!(
            (again["id"].clone(), again["duplicate"].clone()),
            (first["id"].clone(), json!(true))
        );
        let page: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
        assert!(page["items"].as_array().unwrap().iter().any(|d| d["id"] == first["id"]));
        let r = c
            .get(format!("{url}/{}", first["id"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(&r.bytes().await.unwrap()[..], &pdf[..]);
        // Too large: refused with 413 before it is read (the server may
        // close the connection while the client still sends the body).
        let big = vec![b'x'; kontor_app::documents::DOCUMENT_MAX + 512 * 1024];
        let form =
            reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(big).file_name("gross.pdf"));
        match c.post(&url).header("x-csrf-token", &csrf).multipart(form).send().await {
            Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
        let page: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
        assert!(page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["name"] != "gross.pdf"));
        // The server's workers process it; then it is found and confirmed.
        let id = first["id"].as_str().unwrap();
        let mut found = Value::Null;
        for _ in 0..100 {
            let r: Value = c
                .get(format!("{url}/search?q=Rechnung&status=processed&per_page=200"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(d) = r["items"].as_array().unwrap().iter().find(|d| d["id"] == id) {
                found = d.clone();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(found["doc_type"], "invoice", "processed by the workers: {found}");
        assert_eq!(found["einvoice"], "zugferd", "{found}");
        let r = c
            .post(format!("{url}/{id}/confirm"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"doc_type": "invoice", "correspondent": "Lieferant GmbH", "date": "2026-11-02", "amount_cents": 11900, "tags": ["Büro"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let confirmed: Value = r.json().await.unwrap();
        assert_eq!(confirmed["status"], "confirmed");
        assert_eq!(confirmed["tags"], serde_json::json!(["büro"]));
        let r: Value = c
            .get(format!("{url}/search?correspondent=lieferant&type=invoice"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["total"], 1, "{r}");
        let r = c.get(format!("{url}/search?type=nonsense")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Employees may not put documents into the company archive.
        let (m, mcsrf) = login(&s, "mitarbeiter").await;
        let r = upload(&m, &mcsrf, &url, "privat.pdf", pdf).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

mod ui {
    use kontor_e2e::demo_on_test_storage;
    use reqwest::{Client, StatusCode};

    fn hidden_csrf(page: &str) -> String {
        let at = page.find("name=\"csrf\" value=\"").expect("form has a CSRF field") + 19;
        page[at..].split('"').next().unwrap().to_string()
    }

    #[tokio::test]
    async fn several_files_are_uploaded_at_once_listed_and_opened() {
        let s = demo_on_test_storage();
        let c = Client::builder().cookie_store(true).build().unwrap();
        let login = c.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
        let r = c
            .post(s.url("/login"))
            .form(&[
                ("username", "buchhaltung"),
                ("password", "kontor-demo"),
                ("csrf", &hidden_csrf(&login)),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.url().path().ends_with("/app"));
        let home = r.text().await.unwrap();
        c.post(s.url("/company"))
            .form(&[
                ("csrf", hidden_csrf(&home).as_str()),
                ("code", "muster"),
                ("back", "/documents"),
            ])
            .send()
            .await
            .unwrap();
        let page = c.get(s.url("/documents")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"document-upload\""), "{page}");
        let csrf = hidden_csrf(&page);
        let pdf = std::fs::read(format!(
            "{}/zugferd-corpus/XML-Rechnung/FX/EN16931_RechnungsUebertragung.pdf",
            super::CORPUS
        ))
        .unwrap();
        let form = || {
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf.clone()).file_name("rechnung.pdf"),
                )
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"Sehr geehrte Damen und Herren".to_vec()).file_name("brief.txt"),
                )
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(Vec::new()).file_name("leer.pdf"),
                )
        };
        let r = c.post(s.url("/documents")).multipart(form()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.text().await.unwrap();
        assert!(body.contains("<strong>rechnung.pdf</strong>: abgelegt"), "{body}");
        assert!(body.contains("<strong>brief.txt</strong>: abgelegt"), "{body}");
        assert!(
            body.contains("leer.pdf</strong>: leer.pdf: die Datei hat 0 Byte"),
            "{body}"
        );
        // The same files again: recognised, not stored twice.
        let body = c
            .post(s.url("/documents"))
            .multipart(form())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("schon im Archiv als „rechnung.pdf“"), "{body}");
        // Listed once each (beside the demo archive).
        assert_eq!(body.matches(">rechnung.pdf</a>").count(), 1, "{body}");
        assert_eq!(body.matches(">brief.txt</a>").count(), 1, "{body}");
        // The document view offers the original, which comes back unaltered.
        let row = body.find(">rechnung.pdf</a>").unwrap();
        let at = body[..row].rfind("data-href=\"/documents/").unwrap() + "data-href=\"".len();
        let link = body[at..].split('"').next().unwrap();
        let view = c.get(s.url(link)).send().await.unwrap().text().await.unwrap();
        assert!(view.contains("id=\"doc-download\""), "{view}");
        let r = c.get(s.url(&format!("{link}/original"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let got = r.bytes().await.unwrap();
        assert_eq!(got[..], pdf[..]);
        // Without the CSRF token nothing is taken.
        let r = c
            .post(s.url("/documents"))
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"),
            ))
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), StatusCode::OK);
    }
}
