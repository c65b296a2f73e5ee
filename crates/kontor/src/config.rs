//! Configuration: defaults < `kontor.toml` < `KONTOR_*` environment < flags.
//! Read once at start, validated into [`Config`], passed down; no globals.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Deserialize;

/// Storage options shared by every command that touches data.
#[derive(Args, Debug, Clone, Default)]
pub struct StorageArgs {
    /// Data directory holding the SQLite database and local blobs [default: ./kontor-data]
    #[arg(long, env = "KONTOR_DATA_DIR", value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user:pass@host/db); SQLite in the data directory if unset
    #[arg(long, env = "KONTOR_DATABASE_URL", value_name = "URL", global = true)]
    pub database_url: Option<String>,
    /// Blob store URL (s3://bucket/prefix?endpoint=…, file:///path); DATA_DIR/blobs if unset
    #[arg(long, env = "KONTOR_BLOB_URL", value_name = "URL", global = true)]
    pub blob_url: Option<String>,
    /// Configuration file [default: ./kontor.toml if it exists]
    #[arg(long, env = "KONTOR_CONFIG", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

/// Options only `serve` uses.
#[derive(Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "KONTOR_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Mark cookies Secure (when kontor is served over HTTPS)
    #[arg(long, env = "KONTOR_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Number of background job workers in this process [default: 2]
    #[arg(long, env = "KONTOR_WORKERS", value_name = "N")]
    pub workers: Option<u32>,
    /// SMTP server for invitations (smtps://user:pass@host:465, smtp://host:587?tls=required, smtp://localhost:25)
    #[arg(long, env = "KONTOR_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,
    /// Sender address of kontor's mail, e.g. "kontor <kontor@firma.de>"
    #[arg(long, env = "KONTOR_MAIL_FROM", value_name = "ADDR")]
    pub mail_from: Option<String>,
    /// Address people reach kontor at, for links in mail (e.g. https://kontor.firma.de)
    #[arg(long, env = "KONTOR_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Watched folder: files in DIR/<company code>/ go into that company's archive [default: DATA_DIR/consume]
    #[arg(long, env = "KONTOR_CONSUME_DIR", value_name = "DIR")]
    pub consume_dir: Option<PathBuf>,
    /// Bearer token a metrics scraper sends for /metrics (at least 16 characters); without it, /metrics answers only local, unproxied requests
    #[arg(long, env = "KONTOR_METRICS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

/// `kontor.toml`; every key optional.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub blob_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub workers: Option<u32>,
    pub session_idle_minutes: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub public_url: Option<String>,
    pub consume_dir: Option<PathBuf>,
    pub metrics_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    EnvOrFlag,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "kontor.toml",
            Source::EnvOrFlag => "environment/flag",
        }
    }
}

/// The validated, effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub blob_url: Option<String>,
    pub secure_cookies: bool,
    pub workers: u32,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Mail is sent only when this is set.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub public_url: String,
    /// The watched folder: one subdirectory per company code.
    pub consume_dir: PathBuf,
    /// What a scraper must send as `Authorization: Bearer …` for /metrics.
    pub metrics_token: Option<String>,
    pub config_file: Option<PathBuf>,
    pub sources: Vec<(&'static str, Source)>,
}

fn pick<T>(
    name: &'static str,
    flag: Option<T>,
    file: Option<T>,
    default: T,
    sources: &mut Vec<(&'static str, Source)>,
) -> T {
    match (flag, file) {
        (Some(v), _) => {
            sources.push((name, Source::EnvOrFlag));
            v
        }
        (None, Some(v)) => {
            sources.push((name, Source::File));
            v
        }
        (None, None) => {
            sources.push((name, Source::Default));
            default
        }
    }
}

fn read_file(explicit: Option<&Path>) -> Result<(Option<PathBuf>, FileConfig)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from("kontor.toml");
            if !p.exists() {
                return Ok((None, FileConfig::default()));
            }
            p
        }
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read configuration file {}", path.display()))?;
    let cfg: FileConfig = toml::from_str(&text).with_context(|| {
        format!(
            "configuration file {} is invalid (see README, section Configuration)",
            path.display()
        )
    })?;
    Ok((Some(path), cfg))
}

