//! ZUGFeRD / Factur-X / XRechnung-in-PDF: finding the invoice XML among a
//! PDF/A-3's embedded files.

use std::io::Read;

use lopdf::{Dictionary, Document, Object};

/// File names under which the standards embed the invoice, in order of preference.
pub const INVOICE_NAMES: [&str; 4] = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml"];

/// Largest embedded XML accepted after decompression (bytes).
pub const EMBEDDED_MAX: usize = 50 * 1024 * 1024;

/// An embedded file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub mime: Option<String>,
    /// `/AFRelationship` (e.g. `Alternative`, `Data`, `Source`).
    pub relationship: Option<String>,
    pub content: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PdfError {
    /// Not a readable PDF (truncated, damaged, encrypted).
    Unreadable(String),
    /// A readable PDF without an embedded invoice XML.
    NoInvoice {
        attachments: Vec<String>,
    },
    TooLarge,
}

impl PdfError {
    pub fn message(&self) -> (String, String) {
        match self {
            PdfError::Unreadable(d) => (
                format!("Die PDF-Datei ist nicht lesbar (beschädigt, abgeschnitten oder verschlüsselt): {d}."),
                format!("The PDF cannot be read (damaged, truncated or encrypted): {d}."),
            ),
            PdfError::NoInvoice { attachments } if attachments.is_empty() => (
                "Die PDF-Datei enthält keine eingebettete E-Rechnung (keine angehängten Dateien). Sie ist eine Bild-Rechnung; für den Vorsteuerabzug ab 2025 fordern Sie eine E-Rechnung an.".into(),
                "The PDF carries no embedded e-invoice (no attached files). It is an image invoice; ask the supplier for an e-invoice.".into(),
            ),
            PdfError::NoInvoice { attachments } => (
                format!("Die PDF-Datei enthält keine E-Rechnung ({} erwartet), nur: {}.", INVOICE_NAMES.join(", "), attachments.join(", ")),
                format!("The PDF carries no e-invoice ({} expected), only: {}.", INVOICE_NAMES.join(", "), attachments.join(", ")),
            ),
            PdfError::TooLarge => (
                format!("Die eingebettete Datei ist größer als {} MB.", EMBEDDED_MAX / 1_048_576),
                format!("The embedded file is larger than {} MB.", EMBEDDED_MAX / 1_048_576),
            ),
        }
    }
}

/// Whether the bytes look like a PDF.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.len() >= 5 && bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-")
}

