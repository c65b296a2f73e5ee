//! The document flattened once: every element with its XPath-like
//! location and its parent, so that `//name`, `..` and `ancestor::` are
//! cheap for the rules.

use crate::path::{CAC, CBC, QDT, RAM, RSM, UDT};
use crate::xml::Element;

fn prefix(ns: &str) -> &str {
    match ns {
        RAM => "ram",
        RSM => "rsm",
        UDT => "udt",
        QDT => "qdt",
        CAC => "cac",
        CBC => "cbc",
        crate::path::UBL_INVOICE | crate::path::UBL_CREDIT_NOTE => "ubl",
        _ => "ns",
    }
}

/// Node indexes by local name, with a fast hash that is still seeded per
/// process (names come from outside, so collisions must not be craftable).
type NameIndex<'a> = std::collections::HashMap<&'a str, Vec<usize>, foldhash::fast::RandomState>;

/// One element of the document with its parent and its position among
/// same-named siblings; the location text is made only when a rule reports.
pub(super) struct Node<'a> {
    pub el: &'a Element,
    pub parent: Option<usize>,
    path: std::cell::OnceCell<String>,
}

/// The document, flattened once so that `//name` lookups are cheap.
pub(super) struct Doc<'a> {
    pub r: &'a Element,
    pub nodes: Vec<Node<'a>>,
    /// Node indexes by local name, in document order.
    by_name: NameIndex<'a>,
}

impl<'a> Doc<'a> {
    pub fn new(r: &'a Element) -> Self {
        let mut nodes = vec![Node {
            el: r,
            parent: None,
            path: std::cell::OnceCell::new(),
        }];
        let mut i = 0;
        while i < nodes.len() {
            let e = nodes[i].el;
            for c in &e.children {
                nodes.push(Node {
                    el: c,
                    parent: Some(i),
                    path: std::cell::OnceCell::new(),
                });
            }
            i += 1;
        }
        let mut by_name: NameIndex<'a> = NameIndex::default();
        for (i, n) in nodes.iter().enumerate() {
            by_name.entry(n.el.name.as_str()).or_default().push(i);
        }
        Self { r, nodes, by_name }
    }

    /// The XPath-like location of node `i`, e.g.
    /// `/ubl:Invoice/cac:InvoiceLine[2]/cbc:ID`.
    pub fn path(&self, i: usize) -> &str {
        self.nodes[i].path.get_or_init(|| {
            let n = &self.nodes[i];
            // The 1-based position among same-named siblings, if there are several.
            let ord = n.parent.map_or(0, |p| {
                let same = |c: &&Element| c.name == n.el.name && c.ns == n.el.ns;
                let siblings = &self.nodes[p].el.children;
                if siblings.iter().filter(same).nth(1).is_none() {
                    0
                } else {
                    siblings
                        .iter()
                        .filter(same)
                        .position(|c| std::ptr::eq(c, n.el))
                        .map_or(0, |k| k + 1)
                }
            });
            let step = if ord > 0 {
                format!("{}:{}[{}]", prefix(&n.el.ns), n.el.name, ord)
            } else {
                format!("{}:{}", prefix(&n.el.ns), n.el.name)
            };
            match n.parent {
                Some(p) => format!("{}/{step}", self.path(p)),
                None => format!("/{step}"),
            }
        })
    }

    /// `//ram:name`.
    pub fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = (usize, &'s Node<'a>)> + 's {
        self.named_ns(RAM, name)
    }

    /// `//prefix:name` for any namespace.
    pub fn named_ns<'s>(&'s self, ns: &'s str, name: &'s str) -> impl Iterator<Item = (usize, &'s Node<'a>)> + 's {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(move |&i| (i, &self.nodes[i]))
            .filter(move |(_, n)| n.el.ns == ns)
    }

    /// Whether an ancestor of node `i` has this local name.
    pub fn has_ancestor(&self, i: usize, name: &str) -> bool {
        let mut at = self.nodes[i].parent;
        while let Some(p) = at {
            if self.nodes[p].el.name == name {
                return true;
            }
            at = self.nodes[p].parent;
        }
        false
    }

    pub fn parent_name(&self, i: usize) -> &str {
        self.nodes[i]
            .parent
            .map(|p| self.nodes[p].el.name.as_str())
            .unwrap_or("")
    }

    pub fn parent(&self, i: usize) -> Option<&Element> {
        self.nodes[i].parent.map(|p| self.nodes[p].el)
    }

    /// The ancestor `levels` up.
    pub fn up(&self, i: usize, levels: usize) -> Option<usize> {
        let mut at = i;
        for _ in 0..levels {
            at = self.nodes[at].parent?;
        }
        Some(at)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn locations_number_only_repeated_siblings() {
        let xml = format!(
            r#"<Invoice xmlns="{}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}"><cbc:ID>1</cbc:ID><cac:InvoiceLine><cbc:ID>a</cbc:ID></cac:InvoiceLine><cbc:Note>x</cbc:Note><cac:InvoiceLine><cbc:ID>b</cbc:ID><cbc:Note/><cbc:Note/></cac:InvoiceLine></Invoice>"#,
            crate::path::UBL_INVOICE
        );
        let root = crate::xml::parse(xml.as_bytes(), crate::xml::Limits::default()).unwrap();
        let d = Doc::new(&root);
        let paths: Vec<&str> = (0..d.nodes.len()).map(|i| d.path(i)).collect();
        assert_eq!(
            paths,
            [
                "/ubl:Invoice",
                "/ubl:Invoice/cbc:ID",
                "/ubl:Invoice/cac:InvoiceLine[1]",
                "/ubl:Invoice/cbc:Note",
                "/ubl:Invoice/cac:InvoiceLine[2]",
                "/ubl:Invoice/cac:InvoiceLine[1]/cbc:ID",
                "/ubl:Invoice/cac:InvoiceLine[2]/cbc:ID",
                "/ubl:Invoice/cac:InvoiceLine[2]/cbc:Note[1]",
                "/ubl:Invoice/cac:InvoiceLine[2]/cbc:Note[2]",
            ]
        );
        let ids: Vec<&str> = d.named_ns(CBC, "ID").map(|(_, n)| n.el.value()).collect();
        assert_eq!(ids, ["1", "a", "b"]);
    }
}
