//! The watched folder: files put into CONSUME_DIR/<company>/ land in the
//! archive exactly once, also when kontor is killed (`kill -9`) in the
//! middle and started again; refused files are set aside with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::time::{Duration, Instant};

use kontor_e2e::{Server, ServerOptions, Storage};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn documents(s: &Server) -> Vec<Value> {
    let c = Client::builder().cookie_store(true).build().unwrap();
    let r = c
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "buchhaltung", "password": "kontor-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = c
        .get(s.url("/api/v1/companies/muster/documents?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

fn visible_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn files_are_taken_exactly_once_even_across_a_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = Storage {
        data_dir: tmp.path().join("data"),
        ..Default::default()
    };
    let start = || {
        Server::start(ServerOptions {
            storage: Some(storage.clone()),
            ..Default::default()
        })
    };
    let mut server = start();
    let inbox = storage.data_dir.join("consume/muster");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::create_dir_all(storage.data_dir.join("consume/gibtsnicht")).unwrap();
    std::fs::write(
        storage.data_dir.join("consume/gibtsnicht/bleibt.txt"),
        b"no such company",
    )
    .unwrap();
    const N: usize = 40;
    for i in 0..N {
        std::fs::write(
            inbox.join(format!("brief-{i:03}.txt")),
            format!("Schreiben Nummer {i}\n").repeat(50),
        )
        .unwrap();
    }
    std::fs::write(inbox.join("kopie.txt"), "Schreiben Nummer 7\n".repeat(50)).unwrap();
    std::fs::write(inbox.join("leer.pdf"), b"").unwrap();
    // Kill kontor as soon as it has taken some of them.
    let deadline = Instant::now() + Duration::from_secs(60);
    while visible_files(&inbox) == N + 2 {
        assert!(
            Instant::now() < deadline,
            "the folder is not read:\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.signal_and_wait("KILL", Duration::from_secs(10));
    // Started again, it finishes the rest.
    let server = start();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let processing = visible_files(&inbox.join(".kontor-processing"));
        if visible_files(&inbox) == 0 && processing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "files left:\n{}", server.log_text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let docs = documents(&server).await;
    // (The demo archive brings one folder document of its own, a scan.)
    let folder: Vec<&Value> = docs
        .iter()
        .filter(|d| d["source"] == "folder" && d["name"].as_str().unwrap().starts_with("brief-"))
        .collect();
    assert_eq!(folder.len(), N, "each content once");
    let mut names: Vec<&str> = folder.iter().map(|d| d["name"].as_str().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), N);
    // The empty file is set aside with its reason; the unknown company's file stays.
    let failed = inbox.join(".kontor-failed");
    assert!(failed.join("leer.pdf").exists());
    let reason = std::fs::read_to_string(failed.join("leer.pdf.reason.txt")).unwrap();
    assert!(reason.contains("0 Byte"), "{reason}");
    assert!(storage.data_dir.join("consume/gibtsnicht/bleibt.txt").exists());
}
