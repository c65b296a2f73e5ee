//! A safe, bounded XML element tree.
//!
//! Invoices come from outside, so the reader refuses what XML attacks need:
//! any document type declaration (so no entity definitions, no external
//! entities, no entity expansion), references to entities other than the five
//! predefined ones, and inputs beyond the size, depth and element limits. Text
//! and attribute values are unescaped; namespaces are resolved to URIs.

use std::fmt;

use compact_str::CompactString;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Bounds on untrusted XML.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            max_depth: 64,
            max_elements: 2_000_000,
        }
    }
}

/// Why a byte string is not an acceptable XML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XmlError {
    /// Not well-formed XML (or not UTF-8), with the byte offset.
    Malformed {
        offset: u64,
        detail: String,
    },
    /// The document declares a DTD; kontor never processes DTDs.
    Dtd,
    /// A reference to an entity other than `&amp;`, `&lt;`, `&gt;`, `&apos;`, `&quot;`.
    UnknownEntity(String),
    TooLarge {
        bytes: usize,
        max: usize,
    },
    TooDeep {
        max: usize,
    },
    TooManyElements {
        max: usize,
    },
    /// No root element.
    Empty,
}

impl XmlError {
    /// The message in German and English, saying what to do.
    pub fn message(&self) -> (String, String) {
        match self {
            XmlError::Malformed { offset, detail } => (
                format!("Die Datei ist kein wohlgeformtes XML (bei Byte {offset}: {detail})."),
                format!("The file is not well-formed XML (at byte {offset}: {detail})."),
            ),
            XmlError::Dtd => (
                "Die Datei enthält eine DTD (<!DOCTYPE …>). E-Rechnungen brauchen keine; kontor verarbeitet sie aus Sicherheitsgründen nicht.".into(),
                "The file contains a DTD (<!DOCTYPE …>). E-invoices need none; kontor does not process them, for safety.".into(),
            ),
            XmlError::UnknownEntity(e) => (
                format!("Die Datei verweist auf die Entität &{e};, die XML nicht vordefiniert; solche Verweise werden nicht aufgelöst."),
                format!("The file refers to the entity &{e};, which XML does not predefine; such references are not resolved."),
            ),
            XmlError::TooLarge { bytes, max } => (
                format!("Die Datei ist {} MB groß; erlaubt sind höchstens {} MB.", bytes / 1_048_576, max / 1_048_576),
                format!("The file has {} MB; at most {} MB are accepted.", bytes / 1_048_576, max / 1_048_576),
            ),
            XmlError::TooDeep { max } => (
                format!("Die XML-Elemente sind tiefer als {max} Ebenen verschachtelt."),
                format!("The XML elements are nested deeper than {max} levels."),
            ),
            XmlError::TooManyElements { max } => (
                format!("Die Datei enthält mehr als {max} XML-Elemente."),
                format!("The file contains more than {max} XML elements."),
            ),
            XmlError::Empty => (
                "Die Datei enthält kein XML-Element.".into(),
                "The file contains no XML element.".into(),
            ),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().1)
    }
}

impl std::error::Error for XmlError {}

/// An attribute with its namespace URI (empty for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub ns: CompactString,
    pub name: CompactString,
    pub value: CompactString,
}

/// A namespace URI, shared between the elements that use it (one allocation
/// per document and namespace instead of one per element).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ns(std::sync::Arc<str>);

