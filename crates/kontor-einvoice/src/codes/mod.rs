//! The code lists the EN 16931 rules check against (as the CEN validation
//! artefacts define them). Each list is a space-separated text file.

/// ISO 4217 currency codes.
pub const ISO4217: &str = include_str!("iso4217.txt");
/// ISO 3166-1 alpha-2 country codes.
pub const ISO3166: &str = include_str!("iso3166.txt");
/// UNTDID 1153 reference code qualifiers (invoiced object schemes).
pub const UNTDID1153: &str = include_str!("untdid1153.txt");
/// UNTDID 7143 item type identification codes (classification schemes).
pub const UNTDID7143: &str = include_str!("untdid7143.txt");
/// UNTDID 7161 special service codes (charge reasons).
pub const UNTDID7161: &str = include_str!("untdid7161.txt");
/// UN/ECE Recommendation 20 and 21 unit codes.
pub const REC20: &str = include_str!("rec20.txt");
/// UNTDID 1001 document types allowed for invoices and credit notes (BR-CL-01).
pub const UNTDID1001: &str = include_str!("untdid1001.txt");
/// ISO 6523 ICD identifier schemes (BR-CL-10, -11, -21, -26).
pub const ISO6523_ICD: &str = include_str!("iso6523icd.txt");
/// CEF EAS electronic address schemes (BR-CL-25).
pub const CEF_EAS: &str = include_str!("cef_eas.txt");
/// CEF VATEX exemption reason codes (BR-CL-22, compared in upper case).
pub const VATEX: &str = include_str!("vatex.txt");
/// UNTDID 4451 text subject qualifiers (note subject codes, BT-21).
pub const UNTDID4451: &str = include_str!("untdid4451.txt");
/// UNTDID 2005 restriction for the VAT point date code.
pub const DATE_CODES: &str = "3 35 432";
/// UNTDID 5305 VAT categories.
pub const VAT_CATEGORIES: &str = "AE L M E S Z G O K";
/// UNTDID 5189 allowance reasons.
pub const ALLOWANCE_REASONS: &str = "41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104";
/// MIME types of attached documents.
pub const MIME_TYPES: [&str; 6] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// UNCL 4461 payment means codes.
pub fn is_payment_means(code: &str) -> bool {
    code == "ZZZ"
        || code.parse::<u32>().is_ok_and(|n| {
            !code.starts_with('0')
                && ((1..=68).contains(&n) || [70, 74, 75, 76, 77, 78].contains(&n) || (91..=97).contains(&n))
        })
}

/// The official test: after normalising whitespace, the value is one word
/// and one of the list's words.
pub fn in_list(list: &'static str, value: &str) -> bool {
    let mut words = value.split_whitespace();
    let (Some(v), None) = (words.next(), words.next()) else {
        return false;
    };
    lookup(list).contains(v)
}

/// The words of a list as a set, built once per list.
type WordSet = std::collections::HashSet<&'static str>;

fn lookup(list: &'static str) -> &'static WordSet {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SETS: OnceLock<Mutex<HashMap<(usize, usize), &'static WordSet>>> = OnceLock::new();
    let key = (list.as_ptr() as usize, list.len());
    let mut sets = SETS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    sets.entry(key)
        .or_insert_with(|| Box::leak(Box::new(list.split_whitespace().collect())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_answer_like_the_official_rules() {
        assert!(in_list(ISO4217, " EUR "));
        assert!(!in_list(ISO4217, "EU R"));
        assert!(!in_list(ISO4217, ""));
        assert!(in_list(REC20, "H87") && in_list(REC20, "C62") && in_list(REC20, "XPP"));
        assert!(is_payment_means("58") && is_payment_means("ZZZ") && !is_payment_means("69"));
        assert_eq!(REC20.split_whitespace().count(), 2156);
    }
}
