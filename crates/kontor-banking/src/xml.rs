//! A bounded XML element tree for bank messages.
//!
//! Bank files come from outside: the reader refuses any document type
//! declaration (no entities, no expansion), unknown entity references, and
//! depth or element counts beyond the limits. Element names are kept as
//! local names (ISO 20022 messages use one default namespace whose URI only
//! says the version; [`Tree::namespace`] keeps it).

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::FormatError;

const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 20_000_000;

pub struct Node {
    pub name: String,
    pub text: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<usize>,
}

pub struct Tree {
    pub nodes: Vec<Node>,
    /// The root element's default namespace URI (or its prefix's).
    pub namespace: String,
}

fn err(offset: u64, en: impl Into<String>, de: impl Into<String>) -> FormatError {
    FormatError::new(format!("byte {offset}"), en, de)
}

fn local(name: &[u8]) -> String {
    let n = match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(n).into_owned()
}

pub fn parse(bytes: &[u8]) -> Result<Tree, FormatError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut namespace = String::new();
    let mut buf = Vec::new();
    let malformed = |offset: u64, e: &dyn std::fmt::Display| {
        err(
            offset,
            format!("the file is not well-formed XML ({e}). Download it again from the bank; do not edit it by hand."),
            format!("Die Datei ist kein wohlgeformtes XML ({e}). Bitte erneut bei der Bank abrufen, nicht von Hand bearbeiten."),
        )
    };
    loop {
        let offset = reader.buffer_position();
        let ev = reader.read_event_into(&mut buf).map_err(|e| malformed(offset, &e))?;
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        offset,
                        format!("the XML nests deeper than {MAX_DEPTH} levels; no bank message does."),
                        format!(
                            "Das XML ist tiefer als {MAX_DEPTH} Ebenen verschachtelt; keine Banknachricht tut das."
                        ),
                    ));
                }
                if nodes.len() >= MAX_ELEMENTS {
                    return Err(err(
                        offset,
                        format!("the file has more than {MAX_ELEMENTS} elements."),
                        format!("Die Datei hat mehr als {MAX_ELEMENTS} Elemente."),
                    ));
                }
                let mut attrs = Vec::new();
                for a in s.attributes() {
                    let a = a.map_err(|e| malformed(offset, &e))?;
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let value = a
                        .decode_and_unescape_value(reader.decoder())
                        .map_err(|e| malformed(offset, &e))?
                        .into_owned();
                    if nodes.is_empty() && (key == "xmlns" || key.starts_with("xmlns:")) {
                        let prefix = key.strip_prefix("xmlns:");
                        let name = s.name();
                        let el_prefix = name.prefix().map(|p| String::from_utf8_lossy(p.as_ref()).into_owned());
                        if prefix.map(str::to_string) == el_prefix || (prefix.is_none() && namespace.is_empty()) {
                            namespace = value.clone();
                        }
                    }
                    attrs.push((local(key.as_bytes()), value));
                }
                let id = nodes.len();
                nodes.push(Node {
                    name: local(s.name().as_ref()),
                    text: String::new(),
                    attrs,
                    children: Vec::new(),
                });
                if let Some(&parent) = stack.last() {
                    nodes[parent].children.push(id);
                } else if id != 0 {
                    return Err(err(
                        offset,
                        "the file has more than one root element.",
                        "Die Datei hat mehr als ein Wurzelelement.",
                    ));
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push(id);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                if let Some(&cur) = stack.last() {
                    let s = t.decode().map_err(|e| malformed(offset, &e))?;
                    nodes[cur].text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let ch = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "apos" => Some('\''),
                    "quot" => Some('"'),
                    n if n.starts_with('#') => {
                        let code = if let Some(h) = n.strip_prefix("#x") {
                            u32::from_str_radix(h, 16).ok()
                        } else {
                            n[1..].parse().ok()
                        };
                        code.and_then(char::from_u32)
                    }
                    _ => None,
                };
                let Some(ch) = ch else {
                    return Err(err(
                        offset,
                        format!("the file refers to the entity &{name};, which XML does not predefine; kontor does not resolve it."),
                        format!("Die Datei verweist auf die Entität &{name};, die XML nicht vordefiniert; kontor löst sie nicht auf."),
                    ));
                };
                if let Some(&cur) = stack.last() {
                    nodes[cur].text.push(ch);
                }
            }
            Event::CData(c) => {
                if let Some(&cur) = stack.last() {
                    nodes[cur].text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::DocType(_) => {
                return Err(err(
                    offset,
                    "the file declares a DTD (<!DOCTYPE …>); bank messages need none and kontor does not process them.",
                    "Die Datei enthält eine DTD (<!DOCTYPE …>); Banknachrichten brauchen keine, kontor verarbeitet sie nicht.",
                ));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if nodes.is_empty() {
        return Err(err(
            0,
            "the file contains no XML element.",
            "Die Datei enthält kein XML-Element.",
        ));
    }
    if !stack.is_empty() {
        return Err(err(
            bytes.len() as u64,
            "the file ends in the middle of an element (truncated download?).",
            "Die Datei endet mitten in einem Element (abgebrochener Download?).",
        ));
    }
    Ok(Tree { nodes, namespace })
}

impl Tree {
    pub fn root(&self) -> usize {
        0
    }

    pub fn name(&self, n: usize) -> &str {
        &self.nodes[n].name
    }

    pub fn text(&self, n: usize) -> &str {
        self.nodes[n].text.trim()
    }

    pub fn attr(&self, n: usize, key: &str) -> Option<&str> {
        self.nodes[n]
            .attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn children<'a>(&'a self, n: usize, name: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.nodes[n]
            .children
            .iter()
            .copied()
            .filter(move |c| self.nodes[*c].name == name)
    }

    pub fn child(&self, n: usize, name: &str) -> Option<usize> {
        self.children(n, name).next()
    }

    /// The node at a path of child names.
    pub fn at(&self, n: usize, path: &[&str]) -> Option<usize> {
        let mut cur = n;
        for p in path {
            cur = self.child(cur, p)?;
        }
        Some(cur)
    }

    /// The trimmed, non-empty text at a path.
    pub fn text_at(&self, n: usize, path: &[&str]) -> Option<String> {
        let t = self.text(self.at(n, path)?);
        (!t.is_empty()).then(|| t.to_string())
    }
}
