//! Generates Rust from the BMF Programmablaufplan (PAP) XML for the
//! maschinelle Lohnsteuerberechnung.
//!
//! The PAP is pseudo-code: variables (`INPUT`, `OUTPUT`, `INTERNAL`),
//! constants, and methods made of `EVAL` (an assignment in a Java subset),
//! `EXECUTE` (a method call) and `IF`/`THEN`/`ELSE`. The generated module
//! keeps the PAP's method and variable names and its comments, statement by
//! statement, so a reviewer can compare it with the XML line by line; the
//! arithmetic runs on `kontor_payroll::dec::Dec` (Java `BigDecimal` value
//! semantics). A new year's PAP is a new XML file and a regenerated module:
//!
//! ```sh
//! cargo run -p kontor-papgen -- crates/kontor-payroll/pap/Lohnsteuer2026.xml crates/kontor-payroll/src/pap/lst2026.rs
//! ```

pub mod expr;

use std::fmt::Write as _;

use expr::{Names, Place, Ty};
use quick_xml::events::Event;

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("the PAP XML is not well-formed: {0}")]
    Xml(String),
    #[error("the PAP XML has an unexpected structure: {0}")]
    Structure(String),
    #[error("a PAP expression cannot be translated: {0}")]
    Expr(String),
}

/// A node of the PAP document: an element or a comment.
#[derive(Debug)]
enum Node {
    El(El),
    Comment(String),
}

#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn need(&self, name: &str) -> Result<&str, GenError> {
        self.attr(name)
            .ok_or_else(|| GenError::Structure(format!("<{}> without {name}", self.name)))
    }

    fn elements(&self) -> impl Iterator<Item = &El> {
        self.children.iter().filter_map(|n| match n {
            Node::El(e) => Some(e),
            Node::Comment(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.elements().find(|e| e.name == name)
    }
}

fn parse_xml(xml: &str) -> Result<El, GenError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        match r.read_event().map_err(|e| GenError::Xml(e.to_string()))? {
            Event::Start(s) => stack.push(element(&s)?),
            Event::Empty(s) => {
                let e = element(&s)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node::El(e));
                }
            }
            Event::End(_) => {
                let e = stack.pop().ok_or_else(|| GenError::Xml("unbalanced end tag".into()))?;
                let top = stack
                    .last_mut()
                    .ok_or_else(|| GenError::Xml("unbalanced end tag".into()))?;
                top.children.push(Node::El(e));
            }
            Event::Comment(c) => {
                let text = String::from_utf8_lossy(&c).into_owned();
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node::Comment(text));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let doc = stack.pop().ok_or_else(|| GenError::Xml("empty".into()))?;
    doc.children
        .into_iter()
        .find_map(|n| match n {
            Node::El(e) if e.name == "PAP" => Some(e),
            _ => None,
        })
        .ok_or_else(|| GenError::Structure("no <PAP> root".into()))
}

fn element(s: &quick_xml::events::BytesStart<'_>) -> Result<El, GenError> {
    let name = String::from_utf8_lossy(s.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| GenError::Xml(e.to_string()))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|e| GenError::Xml(e.to_string()))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(El {
        name,
        attrs,
        children: Vec::new(),
    })
}

/// A PAP variable declaration.
struct Var {
    name: String,
    ty: Ty,
    default: Option<String>,
    comment: Vec<String>,
    kind: &'static str,
}

fn ty_of(t: &str) -> Result<Ty, GenError> {
    match t {
        "int" => Ok(Ty::Int),
        // The only `double` of the PAP is the Faktor `f` (three decimals);
        // kontor keeps it decimal.
        "BigDecimal" | "double" => Ok(Ty::Dec),
        "BigDecimal[]" => Ok(Ty::DecArray),
        other => Err(GenError::Structure(format!("unknown type {other}"))),
    }
}

