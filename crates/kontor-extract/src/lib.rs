//! Reads text out of originals with the tools every Linux distribution
//! ships (docs/adr/0013-text-extraction.md): Poppler's `pdftotext` for the
//! text layer of PDFs, `pdftoppm` to render scanned pages, and Tesseract
//! (German and English models) for OCR. Each run gets its own temporary
//! directory and a time limit; a tool that is missing, times out or crashes
//! is reported as [`ExtractError::Unavailable`] (the job retries), a file
//! the tool rejects as [`ExtractError::Unreadable`] (the document fails
//! with the tool's message).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use kontor_app::ports::{ExtractError, ExtractedText, TextExtractor};
use kontor_documents::MediaType;
use tokio::process::Command;

/// Poppler and Tesseract, run as child processes.
#[derive(Clone, Debug)]
pub struct Poppler {
    /// Upper bound for one tool run.
    pub timeout: Duration,
    /// Tesseract language models, e.g. `deu+eng`.
    pub languages: String,
    /// Resolution scanned PDF pages are rendered at for OCR.
    pub dpi: u32,
    /// Scanned PDFs: at most this many pages go through OCR.
    pub max_ocr_pages: u32,
}

impl Default for Poppler {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(120),
            languages: "deu+eng".into(),
            dpi: 300,
            max_ocr_pages: 50,
        }
    }
}

struct Output {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

async fn run(program: &str, args: &[&str], cwd: &Path, timeout: Duration) -> Result<Output, ExtractError> {
    run_with_input(program, args, Some(cwd), None, timeout).await
}

/// Runs `program`, feeding `input` to its standard input when given.
async fn run_with_input(
    program: &str,
    args: &[&str],
    cwd: Option<&Path>,
    input: Option<Bytes>,
    timeout: Duration,
) -> Result<Output, ExtractError> {
    let mut cmd = Command::new(program);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .args(args)
        // One thread per run: the workers already run documents side by side.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            ExtractError::Unavailable(if e.kind() == std::io::ErrorKind::NotFound {
                format!("{program} is not installed (Debian: apt-get install poppler-utils tesseract-ocr tesseract-ocr-deu)")
            } else {
                format!("cannot start {program}: {e}")
            })
        })?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        // Written beside the reading of the output, so neither side blocks.
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let _ = stdin.write_all(&bytes).await;
            let _ = stdin.shutdown().await;
        });
    }
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => Err(ExtractError::Unavailable(format!(
            "{program} did not finish within {} s",
            timeout.as_secs()
        ))),
        Ok(Err(e)) => Err(ExtractError::Unavailable(format!("{program} failed: {e}"))),
        Ok(Ok(out)) => Ok(Output {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }),
    }
}

/// The tool's complaint in one line.
fn complaint(program: &str, out: &Output) -> String {
    let first = out
        .stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message");
    format!("{program}: {first}")
}

fn write_input(dir: &Path, name: &str, content: &[u8]) -> Result<(), ExtractError> {
    std::fs::write(dir.join(name), content)
        .map_err(|e| ExtractError::Unavailable(format!("cannot write a temporary file: {e}")))
}

fn temp_dir() -> Result<tempfile::TempDir, ExtractError> {
    tempfile::Builder::new()
        .prefix("kontor-extract-")
        .tempdir()
        .map_err(|e| ExtractError::Unavailable(format!("cannot create a temporary directory: {e}")))
}

impl Poppler {
    async fn tesseract(&self, dir: &Path, input: &str) -> Result<String, ExtractError> {
        let out = run(
            "tesseract",
            &[input, "stdout", "-l", &self.languages, "--psm", "3"],
            dir,
            self.timeout,
        )
        .await?;
        match out.code {
            Some(0) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            Some(1) => Err(ExtractError::Unreadable(complaint("tesseract", &out))),
            _ => Err(ExtractError::Unavailable(complaint("tesseract", &out))),
        }
    }
}