fn text(o: &Object) -> Option<String> {
    match o {
        Object::String(b, _) => Some(decode_pdf_text(b)),
        Object::Name(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// PDF text strings are UTF-16BE with a BOM, or PDFDocEncoding (Latin-1 for our purposes).
fn decode_pdf_text(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else if let Ok(s) = std::str::from_utf8(b) {
        s.to_string()
    } else {
        b.iter().map(|&c| c as char).collect()
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, o).and_then(|o| o.as_dict().ok())
}

/// Decompresses a stream's content, bounded (a deflate bomb stops at the limit).
fn stream_content(s: &lopdf::Stream) -> Result<Vec<u8>, PdfError> {
    let filters = s.filters().unwrap_or_default();
    match filters.as_slice() {
        [] => Ok(s.content.clone()),
        [f] if *f == b"FlateDecode" => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(s.content.as_slice())
                .take(EMBEDDED_MAX as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| PdfError::Unreadable(format!("embedded file does not decompress: {e}")))?;
            if out.len() > EMBEDDED_MAX {
                return Err(PdfError::TooLarge);
            }
            Ok(out)
        }
        _ => {
            let out = s
                .decompressed_content()
                .map_err(|e| PdfError::Unreadable(format!("embedded file uses an unsupported filter: {e}")))?;
            if out.len() > EMBEDDED_MAX {
                return Err(PdfError::TooLarge);
            }
            Ok(out)
        }
    }
}

fn filespec(doc: &Document, spec: &Dictionary, fallback_name: Option<String>) -> Result<Option<Attachment>, PdfError> {
    let name = ["UF", "F"]
        .iter()
        .find_map(|k| spec.get(k.as_bytes()).ok().and_then(|o| deref(doc, o)).and_then(text))
        .or(fallback_name)
        .unwrap_or_default();
    let Some(ef) = spec.get(b"EF").ok().and_then(|o| dict(doc, o)) else {
        return Ok(None);
    };
    let Some(stream) = ["UF", "F"]
        .iter()
        .find_map(|k| ef.get(k.as_bytes()).ok().and_then(|o| deref(doc, o)))
        .and_then(|o| o.as_stream().ok())
    else {
        return Ok(None);
    };
    let mime = stream.dict.get(b"Subtype").ok().and_then(text);
    let relationship = spec.get(b"AFRelationship").ok().and_then(text);
    Ok(Some(Attachment {
        name,
        mime,
        relationship,
        content: stream_content(stream)?,
    }))
}

/// Walks a name tree (`/Names` pairs, `/Kids`), bounded against cycles.
fn name_tree(doc: &Document, node: &Dictionary, out: &mut Vec<Attachment>, depth: usize) -> Result<(), PdfError> {
    if depth > 16 || out.len() > 1000 {
        return Ok(());
    }
    if let Ok(names) = node.get(b"Names").and_then(|o| o.as_array()) {
        for pair in names.chunks(2) {
            let key = pair.first().and_then(|k| deref(doc, k)).and_then(text);
            if let Some(spec) = pair.get(1).and_then(|v| dict(doc, v)) {
                if let Some(a) = filespec(doc, spec, key)? {
                    out.push(a);
                }
            }
        }
    }
    if let Ok(kids) = node.get(b"Kids").and_then(|o| o.as_array()) {
        for k in kids {
            if let Some(kid) = dict(doc, k) {
                name_tree(doc, kid, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// Every embedded file of a PDF: the `/EmbeddedFiles` name tree, plus the
/// catalog's associated files (`/AF`) not listed there.
pub fn attachments(bytes: &[u8]) -> Result<Vec<Attachment>, PdfError> {
    if bytes.len() > EMBEDDED_MAX {
        return Err(PdfError::TooLarge);
    }
    // The PDF parser is not ours; a panic in it must not take kontor down.
    let loaded = std::panic::catch_unwind(|| Document::load_mem(bytes))
        .map_err(|_| PdfError::Unreadable("the PDF structure is inconsistent".into()))?;
    let doc = loaded.map_err(|e| PdfError::Unreadable(e.to_string()))?;
    let catalog = doc
        .catalog()
        .map_err(|e| PdfError::Unreadable(format!("no document catalog: {e}")))?;
    let mut out = Vec::new();
    if let Some(tree) = catalog
        .get(b"Names")
        .ok()
        .and_then(|o| dict(&doc, o))
        .and_then(|names| names.get(b"EmbeddedFiles").ok())
        .and_then(|o| dict(&doc, o))
    {
        name_tree(&doc, tree, &mut out, 0)?;
    }
    if let Ok(af) = catalog
        .get(b"AF")
        .and_then(|o| doc.dereference(o).map(|(_, o)| o))
        .and_then(|o| o.as_array())
    {
        for spec in af.iter().filter_map(|o| dict(&doc, o)) {
            if let Some(a) = filespec(&doc, spec, None)? {
                if !out.iter().any(|x| x.name == a.name) {
                    out.push(a);
                }
            }
        }
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| p + from)
}

/// Text of `bytes[from..from + len]`, binary bytes replaced.
fn ascii_window(bytes: &[u8], from: usize, len: usize) -> String {
    let w = &bytes[from.min(bytes.len())..bytes.len().min(from + len)];
    w.iter()
        .map(|b| if b.is_ascii() { char::from(*b) } else { '\u{fffd}' })
        .collect()
}

/// `num gen R` at the start of `s`.
fn reference(s: &str) -> Option<(u32, u32)> {
    let mut parts = s.split_whitespace();
    let num = parts.next()?.parse().ok()?;
    let gen = parts.next()?.parse().ok()?;
    (parts.next()?.starts_with('R')).then_some((num, gen))
}

/// Where indirect object `num gen` starts, if it is defined exactly once
/// (a redefinition in a later revision makes a scan ambiguous).
fn object_start(bytes: &[u8], num: u32, gen: u32) -> Option<usize> {
    let head = format!("{num} {gen} obj");
    let mut at = 0;
    let mut first = None;
    while let Some(p) = find(bytes, head.as_bytes(), at) {
        at = p + 1;
        // Must start a line (not `112 0 obj` matching `12 0 obj`).
        if p == 0 || matches!(bytes[p - 1], b'\n' | b'\r' | b' ') {
            if first.is_some() {
                return None;
            }
            first = Some(p);
        }
    }
    first
}

/// The stream a file specification's `/EF` points to (`/EF << /F 12 0 R >>`
/// or `/EF 18 0 R` with that dictionary elsewhere).
fn ef_reference(bytes: &[u8], from: usize) -> Option<(u32, u32)> {
    let window = ascii_window(bytes, from, 2048);
    let ef = window.find("/EF")?;
    let rest = window[ef + 3..].trim_start();
    let dict = if rest.starts_with("<<") {
        rest.to_string()
    } else {
        let (num, gen) = reference(rest)?;
        let at = object_start(bytes, num, gen)?;
        ascii_window(bytes, at, 512)
    };
    let key = dict
        .find("/F ")
        .map(|p| p + 3)
        .or_else(|| dict.find("/UF ").map(|p| p + 4))?;
    reference(&dict[key..])
}

/// The content of indirect stream object `num gen`, found by scanning.
fn scan_stream(bytes: &[u8], num: u32, gen: u32) -> Option<Vec<u8>> {
    let obj = object_start(bytes, num, gen)?;
    let start = find(bytes, b"stream", obj)?;
    let dict = &bytes[obj..start];
    let mut body = start + 6;
    if bytes.get(body) == Some(&b'\r') {
        body += 1;
    }
    if bytes.get(body) == Some(&b'\n') {
        body += 1;
    }
    let end = find(bytes, b"endstream", body)?;
    let raw = &bytes[body..end];
    if find(dict, b"/FlateDecode", 0).is_some() {
        let mut dec = Vec::new();
        flate2::read::ZlibDecoder::new(raw)
            .take(EMBEDDED_MAX as u64 + 1)
            .read_to_end(&mut dec)
            .ok()?;
        (dec.len() <= EMBEDDED_MAX).then_some(dec)
    } else {
        let trimmed = raw
            .strip_suffix(b"\r\n")
            .or_else(|| raw.strip_suffix(b"\n"))
            .unwrap_or(raw);
        Some(trimmed.to_vec())
    }
}

/// When the cross-reference table is damaged, do what PDF readers do and
/// look at the objects themselves: find the file specification naming an
/// invoice file, follow its `/EF` reference, read that stream.
/// The decompressed contents of the object streams (`/Type /ObjStm`), where
/// PDF 1.5+ writers keep small dictionaries such as file specifications.
fn object_streams(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = find(bytes, b"/ObjStm", at) {
        let Some(start) = find(bytes, b"stream", p) else { break };
        let head = &bytes[p..start];
        let mut body = start + 6;
        if bytes.get(body) == Some(&b'\r') {
            body += 1;
        }
        if bytes.get(body) == Some(&b'\n') {
            body += 1;
        }
        let Some(end) = find(bytes, b"endstream", body) else {
            break;
        };
        if find(head, b"/FlateDecode", 0).is_some() && find(head, b"/DecodeParms", 0).is_none() {
            let mut dec = Vec::new();
            let ok = flate2::read::ZlibDecoder::new(&bytes[body..end])
                .take(EMBEDDED_MAX as u64 + 1)
                .read_to_end(&mut dec)
                .is_ok();
            if ok && dec.len() <= EMBEDDED_MAX {
                out.push(dec);
            }
        }
        at = end;
    }
    out
}

/// A PDF string at the start of `s`: literal `( … )` with its escapes, or
/// hex `< … >` (UTF-16BE with a byte order mark, else bytes).
fn pdf_string(s: &[u8]) -> Option<String> {
    match s.first()? {
        b'(' => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut i = 1;
            while i < s.len() {
                let c = s[i];
                match c {
                    b'\\' => {
                        i += 1;
                        let e = *s.get(i)?;
                        match e {
                            b'n' => out.push(b'\n'),
                            b'r' => out.push(b'\r'),
                            b't' => out.push(b'\t'),
                            b'0'..=b'7' => {
                                let mut v = 0u32;
                                let mut k = 0;
                                while k < 3 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                                    v = v * 8 + u32::from(s[i] - b'0');
                                    i += 1;
                                    k += 1;
                                }
                                out.push((v & 0xFF) as u8);
                                continue;
                            }
                            other => out.push(other),
                        }
                    }
                    b'(' => {
                        depth += 1;
                        out.push(c);
                    }
                    b')' if depth == 0 => return Some(decode_text(&out)),
                    b')' => {
                        depth -= 1;
                        out.push(c);
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
            None
        }
        b'<' => {
            let end = s.iter().position(|b| *b == b'>')?;
            let hex: Vec<u8> = s[1..end].iter().copied().filter(u8::is_ascii_hexdigit).collect();
            let bytes: Vec<u8> = hex
                .chunks(2)
                .filter_map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                .collect();
            Some(decode_text(&bytes))
        }
        _ => None,
    }
}

/// A PDF text string: UTF-16BE with a byte order mark, else bytes.
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The file names (`/UF`, `/F`) of the file specification dictionary
/// starting at `dict`.
fn filespec_names(hay: &[u8], dict: usize) -> Vec<String> {
    let mut names = Vec::new();
    let end = find(hay, b"endobj", dict)
        .map_or(hay.len(), |e| e.min(dict + 4096))
        .min(hay.len());
    let d = &hay[dict..end.max(dict)];
    for key in [&b"/UF"[..], &b"/F"[..]] {
        let mut at = 0;
        while let Some(p) = find(d, key, at) {
            at = p + key.len();
            let rest = &d[at..];
            // `/F` must not be the start of `/Filespec` or `/FlateDecode`.
            if rest.first().is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            let skip = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
            if let Some(name) = pdf_string(&rest[skip..]) {
                names.push(name);
                break;
            }
        }
    }
    names
}

fn scan_embedded(bytes: &[u8]) -> Vec<Attachment> {
    let mut found = scan_in(bytes, std::iter::once(bytes));
    if found.is_empty() {
        let packed = object_streams(bytes);
        found = scan_in(bytes, packed.iter().map(Vec::as_slice));
    }
    // In the order of preference of invoice names.
    let mut out = Vec::new();
    for name in INVOICE_NAMES {
        if let Some((_, content)) = found.iter().find(|(n, _)| n == name) {
            out.push(Attachment {
                name: name.to_string(),
                mime: Some("text/xml".into()),
                relationship: None,
                content: content.clone(),
            });
        }
    }
    out
}

/// The invoice files whose specifications appear in `hays` (the file
/// itself, or decompressed object streams), each read from `bytes`. A name
/// specified twice (e.g. in an older revision) is not trusted to a scan.
fn scan_in<'h>(bytes: &[u8], hays: impl Iterator<Item = &'h [u8]>) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ambiguous: Vec<String> = Vec::new();
    for hay in hays {
        let mut at = 0;
        while let Some(p) = find(hay, b"/Filespec", at) {
            at = p + 9;
            // The object around `/Type /Filespec` (in object streams, where
            // objects have no header, the nearest dictionary start).
            let from = p.saturating_sub(2048);
            let before = &hay[from..p];
            let dict = match (
                memchr::memmem::rfind(before, b" obj"),
                memchr::memmem::rfind(before, b"endobj"),
            ) {
                (Some(o), e) if e.is_none_or(|e| e < o) => from + o + 4,
                _ => match before.windows(2).rposition(|w| w == b"<<") {
                    Some(q) => from + q,
                    None => continue,
                },
            };
            let names = filespec_names(hay, dict);
            let Some(wanted) = INVOICE_NAMES
                .iter()
                .find(|n| names.iter().any(|name| n.eq_ignore_ascii_case(name)))
            else {
                continue;
            };
            if found.iter().any(|(n, _)| n == wanted) {
                ambiguous.push((*wanted).to_string());
                continue;
            }
            let Some((num, gen)) = ef_reference(hay, dict) else {
                continue;
            };
            if let Some(content) = scan_stream(bytes, num, gen) {
                found.push(((*wanted).to_string(), content));
            }
        }
    }
    found.retain(|(n, _)| !ambiguous.contains(n));
    found
}

/// The embedded invoice XML of a ZUGFeRD / Factur-X / XRechnung PDF.
pub fn invoice_xml(bytes: &[u8]) -> Result<Attachment, PdfError> {
    // Fast path: find the invoice's file specification and stream by
    // scanning (unambiguous names and objects only, so an older revision
    // cannot be picked up) without parsing every object of the document.
    if bytes.len() <= EMBEDDED_MAX {
        if let Some(a) = scan_embedded(bytes).into_iter().next() {
            return Ok(a);
        }
    }
    let all = match attachments(bytes) {
        Ok(all) => all,
        Err(PdfError::Unreadable(why)) => {
            let found = scan_embedded(bytes);
            if found.is_empty() {
                return Err(PdfError::Unreadable(why));
            }
            found
        }
        Err(e) => return Err(e),
    };
    for wanted in INVOICE_NAMES {
        if let Some(a) = all.iter().find(|a| a.name.eq_ignore_ascii_case(wanted)) {
            return Ok(a.clone());
        }
    }
    Err(PdfError::NoInvoice {
        attachments: all.into_iter().map(|a| a.name).collect(),
    })
}
