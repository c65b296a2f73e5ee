//! Every PDF of the shared e-invoice corpus yields the embedded invoice XML
//! the reference names (`expected.tsv`, column `container`), and hostile or
//! broken PDFs give an error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use kontor_einvoice::pdf::{invoice_xml, PdfError};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

#[test]
fn every_corpus_pdf_yields_the_embedded_xml_the_reference_names() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("the shared corpus beside the clone");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if !cols[0].ends_with(".pdf") {
            continue;
        }
        let bytes = std::fs::read(corpus().join(cols[0])).unwrap();
        let container = cols.get(8).copied().unwrap_or("");
        match (container.strip_prefix("pdf:"), invoice_xml(&bytes)) {
            (Some(name), Ok(a)) => {
                assert!(
                    a.name.eq_ignore_ascii_case(name),
                    "{}: got {}, expected {name}",
                    cols[0],
                    a.name
                );
                assert!(
                    kontor_einvoice::xml::parse(&a.content, Default::default()).is_ok(),
                    "{}: embedded XML does not parse",
                    cols[0]
                );
            }
            // The reference's PDF-NO-INVOICE-XML: no invoice found, or no readable PDF at all.
            (None, Err(PdfError::NoInvoice { .. } | PdfError::Unreadable(_))) => {}
            (expected, got) => panic!("{}: expected {expected:?}, got {:?}", cols[0], got.map(|a| a.name)),
        }
        checked += 1;
    }
    assert_eq!(checked, 40, "all corpus PDFs");
}

#[test]
fn truncated_and_random_pdfs_are_errors_not_panics() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).unwrap();
    let first = tsv
        .lines()
        .skip(1)
        .find(|l| l.contains(".pdf\t") && l.contains("pdf:factur-x.xml"))
        .unwrap();
    let bytes = std::fs::read(corpus().join(first.split('\t').next().unwrap())).unwrap();
    for cut in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 100] {
        // A cut PDF may still open (readers repair), but must never panic.
        let _ = invoice_xml(&bytes[..cut]);
    }
    assert!(matches!(invoice_xml(&bytes[..200]), Err(PdfError::Unreadable(_))));
    let mut noise = vec![0u8; 4096];
    let mut x: u32 = 12345;
    for b in noise.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    noise[..8].copy_from_slice(b"%PDF-1.7");
    assert!(invoice_xml(&noise).is_err());
}
