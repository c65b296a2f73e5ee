//! Any bytes as an e-mail and as the text of a document: the e-mail parser,
//! the recognition (dates, amounts, IBANs, VAT ids, sender) and the search
//! normalisation never panic; IBANs found always have valid check digits,
//! index tokens are plain words.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(mail) = kontor_documents::email::parse_email(data) {
        let _ = mail.text();
        let _ = mail.file_name();
    }
    let text = String::from_utf8_lossy(data);
    let r = kontor_documents::recognise::recognise(&text, &["Muster GmbH".to_string()]);
    assert!(r.ibans.iter().all(|i| kontor_documents::recognise::iban_valid(i)));
    let ix = kontor_documents::search::index_text(&text);
    assert!(ix.body.split(' ').all(|t| t.chars().all(char::is_alphanumeric)));
    let q = kontor_documents::search::query_terms(&text);
    assert!(!kontor_documents::search::fts5_match(&q).contains("\"\""));
});
