//! The XPath 2.0 idioms the official rules use, over the element tree, with
//! their exact semantics: general comparisons on node sets are true if any
//! node matches, an absent node compares false, `xs:decimal` of a
//! non-number is absent, `round` rounds halves up.

use rust_decimal::Decimal;

use crate::model::parse_decimal;
use crate::path::all;
use crate::xml::Element;

/// `(path) != ''`: some node at `path` has a non-empty string value.
pub fn non_empty(e: &Element, path: &str) -> bool {
    all(e, path).iter().any(|x| !string_value(x).is_empty())
}

/// `exists(path)`.
pub fn exists(e: &Element, path: &str) -> bool {
    crate::path::first(e, path).is_some()
}

/// The XPath string value: all descendant text, in order.
pub fn string_value(e: &Element) -> String {
    fn push(e: &Element, s: &mut String) {
        s.push_str(&e.text);
        for c in &e.children {
            push(c, s);
        }
    }
    let mut s = String::new();
    push(e, &mut s);
    s
}

/// `xs:decimal(path)` of the first node (absent if missing or not a number).
pub fn decimal(e: &Element, path: &str) -> Option<Decimal> {
    all(e, path).first().and_then(|x| parse_decimal(string_value(x).trim()))
}

/// `sum(path/xs:decimal(.))` (non-numbers count as absent here; the
/// official XSLT would abort on them, which other rules report).
pub fn sum(e: &Element, path: &str) -> Decimal {
    all(e, path)
        .iter()
        .filter_map(|x| parse_decimal(string_value(x).trim()))
        .sum()
}

/// XPath `round(x * 100) div 100`: two decimals, halves towards +∞.
pub fn round2(x: Decimal) -> Decimal {
    let scaled = x * Decimal::ONE_HUNDRED;
    (scaled + Decimal::new(5, 1)).floor() / Decimal::ONE_HUNDRED
}

/// `string-length(substring-after(path, '.')) <= n` for the first node
/// (absent: true).
pub fn decimals_at_most(e: &Element, path: &str, n: usize) -> bool {
    match all(e, path).first() {
        None => true,
        Some(x) => {
            let v = string_value(x);
            v.split_once('.').map_or(0, |(_, f)| f.chars().count()) <= n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_half_up_like_xpath() {
        let d = |s: &str| parse_decimal(s).unwrap_or_default();
        assert_eq!(round2(d("1.005")), d("1.01"));
        assert_eq!(round2(d("-1.005")), d("-1.00"));
        assert_eq!(round2(d("2.344")), d("2.34"));
    }
}
