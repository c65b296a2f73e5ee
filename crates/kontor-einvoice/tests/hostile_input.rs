//! Hostile and broken inputs are format errors with a clear message, never a
//! panic: XXE, billion laughs, a 60 MB file, deep nesting, random bytes, a
//! truncated PDF.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_einvoice::read::{read, ReadError};
use kontor_einvoice::xml::XmlError;

fn format_error(bytes: &[u8]) -> ReadError {
    match read(bytes) {
        Ok(_) => panic!("must be refused"),
        Err(e) => {
            let (de, en) = e.message();
            assert!(!de.is_empty() && !en.is_empty());
            e
        }
    }
}

#[test]
fn external_entities_are_refused() {
    let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"#;
    assert_eq!(format_error(xxe), ReadError::Xml(XmlError::Dtd));
}

#[test]
fn billion_laughs_is_refused_without_expanding() {
    let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
    }
    doc.push_str("]><lolz>&lol9;</lolz>");
    assert_eq!(format_error(doc.as_bytes()), ReadError::Xml(XmlError::Dtd));
}

#[test]
fn a_60_mb_file_is_refused_by_size() {
    let mut big = b"<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><Note>".to_vec();
    big.resize(60 * 1024 * 1024, b'a');
    assert!(matches!(format_error(&big), ReadError::Xml(XmlError::TooLarge { .. })));
}

#[test]
fn deep_nesting_is_refused() {
    let deep = "<a>".repeat(100_000) + &"</a>".repeat(100_000);
    assert!(matches!(
        format_error(deep.as_bytes()),
        ReadError::Xml(XmlError::TooDeep { .. })
    ));
}

#[test]
fn random_bytes_and_foreign_xml_are_format_errors() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for len in [0usize, 1, 7, 100, 4096] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let _ = format_error(&bytes);
    }
    assert!(matches!(
        format_error(b"<html><body>Rechnung</body></html>"),
        ReadError::UnknownSyntax { .. }
    ));
}

#[test]
fn a_truncated_pdf_is_a_format_error() {
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa";
    assert!(matches!(format_error(pdf), ReadError::Pdf(_)));
}