impl Ns {
    pub fn new(s: &str) -> Self {
        Self(std::sync::Arc::from(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Ns {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Ns {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Ns {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Ns {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Ns> for &str {
    fn eq(&self, other: &Ns) -> bool {
        *self == &*other.0
    }
}

impl std::fmt::Display for Ns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An element: namespace URI, local name, attributes, child elements and
/// its own text (the concatenation of its direct text and CDATA).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub ns: Ns,
    pub name: CompactString,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    pub text: CompactString,
}

impl Element {
    /// Child elements with this namespace and local name.
    pub fn all<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name && c.ns == ns)
    }

    /// The first child element with this namespace and local name.
    pub fn first(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name && c.ns == ns)
    }

    /// An attribute without namespace.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name && a.ns.is_empty())
            .map(|a| a.value.as_str())
    }

    /// The element's text, trimmed.
    pub fn value(&self) -> &str {
        self.text.trim()
    }
}

fn utf8(b: &[u8], offset: u64) -> Result<&str, XmlError> {
    std::str::from_utf8(b).map_err(|e| malformed(offset + e.valid_up_to() as u64, "the bytes are not UTF-8"))
}

fn ns_of(r: ResolveResult<'_>, offset: u64) -> Result<CompactString, XmlError> {
    Ok(match r {
        ResolveResult::Bound(ns) => CompactString::from(utf8(ns.as_ref(), offset)?),
        _ => CompactString::default(),
    })
}

fn malformed(offset: u64, detail: impl fmt::Display) -> XmlError {
    XmlError::Malformed {
        offset,
        detail: detail.to_string(),
    }
}

/// Parses `bytes` into the root element, within `limits`.
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Element, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    // A UTF-8 byte order mark is allowed; other encodings are not accepted.
    // There is no separate pass over the input: every piece of it (names,
    // namespace URIs, text, attribute values, comments, processing
    // instructions) is converted strictly as UTF-8 below.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    // Open elements, each with where its children start in `done`; a closed
    // element's children move out of `done` into one exactly sized vector.
    let mut stack: Vec<(Element, usize)> = Vec::new();
    let mut done: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    // The last namespace seen, reused while it repeats (most elements share one).
    let mut last_ns = Ns::default();
    loop {
        let offset = reader.buffer_position();
        // Events borrow the input (no copy); the namespace is looked up only for elements.
        let (ns, event) = reader.read_resolved_event().map_err(|e| malformed(offset, e))?;
        let ns = match (&event, ns) {
            (Event::Start(_) | Event::Empty(_), ResolveResult::Bound(n)) => {
                if last_ns.as_bytes() != n.as_ref() {
                    last_ns = Ns::new(utf8(n.as_ref(), offset)?);
                }
                last_ns.clone()
            }
            _ => Ns::default(),
        };
        match event {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(ref e) | Event::Empty(ref e) => {
                count += 1;
                if count > limits.max_elements {
                    return Err(XmlError::TooManyElements {
                        max: limits.max_elements,
                    });
                }
                if stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep { max: limits.max_depth });
                }
                if root.is_some() && stack.is_empty() {
                    return Err(malformed(offset, "content after the root element"));
                }
                let el = element(&reader, e, ns, offset)?;
                if matches!(event, Event::Empty(_)) {
                    close(&stack, &mut done, &mut root, el);
                } else {
                    stack.push((el, done.len()));
                }
            }
            Event::End(_) => {
                let Some((mut el, first_child)) = stack.pop() else {
                    return Err(malformed(offset, "an end tag without a start tag"));
                };
                el.children = done.drain(first_child..).collect();
                close(&stack, &mut done, &mut root, el);
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| malformed(offset, e))?;
                match stack.last_mut() {
                    Some((top, _)) => top.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(malformed(offset, "text outside the root element")),
                }
            }
            Event::CData(t) => {
                let s = String::from_utf8(t.into_inner().into_owned()).map_err(|e| malformed(offset, e))?;
                if let Some((top, _)) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| malformed(offset, e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| malformed(offset, e))?.into_owned();
                        match name.as_str() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "apos" => "'".into(),
                            "quot" => "\"".into(),
                            _ => return Err(XmlError::UnknownEntity(name)),
                        }
                    }
                };
                match stack.last_mut() {
                    Some((top, _)) => top.text.push_str(&resolved),
                    None => return Err(malformed(offset, "a reference outside the root element")),
                }
            }
            Event::Decl(d) => {
                utf8(&d, offset)?;
            }
            Event::PI(p) => {
                utf8(&p, offset)?;
            }
            Event::Comment(c) => {
                utf8(&c, offset)?;
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed(bytes.len() as u64, "the document ends inside an element"));
    }
    root.ok_or(XmlError::Empty)
}