impl Config {
    pub fn load(storage: &StorageArgs, serve: &ServeArgs) -> Result<Self> {
        let (config_file, file) = read_file(storage.config.as_deref())?;
        let mut sources = Vec::new();
        let listen_s = pick(
            "listen",
            serve.listen.clone(),
            file.listen,
            "127.0.0.1:8080".into(),
            &mut sources,
        );
        let listen: SocketAddr = listen_s.parse().with_context(|| {
            format!("listen address '{listen_s}' is not HOST:PORT with an IP address, e.g. 127.0.0.1:8080")
        })?;
        let data_dir = pick(
            "data_dir",
            storage.data_dir.clone(),
            file.data_dir,
            PathBuf::from("kontor-data"),
            &mut sources,
        );
        let db_flag = storage.database_url.clone().filter(|s| !s.is_empty());
        let default_db = format!("sqlite://{}?mode=rwc", data_dir.join("kontor.db").display());
        let database_url = pick("database_url", db_flag, file.database_url, default_db, &mut sources);
        kontor_store::backend_of(&database_url).map_err(|e| anyhow::anyhow!("{e}"))?;
        let blob_url = pick(
            "blob_url",
            storage.blob_url.clone().filter(|s| !s.is_empty()).map(Some),
            file.blob_url.map(Some),
            None,
            &mut sources,
        );
        if let Some(u) = &blob_url {
            if !(u.starts_with("s3://") || u.starts_with("file://")) {
                bail!("blob URL '{u}' must start with s3:// or file://");
            }
        }
        let secure_cookies = pick(
            "secure_cookies",
            serve.secure_cookies,
            file.secure_cookies,
            false,
            &mut sources,
        );
        let workers = pick("workers", serve.workers, file.workers, 2, &mut sources);
        if workers > 64 {
            bail!("workers = {workers} is too many; use 0 to 64");
        }
        let session_idle_minutes = pick(
            "session_idle_minutes",
            None,
            file.session_idle_minutes,
            60,
            &mut sources,
        );
        let session_absolute_hours = pick(
            "session_absolute_hours",
            None,
            file.session_absolute_hours,
            12,
            &mut sources,
        );
        if !(1..=24 * 60).contains(&session_idle_minutes) {
            bail!("session_idle_minutes must be between 1 and 1440");
        }
        if !(1..=24 * 30).contains(&session_absolute_hours) {
            bail!("session_absolute_hours must be between 1 and 720");
        }
        let smtp_url = pick(
            "smtp_url",
            serve.smtp_url.clone().filter(|s| !s.is_empty()).map(Some),
            file.smtp_url.map(Some),
            None,
            &mut sources,
        );
        if let Some(u) = &smtp_url {
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                bail!("smtp_url must start with smtp:// or smtps://, e.g. smtps://user:pass@mail.example.de:465");
            }
        }
        let mail_from = pick(
            "mail_from",
            serve.mail_from.clone(),
            file.mail_from,
            "kontor <kontor@localhost>".into(),
            &mut sources,
        );
        let public_url = pick(
            "public_url",
            serve.public_url.clone(),
            file.public_url,
            format!("http://{listen}"),
            &mut sources,
        );
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("public_url '{public_url}' must start with http:// or https://");
        }
        let consume_dir = pick(
            "consume_dir",
            serve.consume_dir.clone(),
            file.consume_dir,
            data_dir.join("consume"),
            &mut sources,
        );
        let metrics_token = pick(
            "metrics_token",
            serve.metrics_token.clone().filter(|s| !s.is_empty()).map(Some),
            file.metrics_token.map(Some),
            None,
            &mut sources,
        );
        if metrics_token.as_ref().is_some_and(|t| t.chars().count() < 16) {
            bail!("metrics_token must have at least 16 characters (e.g. from `openssl rand -hex 24`)");
        }
        Ok(Self {
            listen,
            consume_dir,
            metrics_token,
            smtp_url,
            mail_from,
            public_url: public_url.trim_end_matches('/').to_string(),
            data_dir,
            database_url,
            blob_url,
            secure_cookies,
            workers,
            session_idle_minutes,
            session_absolute_hours,
            config_file,
            sources,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    fn source(&self, key: &str) -> &'static str {
        self.sources
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s.label())
            .unwrap_or("default")
    }

    /// The effective configuration as text, secrets masked.
    pub fn show(&self) -> String {
        let mask_env = |name: &str| {
            if std::env::var_os(name).is_some() {
                "(set)"
            } else {
                "(not set)"
            }
        };
        let mut out = String::new();
        out.push_str(&format!(
            "# effective kontor configuration (config file: {})\n",
            self.config_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none".into())
        ));
        let rows: Vec<(&str, String)> = vec![
            ("listen", self.listen.to_string()),
            ("data_dir", self.data_dir.display().to_string()),
            ("database_url", kontor_store::redact_url(&self.database_url)),
            (
                "blob_url",
                self.blob_url
                    .clone()
                    .unwrap_or_else(|| format!("file://{}", self.blob_dir().display())),
            ),
            ("secure_cookies", self.secure_cookies.to_string()),
            ("workers", self.workers.to_string()),
            ("consume_dir", self.consume_dir.display().to_string()),
            ("session_idle_minutes", self.session_idle_minutes.to_string()),
            ("session_absolute_hours", self.session_absolute_hours.to_string()),
            (
                "smtp_url",
                self.smtp_url
                    .as_deref()
                    .map(kontor_store::redact_url)
                    .unwrap_or_else(|| "(not set: invitation links are shown to the admin)".into()),
            ),
            ("mail_from", self.mail_from.clone()),
            ("public_url", self.public_url.clone()),
            (
                "metrics_token",
                if self.metrics_token.is_some() {
                    "(set)".into()
                } else {
                    "(not set: /metrics only for local, unproxied requests)".into()
                },
            ),
        ];
        for (k, v) in rows {
            out.push_str(&format!("{k:<24} = {v:<50} # {}\n", self.source(k)));
        }
        out.push_str(&format!(
            "{:<24} = {:<50} # environment\n",
            "KONTOR_ADMIN_PASSWORD",
            mask_env("KONTOR_ADMIN_PASSWORD")
        ));
        out.push_str(&format!(
            "{:<24} = {:<50} # environment\n",
            "KONTOR_DEMO_PASSWORD",
            mask_env("KONTOR_DEMO_PASSWORD")
        ));
        out.push_str(&format!(
            "{:<24} = {:<50} # environment\n",
            "AWS_SECRET_ACCESS_KEY",
            mask_env("AWS_SECRET_ACCESS_KEY")
        ));
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beat_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kontor.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nworkers = 4\n").unwrap();
        let storage = StorageArgs {
            config: Some(file),
            ..Default::default()
        };
        let c = Config::load(
            &storage,
            &ServeArgs {
                workers: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(c.workers, 1);
        assert_eq!(c.session_idle_minutes, 60);
        assert!(c.show().contains("# kontor.toml"));
    }

    #[test]
    fn bad_values_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kontor.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let storage = StorageArgs {
            config: Some(file),
            ..Default::default()
        };
        let e = Config::load(&storage, &ServeArgs::default()).unwrap_err();
        assert!(format!("{e:#}").contains("unknown field `lisen`"), "{e:#}");
        let e = Config::load(
            &StorageArgs::default(),
            &ServeArgs {
                listen: Some("localhost".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("HOST:PORT"));
    }

    #[test]
    fn secrets_are_masked() {
        let storage = StorageArgs {
            database_url: Some("postgres://kontor:geheim@db/kontor".into()),
            ..Default::default()
        };
        let c = Config::load(&storage, &ServeArgs::default()).unwrap();
        assert!(!c.show().contains("geheim"));
        assert!(c.show().contains("***"));
        let serve = ServeArgs {
            metrics_token: Some("scrape-4f1d9a7c2b8e6d03".into()),
            ..Default::default()
        };
        let c = Config::load(&StorageArgs::default(), &serve).unwrap();
        assert!(!c.show().contains("scrape-4f1d"), "{}", c.show());
        assert!(c.show().contains("metrics_token"));
    }

    #[test]
    fn a_short_metrics_token_is_refused() {
        let serve = ServeArgs {
            metrics_token: Some("short".into()),
            ..Default::default()
        };
        let e = Config::load(&StorageArgs::default(), &serve).unwrap_err();
        assert!(e.to_string().contains("at least 16 characters"), "{e}");
    }
}