fn comment_lines(c: &str) -> Vec<String> {
    c.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The default value of a variable as Rust.
fn default_code(v: &Var, names: &Names) -> Result<String, GenError> {
    let Some(d) = v.default.as_deref() else {
        return Ok(match v.ty {
            Ty::Int => "0".into(),
            _ => "Dec::ZERO".into(),
        });
    };
    let e = expr::parse(d)?;
    let (code, t) = expr::rust(&e, names)?;
    Ok(match (v.ty, t) {
        (a, b) if a == b => code,
        (Ty::Dec, Ty::Int) => format!("Dec::lit({code}, 0)"),
        (Ty::Dec, _) | (_, Ty::Dec) if v.ty == Ty::Dec => code,
        (a, b) => return Err(GenError::Expr(format!("default of {} ({a:?}) is {b:?}", v.name))),
    })
}

fn rust_ty(t: Ty) -> &'static str {
    match t {
        Ty::Int => "i64",
        _ => "Dec",
    }
}

/// Generates the Rust module for a PAP. `source` names the XML in the header.
pub fn generate(xml: &str, source: &str, sha256: &str) -> Result<String, GenError> {
    let pap = parse_xml(xml)?;
    let pap_name = pap.need("name")?.to_string();
    let vars_el = pap
        .child("VARIABLES")
        .ok_or_else(|| GenError::Structure("no <VARIABLES>".into()))?;
    let mut vars: Vec<Var> = Vec::new();
    let mut outputs_by_kind: Vec<(String, Vec<String>)> = Vec::new();
    for group in vars_el.elements() {
        let (tag, kind) = match group.name.as_str() {
            "INPUTS" => ("INPUT", "input"),
            "OUTPUTS" => ("OUTPUT", "output"),
            "INTERNALS" => ("INTERNAL", "internal"),
            _ => continue,
        };
        let mut pending: Vec<String> = Vec::new();
        let mut names_here = Vec::new();
        for n in &group.children {
            match n {
                Node::Comment(c) => pending.extend(comment_lines(c)),
                Node::El(e) if e.name == tag => {
                    let name = e.need("name")?.to_string();
                    names_here.push(name.clone());
                    vars.push(Var {
                        name,
                        ty: ty_of(e.need("type")?)?,
                        // `defaul` is a typo of the 2026 XML (VJAHR); its value is the default.
                        default: e.attr("default").or(e.attr("defaul")).map(str::to_string),
                        comment: std::mem::take(&mut pending),
                        kind,
                    });
                }
                Node::El(_) => {}
            }
        }
        if kind == "output" {
            outputs_by_kind.push((group.attr("type").unwrap_or("").to_string(), names_here));
        }
    }
    let mut names: Names = Names::new();
    for v in &vars {
        names.insert(v.name.clone(), (v.ty, Place::Field));
    }
    let consts_el = vars_el
        .child("CONSTANTS")
        .or_else(|| pap.child("CONSTANTS"))
        .ok_or_else(|| GenError::Structure("no <CONSTANTS>".into()))?;
    let mut consts = String::new();
    for c in consts_el.elements().filter(|e| e.name == "CONSTANT") {
        let name = c.need("name")?;
        let ty = ty_of(c.need("type")?)?;
        let value = c.need("value")?;
        match ty {
            Ty::DecArray => {
                let inner = value
                    .trim()
                    .strip_prefix('{')
                    .and_then(|v| v.strip_suffix('}'))
                    .ok_or_else(|| GenError::Structure(format!("table {name} is not {{…}}")))?;
                let items: Vec<String> = split_top(inner)
                    .iter()
                    .map(|i| expr::parse(i).and_then(|e| expr::rust(&e, &names)).map(|(c, _)| c))
                    .collect::<Result<_, _>>()?;
                let _ = writeln!(consts, "pub const {name}: [Dec; {}] = [", items.len());
                for chunk in items.chunks(4) {
                    let _ = writeln!(consts, "    {},", chunk.join(", "));
                }
                let _ = writeln!(consts, "];");
            }
            _ => {
                let (code, t) = expr::rust(&expr::parse(value)?, &names)?;
                let code = if ty == Ty::Dec && t == Ty::Int {
                    format!("Dec::lit({code}, 0)")
                } else {
                    code
                };
                let _ = writeln!(consts, "pub const {name}: {} = {code};", rust_ty(ty));
            }
        }
        names.insert(name.to_string(), (ty, Place::Const));
    }

    let methods_el = pap
        .child("METHODS")
        .ok_or_else(|| GenError::Structure("no <METHODS>".into()))?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! GENERATED by kontor-papgen from `{source}` (SHA-256 {sha256}),\n\
         //! the BMF Programmablaufplan `{pap_name}` (© Bundesministerium der Finanzen).\n\
         //! Do not edit: change the generator or the XML and regenerate:\n\
         //! `cargo run -p kontor-papgen -- {source} <this file>`.\n\
         //!\n\
         //! Names, order and comments follow the PAP, so each method can be compared\n\
         //! with the XML statement by statement.\n\
         \n\
         #![allow(non_snake_case, non_upper_case_globals, unused_parens, clippy::all, clippy::pedantic)]\n\
         \n\
         use crate::dec::{{Dec, Round}};\n\
         \n\
         /// `TAB[i]`; an index outside the table (impossible for validated input) reads zero.\n\
         fn tab(t: &[Dec], i: i64) -> Dec {{\n    usize::try_from(i).ok().and_then(|i| t.get(i)).copied().unwrap_or(Dec::ZERO)\n}}\n"
    );
    out.push_str(&consts);
    out.push('\n');
    let _ = writeln!(
        out,
        "/// The state of one PAP calculation: inputs, outputs and internal values."
    );
    let _ = writeln!(out, "#[derive(Clone, Debug)]\npub struct {pap_name} {{");
    for v in &vars {
        for l in &v.comment {
            let _ = writeln!(out, "    /// {}", l.replace('\t', " "));
        }
        let _ = writeln!(out, "    /// ({})\n    pub {}: {},", v.kind, v.name, rust_ty(v.ty));
    }
    let _ = writeln!(
        out,
        "}}\n\nimpl Default for {pap_name} {{\n    fn default() -> Self {{\n        Self {{"
    );
    for v in &vars {
        let _ = writeln!(out, "            {}: {},", v.name, default_code(v, &names)?);
    }
    let _ = writeln!(out, "        }}\n    }}\n}}\n");
    let input_names: Vec<&str> = vars
        .iter()
        .filter(|v| v.kind == "input")
        .map(|v| v.name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "/// The PAP's inputs, in its order.\npub const INPUTS: [&str; {}] = [{}];",
        input_names.len(),
        quoted(&input_names)
    );
    for (kind, outs) in &outputs_by_kind {
        let refs: Vec<&str> = outs.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "/// The PAP's outputs of type {kind}.\npub const OUTPUTS_{kind}: [&str; {}] = [{}];",
            refs.len(),
            quoted(&refs)
        );
    }
    out.push('\n');
    let _ = writeln!(out, "impl {pap_name} {{");
    // Accessors by name, for the JSON interface and the explanation trace.
    let _ = writeln!(out, "    /// An integer variable by its PAP name.\n    pub fn int(&self, name: &str) -> Option<i64> {{\n        match name {{");
    for v in vars.iter().filter(|v| v.ty == Ty::Int) {
        let _ = writeln!(out, "            \"{0}\" => Some(self.{0}),", v.name);
    }
    let _ = writeln!(out, "            _ => None,\n        }}\n    }}\n");
    let _ = writeln!(out, "    /// A decimal variable by its PAP name.\n    pub fn dec(&self, name: &str) -> Option<Dec> {{\n        match name {{");
    for v in vars.iter().filter(|v| v.ty == Ty::Dec) {
        let _ = writeln!(out, "            \"{0}\" => Some(self.{0}),", v.name);
    }
    let _ = writeln!(out, "            _ => None,\n        }}\n    }}\n");
    let _ = writeln!(out, "    /// Sets an integer input; false if there is none of that name.\n    pub fn set_int(&mut self, name: &str, v: i64) -> bool {{\n        match name {{");
    for v in vars.iter().filter(|v| v.ty == Ty::Int && v.kind == "input") {
        let _ = writeln!(out, "            \"{0}\" => self.{0} = v,", v.name);
    }
    let _ = writeln!(
        out,
        "            _ => return false,\n        }}\n        true\n    }}\n"
    );
    let _ = writeln!(out, "    /// Sets a decimal input; false if there is none of that name.\n    pub fn set_dec(&mut self, name: &str, v: Dec) -> bool {{\n        match name {{");
    for v in vars.iter().filter(|v| v.ty == Ty::Dec && v.kind == "input") {
        let _ = writeln!(out, "            \"{0}\" => self.{0} = v,", v.name);
    }
    let _ = writeln!(
        out,
        "            _ => return false,\n        }}\n        true\n    }}\n"
    );

    for m in methods_el.elements() {
        let (fname, doc) = match m.name.as_str() {
            "MAIN" => (
                "run".to_string(),
                "The PAP's MAIN: computes all outputs from the inputs.".to_string(),
            ),
            "METHOD" => {
                let n = m.need("name")?.to_string();
                (n.clone(), format!("PAP method {n}."))
            }
            _ => continue,
        };
        let vis = if fname == "run" { "pub " } else { "" };
        let _ = writeln!(out, "    /// {doc}\n    {vis}fn {fname}(&mut self) {{");
        body(&m.children, 2, &names, &mut out)?;
        let _ = writeln!(out, "    }}\n");
    }
    // drop the blank line before the closing brace
    if out.ends_with("\n\n") {
        out.pop();
    }
    out.push_str("}\n");
    Ok(out)
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// Splits a table literal at its top-level commas.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn body(nodes: &[Node], depth: usize, names: &Names, out: &mut String) -> Result<(), GenError> {
    let ind = "    ".repeat(depth);
    for n in nodes {
        match n {
            Node::Comment(c) => {
                for l in comment_lines(c) {
                    let _ = writeln!(out, "{ind}// {}", l.replace('\t', " "));
                }
            }
            Node::El(e) => match e.name.as_str() {
                "EVAL" => {
                    let src = e.need("exec")?;
                    let (name, ex) = expr::parse_assignment(src)?;
                    let _ = writeln!(out, "{ind}{}", expr::assignment(&name, &ex, names)?);
                }
                "EXECUTE" => {
                    let _ = writeln!(out, "{ind}self.{}();", e.need("method")?.trim());
                }
                "IF" => {
                    let (cond, t) = expr::rust(&expr::parse(e.need("expr")?)?, names)?;
                    if t != Ty::Bool {
                        return Err(GenError::Expr(format!("IF condition is not boolean: {cond}")));
                    }
                    let cond = cond
                        .strip_prefix('(')
                        .and_then(|c| c.strip_suffix(')'))
                        .filter(|c| balanced(c))
                        .unwrap_or(&cond)
                        .to_string();
                    let _ = writeln!(out, "{ind}if {cond} {{");
                    if let Some(then) = e.child("THEN") {
                        body(&then.children, depth + 1, names, out)?;
                    }
                    if let Some(els) = e.child("ELSE") {
                        let _ = writeln!(out, "{ind}}} else {{");
                        body(&els.children, depth + 1, names, out)?;
                    }
                    let _ = writeln!(out, "{ind}}}");
                }
                other => return Err(GenError::Structure(format!("unknown statement <{other}>"))),
            },
        }
    }
    Ok(())
}

/// Whether the parentheses of `s` balance (so outer ones may be dropped).
fn balanced(s: &str) -> bool {
    let mut d = 0i32;
    for c in s.chars() {
        match c {
            '(' => d += 1,
            ')' => {
                d -= 1;
                if d < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    d == 0
}

/// [`generate`] for the XML's bytes, with their SHA-256 in the header.
pub fn generate_from_bytes(xml: &[u8], source: &str) -> Result<String, GenError> {
    use sha2::Digest as _;
    let text = std::str::from_utf8(xml).map_err(|e| GenError::Xml(format!("not UTF-8: {e}")))?;
    let sha = hex::encode(sha2::Sha256::digest(xml));
    generate(text, source, &sha)
}
