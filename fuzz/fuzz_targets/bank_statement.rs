//! Any bytes as a bank statement file: CAMT (bounded XML tree, every
//! version) or MT940/942 (fields, wrapped lines, `:86:` subfields), then
//! the import check and the matcher over what was read — refused with a
//! located message or read, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match kontor_banking::read(data) {
        Err(e) => assert!(!e.location.is_empty() && !e.en.is_empty() && !e.de.is_empty()),
        Ok(statements) => {
            let mut lines = Vec::new();
            for (i, s) in statements.iter().enumerate() {
                let _ = kontor_banking::check::verify(s, i);
                for (n, l) in s.lines.iter().enumerate() {
                    lines.push(kontor_banking::matching::BankLine {
                        key: format!("{i}/{n}"),
                        amount: l.amount,
                        date: l.booking_date.clone().unwrap_or_default(),
                        remittance: l.remittance(),
                        counterparty_iban: l.counterparty_iban().map(str::to_string),
                        end_to_end_ids: l.end_to_end_ids().map(str::to_string).collect(),
                        is_return: l.is_return(),
                    });
                }
            }
            let items = lines
                .iter()
                .take(50)
                .map(|l| kontor_banking::matching::Item {
                    key: l.key.clone(),
                    partner: None,
                    reference: l.remittance.chars().take(12).collect(),
                    amount: l.amount,
                    original: l.amount,
                    partner_ibans: l.counterparty_iban.clone().into_iter().collect(),
                    partner_number: None,
                    skonto: None,
                    end_to_end_ids: l.end_to_end_ids.clone(),
                })
                .collect();
            let _ = kontor_banking::matching::match_all(items, &lines, 90);
        }
    }
});
