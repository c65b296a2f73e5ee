//! `kontor einvoice …`: validate, show and convert e-invoices from the
//! command line, and measure validation throughput. The work is done by the
//! pure `kontor-einvoice` crate; this module finds files, prints and sets
//! the exit code (0 all valid, 1 any invalid, 2 usage errors).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Subcommand, ValueEnum};
use kontor_einvoice::validate::{validate_with, ErrorClass, Options, Report, Severity};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum EinvoiceCommand {
    /// Validate e-invoices (XRechnung UBL/CII, ZUGFeRD/Factur-X PDF or XML) against EN 16931 and, for XRechnung, the CIUS
    #[command(
        after_help = "Exit code: 0 all valid, 1 any invalid, 2 usage error.\n\nExamples:\n  kontor einvoice validate rechnung.xml\n  kontor einvoice validate --format jsonl eingang/ > report.jsonl\n  kontor einvoice validate --xrechnung --lang en invoice.pdf"
    )]
    Validate {
        /// Output: readable text, or one JSON object per file
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Language of the messages in text output
        #[arg(long, value_enum, default_value_t = Lang::De)]
        lang: Lang,
        /// Apply the XRechnung rules even if the invoice does not name XRechnung (BT-24)
        #[arg(long)]
        xrechnung: bool,
        /// Files or directories (searched recursively for .xml and .pdf)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Render an invoice as a readable, printable HTML page (validation result at the top)
    #[command(
        after_help = "Examples:\n  kontor einvoice show rechnung.xml > rechnung.html\n  kontor einvoice show --lang en invoice.pdf > invoice.html"
    )]
    Show {
        /// Invoice file (XML or PDF)
        file: PathBuf,
        /// Language of the page
        #[arg(long, value_enum, default_value_t = Lang::De)]
        lang: Lang,
        /// Apply the XRechnung rules even if the invoice does not name XRechnung (BT-24)
        #[arg(long)]
        xrechnung: bool,
    },
    /// Convert an invoice to XRechnung UBL or CII (the result is validated)
    #[command(
        after_help = "Exit code: 0 written and valid, 1 written but invalid or input unreadable, 2 usage error.\n\nExamples:\n  kontor einvoice convert rechnung.xml --to cii --out rechnung-cii.xml\n  kontor einvoice convert factur-x.pdf --to ubl --out rechnung-ubl.xml"
    )]
    Convert {
        /// Invoice file (XML or PDF)
        file: PathBuf,
        /// Target syntax
        #[arg(long, value_enum)]
        to: Target,
        /// Where to write the result
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Measure validation throughput in one thread (files/s, MB/s)
    #[command(after_help = "Example:\n  kontor einvoice bench ../shared/corpus/einvoice --rounds 5")]
    Bench {
        /// Files or directories (searched recursively for .xml and .pdf)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How often the whole set is validated; the best round counts
        #[arg(long, default_value_t = 5)]
        rounds: u32,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Jsonl,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Target {
    /// XRechnung / EN 16931 UBL 2.1 (Invoice or CreditNote)
    Ubl,
    /// XRechnung / EN 16931 UN/CEFACT CII D16B
    Cii,
    /// ZUGFeRD / Factur-X PDF/A-3b with the CII embedded (profile EN 16931, or XRECHNUNG for XRechnung invoices)
    Zugferd,
}

/// TrueType fonts tried for the visible page of ZUGFeRD PDFs (KONTOR_PDF_FONT first).
const FONT_CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

fn pdf_font() -> anyhow::Result<Vec<u8>> {
    if let Ok(p) = std::env::var("KONTOR_PDF_FONT") {
        return std::fs::read(&p).map_err(|e| anyhow::anyhow!("KONTOR_PDF_FONT={p}: cannot read the font ({e})"));
    }
    FONT_CANDIDATES
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .ok_or_else(|| anyhow::anyhow!("no TrueType font for the PDF page found; install fonts-liberation or set KONTOR_PDF_FONT to a .ttf file"))
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

/// A usage problem (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub fn run(command: EinvoiceCommand, out: &mut dyn Write) -> anyhow::Result<i32> {
    match command {
        EinvoiceCommand::Validate {
            format,
            lang,
            xrechnung,
            paths,
        } => validate_cmd(
            &paths,
            format,
            lang,
            Options {
                force_xrechnung: xrechnung,
            },
            out,
        ),
        EinvoiceCommand::Show { file, lang, xrechnung } => {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: {}: cannot read ({e})", file.display());
                    return Ok(2);
                }
            };
            let lang = match lang {
                Lang::De => kontor_einvoice::render::Lang::De,
                Lang::En => kontor_einvoice::render::Lang::En,
            };
            match kontor_einvoice::render::page(
                &bytes,
                lang,
                Options {
                    force_xrechnung: xrechnung,
                },
            ) {
                Ok(page) => {
                    out.write_all(page.as_bytes())?;
                    Ok(0)
                }
                Err(page) => {
                    out.write_all(page.as_bytes())?;
                    eprintln!("error: {}: not a readable e-invoice", file.display());
                    Ok(1)
                }
            }
        }
        EinvoiceCommand::Convert { file, to, out: target } => convert_cmd(&file, to, &target, out),
        EinvoiceCommand::Bench { paths, rounds } => bench_cmd(&paths, rounds.max(1), out),
    }
}