fn close(stack: &[(Element, usize)], done: &mut Vec<Element>, root: &mut Option<Element>, el: Element) {
    if stack.is_empty() {
        *root = Some(el);
    } else {
        done.push(el);
    }
}

fn element(reader: &NsReader<&[u8]>, e: &BytesStart<'_>, ns: Ns, offset: u64) -> Result<Element, XmlError> {
    let name = CompactString::from_utf8(e.local_name().as_ref()).map_err(|err| malformed(offset, err))?;
    let mut attrs = Vec::new();
    for a in e.attributes().with_checks(true) {
        let a = a.map_err(|err| malformed(offset, err))?;
        let key = a.key;
        // Namespace declarations are not attributes of the document's data.
        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
            utf8(key.as_ref(), offset)?;
            utf8(&a.value, offset)?;
            continue;
        }
        let (ans, local) = reader.resolve_attribute(key);
        let value = match a.unescape_value() {
            Ok(v) => CompactString::from(v.as_ref()),
            Err(quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name))) => {
                return Err(XmlError::UnknownEntity(name))
            }
            Err(err) => return Err(malformed(offset, err)),
        };
        attrs.push(Attr {
            ns: ns_of(ans, offset)?,
            name: CompactString::from(utf8(local.as_ref(), offset)?),
            value,
        });
    }
    Ok(Element {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: CompactString::default(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Element, XmlError> {
        parse(s.as_bytes(), Limits::default())
    }

    #[test]
    fn namespaces_text_and_references_are_resolved() {
        let e = p(r#"<?xml version="1.0"?><a:Inv xmlns:a="urn:a" xmlns:b="urn:b"><b:N x="1 &amp; 2">Kühl &amp; Co &#x20AC;<![CDATA[<raw>]]></b:N><!-- c --></a:Inv>"#)
            .unwrap();
        assert_eq!((e.ns.as_str(), e.name.as_str()), ("urn:a", "Inv"));
        let n = e.first("urn:b", "N").unwrap();
        assert_eq!(n.text, "Kühl & Co €<raw>");
        assert_eq!(n.attr("x"), Some("1 & 2"));
    }

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(p(xxe), Err(XmlError::Dtd));
        let laughs = r#"<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>"#;
        assert_eq!(p(laughs), Err(XmlError::Dtd));
        assert_eq!(p("<r>&nbsp;</r>"), Err(XmlError::UnknownEntity("nbsp".into())));
    }

    #[test]
    fn limits_hold() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(p(&deep), Err(XmlError::TooDeep { max: 64 }));
        let small = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse(b"<a>0123456789</a>", small),
            Err(XmlError::TooLarge { .. })
        ));
    }

    #[test]
    fn broken_input_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a x='1' x='2'/>",
            "\u{0}\u{1}",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        assert!(parse(&[0xff, 0xfe, 0x00, 0x3c], Limits::default()).is_err());
        // Bytes that are not UTF-8, wherever they are in the document.
        for bad in [
            &b"<a>\xff</a>"[..],
            b"<a\xff/>",
            b"<a x='\xff'/>",
            b"<a x\xff='1'/>",
            b"<a xmlns='urn:\xff'/>",
            b"<a xmlns:p='urn:\xff'/>",
            b"<p:a xmlns:p='urn:\xff'/>",
            b"<a><!-- \xff --></a>",
            b"<a><?pi \xff?></a>",
            b"<?xml version='1.0' encoding='\xff'?><a/>",
            b"<a><![CDATA[\xff]]></a>",
        ] {
            assert!(
                matches!(parse(bad, Limits::default()), Err(XmlError::Malformed { .. })),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
