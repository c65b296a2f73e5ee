//! The document archive's rules, pure: what a file is by its content
//! ([`sniff`]), which document types there are and how long GoBD keeps
//! each ([`DocType::retention_years`], [`deletable_from_year`]), and file
//! names that can be shown and stored without escaping anything
//! ([`safe_name`]).

pub mod email;
pub mod recognise;
pub mod search;

/// A file's type, told by its first bytes (magic numbers), never by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
    Tiff,
    Xml,
    /// An e-mail message (RFC 5322), e.g. a `.eml` file.
    Email,
    Text,
    Other,
}

impl MediaType {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Tiff => "image/tiff",
            MediaType::Xml => "application/xml",
            MediaType::Email => "message/rfc822",
            MediaType::Text => "text/plain",
            MediaType::Other => "application/octet-stream",
        }
    }

    /// Whether text must come from OCR (a picture of a page).
    pub fn is_image(self) -> bool {
        matches!(self, MediaType::Png | MediaType::Jpeg | MediaType::Tiff)
    }

    pub fn from_mime(mime: &str) -> MediaType {
        [
            MediaType::Pdf,
            MediaType::Png,
            MediaType::Jpeg,
            MediaType::Tiff,
            MediaType::Xml,
            MediaType::Email,
            MediaType::Text,
        ]
        .into_iter()
        .find(|m| m.mime() == mime)
        .unwrap_or(MediaType::Other)
    }
}

/// Headers an e-mail message starts with (case-insensitive).
const MAIL_HEADERS: [&str; 9] = [
    "received:",
    "return-path:",
    "from:",
    "to:",
    "subject:",
    "date:",
    "message-id:",
    "mime-version:",
    "delivered-to:",
];

/// Tells a file's type from its content.
pub fn sniff(bytes: &[u8]) -> MediaType {
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(b"%PDF-") || find(head, b"%PDF-").is_some_and(|at| at < 1024) {
        return MediaType::Pdf;
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return MediaType::Png;
    }
    if head.starts_with(b"\xff\xd8\xff") {
        return MediaType::Jpeg;
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return MediaType::Tiff;
    }
    let Ok(text) = std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()])) else {
        return MediaType::Other;
    };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return MediaType::Other;
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<?xml")
        || (trimmed.starts_with('<') && trimmed[1..].starts_with(|c: char| c.is_alphabetic()))
    {
        return MediaType::Xml;
    }
    let first = trimmed.lines().next().unwrap_or("").to_ascii_lowercase();
    if MAIL_HEADERS.iter().any(|h| first.starts_with(h)) {
        return MediaType::Email;
    }
    if text.is_empty() {
        return MediaType::Other;
    }
    MediaType::Text
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a document is, as people in the back office sort it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocType {
    Invoice,
    CreditNote,
    Contract,
    Payslip,
    BankStatement,
    Letter,
    Other,
}

impl DocType {
    pub const ALL: [DocType; 7] = [
        DocType::Invoice,
        DocType::CreditNote,
        DocType::Contract,
        DocType::Payslip,
        DocType::BankStatement,
        DocType::Letter,
        DocType::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DocType::Invoice => "invoice",
            DocType::CreditNote => "credit_note",
            DocType::Contract => "contract",
            DocType::Payslip => "payslip",
            DocType::BankStatement => "bank_statement",
            DocType::Letter => "letter",
            DocType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<DocType> {
        DocType::ALL.into_iter().find(|t| t.key() == s)
    }

    /// Whether documents of this type hold personal data that only people
    /// with access to payroll may see (and every look is audited).
    pub fn is_sensitive(self) -> bool {
        matches!(self, DocType::Payslip)
    }

    /// The name people read: German, English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            DocType::Invoice => ("Rechnung", "Invoice"),
            DocType::CreditNote => ("Gutschrift", "Credit note"),
            DocType::Contract => ("Vertrag", "Contract"),
            DocType::Payslip => ("Entgeltabrechnung", "Payslip"),
            DocType::BankStatement => ("Kontoauszug", "Bank statement"),
            DocType::Letter => ("Brief", "Letter"),
            DocType::Other => ("Sonstiges", "Other"),
        }
    }

    /// Years GoBD keeps a document of this type (§ 147 AO, § 257 HGB):
    /// Buchungsbelege — invoices, credit notes, bank statements, payslips —
    /// 8 years (since 2025); received and sent business letters, and
    /// contracts as such, 6 years; what kontor cannot classify the longest
    /// period, 10 years (books, annual statements), until a person says
    /// otherwise.
    pub fn retention_years(self) -> i32 {
        match self {
            DocType::Invoice | DocType::CreditNote | DocType::BankStatement | DocType::Payslip => 8,
            DocType::Contract | DocType::Letter => 6,
            DocType::Other => 10,
        }
    }
}

