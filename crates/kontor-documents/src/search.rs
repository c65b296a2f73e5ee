//! German-aware search terms, the same for SQLite FTS5 and PostgreSQL
//! full-text search (docs/adr/0012-document-search.md): kontor normalises
//! text itself and hands both engines plain space-separated tokens, so a
//! query finds the same documents on either backend.
//!
//! - Case and umlauts: `Müller`, `MÜLLER` and `Mueller` are one token
//!   (`mueller`); `ß` is `ss`; other accents are dropped (`Café` → `cafe`).
//! - Compound words: every word of 8 letters or more also yields its tails
//!   of 4 letters or more (`stromrechnung` → `rechnung`, `echnung`, …) in a
//!   second, lower-weighted field. Together with prefix queries this finds a
//!   compound by any of its parts: `rechnung` matches the tail,
//!   `fahrzeug*` matches the tail `fahrzeugversicherung` of
//!   `kraftfahrzeugversicherung`.
//! - Every query term is a prefix: `rech` finds `Rechnung`.

/// Words longer than this are cut (nobody searches for them whole).
const MAX_TOKEN: usize = 40;
/// Words at least this long also index their tails.
const COMPOUND_MIN: usize = 8;
/// The shortest tail (and head) of a compound that is indexed.
const PART_MIN: usize = 4;
/// At most this many query terms are used.
const MAX_QUERY_TERMS: usize = 12;

/// Appends the normalised form of `c` to `out`; returns false for a
/// character that separates words.
fn fold(c: char, out: &mut String) -> bool {
    match c {
        'a'..='z' | '0'..='9' => out.push(c),
        'A'..='Z' => out.push(c.to_ascii_lowercase()),
        'ä' | 'Ä' => out.push_str("ae"),
        'ö' | 'Ö' => out.push_str("oe"),
        'ü' | 'Ü' => out.push_str("ue"),
        'ß' | 'ẞ' => out.push_str("ss"),
        'à' | 'á' | 'â' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => out.push('a'),
        'ç' | 'Ç' => out.push('c'),
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('e'),
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('i'),
        'ñ' | 'Ñ' => out.push('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' => out.push('o'),
        'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => out.push('u'),
        'ý' | 'ÿ' | 'Ý' => out.push('y'),
        c if c.is_alphanumeric() => out.extend(c.to_lowercase().filter(|l| l.is_alphanumeric())),
        _ => return false,
    }
    true
}

/// The normalised words of `text`, in order (with repeats).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if !fold(c, &mut cur) && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    for t in &mut out {
        if t.len() > MAX_TOKEN {
            let mut end = MAX_TOKEN;
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            t.truncate(end);
        }
    }
    out
}

/// What goes into the full-text index for one document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexText {
    /// The document's words, normalised, space-separated.
    pub body: String,
    /// Tails of its compound words, each once, space-separated.
    pub parts: String,
}

/// The index text of a document's text and metadata.
pub fn index_text(text: &str) -> IndexText {
    let words = tokens(text);
    let mut parts: Vec<&str> = Vec::new();
    for w in &words {
        if w.len() < COMPOUND_MIN || !w.bytes().all(|b| b.is_ascii_lowercase()) {
            continue;
        }
        for start in PART_MIN.min(w.len())..=(w.len() - PART_MIN) {
            parts.push(&w[start..]);
        }
    }
    parts.sort_unstable();
    parts.dedup();
    IndexText {
        body: words.join(" "),
        parts: parts.join(" "),
    }
}

/// What is indexed of a document: its name, correspondent, invoice
/// number and tags ahead of its text, so each of them is found too.
pub fn index_source(
    name: &str,
    correspondent: Option<&str>,
    invoice_number: Option<&str>,
    tags: &[String],
    text: &str,
) -> String {
    format!(
        "{name}\n{}\n{}\n{}\n{text}",
        correspondent.unwrap_or(""),
        invoice_number.unwrap_or(""),
        tags.join(" ")
    )
}

/// The terms of a search query: normalised words, each to be matched as a
/// prefix. Empty when the query has no word.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms = tokens(query);
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

/// An FTS5 MATCH expression: all terms, each as a prefix. Terms are quoted,
/// so nothing a person types is read as FTS syntax.
pub fn fts5_match(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// A PostgreSQL `to_tsquery('simple', …)` expression: all terms, each as a
/// prefix. Tokens hold only letters and digits, so nothing needs quoting.
pub fn tsquery(terms: &[String]) -> String {
    terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn umlauts_case_and_accents_fold() {
        assert_eq!(tokens("Müller MÜLLER Mueller"), vec!["mueller"; 3]);
        assert_eq!(tokens("Straße, Café-Bär!"), vec!["strasse", "cafe", "baer"]);
        assert_eq!(tokens("RE-2026/0042 19%"), vec!["re", "2026", "0042", "19"]);
        assert!(tokens(" \n\t–.").is_empty());
    }

    #[test]
    fn compounds_are_found_by_their_parts() {
        let ix = index_text("Ihre Stromrechnung und Kraftfahrzeugversicherung");
        assert_eq!(ix.body, "ihre stromrechnung und kraftfahrzeugversicherung");
        let parts: Vec<&str> = ix.parts.split(' ').collect();
        assert!(parts.contains(&"rechnung"));
        assert!(parts.contains(&"versicherung"));
        assert!(parts.contains(&"fahrzeugversicherung"));
        // Heads come from prefix queries on the body, not from parts.
        assert!(!parts.contains(&"strom"));
        assert!(!parts.iter().any(|p| p.len() < PART_MIN));
    }

    #[test]
    fn queries_are_quoted_prefixes() {
        let t = query_terms("Müller \"OR\" rech* rech");
        assert_eq!(t, vec!["mueller", "or", "rech"]);
        assert_eq!(fts5_match(&t), "\"mueller\"* AND \"or\"* AND \"rech\"*");
        assert_eq!(tsquery(&t), "mueller:* & or:* & rech:*");
        assert!(query_terms("*** ::: ()").is_empty());
    }

    proptest! {
        #[test]
        fn tokens_are_plain_words(s in "\\PC{0,200}") {
            for t in tokens(&s) {
                prop_assert!(!t.is_empty() && t.len() <= MAX_TOKEN);
                prop_assert!(t.chars().all(char::is_alphanumeric));
                prop_assert!(!t.contains('"'));
            }
            let ix = index_text(&s);
            prop_assert!(!ix.parts.contains("  "));
        }
    }
}
