//! Any bytes as a journal file: the JSON Lines check and batch reader on
//! both charts, and the DATEV EXTF reader with each record turned into an
//! entry. Refused with per-line errors or read; never a panic.
#![no_main]

use kontor_ledger::account::{Chart, ChartKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in [ChartKind::Skr03, ChartKind::Skr04] {
        let chart = Chart::standard(kind);
        if let Ok(text) = std::str::from_utf8(data) {
            let checked = kontor_ledger::jsonl::check(chart, "f.jsonl", text, 2);
            let read: usize = kontor_ledger::jsonl::batches(chart, "f.jsonl", text, 7).map(|b| b.len()).sum();
            assert!(read <= checked.lines);
            if checked.errors.is_empty() {
                assert_eq!(read, checked.lines);
            }
        }
        if let Ok(parsed) = kontor_ledger::datev::parse(data) {
            for r in &parsed.records {
                let _ = kontor_ledger::datev::entry_of(chart, r);
            }
        }
    }
});
