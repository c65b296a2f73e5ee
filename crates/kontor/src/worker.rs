//! Background workers: claim due jobs from the database queue, run them, and
//! record the outcome. Any number of workers in any number of kontor
//! processes can share one queue; the store hands each job to one of them.

use std::sync::Arc;
use std::time::Duration;

use kontor_app::records::{JobOutcome, JobRecord};
use kontor_app::App;
use kontor_http::metrics::JobLabels;
use kontor_http::Metrics;
use tokio_util::sync::CancellationToken;

/// How long a worker may hold a job before others may take it over.
const LEASE_MS: i64 = 5 * 60 * 1000;
const IDLE_POLL: Duration = Duration::from_millis(500);
const MAINTENANCE_EVERY: Duration = Duration::from_secs(300);

pub fn worker_name(n: u32) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{n}", std::process::id())
}

/// Runs until `stop` is cancelled; a job in progress is finished first.
pub async fn run(app: App, metrics: Arc<Metrics>, name: String, stop: CancellationToken) {
    tracing::info!(worker = %name, "job worker started");
    // A job claimed together with the previous one's outcome.
    let mut next: Option<JobRecord> = None;
    // A job already claimed runs even when the stop comes meanwhile.
    while next.is_some() || !stop.is_cancelled() {
        let claimed = match next.take() {
            Some(job) => Ok(Some(job)),
            None => {
                let now = app.now();
                app.store().claim_job(&name, now, now.plus_millis(LEASE_MS)).await
            }
        };
        match claimed {
            Ok(Some(job)) => {
                let started = app.now();
                let result = app.run_job(&job).await;
                let outcome = match &result {
                    Ok(()) => JobOutcome::Done,
                    Err(e) => JobOutcome::Failed {
                        error: e.clone(),
                        retry_at: app.retry_at(&job),
                    },
                };
                let label = if result.is_ok() { "done" } else { "failed" };
                metrics
                    .jobs_processed
                    .get_or_create(&JobLabels {
                        kind: job.kind.clone(),
                        outcome: label.into(),
                    })
                    .inc();
                if let Err(e) = &result {
                    tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
                }
                // Record the outcome and, unless stopping, take the next due
                // job in the same transaction.
                let now = app.now();
                let lease = (!stop.is_cancelled()).then(|| now.plus_millis(LEASE_MS));
                match app
                    .store()
                    .finish_job_and_claim(&job, &name, started, &outcome, now, lease)
                    .await
                {
                    Ok(claimed) => next = claimed,
                    Err(e) => {
                        tracing::error!(job = %job.id, error = %e, "could not record job outcome; the job will be retried after its lease");
                    }
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Err(e) => {
                tracing::warn!(worker = %name, error = %e, "cannot claim jobs; retrying");
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
        }
    }
    tracing::info!(worker = %name, "job worker stopped");
}

/// Keeps periodic maintenance jobs scheduled.
pub async fn maintenance(app: App, stop: CancellationToken) {
    loop {
        if let Err(e) = app.schedule_maintenance().await {
            tracing::warn!(error = %e, "could not schedule maintenance jobs");
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(MAINTENANCE_EVERY) => {}
        }
    }
}
