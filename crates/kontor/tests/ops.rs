//! Operations: the CLI, backup and restore, crash safety, graceful shutdown,
//! and the shared job queue of several `kontor serve` processes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::Duration;

use kontor_e2e::{run, Server, ServerOptions, Storage};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Row};

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "command failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn data_dir_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![("KONTOR_DATA_DIR", dir.display().to_string())]
}

fn envs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

async fn login(s: &Server, user: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
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

#[test]
fn every_subcommand_has_help_with_an_example_and_version_works() {
    let v = ok(&run(&["--version"], &[]));
    assert!(v.starts_with("kontor "), "{v}");
    for cmd in [
        vec!["serve"],
        vec!["migrate"],
        vec!["admin", "user", "add"],
        vec!["admin", "user", "reset-password"],
        vec!["admin", "user", "list"],
        vec!["admin", "user", "grant"],
        vec!["admin", "company", "add"],
        vec!["admin", "company", "list"],
        vec!["admin", "check"],
        vec!["admin", "jobs", "probe"],
        vec!["backup"],
        vec!["restore"],
        vec!["config", "show"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let out = ok(&run(&args, &[]));
        assert!(out.contains("Example"), "{cmd:?} --help has an example:\n{out}");
        for opt in ["--data-dir", "--database-url", "--blob-url"] {
            assert!(out.contains(opt), "{cmd:?} takes {opt}:\n{out}");
        }
    }
}

#[test]
fn cli_administers_users_and_companies_and_checks_integrity() {
    let tmp = tempfile::tempdir().unwrap();
    let env = data_dir_env(&tmp.path().join("data"));
    let e = envs(&env);
    let out = ok(&run(&["migrate"], &e));
    assert!(out.contains("platform") && out.contains("applied"), "{out}");
    ok(&run(
        &["admin", "company", "add", "--code", "Nord-1", "--name", "Nord GmbH"],
        &e,
    ));
    let list = ok(&run(&["admin", "company", "list"], &e));
    assert!(list.contains("nord-1") && list.contains("Nord GmbH"), "{list}");
    let out = ok(&run(
        &["admin", "user", "add", "--username", "erika", "--name", "Erika Muster"],
        &e,
    ));
    assert!(out.contains("password (shown once): "), "{out}");
    ok(&run(
        &[
            "admin",
            "user",
            "grant",
            "--username",
            "erika",
            "--company",
            "nord-1",
            "--role",
            "buchhaltung",
        ],
        &e,
    ));
    let users = ok(&run(&["admin", "user", "list"], &e));
    assert!(
        users.contains("erika") && users.contains("nord-1:buchhaltung"),
        "{users}"
    );
    let bad = run(
        &[
            "admin",
            "user",
            "grant",
            "--username",
            "erika",
            "--company",
            "nord-1",
            "--role",
            "chef",
        ],
        &e,
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a role"),
        "clear error"
    );
    let dup = run(&["admin", "company", "add", "--code", "nord-1", "--name", "X"], &e);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    assert!(ok(&run(&["admin", "check"], &e)).contains("integrity check passed"));
}

#[test]
fn config_show_reports_sources_and_masks_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("kontor.toml");
    std::fs::write(&cfg, "workers = 3\n").unwrap();
    let out = ok(&run(
        &[
            "config",
            "show",
            "--config",
            cfg.to_str().unwrap(),
            "--listen",
            "127.0.0.1:9999",
        ],
        &[
            (
                "KONTOR_DATABASE_URL",
                "postgres://kontor:streng-geheim@db.example/kontor",
            ),
            ("KONTOR_ADMIN_PASSWORD", "x"),
        ],
    ));
    assert!(!out.contains("streng-geheim"), "{out}");
    assert!(out.contains("postgres://kontor:***@db.example/kontor"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("workers") && l.contains("# kontor.toml")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("listen") && l.contains("127.0.0.1:9999") && l.contains("environment/flag")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("KONTOR_ADMIN_PASSWORD") && l.contains("(set)")),
        "{out}"
    );
    let bad = run(&["config", "show", "--listen", "nowhere"], &[]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("HOST:PORT"));
}

/// Every table of an SQLite database, as sorted text rows.
async fn dump_sqlite(path: &std::path::Path) -> Vec<String> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    let mut out = Vec::new();
    for t in tables {
        if t == "sessions" {
            continue; // sessions are included too, but compared separately below
        }
        let rows = sqlx::query(&format!("SELECT * FROM {t}"))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<Option<String>, _>(i)
                            .map(|v| v.unwrap_or_else(|| "NULL".into()))
                            .or_else(|_| {
                                r.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|n| n.to_string()).unwrap_or_else(|| "NULL".into()))
                            })
                            .unwrap_or_else(|_| "?".into())
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        lines.sort();
        out.push(format!("## {t} ({} rows)", lines.len()));
        out.extend(lines);
    }
    out
}

