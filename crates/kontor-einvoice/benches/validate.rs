//! Validation throughput on the shared corpus, one thread: every invoice
//! (XML and PDF) of `../shared/corpus/einvoice` is validated in each round;
//! the best round is reported as files/s and MB/s.
//!
//! `cargo bench -p kontor-einvoice --bench validate`

use std::path::{Path, PathBuf};

/// The allocator of the `kontor` binary, so the figures are those users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("xml" | "pdf")) {
            out.push(p);
        }
    }
}

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice");
    let tsv = std::fs::read_to_string(corpus.join("expected.tsv")).unwrap_or_default();
    // The invoices of the reference table (without the CEN unit test sets).
    let mut paths: Vec<PathBuf> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() > 1 && c[1] != "vefa-testset").then(|| corpus.join(c[0]))
        })
        .collect();
    if paths.is_empty() {
        files(&corpus, &mut paths);
    }
    let all: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let is_pdf = |d: &Vec<u8>| d.starts_with(b"%PDF");
    run("all", &all);
    run(
        "XML only",
        &all.iter().filter(|d| !is_pdf(d)).cloned().collect::<Vec<_>>(),
    );
    run(
        "PDF only",
        &all.iter().filter(|d| is_pdf(d)).cloned().collect::<Vec<_>>(),
    );
}

fn run(label: &str, data: &[Vec<u8>]) {
    let bytes: usize = data.iter().map(Vec::len).sum();
    let rounds = 30;
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let mut invalid = 0usize;
        for d in data {
            if !kontor_einvoice::validate::validate(std::hint::black_box(d)).valid() {
                invalid += 1;
            }
        }
        std::hint::black_box(invalid);
        best = best.min(start.elapsed().as_secs_f64());
    }
    let n = data.len() as f64;
    println!(
        "validate ({label}): {} files, {:.2} MB; best of {rounds} rounds {:.3} s = {:.0} files/s, {:.1} MB/s (one thread)",
        data.len(),
        bytes as f64 / 1e6,
        best,
        n / best,
        bytes as f64 / 1e6 / best
    );
}
