//! Robustness of every parser of outside input: arbitrary text is either
//! accepted or rejected with a message in both languages, never a panic;
//! accepted values survive a round trip through their display form.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_core::*;
use proptest::prelude::*;

fn assert_explained(e: &ParseError) {
    assert!(!e.field.is_empty());
    assert!(!e.en.is_empty() && !e.de.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn text_parsers_accept_or_explain(s in "\\PC{0,80}") {
        for r in [
            CompanyCode::parse(&s).map(|_| ()),
            Username::parse(&s).map(|_| ()),
            CompanyName::parse(&s).map(|_| ()),
            DisplayName::parse(&s).map(|_| ()),
            Iban::parse(&s).map(|_| ()),
            VatId::parse(&s).map(|_| ()),
            PartnerKind::parse(&s).map(|_| ()),
        ] {
            if let Err(e) = r { assert_explained(&e); }
        }
        let _ = Lang::from_accept_language(&s);
        let _ = Role::parse(&s);
    }

    #[test]
    fn iban_like_input_never_panics(s in "[A-Za-z]{0,3}[0-9 ]{0,40}") {
        if let Err(e) = Iban::parse(&s) { assert_explained(&e); }
    }

    #[test]
    fn accepted_ibans_round_trip_through_their_display(s in "DE[0-9]{20}") {
        if let Ok(iban) = Iban::parse(&s) {
            prop_assert_eq!(Iban::parse(&iban.to_string()), Ok(iban));
        }
    }

    #[test]
    fn partner_drafts_report_all_errors_never_panic(
        name in "\\PC{0,30}", kind in "\\PC{0,10}", iban in proptest::option::of("\\PC{0,30}"),
        vat in proptest::option::of("\\PC{0,20}"), email in proptest::option::of("\\PC{0,30}"),
        country in proptest::option::of("\\PC{0,4}"),
    ) {
        let input = PartnerInput {
            name: &name, kind: &kind, iban: iban.as_deref(), vat_id: vat.as_deref(),
            email: email.as_deref(), country: country.as_deref(), ..Default::default()
        };
        match PartnerDraft::parse(&input) {
            Ok(d) => prop_assert!(!d.name.is_empty()),
            Err(errs) => {
                prop_assert!(!errs.is_empty());
                for e in &errs { assert_explained(e); }
            }
        }
    }
}

/// Valid IBANs generated with correct check digits are always accepted.
#[test]
fn generated_valid_ibans_are_accepted() {
    for n in 0u64..500 {
        let bban = format!("{:08}{:010}", 37040044 + n, n * 7919);
        // compute check digits: move "DE00" to the end, mod 97
        let digits: String = format!("{bban}131400");
        let rem = digits
            .chars()
            .fold(0u32, |acc, c| (acc * 10 + c.to_digit(10).unwrap_or(0)) % 97);
        let check = 98 - rem;
        let iban = format!("DE{check:02}{bban}");
        assert!(Iban::parse(&iban).is_ok(), "{iban}");
    }
}
