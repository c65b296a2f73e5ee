//! `kontor documents bench`: measures the archive on a fresh, throw-away
//! installation (its own SQLite database and blob directory in a temporary
//! directory, or `--keep DIR`), never on real data.
//!
//! - `ingest`: N generated text PDFs or XRechnung files through the whole
//!   pipeline (store, text, recognition, index) with two workers;
//! - `ocr`: OCR of generated scanned pages (pages per minute, one worker);
//! - `search`: an archive of N generated documents, then queries of the
//!   kinds people type (a sender, an invoice number, a word, a prefix, a
//!   compound part, with a filter), p50/p95/max latency.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use clap::{Subcommand, ValueEnum};
use kontor_app::documents::{SearchParams, Source};
use kontor_app::security::OsRandom;
use kontor_app::{Actor, App, AppSettings};

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Ingest throughput: documents per second through the whole pipeline
    Ingest {
        #[arg(long, value_enum, default_value_t = IngestKind::Pdf)]
        kind: IngestKind,
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Keep the installation in this directory (default: temporary)
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// OCR speed: generated scanned pages per minute (Tesseract deu+eng)
    Ocr {
        #[arg(long, default_value_t = 20)]
        pages: usize,
    },
    /// Search latency on a generated archive
    Search {
        #[arg(long, default_value_t = 100_000)]
        docs: usize,
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        /// Reuse (or keep) the archive in this directory
        #[arg(long)]
        keep: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestKind {
    /// Text PDFs (letters and invoices with a text layer)
    Pdf,
    /// XRechnung UBL files
    Xml,
}

/// A small deterministic generator (xorshift64*): the same archive every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const SENDERS: [&str; 24] = [
    "Bürobedarf Schmidt GmbH",
    "Stadtwerke Musterstadt GmbH",
    "Hausverwaltung Lindner GmbH",
    "Installateur Wagner GmbH",
    "Dachdeckerei Hoffmann GmbH",
    "Netzwerk & Service Berger e.K.",
    "Kunde Nord AG",
    "Spedition Krüger KG",
    "Druckerei Weiß OHG",
    "Elektro Zimmermann GmbH",
    "Kanzlei Recht & Ordnung",
    "Autohaus Becker GmbH",
    "Gebäudereinigung Sauber GmbH",
    "Telekommunikation Nordost AG",
    "Versicherungsmakler Fuchs GmbH",
    "Catering Löffel & Co. KG",
    "Softwarehaus Bits GmbH",
    "Möbelhaus Sitzgut GmbH",
    "Werkzeughandel Schraube KG",
    "Reisebüro Fernweh GmbH",
    "Steuerkanzlei Zahl & Partner",
    "Getränke Quelle GmbH",
    "Sicherheitsdienst Wache GmbH",
    "Messebau Stand GmbH",
];
const SUBJECTS: [&str; 17] = [
    "Rechnung",
    "Lohnabrechnung",
    "Stromrechnung",
    "Gutschrift",
    "Mietvertrag",
    "Wartungsvertrag",
    "Angebot",
    "Mahnung",
    "Auftragsbestätigung",
    "Lieferschein",
    "Kontoauszug",
    "Versicherungspolice",
    "Nebenkostenabrechnung",
    "Reparaturauftrag",
    "Kündigungsbestätigung",
    "Preisanpassung",
    "Rahmenvereinbarung",
];
const WORDS: [&str; 40] = [
    "Kopierpapier",
    "Druckerpatronen",
    "Heizungsanlage",
    "Druckausgleichsbehälter",
    "Dachrinnenreinigung",
    "Arbeitsplatzrechner",
    "Serverwartung",
    "Datensicherung",
    "Büromöbel",
    "Schreibtischleuchte",
    "Lagerregal",
    "Gabelstapler",
    "Fahrzeugversicherung",
    "Haftpflicht",
    "Reinigungsleistung",
    "Glasreinigung",
    "Bewirtungskosten",
    "Getränkelieferung",
    "Messestand",
    "Flugticket",
    "Hotelübernachtung",
    "Softwarelizenz",
    "Telefonanlage",
    "Mobilfunkvertrag",
    "Internetanschluss",
    "Wasserversorgung",
    "Müllabfuhr",
    "Grundsteuer",
    "Winterdienst",
    "Hausmeisterservice",
    "Fensterreparatur",
    "Elektroinstallation",
    "Brandschutzprüfung",
    "Arbeitsschutz",
    "Werkzeugkoffer",
    "Schraubenset",
    "Visitenkarten",
    "Briefpapier",
    "Transportkosten",
    "Verpackungsmaterial",
];

/// A generated document's text: sender, subject, number, date, items, total.
fn text(g: &mut Gen, i: usize) -> (String, Vec<String>) {
    let sender = g.pick(&SENDERS);
    let subject = g.pick(&SUBJECTS);
    let (y, m, d) = (2020 + g.below(7), 1 + g.below(12), 1 + g.below(28));
    let mut lines = vec![
        format!("# {sender}"),
        format!("Musterstraße {}, {:05} Leipzig", 1 + g.below(90), 4000 + g.below(900)),
        "Beispiel Handels GmbH, Lindenweg 5, 04103 Leipzig".into(),
        format!("# {subject}"),
        format!("Belegnummer: RE-{y}-{i:06}"),
        format!("Datum: {d:02}.{m:02}.{y}"),
    ];
    let mut net = 0i64;
    for _ in 0..(3 + g.below(6)) {
        let c = (1 + g.below(90_000)) as i64;
        net += c;
        lines.push(format!("{} {},{:02} EUR", g.pick(&WORDS), c / 100, c % 100));
    }
    let gross = net * 119 / 100;
    lines.push(format!("Rechnungsbetrag {},{:02} EUR", gross / 100, gross % 100));
    lines.push("Sehr geehrte Damen und Herren, vielen Dank für Ihren Auftrag. Mit freundlichen Grüßen".into());
    (format!("{subject}-{i:06}"), lines)
}

struct Bench {
    app: App,
    company: kontor_app::records::CompanyRecord,
    _tmp: Option<tempfile::TempDir>,
    dir: PathBuf,
}

async fn install(keep: Option<&Path>) -> Result<Bench> {
    let (tmp, dir) = match keep {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            (None, d.to_path_buf())
        }
        None => {
            let t = tempfile::Builder::new().prefix("kontor-bench-").tempdir()?;
            let d = t.path().to_path_buf();
            (Some(t), d)
        }
    };
    let store = Arc::new(
        kontor_store::SqlStore::open(&kontor_store::StoreOptions::sqlite_file(&dir.join("kontor.db")))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.join("blobs")).map_err(|e| anyhow::anyhow!("{e}"))?);
    let app = App::new(
        store,
        blobs,
        Arc::new(crate::runtime::SystemClock),
        Arc::new(crate::runtime::V7Ids),
        Arc::new(OsRandom),
        AppSettings::default(),
    )
    .with_extractor(Arc::new(kontor_extract::Poppler::default()));
    let actor = Actor::cli("bench");
    let company = match app.company(&actor, "bench").await {
        Ok(c) => c,
        Err(_) => app
            .add_company(&actor, "bench", "Beispiel Handels GmbH")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    Ok(Bench {
        app,
        company,
        _tmp: tmp,
        dir,
    })
}

