//! The audit trail is tamper-evident: `kontor audit verify` passes on an
//! intact trail and names the first broken entry after a row was changed,
//! deleted or reordered directly in the database (SQLite and PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_e2e::run;
use sqlx::{AnyConnection, Connection};

struct Db {
    url: String,
    env: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

fn databases() -> Vec<Db> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    out.push(Db {
        url: format!("sqlite://{}?mode=rw", data.join("kontor.db").display()),
        env: vec![("KONTOR_DATA_DIR", data.display().to_string())],
        _dir: dir,
    });
    if let Some(pg) = kontor_e2e::fresh_postgres_url() {
        let dir = tempfile::tempdir().unwrap();
        out.push(Db {
            url: pg.clone(),
            env: vec![
                ("KONTOR_DATABASE_URL", pg),
                ("KONTOR_DATA_DIR", dir.path().display().to_string()),
            ],
            _dir: dir,
        });
    }
    out
}

fn kontor(db: &Db, args: &[&str]) -> (i32, String) {
    let env: Vec<(&str, &str)> = db.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run(args, &env);
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Fills the trail through ordinary commands: each writes audit entries.
fn fill(db: &Db) {
    for (code, name) in [
        ("nord", "Nord GmbH"),
        ("sued", "Süd KG"),
        ("ost", "Ost AG"),
        ("west", "West OHG"),
    ] {
        let (rc, out) = kontor(db, &["admin", "company", "add", "--code", code, "--name", name]);
        assert_eq!(rc, 0, "{out}");
    }
    let (rc, out) = kontor(
        db,
        &["admin", "user", "add", "--username", "erika", "--name", "Erika Muster"],
    );
    assert_eq!(rc, 0, "{out}");
}

async fn sql(db: &Db, statement: &str) {
    sqlx::any::install_default_drivers();
    let mut c = AnyConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(statement)
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

#[tokio::test]
async fn verify_passes_on_an_intact_trail() {
    for db in databases() {
        fill(&db);
        let (rc, out) = kontor(&db, &["audit", "verify"]);
        assert_eq!(rc, 0, "{out}");
        assert!(out.contains("audit trail intact: 5 entries verified"), "{out}");
    }
}

#[tokio::test]
async fn a_changed_entry_is_named() {
    for db in databases() {
        fill(&db);
        sql(
            &db,
            "UPDATE audit_events SET detail = 'Nord GmbH (geändert)' WHERE seq = 1",
        )
        .await;
        let (rc, out) = kontor(&db, &["audit", "verify"]);
        assert_eq!(rc, 2, "{out}");
        assert!(
            out.contains("BROKEN at entry 1") && out.contains("was changed"),
            "{out}"
        );
    }
}

#[tokio::test]
async fn a_deleted_entry_is_found_at_its_successor() {
    for db in databases() {
        fill(&db);
        sql(&db, "DELETE FROM audit_events WHERE seq = 3").await;
        let (rc, out) = kontor(&db, &["audit", "verify"]);
        assert_eq!(rc, 2, "{out}");
        assert!(out.contains("BROKEN at entry 4") && out.contains("deleted"), "{out}");
    }
}

#[tokio::test]
async fn reordered_entries_are_detected() {
    for db in databases() {
        fill(&db);
        if db.url.starts_with("postgres") {
            // PostgreSQL refuses updates of an identity column; someone with
            // owner rights can still drop the identity first.
            sql(&db, "ALTER TABLE audit_events ALTER COLUMN seq DROP IDENTITY").await;
        }
        // Swap the places of entries 2 and 3.
        sql(&db, "UPDATE audit_events SET seq = 1000 WHERE seq = 2").await;
        sql(&db, "UPDATE audit_events SET seq = 2 WHERE seq = 3").await;
        sql(&db, "UPDATE audit_events SET seq = 3 WHERE seq = 1000").await;
        let (rc, out) = kontor(&db, &["audit", "verify"]);
        assert_eq!(rc, 2, "{out}");
        assert!(out.contains("BROKEN at entry 2"), "{out}");
    }
}

#[tokio::test]
async fn a_deleted_first_entry_is_detected() {
    for db in databases() {
        fill(&db);
        sql(&db, "DELETE FROM audit_events WHERE seq = 1").await;
        let (rc, out) = kontor(&db, &["audit", "verify"]);
        assert_eq!(rc, 2, "deleting the first entry breaks the start of the chain: {out}");
        assert!(out.contains("BROKEN at entry 2"), "{out}");
    }
}

#[tokio::test]
async fn an_export_verifies_on_its_own_and_tampering_with_it_is_found() {
    let db = databases().into_iter().next().unwrap();
    fill(&db);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.json");
    let f = file.to_str().unwrap();
    let (rc, out) = kontor(
        &db,
        &[
            "audit",
            "export",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--out",
            f,
        ],
    );
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("5 audit entries written"), "{out}");
    let (rc, out) = kontor(&db, &["audit", "verify", "--file", f]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("intact: 5 entries verified"), "{out}");
    // The export itself was recorded in the trail.
    let (rc, out) = kontor(&db, &["audit", "verify"]);
    assert_eq!((rc, out.contains("6 entries verified")), (0, true), "{out}");
    // Change one detail in the file: the verification names the entry.
    let text = std::fs::read_to_string(&file).unwrap();
    let tampered = text.replacen("Süd KG", "Sued KG", 1);
    assert_ne!(text, tampered);
    std::fs::write(&file, tampered).unwrap();
    let (rc, out) = kontor(&db, &["audit", "verify", "--file", f]);
    assert_eq!(rc, 2, "{out}");
    assert!(out.contains("BROKEN at entry 2"), "{out}");
    // A bad date is explained.
    let (rc, out) = kontor(
        &db,
        &["audit", "export", "--from", "gestern", "--to", "2100-01-01", "--out", f],
    );
    assert_ne!(rc, 0);
    assert!(out.contains("is not a date"), "{out}");
}