#[async_trait]
impl TextExtractor for Poppler {
    async fn pdf_text(&self, pdf: Bytes) -> Result<ExtractedText, ExtractError> {
        // The PDF goes through standard input: no temporary file per document.
        let out = run_with_input("pdftotext", &["-enc", "UTF-8", "-", "-"], None, Some(pdf), self.timeout).await?;
        match out.code {
            Some(0) => {
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                // pdftotext ends every page with a form feed.
                let pages = text.matches('\u{c}').count().max(1) as i64;
                Ok(ExtractedText {
                    text: text.replace('\u{c}', "\n"),
                    pages,
                })
            }
            // 1: the file cannot be opened as a PDF; 3: its permissions forbid copying text.
            Some(1 | 3) => Err(ExtractError::Unreadable(complaint("pdftotext", &out))),
            _ => Err(ExtractError::Unavailable(complaint("pdftotext", &out))),
        }
    }

    async fn thumbnail(&self, pdf: Bytes) -> Result<Bytes, ExtractError> {
        let out = run_with_input(
            "pdftoppm",
            &["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", "-"],
            None,
            Some(pdf),
            self.timeout,
        )
        .await?;
        match out.code {
            Some(0) if out.stdout.starts_with(b"\x89PNG") => Ok(Bytes::from(out.stdout)),
            Some(0) => Err(ExtractError::Unreadable(
                "pdftoppm: no picture of the first page".into(),
            )),
            Some(1 | 3) => Err(ExtractError::Unreadable(complaint("pdftoppm", &out))),
            _ => Err(ExtractError::Unavailable(complaint("pdftoppm", &out))),
        }
    }

    async fn ocr(&self, media: MediaType, content: Bytes) -> Result<ExtractedText, ExtractError> {
        let dir = temp_dir()?;
        let input = match media {
            MediaType::Png => "in.png",
            MediaType::Jpeg => "in.jpg",
            MediaType::Tiff => "in.tif",
            MediaType::Pdf => "in.pdf",
            other => {
                return Err(ExtractError::Unreadable(format!(
                    "{} cannot be read by OCR",
                    other.mime()
                )))
            }
        };
        write_input(dir.path(), input, &content)?;
        if media != MediaType::Pdf {
            let text = self.tesseract(dir.path(), input).await?;
            return Ok(ExtractedText { text, pages: 1 });
        }
        let dpi = self.dpi.to_string();
        let last = self.max_ocr_pages.to_string();
        let out = run(
            "pdftoppm",
            &["-r", &dpi, "-gray", "-png", "-l", &last, "in.pdf", "page"],
            dir.path(),
            self.timeout,
        )
        .await?;
        match out.code {
            Some(0) => {}
            Some(1 | 3) => return Err(ExtractError::Unreadable(complaint("pdftoppm", &out))),
            _ => return Err(ExtractError::Unavailable(complaint("pdftoppm", &out))),
        }
        let mut pages: Vec<String> = std::fs::read_dir(dir.path())
            .map_err(|e| ExtractError::Unavailable(format!("cannot list rendered pages: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("page") && n.ends_with(".png"))
            .collect();
        // page-1.png … page-10.png: by number, not by name.
        pages.sort_by_key(|n| {
            n.trim_start_matches("page-")
                .trim_end_matches(".png")
                .parse::<u32>()
                .unwrap_or(u32::MAX)
        });
        if pages.is_empty() {
            return Err(ExtractError::Unreadable("the PDF has no pages".into()));
        }
        let mut text = String::new();
        for p in &pages {
            text.push_str(&self.tesseract(dir.path(), p).await?);
            text.push('\n');
        }
        Ok(ExtractedText {
            text,
            pages: pages.len() as i64,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_broken_pdf_is_unreadable_not_retried() {
        if Command::new("pdftotext").arg("-v").output().await.is_err() {
            eprintln!("pdftotext not installed; skipped");
            return;
        }
        let e = Poppler::default()
            .pdf_text(Bytes::from_static(b"%PDF-1.7\nthis is not a PDF body"))
            .await
            .unwrap_err();
        assert!(matches!(e, ExtractError::Unreadable(_)), "{e:?}");
    }
}