#[tokio::test]
async fn backup_while_running_then_restore_gives_identical_data() {
    let server = Server::demo();
    let (c, csrf) = login(&server, "buchhaltung").await;
    for i in 0..20 {
        let r = c
            .post(server.url("/api/v1/companies/muster/partners"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": format!("Lieferant {i}"), "kind": "supplier", "city": "Köln"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // Blobs: originals are stored by later modules; put two directly.
    let blob_dir = server.storage.data_dir.join("blobs");
    let blobs = kontor_blob::ObjectBlobStore::local(&blob_dir).unwrap();
    use kontor_app::ports::BlobStore;
    blobs
        .put(bytes::Bytes::from_static(b"%PDF-1.7 Rechnung"))
        .await
        .unwrap();
    blobs.put(bytes::Bytes::from(vec![7u8; 100_000])).await.unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("backup.tar.gz");
    let env = data_dir_env(&server.storage.data_dir);
    let out = ok(&run(&["backup", "--out", archive.to_str().unwrap()], &envs(&env)));
    // The two above plus the demo archive's originals.
    let blobs_in_backup: usize = out
        .split(" blobs")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(blobs_in_backup >= 2 + 20, "{out}");
    // The server keeps working during and after the backup.
    assert_eq!(
        c.get(server.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let original = server.storage.data_dir.join("kontor.db");
    let before = dump_sqlite(&original).await;

    let restored_dir = tmp.path().join("restored");
    // The master key is kept apart from backups; an operator restores it from its own safe place.
    std::fs::create_dir_all(&restored_dir).unwrap();
    std::fs::copy(
        server.storage.data_dir.join("master.key"),
        restored_dir.join("master.key"),
    )
    .unwrap();
    let out = ok(&run(
        &[
            "restore",
            archive.to_str().unwrap(),
            "--data-dir",
            restored_dir.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(out.contains("integrity: ok"), "{out}");
    let after = dump_sqlite(&restored_dir.join("kontor.db")).await;
    assert_eq!(before, after, "restored tables equal the original");
    assert!(before.iter().any(|l| l.contains("Lieferant 19")));
    let restored_blobs = kontor_blob::ObjectBlobStore::local(&restored_dir.join("blobs")).unwrap();
    assert_eq!(restored_blobs.list().await.unwrap(), blobs.list().await.unwrap());

    // The restored installation serves the same data.
    let restored = Server::start(ServerOptions {
        storage: Some(Storage {
            data_dir: restored_dir.clone(),
            ..Default::default()
        }),
        demo: false,
        ..Default::default()
    });
    let (c2, _) = login(&restored, "buchhaltung").await;
    let page: Value = c2
        .get(restored.url("/api/v1/companies/muster/partners?limit=200"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 23);

    // Restore refuses to overwrite, and rejects a damaged archive.
    let again = run(
        &[
            "restore",
            archive.to_str().unwrap(),
            "--data-dir",
            restored_dir.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty data directory"));
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes.truncate(mid);
    let broken = tmp.path().join("broken.tar.gz");
    std::fs::write(&broken, bytes).unwrap();
    let out = run(
        &[
            "restore",
            broken.to_str().unwrap(),
            "--data-dir",
            tmp.path().join("r2").to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        !tmp.path().join("r2/kontor.db").exists(),
        "nothing written from a damaged archive"
    );
}

/// `kill -9` in the middle of a stream of writes: the data directory opens,
/// `kontor admin check` passes, and every acknowledged write is there.
#[tokio::test]
async fn kill_9_during_writes_leaves_a_consistent_database() {
    let mut server = Server::demo();
    let (c, csrf) = login(&server, "buchhaltung").await;
    let url = server.url("/api/v1/companies/muster/partners");
    let mut writers = Vec::new();
    for w in 0..4 {
        let (c, csrf, url) = (c.clone(), csrf.clone(), url.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..10_000 {
                let r = c
                    .post(&url)
                    .header("x-csrf-token", &csrf)
                    .json(&json!({"name": format!("W{w}-{i}"), "kind": "customer"}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == StatusCode::CREATED => acknowledged.push(format!("W{w}-{i}")),
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = server.signal_and_wait("KILL", Duration::from_secs(10));
    assert!(status.is_some_and(|s| !s.success()), "server was killed");
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(acknowledged.len() > 10, "writes were in flight: {}", acknowledged.len());
    let env = data_dir_env(&server.storage.data_dir);
    let out = ok(&run(&["admin", "check"], &envs(&env)));
    assert!(out.contains("integrity check passed"), "{out}");

    let restarted = Server::start(ServerOptions {
        storage: Some(server.storage.clone()),
        ..Default::default()
    });
    let (c, _) = login(&restarted, "buchhaltung").await;
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut u = restarted.url("/api/v1/companies/muster/partners?limit=200");
        if let Some(cur) = &cursor {
            u.push_str(&format!("&cursor={cur}"));
        }
        let page: Value = c.get(&u).send().await.unwrap().json().await.unwrap();
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    for a in &acknowledged {
        assert!(names.contains(a), "acknowledged write {a} survived the crash");
    }
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let mut server = Server::demo();
    let status = server.signal_and_wait("TERM", Duration::from_secs(35)).unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(server.log_text().contains("kontor stopped"), "{}", server.log_text());
}

/// Two `kontor serve` processes on one PostgreSQL database: every job runs
/// exactly once, and both processes do work.
#[tokio::test]
async fn two_servers_share_the_job_queue_and_run_each_job_exactly_once() {
    let Some(url) = kontor_e2e::fresh_postgres_url() else {
        assert!(
            std::env::var("KONTOR_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "CI must provide PostgreSQL"
        );
        eprintln!("skipped: KONTOR_TEST_DATABASE_URL not set");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let storage = |n: &str| Storage {
        data_dir: tmp.path().join(n),
        database_url: Some(url.clone()),
        blob_url: None,
    };
    // Instances sharing a database share its master key file.
    let key = tmp.path().join("master.key").to_str().unwrap().to_string();
    let env = vec![("KONTOR_MASTER_KEY_FILE".to_string(), key.clone())];
    let a = Server::start(ServerOptions {
        storage: Some(storage("a")),
        workers: 3,
        env: env.clone(),
        ..Default::default()
    });
    let b = Server::start(ServerOptions {
        storage: Some(storage("b")),
        workers: 3,
        demo: false,
        env,
    });
    let expected: std::collections::HashSet<String> =
        [a.pid().unwrap().to_string(), b.pid().unwrap().to_string()].into();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    // A busy worker takes its next job as it records the last one, while an
    // idle one looks every 500 ms: one process may well run a whole round of
    // quick probes alone. Rounds go on until both have taken work (each
    // round must still run every job exactly once).
    let mut workers: Vec<String> = Vec::new();
    let mut pids = std::collections::HashSet::new();
    for round in 1..=5_i64 {
        let out = ok(&run(
            &["admin", "jobs", "probe", "--count", "400", "--wait"],
            &[
                ("KONTOR_DATABASE_URL", &url),
                ("KONTOR_DATA_DIR", tmp.path().join("c").to_str().unwrap()),
                ("KONTOR_MASTER_KEY_FILE", &key),
            ],
        ));
        assert!(out.contains("all probes ran"), "{out}");
        let dupes: i64 =
            sqlx::query("SELECT COUNT(*) FROM (SELECT job_id FROM job_runs GROUP BY job_id HAVING COUNT(*) <> 1) d")
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get(0);
        assert_eq!(dupes, 0, "a job ran more than once");
        let probes: i64 = sqlx::query("SELECT COUNT(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'diagnostics.probe' AND r.outcome = 'done'")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(probes, 400 * round);
        workers = sqlx::query("SELECT DISTINCT worker FROM job_runs")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        pids = workers
            .iter()
            .filter_map(|w| w.rsplit('-').nth(1).map(str::to_string))
            .collect();
        if pids == expected {
            break;
        }
    }
    assert_eq!(pids, expected, "both processes ran jobs: {workers:?}");
}
