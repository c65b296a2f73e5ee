//! Reading any supported input: detects the container (PDF) and syntax.

use crate::model::{Invoice, Syntax};
use crate::path::{RSM, UBL_CREDIT_NOTE, UBL_INVOICE};
use crate::pdf::{self, PdfError};
use crate::xml::{self, Element, Limits, XmlError};

/// Why an input is not an invoice kontor can read (a BMF "format error").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    Xml(XmlError),
    Pdf(PdfError),
    /// Well-formed XML, but not an invoice in a supported syntax.
    UnknownSyntax {
        namespace: String,
        name: String,
    },
}

impl ReadError {
    pub fn message(&self) -> (String, String) {
        match self {
            ReadError::Xml(e) => e.message(),
            ReadError::Pdf(e) => e.message(),
            ReadError::UnknownSyntax { namespace, name } => (
                format!("Das Dokument ({name} in {namespace}) ist keine Rechnung in UBL 2.1 oder UN/CEFACT CII D16B."),
                format!("The document ({name} in {namespace}) is not an invoice in UBL 2.1 or UN/CEFACT CII D16B."),
            ),
        }
    }
}

/// What was read: the model plus what the validation needs of the original.
#[derive(Clone, Debug)]
pub struct Read {
    pub invoice: Invoice,
    pub root: Element,
    /// The embedded file's name when the invoice came out of a PDF.
    pub container: Option<String>,
    pub xml: Vec<u8>,
}

/// The syntax of a parsed root element.
pub fn syntax_of(root: &Element) -> Option<Syntax> {
    match (root.ns.as_str(), root.name.as_str()) {
        (UBL_INVOICE, "Invoice") => Some(Syntax::UblInvoice),
        (UBL_CREDIT_NOTE, "CreditNote") => Some(Syntax::UblCreditNote),
        (RSM, "CrossIndustryInvoice") => Some(Syntax::Cii),
        _ => None,
    }
}

/// Reads XML or a PDF with embedded XML.
pub fn read(bytes: &[u8]) -> Result<Read, ReadError> {
    let p = parse(bytes)?;
    Ok(Read {
        invoice: p.invoice,
        root: p.root,
        container: p.container,
        xml: p.xml.into_owned(),
    })
}

/// What [`read`] returns, with the XML borrowed from the input when the
/// input is XML (validation needs no copy of it).
pub(crate) struct Parsed<'a> {
    pub invoice: Invoice,
    pub root: Element,
    pub container: Option<String>,
    pub xml: std::borrow::Cow<'a, [u8]>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, ReadError> {
    let (xml_bytes, container) = if pdf::is_pdf(bytes) {
        let a = pdf::invoice_xml(bytes).map_err(ReadError::Pdf)?;
        (std::borrow::Cow::Owned(a.content), Some(a.name))
    } else {
        (std::borrow::Cow::Borrowed(bytes), None)
    };
    let root = xml::parse(&xml_bytes, Limits::default()).map_err(ReadError::Xml)?;
    let syntax = syntax_of(&root).ok_or_else(|| ReadError::UnknownSyntax {
        namespace: root.ns.to_string(),
        name: root.name.to_string(),
    })?;
    let invoice = match syntax {
        Syntax::Cii => crate::cii::read(&root),
        s => crate::ubl::read(&root, s),
    };
    Ok(Parsed {
        invoice,
        root,
        container,
        xml: xml_bytes,
    })
}
