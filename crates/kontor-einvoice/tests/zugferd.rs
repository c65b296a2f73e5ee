//! ZUGFeRD / Factur-X writing: the generated PDF carries the invoice XML as
//! an associated file that kontor extracts and that validates clean, declares
//! PDF/A-3b with the Factur-X XMP, has an sRGB output intent, embeds its font
//! and shows the invoice on a page.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use kontor_einvoice::read::read;
use kontor_einvoice::render::Lang;
use kontor_einvoice::validate::validate;
use kontor_einvoice::zugferd::{pdf, Profile};
use lopdf::{Document, Object};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

fn font() -> Vec<u8> {
    let path = "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf";
    std::fs::read(path).unwrap_or_else(|_| panic!("{path} missing: install fonts-liberation (.ci/run does)"))
}

fn catalog_entry<'a>(doc: &'a Document, key: &[u8]) -> &'a Object {
    let catalog = doc.catalog().unwrap();
    catalog.get(key).unwrap()
}

#[test]
fn generated_pdfs_are_pdfa3b_with_the_factur_x_xml_that_validates_clean() {
    let font = font();
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).unwrap();
    let mut written = 0;
    for row in tsv.lines().skip(1) {
        let c: Vec<&str> = row.split('\t').collect();
        // Valid EN 16931 and XRechnung invoices of both syntaxes.
        if c[2] != "valid" || !(c[0].starts_with("cen-en16931/") || c[0].starts_with("kosit-xrechnung-testsuite/")) {
            continue;
        }
        let source = read(&std::fs::read(corpus().join(c[0])).unwrap()).unwrap().invoice;
        let profile = if c[4].contains("xrechnung") {
            Profile::XRechnung
        } else {
            Profile::En16931
        };
        let bytes = pdf(&source, profile, Lang::De, &font, "2026-11-27T09:30:00Z").unwrap();
        written += 1;

        // The embedded XML: found, named by the profile, valid, the same invoice.
        let report = validate(&bytes);
        assert!(report.valid(), "{}: {:?}", c[0], report.failed_rules());
        assert_eq!(report.container.as_deref(), Some(profile.file_name()), "{}", c[0]);
        let back = read(&bytes).unwrap().invoice;
        assert_eq!(back.number, source.number, "{}", c[0]);
        assert_eq!(
            back.totals,
            {
                let mut t = source.totals.clone();
                for a in [
                    &mut t.line_net,
                    &mut t.allowances,
                    &mut t.charges,
                    &mut t.without_vat,
                    &mut t.with_vat,
                    &mut t.prepaid,
                    &mut t.rounding,
                    &mut t.payable,
                ]
                .into_iter()
                .flatten()
                {
                    a.currency = None;
                }
                t
            },
            "{}",
            c[0]
        );
        let spec = back.specification.clone().unwrap_or_default();
        match profile {
            Profile::En16931 => assert_eq!(spec, profile.specification()),
            Profile::XRechnung => assert!(spec.starts_with(profile.specification()), "{spec}"),
        }

        // PDF/A-3b and Factur-X metadata.
        let doc = Document::load_mem(&bytes).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.7\n%"), "header with binary comment");
        let meta_id = catalog_entry(&doc, b"Metadata").as_reference().unwrap();
        let meta = doc.get_object(meta_id).unwrap().as_stream().unwrap();
        let xmp = String::from_utf8(meta.content.clone()).unwrap();
        for needle in [
            "<pdfaid:part>3</pdfaid:part>",
            "<pdfaid:conformance>B</pdfaid:conformance>",
            "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
            &format!("<fx:DocumentFileName>{}</fx:DocumentFileName>", profile.file_name()),
            "<fx:DocumentType>INVOICE</fx:DocumentType>",
            "<pdfaSchema:prefix>fx</pdfaSchema:prefix>",
        ] {
            assert!(xmp.contains(needle), "{}: XMP lacks {needle}", c[0]);
        }
        // The associated file is declared with its relationship.
        let af = catalog_entry(&doc, b"AF").as_array().unwrap();
        let spec = doc.get_dictionary(af[0].as_reference().unwrap()).unwrap();
        assert_eq!(spec.get(b"AFRelationship").unwrap().as_name().unwrap(), b"Alternative");
        // sRGB output intent and an embedded font.
        let intents = catalog_entry(&doc, b"OutputIntents").as_array().unwrap();
        let intent = doc.get_dictionary(intents[0].as_reference().unwrap()).unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        assert!(
            doc.objects
                .values()
                .any(|o| o.as_dict().is_ok_and(|d| d.has(b"FontFile2"))),
            "font embedded"
        );
        assert!(doc.trailer.get(b"ID").is_ok(), "file identifier");
        assert!(!doc.get_pages().is_empty());
        // The visible page shows the invoice (poppler's pdftotext reads it).
        if written <= 5 {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("invoice.pdf");
            std::fs::write(&file, &bytes).unwrap();
            let out = std::process::Command::new("pdftotext")
                .args([file.to_str().unwrap(), "-"])
                .output()
                .expect("pdftotext (poppler-utils) to read the visible page");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains(source.number.as_deref().unwrap_or("")),
                "{}: {text}",
                c[0]
            );
            assert!(text.contains("Zu zahlen"), "{}: {text}", c[0]);
        }
    }
    assert!(written > 30, "{written}");
}

#[test]
fn bad_font_or_time_are_clear_errors() {
    let inv = read(&std::fs::read(corpus().join("cen-en16931/ubl/examples/ubl-tc434-example1.xml")).unwrap())
        .unwrap()
        .invoice;
    assert!(pdf(&inv, Profile::En16931, Lang::De, b"not a font", "2026-11-27T09:30:00Z").is_err());
    assert!(pdf(&inv, Profile::En16931, Lang::De, &font(), "yesterday").is_err());
}