/// The files named, with directories expanded to their `.xml` and `.pdf`
/// files (sorted, recursively). Each entry keeps the path as given.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| {
            UsageError(format!(
                "{}: cannot read ({e}); give existing files or directories",
                p.display()
            ))
        })?;
        if meta.is_dir() {
            walk(p, &mut files).map_err(|e| UsageError(format!("{}: cannot list ({e})", p.display())))?;
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ext == "xml" || ext == "pdf" {
                out.push(p);
            }
        }
    }
    Ok(())
}

fn validate_cmd(
    paths: &[PathBuf],
    format: OutputFormat,
    lang: Lang,
    options: Options,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let files = match collect(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    if files.is_empty() {
        eprintln!("error: no .xml or .pdf files found in the paths given");
        return Ok(2);
    }
    let mut any_invalid = false;
    let (mut valid, mut invalid) = (0usize, 0usize);
    for f in &files {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {}: cannot read ({e})", f.display());
                return Ok(2);
            }
        };
        let report = validate_with(&bytes, options);
        if report.valid() {
            valid += 1;
        } else {
            invalid += 1;
            any_invalid = true;
        }
        match format {
            OutputFormat::Jsonl => writeln!(out, "{}", jsonl(&f.display().to_string(), &report))?,
            OutputFormat::Text => text(out, &f.display().to_string(), &report, lang)?,
        }
    }
    if format == OutputFormat::Text && files.len() > 1 {
        match lang {
            Lang::De => writeln!(out, "\n{} Dateien: {valid} gültig, {invalid} ungültig", files.len())?,
            Lang::En => writeln!(out, "\n{} files: {valid} valid, {invalid} invalid", files.len())?,
        }
    }
    Ok(i32::from(any_invalid))
}

/// The JSON line of one file, in the documented shape.
pub fn jsonl(file: &str, r: &Report) -> serde_json::Value {
    json!({
        "file": file,
        "syntax": r.syntax.map_or("unknown", |s| s.key()),
        "container": r.container.as_ref().map(|_| "pdf"),
        "container_file": r.container,
        "customization_id": r.customization_id,
        "verdict": if r.valid() { "valid" } else { "invalid" },
        "error_class": r.error_class.map(|c| match c {
            ErrorClass::Format => "format",
            ErrorClass::BusinessRule => "business-rule",
        }),
        "failed_rules": r.failed_rules(),
        "warnings": r.warnings(),
        "findings": r.findings.iter().map(|f| json!({
            "rule": f.rule,
            "severity": match f.severity { Severity::Fatal => "error", Severity::Warning => "warning" },
            "location": f.location,
            "value": f.value,
            "message_de": f.de,
            "message_en": f.en,
        })).collect::<Vec<_>>(),
    })
}

