//! `kontor workflow`: the process event log as OCEL 2.0, the timers
//! (reminders, escalations, digest) on demand, and the benchmark of the
//! incoming-invoice process on a throw-away installation.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use clap::Subcommand;
use kontor_app::documents::Source;
use kontor_app::ocel::percentile;
use kontor_app::records::instance_state;
use kontor_app::security::OsRandom;
use kontor_app::{Actor, App, AppSettings};
use kontor_core::PartnerInput;
use kontor_workflow::AutomationLevel;

#[derive(Subcommand, Debug)]
pub enum WorkflowCommand {
    /// Write a company's process event log as OCEL 2.0 JSON
    Ocel {
        #[arg(long)]
        company: String,
        #[arg(long, default_value = "incoming_invoice")]
        process: String,
        /// File to write (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run reminders, escalations and the daily digest now (servers do it every 5 minutes)
    Timers,
    /// Benchmark: N generated XRechnung invoices through the incoming-invoice
    /// process (auto-approval for small amounts) on a throw-away installation
    #[command(
        after_help = "Examples:\n  kontor workflow bench --invoices 10000\n  kontor workflow bench --invoices 10000 --database postgres://kontor@localhost/kontor_bench"
    )]
    Bench {
        #[arg(long, default_value_t = 10_000)]
        invoices: usize,
        /// An empty PostgreSQL database to use (default: SQLite in a temporary directory)
        #[arg(long)]
        database: Option<String>,
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Arrivals per second (default: as fast as they can be stored)
        #[arg(long)]
        rate: Option<u32>,
    },
}

pub async fn run(app: &App, actor: &Actor, cmd: WorkflowCommand, out: &mut dyn Write) -> Result<i32> {
    match cmd {
        WorkflowCommand::Ocel {
            company,
            process,
            out: file,
        } => {
            let c = app.company(actor, &company).await.map_err(|e| anyhow!("{e}"))?;
            let v = app
                .export_ocel(actor, &c, Some(&process))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let text = serde_json::to_string_pretty(&v)?;
            match file {
                Some(f) => std::fs::write(&f, text).with_context(|| format!("writing {}", f.display()))?,
                None => writeln!(out, "{text}")?,
            }
            Ok(0)
        }
        WorkflowCommand::Timers => {
            let (reminded, escalated, mailed) = app.run_workflow_timers().await.map_err(|e| anyhow!("{e}"))?;
            writeln!(out, "{reminded} reminded, {escalated} escalated, {mailed} digests")?;
            Ok(0)
        }
        WorkflowCommand::Bench { .. } => Err(anyhow!("the benchmark runs on its own installation")),
    }
}