/// The first year in which a document may be deleted: retention counts
/// from the end of the calendar year of the document (§ 147 Abs. 4 AO),
/// so a document of 2026 kept 8 years may go from 1 January 2035.
pub fn deletable_from_year(document_year: i32, years: i32) -> i32 {
    document_year + years + 1
}

/// A file name safe to store and show: the last path component only, no
/// control characters, no leading dots, at most 200 characters; `dokument`
/// if nothing is left.
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let cut: String = trimmed.chars().take(200).collect();
    if cut.is_empty() {
        "dokument".into()
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn types_come_from_content_not_names() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), MediaType::Pdf);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), MediaType::Png);
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), MediaType::Jpeg);
        assert_eq!(sniff(b"II*\0\x08"), MediaType::Tiff);
        assert_eq!(
            sniff("\u{feff}<?xml version=\"1.0\"?><Invoice/>".as_bytes()),
            MediaType::Xml
        );
        assert_eq!(sniff(b"<rsm:CrossIndustryInvoice xmlns:rsm=\"x\"/>"), MediaType::Xml);
        assert_eq!(
            sniff(b"Received: from mx\r\nFrom: a@b.de\r\n\r\nHallo"),
            MediaType::Email
        );
        assert_eq!(sniff(b"From: a@b.de\nSubject: Rechnung\n\nText"), MediaType::Email);
        assert_eq!(sniff("Sehr geehrte Damen und Herren,".as_bytes()), MediaType::Text);
        assert_eq!(sniff(b"PK\x03\x04\0\0"), MediaType::Other);
        assert_eq!(sniff(b""), MediaType::Other);
        assert_eq!(MediaType::from_mime("image/png"), MediaType::Png);
        assert_eq!(MediaType::from_mime("x/y"), MediaType::Other);
    }

    #[test]
    fn corpus_files_are_told_by_content() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/einvoice");
        let mut seen = (0, 0);
        for entry in walk(std::path::Path::new(root)).into_iter().take(4000) {
            let bytes = std::fs::read(&entry).unwrap();
            match entry.extension().and_then(|e| e.to_str()) {
                Some("pdf") if bytes.starts_with(b"%PDF") => {
                    assert_eq!(sniff(&bytes), MediaType::Pdf, "{}", entry.display());
                    seen.0 += 1;
                }
                Some("xml") if bytes.len() > 100 => {
                    assert_eq!(sniff(&bytes), MediaType::Xml, "{}", entry.display());
                    seen.1 += 1;
                }
                _ => {}
            }
        }
        assert!(seen.0 > 10 && seen.1 > 100, "{seen:?}");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    out.extend(walk(&p));
                } else {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn retention_counts_from_the_end_of_the_year() {
        assert_eq!(DocType::Invoice.retention_years(), 8);
        assert_eq!(DocType::Letter.retention_years(), 6);
        assert_eq!(DocType::Other.retention_years(), 10);
        assert_eq!(deletable_from_year(2026, 8), 2035);
        for t in DocType::ALL {
            assert_eq!(DocType::parse(t.key()), Some(t));
        }
    }

    #[test]
    fn names_cannot_escape() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\x\\Rechnung 4711.pdf"), "Rechnung 4711.pdf");
        assert_eq!(safe_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(safe_name(".."), "dokument");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name("Müller–Brief.pdf"), "Müller–Brief.pdf");
    }

    proptest! {
        #[test]
        fn safe_names_have_no_separators_or_controls(name in "\\PC*") {
            let s = safe_name(&name);
            prop_assert!(!s.is_empty() && s.chars().count() <= 200);
            prop_assert!(!s.contains(['/', '\\']) && !s.chars().any(char::is_control));
            prop_assert!(s != "." && s != ".." && !s.starts_with('.'));
        }

        #[test]
        fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = sniff(&bytes);
        }
    }
}
