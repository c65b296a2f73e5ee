//! Test databases: a fresh SQLite file always, and a fresh PostgreSQL
//! database per test when KONTOR_TEST_DATABASE_URL names a server.

use kontor_store::{SqlStore, StoreOptions};
use sqlx::Connection;

pub struct TestDb {
    pub store: SqlStore,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
}

pub async fn fresh_postgres(base: &str) -> String {
    let name = format!("kontor_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::postgres::PgConnection::connect(base)
        .await
        .expect("connect to KONTOR_TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(base).expect("postgres url");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// One store per configured backend, each empty and migrated.
pub async fn stores() -> Vec<TestDb> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqlStore::open(&StoreOptions::sqlite_file(&dir.path().join("kontor.db")))
        .await
        .expect("open sqlite");
    out.push(TestDb {
        store,
        label: "sqlite",
        _dir: Some(dir),
    });
    if let Ok(base) = std::env::var("KONTOR_TEST_DATABASE_URL") {
        let url = fresh_postgres(&base).await;
        let store = SqlStore::open(&StoreOptions::new(url)).await.expect("open postgres");
        out.push(TestDb {
            store,
            label: "postgres",
            _dir: None,
        });
    }
    out
}