/// `kontor workflow bench`.
pub async fn bench(cmd: WorkflowCommand, out: &mut dyn Write) -> Result<i32> {
    let WorkflowCommand::Bench {
        invoices,
        database,
        workers,
        rate,
    } = cmd
    else {
        return Err(anyhow!("not a benchmark"));
    };
    let tmp = tempfile::Builder::new().prefix("kontor-wfbench-").tempdir()?;
    let url = database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", tmp.path().join("kontor.db").display()));
    let mut opts = kontor_store::StoreOptions::new(url);
    opts.max_connections = opts.max_connections.max(u32::try_from(workers).unwrap_or(2) + 2);
    let store = Arc::new(kontor_store::SqlStore::open(&opts).await.map_err(|e| anyhow!("{e}"))?);
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&tmp.path().join("blobs")).map_err(|e| anyhow!("{e}"))?);
    let app = App::new(
        store,
        blobs,
        Arc::new(crate::runtime::SystemClock),
        Arc::new(crate::runtime::V7Ids),
        Arc::new(OsRandom),
        AppSettings::default(),
    );
    let actor = Actor::cli("bench");
    let company = app
        .add_company(&actor, "wfbench", "Beispiel Handels GmbH")
        .await
        .map_err(|e| anyhow!("{e} (the benchmark needs an empty database)"))?;
    app.create_partner(
        &actor,
        &company,
        &PartnerInput {
            name: "Bürobedarf Schmidt GmbH",
            kind: "supplier",
            vat_id: Some("DE136695976"),
            iban: Some("DE89370400440532013000"),
            country: Some("DE"),
            account: Some("70001"),
            ..PartnerInput::default()
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    // The rules of a company that trusts kontor with small invoices.
    let mut def = app
        .process_view(&actor, &company, "incoming_invoice")
        .await
        .map_err(|e| anyhow!("{e}"))?
        .def;
    def.params.auto_approve_max_cents = Some(100_000);
    if let Some(s) = def.steps.iter_mut().find(|s| s.key == "propose_booking") {
        s.level = AutomationLevel::Auto;
    }
    app.update_process(&actor, &company, def)
        .await
        .map_err(|e| anyhow!("{e}"))?;

    let template = include_str!("../../kontor-app/demo/xrechnung-buerobedarf.xml");
    let files: Vec<(String, Bytes)> = (0..invoices)
        .map(|i| {
            // One invoice a day back from 2026: the same amount on the same
            // day would be a duplicate.
            let date = kontor_ledger::date::Date::from_days(
                kontor_ledger::date::Date::new(2026, 12, 31).map_or(0, |d| d.days()) - i32::try_from(i).unwrap_or(0),
            );
            let xml = template
                .replace("{NUMBER}", &format!("BS-{i:07}"))
                .replace("{DATE}", &date.to_string())
                .replace("{DUE}", "2026-12-31")
                .replace("{BUYER_REF}", "04011000-12345-67")
                .replace("{BUYER_MAIL}", "bench.example")
                .replace("{BUYER}", "Beispiel Handels GmbH");
            (format!("xrechnung-{i:07}.xml"), Bytes::from(xml))
        })
        .collect();

    let arriving = Arc::new(AtomicBool::new(true));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers.max(1) {
        let app = app.clone();
        let arriving = arriving.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let still = arriving.load(Ordering::SeqCst);
                let n = app.run_due_jobs(&format!("bench-{w}"), 1_000).await?;
                if n == 0 {
                    if !still {
                        return Ok::<(), kontor_app::AppError>(());
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        }));
    }
    for (i, (name, content)) in files.into_iter().enumerate() {
        if let Some(r) = rate {
            let due = Duration::from_secs_f64(i as f64 / f64::from(r.max(1)));
            if let Some(wait) = due.checked_sub(t0.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        app.ingest_document(&actor, &company, &name, content, Source::Cli)
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    let stored = t0.elapsed();
    arriving.store(false, Ordering::SeqCst);
    for t in tasks {
        t.await?.map_err(|e| anyhow!("{e}"))?;
    }
    let total = t0.elapsed();

    let instances = app
        .process_instances(&actor, &company, None, 1_000_000)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let mut latencies = Vec::with_capacity(instances.len());
    let mut done = 0;
    for i in &instances {
        if i.state == instance_state::DONE && i.step == "done" {
            done += 1;
            let d = app
                .visible_document(&actor, &company, &i.subject)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if let Some(end) = i.data.ended_at {
                latencies.push(end - d.created_at.millis());
            }
        }
    }
    latencies.sort_unstable();
    let mut states: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for i in &instances {
        *states.entry(format!("{}/{}", i.state, i.step)).or_default() += 1;
    }
    if done < invoices {
        let jobs = app.job_counts(&actor).await.map_err(|e| anyhow!("{e}"))?;
        writeln!(out, "not all booked: instances {states:?}; jobs {jobs:?}")?;
    }
    let backend = if database.is_some() { "PostgreSQL" } else { "SQLite" };
    writeln!(
        out,
        "workflow {backend}: {invoices} XRechnung invoices, {done} booked without a person; arrivals stored in {:.2} s; \
         all booked after {:.2} s: {:.0} invoices/s end to end ({workers} workers); arrival to booking p50 {} ms, p95 {} ms, max {} ms",
        stored.as_secs_f64(),
        total.as_secs_f64(),
        invoices as f64 / total.as_secs_f64().max(1e-9),
        percentile(&latencies, 50),
        percentile(&latencies, 95),
        latencies.last().copied().unwrap_or(0),
    )?;
    Ok(if done == invoices { 0 } else { 1 })
}
