//! Rendering: every readable corpus invoice becomes a self-contained HTML
//! page in German and English with the validation result at the top, the
//! invoice number, every line and the amount due; invoice text is escaped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use kontor_einvoice::read::read;
use kontor_einvoice::render::{esc, html, page, Lang};
use kontor_einvoice::validate::{validate, Options};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

#[test]
fn every_readable_corpus_invoice_renders_in_both_languages() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("the shared corpus beside the clone");
    let mut rendered = 0;
    for row in tsv.lines().skip(1) {
        let c: Vec<&str> = row.split('\t').collect();
        if c[1] == "vefa-testset" {
            continue;
        }
        let bytes = std::fs::read(corpus().join(c[0])).unwrap();
        let Ok(r) = read(&bytes) else { continue };
        let report = validate(&bytes);
        for (lang, banner) in [(Lang::De, "Gültige E-Rechnung"), (Lang::En, "Valid e-invoice")] {
            let page = html(&r.invoice, &report, lang);
            assert!(
                page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"),
                "{}",
                c[0]
            );
            let status = page.find("class=\"status").unwrap();
            assert!(
                status < page.find("<header>").unwrap(),
                "validation result first: {}",
                c[0]
            );
            assert_eq!(report.valid(), page.contains(banner), "{}: banner", c[0]);
            if let Some(n) = &r.invoice.number {
                assert!(page.contains(&esc(n)), "{}: invoice number", c[0]);
            }
            assert!(
                page.matches("<tr><td>").count() >= r.invoice.lines.len(),
                "{}: lines",
                c[0]
            );
            assert!(
                !page.contains("<script") && !page.contains("src=\"http"),
                "{}: self-contained",
                c[0]
            );
        }
        rendered += 1;
    }
    assert!(rendered > 500, "{rendered}");
}

#[test]
fn invoice_text_cannot_inject_markup_and_unreadable_files_get_an_error_page() {
    let bytes = std::fs::read(corpus().join("cen-en16931/ubl/examples/ubl-tc434-example1.xml")).unwrap();
    let mut r = read(&bytes).unwrap();
    r.invoice.seller.name = Some("<script>alert(1)</script> & Co".into());
    let shown = html(&r.invoice, &validate(&bytes), Lang::De);
    assert!(shown.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    assert!(!shown.contains("<script>"));
    let err = page(b"not an invoice", Lang::En, Options::default()).unwrap_err();
    assert!(err.contains("Format error"));
}
