//! E-mails (RFC 5322, `.eml`, one file of a Maildir, a message fetched over
//! IMAP): the headers people read, the text, and the attachments that
//! become documents of their own. Parsing is mail-parser's; what counts as
//! an attachment is kontor's rule: every part with a file name or an
//! attachment disposition, but not the small inline pictures of signatures.

use mail_parser::{MessageParser, MimeHeaders};

use crate::recognise::Date;

/// Inline pictures smaller than this (logos, signatures) are not archived.
const INLINE_PICTURE_MIN: usize = 20 * 1024;
/// At most this many attachments are taken from one message.
const ATTACHMENTS_MAX: usize = 100;

/// One attachment: its name as sent and its decoded content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content: Vec<u8>,
}

/// What kontor keeps of an e-mail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Email {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub date: Option<Date>,
    pub message_id: Option<String>,
    /// The plain-text body (or the HTML body without tags).
    pub body: String,
    pub attachments: Vec<Attachment>,
}

impl Email {
    /// The text that is indexed and recognised: headers, then the body.
    pub fn text(&self) -> String {
        let mut t = String::new();
        if let Some(f) = &self.from {
            t.push_str(&format!("Von: {f}\n"));
        }
        if !self.to.is_empty() {
            t.push_str(&format!("An: {}\n", self.to.join(", ")));
        }
        if let Some(d) = self.date {
            t.push_str(&format!("Datum: {:02}.{:02}.{}\n", d.day, d.month, d.year));
        }
        if let Some(s) = &self.subject {
            t.push_str(&format!("Betreff: {s}\n"));
        }
        for a in &self.attachments {
            t.push_str(&format!("Anhang: {}\n", a.name));
        }
        t.push('\n');
        t.push_str(&self.body);
        t
    }

    /// A file name for the message itself: `2026-11-02 Rechnung 4711.eml`.
    pub fn file_name(&self) -> String {
        let subject: String = self
            .subject
            .as_deref()
            .unwrap_or("E-Mail")
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || " -_.,".contains(c) {
                    c
                } else {
                    ' '
                }
            })
            .take(80)
            .collect();
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        match self.date {
            Some(d) => format!("{} {subject}.eml", d.iso()),
            None => format!("{subject}.eml"),
        }
    }
}

/// Text without its markup (HTML of a mail body, XML that is no e-invoice).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Reads an e-mail; `None` if the bytes are not one.
pub fn parse_email(raw: &[u8]) -> Option<Email> {
    let m = MessageParser::default().parse(raw)?;
    // A message needs at least one header people know.
    if m.from().is_none() && m.subject().is_none() && m.date().is_none() && m.message_id().is_none() {
        return None;
    }
    let addr = |a: &mail_parser::Addr<'_>| match (&a.name, &a.address) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (None, Some(e)) => e.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    };
    let body = match m.body_text(0) {
        Some(t) => t.into_owned(),
        None => m.body_html(0).map(|h| strip_tags(&h)).unwrap_or_default(),
    };
    let mut attachments = Vec::new();
    for part in m.attachments() {
        if attachments.len() >= ATTACHMENTS_MAX {
            break;
        }
        let content = part.contents();
        if content.is_empty() {
            continue;
        }
        let name = part.attachment_name().map(str::to_string);
        let picture = part
            .content_type()
            .is_some_and(|ct| ct.c_type.eq_ignore_ascii_case("image"));
        let inline = part.content_id().is_some()
            && !part
                .content_disposition()
                .is_some_and(|d| d.c_type.eq_ignore_ascii_case("attachment"));
        if picture && inline && content.len() < INLINE_PICTURE_MIN {
            continue;
        }
        let name = name.unwrap_or_else(|| {
            if part.is_message() {
                format!("anhang-{}.eml", attachments.len() + 1)
            } else {
                format!("anhang-{}", attachments.len() + 1)
            }
        });
        attachments.push(Attachment {
            name,
            content: content.to_vec(),
        });
    }
    Some(Email {
        from: m.from().and_then(|a| a.first()).map(addr),
        to: m.to().map(|a| a.iter().map(addr).collect()).unwrap_or_default(),
        subject: m.subject().map(str::to_string),
        date: m.date().and_then(|d| Date::new(i32::from(d.year), d.month, d.day)),
        message_id: m.message_id().map(str::to_string),
        body,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    const MAIL: &[u8] = b"From: Buchhaltung Lieferant <rechnung@lieferant.example>\r\n\
To: eingang@muster.example\r\n\
Subject: =?UTF-8?Q?Rechnung_4711_f=C3=BCr_Oktober?=\r\n\
Date: Mon, 02 Nov 2026 10:00:00 +0100\r\n\
Message-ID: <4711@lieferant.example>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
Sehr geehrte Damen und Herren, anbei die Rechnung.\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"RE-4711.pdf\"\r\n\
Content-Disposition: attachment; filename=\"RE-4711.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjcKJcOkw7zDtsOfCg==\r\n\
--b1\r\n\
Content-Type: image/png\r\n\
Content-ID: <logo@lieferant>\r\n\
Content-Disposition: inline\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
iVBORw0KGgo=\r\n\
--b1--\r\n";

    #[test]
    fn headers_body_and_attachments_but_no_logo() {
        let e = parse_email(MAIL).unwrap();
        assert_eq!(e.subject.as_deref(), Some("Rechnung 4711 für Oktober"));
        assert_eq!(
            e.from.as_deref(),
            Some("Buchhaltung Lieferant <rechnung@lieferant.example>")
        );
        assert_eq!(e.date, Date::new(2026, 11, 2));
        assert_eq!(e.message_id.as_deref(), Some("4711@lieferant.example"));
        assert!(e.body.contains("anbei die Rechnung"));
        assert_eq!(e.attachments.len(), 1, "the inline logo is left out");
        assert_eq!(e.attachments[0].name, "RE-4711.pdf");
        assert!(e.attachments[0].content.starts_with(b"%PDF-1.7"));
        assert_eq!(e.file_name(), "2026-11-02 Rechnung 4711 für Oktober.eml");
        assert!(e.text().contains("Betreff: Rechnung 4711 für Oktober"));
        assert!(e.text().contains("Anhang: RE-4711.pdf"));
    }

    #[test]
    fn not_an_email() {
        assert!(parse_email(b"%PDF-1.7 lorem").is_none());
        assert!(parse_email(b"").is_none());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_email(&bytes);
        }
    }
}