/// Runs the queued jobs with `workers` workers until none is left.
async fn drain(app: &App, workers: usize) -> Result<()> {
    let mut tasks = Vec::new();
    for w in 0..workers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.run_due_jobs(&format!("bench-{w}"), usize::MAX).await
        }));
    }
    for t in tasks {
        t.await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

pub async fn run(cmd: BenchCommand, out: &mut dyn Write) -> Result<i32> {
    let actor = Actor::cli("bench");
    match cmd {
        BenchCommand::Ingest { kind, count, keep } => {
            let b = install(keep.as_deref()).await?;
            let mut g = Gen(0x9E37_79B9_7F4A_7C15);
            let template = include_str!("../../kontor-app/demo/xrechnung-buerobedarf.xml");
            let files: Vec<(String, Bytes)> = (0..count)
                .map(|i| match kind {
                    IngestKind::Pdf => {
                        let (name, lines) = text(&mut g, i);
                        let pdf = kontor_pdf::letter(&name, &lines).unwrap_or_default();
                        (format!("{name}.pdf"), Bytes::from(pdf))
                    }
                    IngestKind::Xml => {
                        let xml = template
                            .replace("{NUMBER}", &format!("BS-{i:07}"))
                            .replace("{DATE}", "2026-10-17")
                            .replace("{DUE}", "2026-10-31")
                            .replace("{BUYER_REF}", "04011000-12345-67")
                            .replace("{BUYER_MAIL}", "bench.example")
                            .replace("{BUYER}", "Beispiel Handels GmbH");
                        (format!("xrechnung-{i:07}.xml"), Bytes::from(xml))
                    }
                })
                .collect();
            let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
            let t0 = Instant::now();
            for (name, content) in files {
                b.app
                    .ingest_document(&actor, &b.company, &name, content, Source::Cli)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let stored = t0.elapsed();
            drain(&b.app, 2).await?;
            let total = t0.elapsed();
            let r = b
                .app
                .search_documents(
                    &actor,
                    &b.company,
                    &SearchParams {
                        statuses: vec!["processed".into()],
                        page: 1,
                        per_page: 1,
                        ..SearchParams::default()
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            writeln!(
                out,
                "ingest {kind:?}: {count} documents ({:.1} MB), stored in {:.2} s ({:.0}/s), processed and indexed in {:.2} s in all: {:.0} documents/s end to end; {} processed",
                bytes as f64 / 1e6,
                stored.as_secs_f64(),
                per_sec(count, stored),
                total.as_secs_f64(),
                per_sec(count, total),
                r.total
            )?;
            Ok(if r.total as usize == count { 0 } else { 1 })
        }
        BenchCommand::Ocr { pages } => {
            let b = install(None).await?;
            let mut g = Gen(7);
            let mut scans = Vec::new();
            for i in 0..pages {
                let (name, lines) = text(&mut g, i);
                let pdf = b.dir.join(format!("{name}.pdf"));
                std::fs::write(&pdf, kontor_pdf::letter(&name, &lines).unwrap_or_default())?;
                let png = b.dir.join(&name);
                let st = std::process::Command::new("pdftoppm")
                    .args(["-r", "300", "-gray", "-png", "-singlefile"])
                    .arg(&pdf)
                    .arg(&png)
                    .status()
                    .context("pdftoppm (poppler-utils) renders the scans")?;
                anyhow::ensure!(st.success(), "pdftoppm failed");
                scans.push((
                    format!("{name}.png"),
                    Bytes::from(std::fs::read(png.with_extension("png"))?),
                ));
            }
            for (name, content) in scans {
                b.app
                    .ingest_document(&actor, &b.company, &name, content, Source::Cli)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let t0 = Instant::now();
            drain(&b.app, 1).await?;
            let one = t0.elapsed();
            writeln!(
                out,
                "ocr: {pages} pages (A4, 300 dpi, grey) in {:.1} s with one worker: {:.0} pages/minute",
                one.as_secs_f64(),
                pages as f64 * 60.0 / one.as_secs_f64().max(1e-9)
            )?;
            Ok(0)
        }
        BenchCommand::Search { docs, queries, keep } => {
            let b = install(keep.as_deref()).await?;
            let have = b
                .app
                .search_documents(
                    &actor,
                    &b.company,
                    &SearchParams {
                        page: 1,
                        per_page: 1,
                        ..SearchParams::default()
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .total as usize;
            let mut g = Gen(0xC0FF_EE00_1234_5678);
            if have < docs {
                let t0 = Instant::now();
                for i in have..docs {
                    let (name, lines) = text(&mut g, i);
                    b.app
                        .ingest_document(
                            &actor,
                            &b.company,
                            &format!("{name}.txt"),
                            Bytes::from(lines.join("\n")),
                            Source::Cli,
                        )
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    if i % 1000 == 999 {
                        drain(&b.app, 2).await?;
                    }
                }
                drain(&b.app, 2).await?;
                writeln!(
                    out,
                    "built an archive of {docs} documents in {:.0} s",
                    t0.elapsed().as_secs_f64()
                )?;
            }
            // Each query twice: as the operator (sees everything) and as a
            // bookkeeper, who may not see payslips (rights filter on).
            let bookkeeper = Actor {
                kind: kontor_app::ActorKind::User(kontor_core::UserId::from_uuid(uuid::Uuid::from_u128(1))),
                label: "user:bench-buchhaltung".into(),
                system_admin: false,
                memberships: vec![kontor_app::Membership {
                    company_id: b.company.id,
                    company_code: b.company.code.clone(),
                    company_name: b.company.name.to_string(),
                    role: kontor_core::Role::Buchhaltung,
                    partner: None,
                    custom: None,
                }],
                client_addr: None,
                scope: None,
            };
            for (who, actor) in [("operator", &actor), ("buchhaltung (no payslips)", &bookkeeper)] {
                let mut lat = Vec::with_capacity(queries);
                let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); 6];
                let mut hits = 0i64;
                let mut g = Gen(0x5EA2_C400_0000_0001);
                for q in 0..queries {
                    let p = match q % 6 {
                        0 => SearchParams {
                            text: g.pick(&SENDERS).split(' ').next().unwrap_or("").to_string(),
                            ..Default::default()
                        },
                        1 => SearchParams {
                            text: format!("RE-{}-{:06}", 2020 + g.below(7), g.below(docs)),
                            ..Default::default()
                        },
                        2 => SearchParams {
                            text: g.pick(&WORDS).to_string(),
                            ..Default::default()
                        },
                        3 => SearchParams {
                            text: g.pick(&WORDS).chars().take(4).collect(),
                            ..Default::default()
                        },
                        4 => SearchParams {
                            text: "behälter".into(),
                            ..Default::default()
                        },
                        _ => SearchParams {
                            text: format!("{} {}", g.pick(&SUBJECTS), g.pick(&WORDS)),
                            date_from: Some("2024-01-01".into()),
                            ..Default::default()
                        },
                    };
                    let p = SearchParams {
                        page: 1,
                        per_page: 50,
                        ..p
                    };
                    let t = Instant::now();
                    let r = b
                        .app
                        .search_documents(actor, &b.company, &p)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    lat.push(t.elapsed());
                    by_kind[q % 6].push(t.elapsed());
                    hits += r.total;
                }
                writeln!(out, "as {who}:")?;
                let kinds = [
                    "sender word",
                    "document number",
                    "item word",
                    "4-letter prefix",
                    "compound part",
                    "two words since 2024",
                ];
                for (k, mut v) in by_kind.into_iter().enumerate() {
                    if v.is_empty() {
                        continue;
                    }
                    v.sort();
                    writeln!(
                        out,
                        "  {:<22} p50 {:7.1} ms  max {:7.1} ms",
                        kinds[k],
                        v[v.len() / 2].as_secs_f64() * 1000.0,
                        v[v.len() - 1].as_secs_f64() * 1000.0
                    )?;
                }
                lat.sort();
                let at = |f: f64| lat[((lat.len() as f64 * f) as usize).min(lat.len() - 1)];
                let ms = |d: Duration| d.as_secs_f64() * 1000.0;
                writeln!(
                out,
                "search as {who}: {queries} queries on {docs} documents (page of 50 plus the total count): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; {:.0} hits per query on average",
                ms(at(0.5)),
                ms(at(0.95)),
                ms(lat[lat.len() - 1]),
                hits as f64 / queries as f64
            )?;
            }
            Ok(0)
        }
    }
}
