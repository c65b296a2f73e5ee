//! Test harness: runs the real `kontor` binary the way an operator would,
//! on a free loopback port with a temporary data directory, and stops it at
//! the end of the test (also when the test fails).

// A harness fails loudly: a broken test set-up must stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Path of the `kontor` binary built by `cargo test` (override with KONTOR_BIN).
pub fn kontor_bin() -> PathBuf {
    if let Ok(p) = std::env::var("KONTOR_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("debug").join("kontor")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18080)
}

/// Where a test server keeps its data.
#[derive(Clone, Debug, Default)]
pub struct Storage {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub blob_url: Option<String>,
}

impl Storage {
    pub fn args(&self) -> Vec<String> {
        let mut a = vec!["--data-dir".to_string(), self.data_dir.display().to_string()];
        if let Some(u) = &self.database_url {
            a.extend(["--database-url".to_string(), u.clone()]);
        }
        if let Some(u) = &self.blob_url {
            a.extend(["--blob-url".to_string(), u.clone()]);
        }
        a
    }
}

/// Runs `kontor ARGS` to completion with a clean environment for KONTOR_*.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(kontor_bin());
    cmd.args(args);
    clean_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", kontor_bin().display()))
}

fn clean_env(cmd: &mut Command) {
    for (k, _) in std::env::vars() {
        if k.starts_with("KONTOR_") && k != "KONTOR_BIN" {
            cmd.env_remove(k);
        }
    }
    cmd.env("KONTOR_LOG", "warn,kontor=info");
}

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub storage: Storage,
    log: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

pub struct ServerOptions {
    pub storage: Option<Storage>,
    pub demo: bool,
    pub workers: u32,
    pub env: Vec<(String, String)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            storage: None,
            demo: true,
            workers: 2,
            env: vec![],
        }
    }
}

impl Server {
    /// A demo server on SQLite in a fresh temporary directory.
    pub fn demo() -> Self {
        Self::start(ServerOptions::default())
    }

    pub fn start(opts: ServerOptions) -> Self {
        let (tmp, storage) = match opts.storage {
            Some(s) => (None, s),
            None => {
                let t = tempfile::tempdir().expect("tempdir");
                let s = Storage {
                    data_dir: t.path().join("data"),
                    ..Default::default()
                };
                (Some(t), s)
            }
        };
        std::fs::create_dir_all(&storage.data_dir).expect("data dir");
        let port = free_port();
        let log = storage.data_dir.join(format!("serve-{port}.log"));
        let logfile = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(kontor_bin());
        cmd.arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--workers", &opts.workers.to_string()]);
        cmd.args(storage.args());
        if opts.demo {
            cmd.arg("--demo");
        }
        clean_env(&mut cmd);
        cmd.env("KONTOR_ADMIN_PASSWORD", "initial-admin-password");
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        cmd.stdout(logfile.try_clone().expect("log"))
            .stderr(logfile)
            .stdin(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", kontor_bin().display()));
        let mut server = Server {
            child: Some(child),
            port,
            storage,
            log,
            _tmp: tmp,
        };
        server.wait_ready(Duration::from_secs(60));
        server
    }

    fn wait_ready(&mut self, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!(
                        "kontor serve exited with {status} before it was ready:\n{}",
                        self.log_text()
                    );
                }
            }
            if get_status(self.port, "/healthz") == Some(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("kontor serve was not ready after {limit:?}:\n{}", self.log_text());
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends `signal` (e.g. "KILL", "TERM") and waits for the process to end.
    pub fn signal_and_wait(&mut self, signal: &str, limit: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(st)) = child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().ok()
    }

    /// Keeps the data directory after the server is gone.
    pub fn into_storage(mut self) -> (Storage, Option<tempfile::TempDir>) {
        self.signal_and_wait("TERM", Duration::from_secs(30));
        (self.storage.clone(), self._tmp.take())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A minimal HTTP GET returning the status, without a client library.
pub fn get_status(port: u16, path: &str) -> Option<u16> {
    use std::io::Write;
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

/// A fresh PostgreSQL database on the server KONTOR_TEST_DATABASE_URL names,
/// created with psql; None when that variable is unset. PostgreSQL refuses
/// CREATE DATABASE while another session still uses the template database
/// (tests running in parallel create theirs at the same moment), so a
/// refusal is retried a few times before the test fails with its message.
pub fn fresh_postgres_url() -> Option<String> {
    let base = std::env::var("KONTOR_TEST_DATABASE_URL").ok()?;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("kontor_e2e_{}_{serial}_{}", std::process::id(), free_port());
    let mut attempt = 0;
    loop {
        let out = Command::new("psql")
            .args([&base, "-q", "-c", &format!("CREATE DATABASE {name}")])
            .output()
            .expect("run psql");
        if out.status.success() {
            break;
        }
        attempt += 1;
        assert!(
            attempt < 8,
            "cannot create database {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(100 * attempt));
    }
    let (prefix, _) = base.rsplit_once('/').expect("database URL with a path");
    Some(format!("{prefix}/{name}"))
}

/// Storage for API tests: PostgreSQL and S3 when the test environment names
/// them (KONTOR_TEST_DATABASE_URL, KONTOR_TEST_BLOB_URL), else SQLite and
/// local blobs in `dir`.
pub fn test_storage(dir: &Path) -> Storage {
    let blob_url = std::env::var("KONTOR_TEST_BLOB_URL").ok().map(|base| {
        let (head, query) = base.split_once('?').unwrap_or((&base, ""));
        let prefix = format!("t{}-{}", std::process::id(), free_port());
        format!("{}/{prefix}?{query}", head.trim_end_matches('/'))
    });
    Storage {
        data_dir: dir.to_path_buf(),
        database_url: fresh_postgres_url(),
        blob_url,
    }
}

/// Starts a demo server on [`test_storage`].
pub fn demo_on_test_storage() -> Server {
    let tmp = tempfile::tempdir().expect("tempdir");
    let storage = test_storage(&tmp.path().join("data"));
    let mut s = Server::start(ServerOptions {
        storage: Some(storage),
        ..Default::default()
    });
    s._tmp = Some(tmp);
    s
}