fn text(out: &mut dyn Write, file: &str, r: &Report, lang: Lang) -> std::io::Result<()> {
    let (ok, bad, format_err, rule_err) = match lang {
        Lang::De => ("gültig", "UNGÜLTIG", "Formatfehler", "Verstoß gegen Geschäftsregeln"),
        Lang::En => ("valid", "INVALID", "format error", "business-rule error"),
    };
    let syntax = r.syntax.map_or("unknown", |s| s.key());
    let container = r
        .container
        .as_deref()
        .map(|c| format!(", PDF: {c}"))
        .unwrap_or_default();
    if r.valid() {
        let warn = r.warnings().len();
        let warn_text = match (warn, lang) {
            (0, _) => String::new(),
            (n, Lang::De) => format!(", {n} Warnungen"),
            (n, Lang::En) => format!(", {n} warnings"),
        };
        return writeln!(out, "{ok:<9} {file} ({syntax}{container}{warn_text})");
    }
    let class = match r.error_class {
        Some(ErrorClass::Format) => format_err,
        _ => rule_err,
    };
    writeln!(out, "{bad:<9} {file} ({syntax}{container}; {class})")?;
    for f in r.findings.iter().filter(|f| f.severity == Severity::Fatal) {
        let msg = if lang == Lang::De { &f.de } else { &f.en };
        let value = f.value.as_deref().map(|v| format!(" [{v}]")).unwrap_or_default();
        writeln!(
            out,
            "          {:<22} {msg}{value}\n          {:<22} {}",
            f.rule, "", f.location
        )?;
    }
    Ok(())
}

fn convert_cmd(file: &Path, to: Target, target: &Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: cannot read ({e})", file.display());
            return Ok(2);
        }
    };
    let read = match kontor_einvoice::read::read(&bytes) {
        Ok(r) => r,
        Err(e) => {
            let (de, _) = e.message();
            eprintln!("error: {}: {de}", file.display());
            return Ok(1);
        }
    };
    let inv = read.invoice;
    let written = match to {
        Target::Ubl => kontor_einvoice::write::ubl(&inv),
        Target::Zugferd => {
            let font = pdf_font()?;
            let profile = if inv
                .specification
                .as_deref()
                .is_some_and(kontor_einvoice::validate::is_xrechnung)
            {
                kontor_einvoice::zugferd::Profile::XRechnung
            } else {
                kontor_einvoice::zugferd::Profile::En16931
            };
            let now = time::OffsetDateTime::now_utc();
            let created = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                now.year(),
                u8::from(now.month()),
                now.day(),
                now.hour(),
                now.minute(),
                now.second()
            );
            kontor_einvoice::zugferd::pdf(&inv, profile, kontor_einvoice::render::Lang::De, &font, &created)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
        }
        Target::Cii => {
            if !inv.third_party_payments.is_empty() {
                eprintln!(
                    "warning: Zahlungen Dritter (BG-DEX-09) haben in CII keine Entsprechung und fehlen im Ergebnis / third-party payments (BG-DEX-09) have no CII binding and are left out"
                );
            }
            kontor_einvoice::write::cii(&inv)
        }
    };
    std::fs::write(target, &written).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot write ({e}); check the directory and permissions",
            target.display()
        )
    })?;
    let options = Options {
        force_xrechnung: inv
            .specification
            .as_deref()
            .is_some_and(kontor_einvoice::validate::is_xrechnung),
    };
    let report = validate_with(&written, options);
    text(out, &target.display().to_string(), &report, Lang::De)?;
    Ok(i32::from(!report.valid()))
}

fn bench_cmd(paths: &[PathBuf], rounds: u32, out: &mut dyn Write) -> anyhow::Result<i32> {
    let files = match collect(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let data: Vec<Vec<u8>> = files.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let bytes: usize = data.iter().map(Vec::len).sum();
    let mut best = f64::MAX;
    let mut invalid = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        invalid = 0;
        for d in &data {
            if !kontor_einvoice::validate::validate(d).valid() {
                invalid += 1;
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let n = data.len() as f64;
    writeln!(
        out,
        "{} files, {:.1} MB, {invalid} invalid; best of {rounds} rounds: {:.3} s = {:.0} files/s, {:.1} MB/s (one thread)",
        data.len(),
        bytes as f64 / 1e6,
        best,
        n / best,
        bytes as f64 / 1e6 / best
    )?;
    Ok(0)
}
