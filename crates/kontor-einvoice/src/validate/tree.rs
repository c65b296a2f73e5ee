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

/// One element of the document with its location and parent.
pub(super) struct Node<'a> {
    pub path: String,
    pub el: &'a Element,
    pub parent: Option<usize>,
}

/// The document, flattened once so that `//name` lookups are cheap.
pub(super) struct Doc<'a> {
    pub r: &'a Element,
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Doc<'a> {
    pub fn new(r: &'a Element) -> Self {
        let mut nodes = vec![Node {
            path: format!("/{}:{}", prefix(&r.ns), r.name),
            el: r,
            parent: None,
        }];
        let mut i = 0;
        while i < nodes.len() {
            let e = nodes[i].el;
            let base = nodes[i].path.clone();
            let mut seen: Vec<(&str, &str, usize)> = Vec::new();
            for c in &e.children {
                let total = e.children.iter().filter(|x| x.name == c.name && x.ns == c.ns).count();
                let n = match seen.iter_mut().find(|(ns, name, _)| *ns == c.ns && *name == c.name) {
                    Some(s) => {
                        s.2 += 1;
                        s.2
                    }
                    None => {
                        seen.push((&c.ns, &c.name, 1));
                        1
                    }
                };
                let step = if total > 1 {
                    format!("{base}/{}:{}[{n}]", prefix(&c.ns), c.name)
                } else {
                    format!("{base}/{}:{}", prefix(&c.ns), c.name)
                };
                nodes.push(Node {
                    path: step,
                    el: c,
                    parent: Some(i),
                });
            }
            i += 1;
        }
        Self { r, nodes }
    }

    /// `//ram:name`.
    pub fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = (usize, &'s Node<'a>)> + 's {
        self.named_ns(RAM, name)
    }

    /// `//prefix:name` for any namespace.
    pub fn named_ns<'s>(&'s self, ns: &'s str, name: &'s str) -> impl Iterator<Item = (usize, &'s Node<'a>)> + 's {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.el.ns == ns && n.el.name == name)
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
