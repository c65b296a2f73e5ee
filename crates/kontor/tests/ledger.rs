//! The ledger on the real SQL store (SQLite, or PostgreSQL with
//! `KONTOR_TEST_DATABASE_URL`): import, balances, immutability of posted
//! entries through every path (also SQL directly on the database),
//! reversals, closed periods, gapless numbers under concurrent posting.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use kontor_app::records::CompanyRecord;
use kontor_app::security::OsRandom;
use kontor_app::{Actor, App, AppError, AppSettings};
use kontor_core::time::{ManualClock, SequentialIds};
use kontor_core::Timestamp;
use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::balance::TrialBalance;
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::money::Cents;
use kontor_store::{SqlStore, StoreOptions};
use sqlx::{Connection, Row};

struct Fixture {
    app: Arc<App>,
    url: String,
    company: CompanyRecord,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    // Many transactions from small files: every import below is written in
    // several batches.
    fixture_with_batch(2).await
}

async fn fixture_with_batch(ledger_import_batch: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = match kontor_e2e::fresh_postgres_url() {
        Some(url) => url,
        None => format!("sqlite://{}?mode=rwc", dir.path().join("kontor.db").display()),
    };
    let store = Arc::new(SqlStore::open(&StoreOptions::new(url.clone())).await.unwrap());
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.path().join("blobs")).unwrap());
    let app = App::new(
        store,
        blobs,
        Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000))),
        Arc::new(SequentialIds::default()),
        Arc::new(OsRandom),
        AppSettings {
            session_idle_secs: 600,
            session_absolute_secs: 3600,
            ledger_import_batch,
        },
    );
    let actor = Actor::cli("test");
    let company = app.add_company(&actor, "fibu", "Fibu GmbH").await.unwrap();
    Fixture {
        app: Arc::new(app),
        url,
        company,
        _dir: dir,
    }
}

fn acc(s: &str) -> AccountNo {
    AccountNo::parse(s).unwrap()
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn sale(day: &str, cents: i64, reference: &str) -> Entry {
    Entry::new(
        vec![
            Posting::new(acc("1200"), Cents(cents)),
            Posting::new(acc("8400"), Cents(-cents)),
        ],
        date(day),
        date(day),
        "Verkauf",
        reference,
    )
    .unwrap()
}

const JOURNAL: &str = r#"{"id": "T1", "date": "2026-01-05", "text": "Eröffnung", "ref": "EB", "tax_code": null, "postings": [{"account": "1200", "amount_cents": 1000000, "currency": "EUR", "tax_code": null}, {"account": "0800", "amount_cents": -1000000, "currency": "EUR", "tax_code": null}]}
{"id": "T2", "date": "2026-01-20", "text": "Ausgangsrechnung", "ref": "RE-1", "tax_code": "USt19", "postings": [{"account": "10001", "amount_cents": 11900, "currency": "EUR", "tax_code": null}, {"account": "8400", "amount_cents": -10000, "currency": "EUR", "tax_code": "USt19"}, {"account": "1776", "amount_cents": -1900, "currency": "EUR", "tax_code": null}]}
{"id": "T3", "date": "2026-02-03", "text": "Zahlung", "ref": "RE-1", "tax_code": null, "postings": [{"account": "1200", "amount_cents": 11900, "currency": "EUR", "tax_code": null}, {"account": "10001", "amount_cents": -11900, "currency": "EUR", "tax_code": null}]}
"#;

#[tokio::test]
async fn import_balances_and_reimport_is_idempotent() {
    let f = fixture().await;
    let actor = Actor::cli("test");
    let r = f
        .app
        .import_journal_jsonl(&actor, &f.company, "j.jsonl", JOURNAL)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        (r.lines, r.imported, r.first_number, r.last_number),
        (3, 3, Some(1), Some(3))
    );
    // Each stored entry carries the import's batch, user, time and its own
    // key and postings (values the insert binds once per statement or once
    // per row).
    let stored = {
        let mut tx = f.app.store().begin_read().await.unwrap();
        tx.ledger_entries(f.company.id, 0, 999_999, 0, 100).await.unwrap()
    };
    assert_eq!(stored.len(), 3);
    for (i, e) in stored.iter().enumerate() {
        assert_eq!(Some(&e.batch), r.batch.as_ref());
        assert_eq!(e.created_by, "cli:test");
        assert_eq!(e.created_at, stored[0].created_at);
        assert_eq!(e.number, i as i64 + 1);
        assert!(
            e.import_key.as_deref().is_some_and(|k| k.starts_with("j.jsonl#")),
            "{:?}",
            e.import_key
        );
        assert!(e.entry.postings().len() >= 2);
    }
    // The same file again: nothing booked twice.
    let again = f
        .app
        .import_journal_jsonl(&actor, &f.company, "j.jsonl", JOURNAL)
        .await
        .unwrap();
    assert_eq!((again.imported, again.skipped_duplicates), (0, 3));
    // Store balance = the pure trial balance of the same lines.
    let chart = Chart::standard(ChartKind::Skr03);
    let mut expected = TrialBalance::new();
    for (i, l) in JOURNAL.lines().enumerate() {
        expected.add_entry(&kontor_ledger::jsonl::parse_line(chart, "j", i + 1, l).unwrap().entry);
    }
    let tb = f.app.trial_balance(&actor, &f.company, None, None).await.unwrap();
    assert_eq!(tb.csv(), expected.csv());
    // A date range: January only (whole month from the sums), and a partial range (from postings).
    let jan = f
        .app
        .trial_balance(&actor, &f.company, Some(date("2026-01-01")), Some(date("2026-01-31")))
        .await
        .unwrap();
    assert!(jan.csv().contains("10001;11900;0;11900"), "{}", jan.csv());
    let part = f
        .app
        .trial_balance(&actor, &f.company, Some(date("2026-01-10")), Some(date("2026-02-03")))
        .await
        .unwrap();
    assert!(part.csv().contains("10001;11900;11900;0"), "{}", part.csv());
    assert!(!part.csv().contains("0800;"), "{}", part.csv());
}

#[tokio::test]
async fn a_file_with_a_bad_line_imports_nothing_and_names_every_problem() {
    let f = fixture().await;
    let actor = Actor::cli("test");
    let bad = format!(
        "{JOURNAL}{}\n{}\n",
        r#"{"id": "T4", "date": "2026-02-30", "postings": []}"#,
        r#"{"id": "T5", "date": "2026-02-10", "postings": [{"account": "1200", "amount_cents": 100}, {"account": "8400", "amount_cents": -99}]}"#
    );
    let r = f
        .app
        .import_journal_jsonl(&actor, &f.company, "bad.jsonl", &bad)
        .await
        .unwrap();
    assert_eq!(r.imported, 0);
    let lines: Vec<usize> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 5]);
    assert!(r.errors[1].en.contains("do not balance"), "{}", r.errors[1].en);
    let tb = f.app.trial_balance(&actor, &f.company, None, None).await.unwrap();
    assert_eq!(tb.rows().count(), 0);
}

/// JSON lines `G{from}`…`G{to}`: balanced sales and their VAT through 2026.
fn generated(from: usize, to: usize) -> String {
    (from..=to)
        .map(|i| {
            let net = 1000 + (i as i64 * 37) % 90_000;
            let tax = net * 19 / 100;
            format!(
                r#"{{"id": "G{i}", "date": "2026-{:02}-{:02}", "text": "Rechnung {i}", "ref": "RE-{i}", "tax_code": "USt19", "postings": [{{"account": "{}", "amount_cents": {}}}, {{"account": "8400", "amount_cents": -{net}}}, {{"account": "1776", "amount_cents": -{tax}}}]}}"#,
                1 + (i * 12 / (to + 1)).min(11),
                1 + i % 28,
                10_000 + i % 50,
                net + tax
            ) + "\n"
        })
        .collect()
}

#[tokio::test]
async fn a_large_import_goes_in_batches_and_a_late_bad_line_leaves_nothing() {
    // 300 lines a batch: each batch's statements are encoded apart from
    // the task that writes them.
    let f = fixture_with_batch(300).await;
    let actor = Actor::cli("test");
    let good = generated(1, 1000);
    let bad = format!(
        "{good}{}\n",
        r#"{"id": "G1001", "date": "2026-12-01", "postings": [{"account": "1200", "amount_cents": 5}, {"account": "8400", "amount_cents": -4}]}"#
    );
    let r = f
        .app
        .import_journal_jsonl(&actor, &f.company, "year.jsonl", &bad)
        .await
        .unwrap();
    assert_eq!((r.lines, r.imported, r.first_number), (1001, 0, None));
    assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [1001]);
    let tb = f.app.trial_balance(&actor, &f.company, None, None).await.unwrap();
    assert_eq!(tb.rows().count(), 0, "batches written before the check ended stayed");
    // Fixed: all 1000 in four batches, numbered from 1 without a gap.
    let r = f
        .app
        .import_journal_jsonl(&actor, &f.company, "year.jsonl", &good)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        (r.lines, r.imported, r.first_number, r.last_number),
        (1000, 1000, Some(1), Some(1000))
    );
    let chart = Chart::standard(ChartKind::Skr03);
    let mut expected = TrialBalance::new();
    for (i, l) in good.lines().enumerate() {
        expected.add_entry(&kontor_ledger::jsonl::parse_line(chart, "y", i + 1, l).unwrap().entry);
    }
    let tb = f.app.trial_balance(&actor, &f.company, None, None).await.unwrap();
    assert_eq!(tb.csv(), expected.csv());
    // A later file that repeats half of it: only the new lines are booked.
    let later = generated(501, 1200);
    let r = f
        .app
        .import_journal_jsonl(&actor, &f.company, "year.jsonl", &later)
        .await
        .unwrap();
    assert_eq!(
        (r.imported, r.skipped_duplicates, r.first_number, r.last_number),
        (200, 500, Some(1001), Some(1200))
    );
    let stored = {
        let mut tx = f.app.store().begin_read().await.unwrap();
        tx.ledger_entries(f.company.id, 0, 999_999, 1195, 100).await.unwrap()
    };
    let keys: Vec<_> = stored
        .iter()
        .map(|e| e.import_key.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        (1196..=1200).map(|i| format!("year.jsonl#G{i}")).collect::<Vec<_>>()
    );
    // Each entry's provenance names its line (stored once with the key).
    for e in &stored {
        assert_eq!(e.entry.provenance.source, e.import_key);
    }
}

#[tokio::test]
async fn posted_entries_cannot_be_changed_or_deleted_even_with_sql() {
    let f = fixture().await;
    let actor = Actor::cli("test");
    let e = f
        .app
        .post_entry(&actor, &f.company, sale("2026-03-02", 5000, "RE-9"))
        .await
        .unwrap();
    let mut db = sqlx::AnyConnection::connect(&f.url).await.unwrap();
    for sql in [
        format!("UPDATE ledger_postings SET amount = 1 WHERE number = {}", e.number),
        format!("DELETE FROM ledger_postings WHERE number = {}", e.number),
        format!("DELETE FROM ledger_entries WHERE id = '{}'", e.id),
        format!("UPDATE ledger_entries SET text = 'changed' WHERE id = '{}'", e.id),
        format!(
            "UPDATE ledger_entries SET posting_date = posting_date + 1 WHERE id = '{}'",
            e.id
        ),
    ] {
        let r = sqlx::query(&sql).execute(&mut db).await;
        assert!(r.is_err(), "{sql} was allowed");
    }
    // Fixing is the one change allowed, once; unfixing is refused.
    let fixed = f.app.fix_ledger(&actor, &f.company, 202603).await.unwrap();
    assert_eq!(fixed, 1);
    let r = sqlx::query(&format!(
        "UPDATE ledger_entries SET fixed_at = NULL WHERE id = '{}'",
        e.id
    ))
    .execute(&mut db)
    .await;
    assert!(r.is_err(), "unfixing was allowed");
    let again = f.app.ledger_entry(&actor, &f.company, &e.id).await.unwrap();
    assert_eq!(again.entry, e.entry);
    assert!(again.fixed_at.is_some());
}

#[tokio::test]
async fn a_reversal_links_both_entries_and_happens_once() {
    let f = fixture().await;
    let actor = Actor::cli("test");
    let e = f
        .app
        .post_entry(&actor, &f.company, sale("2026-03-02", 5000, "RE-9"))
        .await
        .unwrap();
    let r = f
        .app
        .reverse_entry(&actor, &f.company, &e.id, date("2026-03-05"))
        .await
        .unwrap();
    assert_eq!(r.reverses.as_deref(), Some(e.id.as_str()));
    assert_eq!(r.entry.postings()[0].amount, Cents(-5000));
    assert!(r.entry.text.contains("Storno"));
    let tb = f.app.trial_balance(&actor, &f.company, None, None).await.unwrap();
    assert!(tb.rows().all(|(_, _, t)| t.balance().is_zero()));
    assert!(matches!(
        f.app.reverse_entry(&actor, &f.company, &e.id, date("2026-03-06")).await,
        Err(AppError::Conflict { .. })
    ));
    assert!(matches!(
        f.app.reverse_entry(&actor, &f.company, &r.id, date("2026-03-06")).await,
        Err(AppError::Conflict { .. })
    ));
}

#[tokio::test]
async fn nothing_is_booked_into_a_closed_period() {
    let f = fixture().await;
    let actor = Actor::cli("test");
    let e = f
        .app
        .post_entry(&actor, &f.company, sale("2026-01-15", 100, "A"))
        .await
        .unwrap();
    assert_eq!(f.app.close_period(&actor, &f.company, 202601).await.unwrap(), 1);
    let refused = f.app.post_entry(&actor, &f.company, sale("2026-01-31", 100, "B")).await;
    match refused {
        Err(AppError::Conflict { en, .. }) => assert!(en.contains("01/2026 is closed"), "{en}"),
        other => panic!("{other:?}"),
    }
    // Import and reversal into the closed month are refused as well.
    let r = f
        .app
        .import_journal_jsonl(&actor, &f.company, "late.jsonl", JOURNAL)
        .await;
    assert!(matches!(r, Err(AppError::Conflict { .. })));
    assert!(matches!(
        f.app.reverse_entry(&actor, &f.company, &e.id, date("2026-01-20")).await,
        Err(AppError::Conflict { .. })
    ));
    // A reversal dated in the open month is fine.
    f.app
        .reverse_entry(&actor, &f.company, &e.id, date("2026-02-01"))
        .await
        .unwrap();
    // The store refuses too, below the application.
    let mut db = sqlx::AnyConnection::connect(&f.url).await.unwrap();
    let r = sqlx::query(&format!(
        "INSERT INTO ledger_entries (id, book, number, batch, posting_date, document_date, period, text, reference, created_by, created_at) \
         VALUES ('x', (SELECT book FROM ledger_books WHERE company_id = '{}'), 999, 'b', 20480, 20480, 202601, 't', 'r', 'sql', 0)",
        f.company.id
    ))
    .execute(&mut db)
    .await;
    let err = r.unwrap_err().to_string();
    assert!(err.contains("the period is closed"), "{err}");
    // One statement with an open and a closed month fails as a whole.
    let r = sqlx::query(&format!(
        "INSERT INTO ledger_entries (id, book, number, batch, posting_date, document_date, period, text, reference, created_by, created_at) \
         VALUES ('y', (SELECT book FROM ledger_books WHERE company_id = '{0}'), 998, 'b', 20500, 20500, 202602, 't', 'r', 'sql', 0), \
                ('z', (SELECT book FROM ledger_books WHERE company_id = '{0}'), 999, 'b', 20480, 20480, 202601, 't', 'r', 'sql', 0)",
        f.company.id
    ))
    .execute(&mut db)
    .await;
    let err = r.unwrap_err().to_string();
    assert!(err.contains("the period is closed"), "{err}");
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM ledger_entries WHERE id IN ('y', 'z')")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn journal_numbers_are_gapless_under_concurrent_posting() {
    let f = fixture().await;
    let mut tasks = Vec::new();
    for t in 0..6 {
        let app = f.app.clone();
        let company = f.company.clone();
        tasks.push(tokio::spawn(async move {
            let actor = Actor::cli(&format!("clerk{t}"));
            let mut numbers = Vec::new();
            for i in 0..10 {
                let e = app
                    .post_entry(&actor, &company, sale("2026-04-01", 100 + i, &format!("R{t}-{i}")))
                    .await
                    .unwrap();
                numbers.push(e.number);
            }
            numbers
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (1..=60).collect::<Vec<i64>>());
}

#[tokio::test]
async fn the_demo_companies_have_a_year_of_bookings() {
    let f = fixture().await;
    f.app.seed_demo("kontor-demo").await.unwrap();
    let actor = Actor::cli("test");
    for (code, chart, bank) in [
        ("muster", ChartKind::Skr03, "1200"),
        ("beispiel", ChartKind::Skr04, "1800"),
    ] {
        let c = f.app.company(&actor, code).await.unwrap();
        assert_eq!(f.app.ledger_chart(&actor, &c).await.unwrap(), chart);
        let tb = f.app.trial_balance(&actor, &c, None, None).await.unwrap();
        assert!(tb.rows().count() > 15, "{code}: {}", tb.csv());
        assert_eq!(tb.total_balance(kontor_ledger::entry::Currency::EUR), Cents::ZERO);
        assert!(tb.csv().contains(&format!("\n{bank};")), "{code}");
        // Twelve months: entries in each of the last 12 months before the clock's.
        let entries = {
            let mut tx = f.app.store().begin_read().await.unwrap();
            tx.ledger_entries(c.id, 0, 999_999, 0, 10_000).await.unwrap()
        };
        // (The demo's bank statement of the current month books too; the
        // year is the seeded journal's batch.)
        let months: std::collections::BTreeSet<u32> = entries
            .iter()
            .filter(|e| e.batch.starts_with("demo:"))
            .map(|e| e.entry.posting_date.year_month())
            .collect();
        assert_eq!(months.len(), 12, "{months:?}");
        assert!(entries.len() > 300, "{}", entries.len());
        // The UStVA of one of those months has sales at 19 % and input tax.
        let m = *months.iter().nth(5).unwrap();
        let u = f.app.ustva(&actor, &c, m, m).await.unwrap();
        assert!(u.kz(81).is_some() && u.kz(66).is_some(), "{u:?}");
    }
    // Seeding again books nothing twice.
    let again = f.app.seed_demo("kontor-demo").await.unwrap();
    assert_eq!(again.ledger_entries_created, 0);
}

#[tokio::test]
async fn reports_of_the_demo_year_add_up() {
    let f = fixture().await;
    f.app.seed_demo("kontor-demo").await.unwrap();
    let actor = Actor::cli("test");
    for code in ["muster", "beispiel"] {
        let c = f.app.company(&actor, code).await.unwrap();
        let to = date("2099-12-31");
        let b = f.app.balance_sheet(&actor, &c, to).await.unwrap();
        assert_eq!(b.total_assets, b.total_liabilities_and_equity, "{code}: {b:?}");
        assert!(b.total_assets.0 > 0);
        let pl = f.app.profit_and_loss(&actor, &c, date("1900-01-01"), to).await.unwrap();
        assert_eq!(pl.result, b.result, "{code}");
        assert!(
            pl.income.iter().any(|p| p.position.contains("Umsatzerlöse")),
            "{:?}",
            pl.income
        );
        // Kontoblatt of the bank: its closing balance is the trial balance's.
        let bank = if code == "muster" { "1200" } else { "1800" };
        let tb = f.app.trial_balance(&actor, &c, None, None).await.unwrap();
        let expected = tb.rows().find(|(a, _, _)| a.to_string() == bank).unwrap().2.balance();
        let l = f
            .app
            .account_ledger(&actor, &c, acc(bank), date("1900-01-01"), to)
            .await
            .unwrap();
        assert_eq!(l.closing, expected);
        assert!(l.lines.len() > 100);
        // Between two mid-month days, for the bank and every personal
        // account: exactly the postings of the journal in that range, in
        // order (the store reads only the months the account has postings in).
        let entries = {
            let mut tx = f.app.store().begin_read().await.unwrap();
            tx.ledger_entries(c.id, 0, 999_999, 0, 100_000).await.unwrap()
        };
        let days: std::collections::BTreeSet<i32> = entries.iter().map(|e| e.entry.posting_date.days()).collect();
        let days: Vec<i32> = days.into_iter().collect();
        let (from, until) = (
            kontor_ledger::date::Date::from_days(days[days.len() / 5] + 3),
            kontor_ledger::date::Date::from_days(days[days.len() * 4 / 5] - 2),
        );
        let mut accounts: std::collections::BTreeSet<u32> = entries
            .iter()
            .flat_map(|e| e.entry.postings().iter().map(|p| p.account.number()))
            .filter(|a| *a >= 10_000)
            .collect();
        accounts.insert(acc(bank).number());
        for a in accounts {
            let mut expected: Vec<(i32, i64, i64)> = entries
                .iter()
                .filter(|e| (from.days()..=until.days()).contains(&e.entry.posting_date.days()))
                .flat_map(|e| {
                    e.entry
                        .postings()
                        .iter()
                        .filter(|p| p.account.number() == a)
                        .map(|p| (e.entry.posting_date.days(), e.number, p.amount.0))
                })
                .collect();
            expected.sort();
            let l = f
                .app
                .account_ledger(&actor, &c, acc(&a.to_string()), from, until)
                .await
                .unwrap();
            let got: Vec<(i32, i64, i64)> = l.lines.iter().map(|x| (x.0.days(), x.1, x.4 .0)).collect();
            assert_eq!(got, expected, "{code} account {a} {from:?}..{until:?}");
        }
        // Open items: the unpaid invoices (about a fifth), each a debtor's debit.
        let open = f.app.open_items(&actor, &c, to).await.unwrap();
        assert!(!open.is_empty());
        assert!(open.iter().all(|i| i.account.is_personal()));
        let debtors: i64 = open
            .iter()
            .filter(|i| i.account.number() < 70_000)
            .map(|i| i.amount.0)
            .sum();
        let tb_debtors: i64 = tb
            .rows()
            .filter(|(a, _, _)| (10_000..70_000).contains(&a.number()))
            .map(|(_, _, t)| t.balance().0)
            .sum();
        assert_eq!(debtors, tb_debtors);
    }
}

/// The DATEV export of the demo company passes the format checks and,
/// imported into an empty company, reproduces the same balances.
#[tokio::test]
async fn the_demo_companys_datev_export_is_well_formed_and_reimports_to_the_same_balances() {
    let f = fixture().await;
    f.app.seed_demo("kontor-demo").await.unwrap();
    let actor = Actor::cli("test");
    for code in ["muster", "beispiel"] {
        let c = f.app.company(&actor, code).await.unwrap();
        // The demo year may span two calendar years: one batch per year.
        let entries = {
            let mut tx = f.app.store().begin_read().await.unwrap();
            tx.ledger_entries(c.id, 0, 999_999, 0, 10_000).await.unwrap()
        };
        let years: std::collections::BTreeSet<i32> = entries.iter().map(|e| e.entry.posting_date.year()).collect();
        let copy = f
            .app
            .add_company(&actor, &format!("{code}-copy"), "Kopie")
            .await
            .unwrap();
        let chart = f.app.ledger_chart(&actor, &c).await.unwrap();
        f.app.set_ledger_chart(&actor, &copy, chart).await.unwrap();
        for y in years {
            let (from, to) = (Date::new(y, 1, 1).unwrap(), Date::new(y, 12, 31).unwrap());
            let ids = kontor_app::ledger::DatevIds {
                berater: 29098,
                mandant: 55003,
            };
            let x = f.app.export_datev(&actor, &c, ids, from, to, false).await.unwrap();
            assert!(x.entries > 0);
            // Format: header, headings, 125 fields, CP1252, CRLF, positive amounts, dates in the batch.
            let parsed = kontor_ledger::datev::parse(&x.bytes).unwrap();
            assert_eq!(parsed.header[0], "EXTF");
            assert_eq!(parsed.header[26], if chart == ChartKind::Skr03 { "03" } else { "04" });
            assert!(!x.bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "CRLF only");
            assert!(parsed
                .records
                .iter()
                .all(|r| r.amount.0 > 0 && r.date >= from && r.date <= to));
            // No tax account appears: DATEV computes the tax from keys and Automatikkonten.
            let tax_accounts: Vec<String> = Chart::standard(chart)
                .accounts
                .iter()
                .filter(|a| !a.tax_account_for.is_empty())
                .map(|a| a.number.to_string())
                .collect();
            assert!(parsed
                .records
                .iter()
                .all(|r| !tax_accounts.contains(&r.konto.to_string())
                    && !tax_accounts.contains(&r.gegenkonto.to_string())));
            let r = f.app.import_datev(&actor, &copy, &x.file_name, &x.bytes).await.unwrap();
            assert!(r.errors.is_empty(), "{:?}", r.errors);
            let a = f.app.trial_balance(&actor, &c, Some(from), Some(to)).await.unwrap();
            let b = f.app.trial_balance(&actor, &copy, Some(from), Some(to)).await.unwrap();
            assert_eq!(a.csv(), b.csv(), "{code} {y}");
        }
    }
}

/// Debitoren/Kreditoren master data (category 16, version 5): header,
/// the 254 headings, one record of 254 fields per partner with a personal
/// account, Windows-1252, CRLF.
#[tokio::test]
async fn the_demo_companys_datev_partner_master_data_is_well_formed() {
    let f = fixture().await;
    f.app.seed_demo("kontor-demo").await.unwrap();
    let actor = Actor::cli("test");
    let c = f.app.company(&actor, "muster").await.unwrap();
    let ids = kontor_app::ledger::DatevIds {
        berater: 29098,
        mandant: 55003,
    };
    let x = f.app.export_datev_partners(&actor, &c, ids).await.unwrap();
    assert_eq!(x.partners, 3);
    assert!(x.file_name.starts_with("EXTF_Debitoren_Kreditoren_"));
    assert!(!x.bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "CRLF only");
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&x.bytes);
    assert!(!bad);
    assert!(
        x.bytes.windows(10).any(|w| w == b"B\xfcrobedarf"),
        "ü as one CP1252 byte"
    );
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2 + 3);
    let header = kontor_ledger::datev::fields(lines[0]);
    assert_eq!(header.len(), kontor_ledger::datev::HEADER_FIELDS);
    assert_eq!(&header[..5], ["EXTF", "700", "16", "Debitoren/Kreditoren", "5"]);
    assert_eq!((header[10].as_str(), header[11].as_str()), ("29098", "55003"));
    assert!(header[14..22].iter().all(|h| h.is_empty()), "{header:?}");
    let headings = kontor_ledger::datev::fields(lines[1]);
    assert_eq!(headings.len(), kontor_ledger::datev::PARTNER_FIELDS);
    assert_eq!(
        [&headings[0], &headings[1], &headings[9], &headings[44], &headings[48]],
        [
            "Konto",
            "Name (Adressatentyp Unternehmen)",
            "EU-USt-IdNr.",
            "IBAN 1",
            "Kennz. Haupt-Bankverb. 1"
        ]
    );
    let records: Vec<Vec<String>> = lines[2..].iter().map(|l| kontor_ledger::datev::fields(l)).collect();
    assert!(records.iter().all(|r| r.len() == kontor_ledger::datev::PARTNER_FIELDS));
    let accounts: Vec<&str> = records.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(accounts, ["10001", "70001", "70002"]);
    let schmidt = &records[1];
    assert_eq!(schmidt[1], "Bürobedarf Schmidt GmbH");
    assert_eq!((schmidt[8].as_str(), schmidt[9].as_str()), ("DE", "136695976"));
    assert_eq!(
        (schmidt[17].as_str(), schmidt[18].as_str(), schmidt[19].as_str()),
        ("50667", "Köln", "DE")
    );
    assert_eq!(
        (schmidt[43].as_str(), schmidt[44].as_str(), schmidt[48].as_str()),
        ("DE", "DE89370400440532013000", "1")
    );
    // Personal accounts are checked against the partner's kind and unique.
    let taken = f
        .app
        .create_partner(
            &actor,
            &c,
            &kontor_core::PartnerInput {
                name: "Zweiter Kunde",
                kind: "customer",
                account: Some("10001"),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(taken, Err(AppError::AlreadyExists { .. })), "{taken:?}");
    let wrong = f
        .app
        .create_partner(
            &actor,
            &c,
            &kontor_core::PartnerInput {
                name: "Lieferant",
                kind: "supplier",
                account: Some("10002"),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(wrong, Err(AppError::Invalid(_))), "{wrong:?}");
}

/// The GoBD export of the demo company: the CSVs have the declared columns
/// and the journal holds every posting of the period; index.xml is valid
/// against the GDPdU DTD when xmllint is there (CI requires it).
#[tokio::test]
async fn the_demo_companys_gobd_export_is_complete_and_valid() {
    let f = fixture().await;
    f.app.seed_demo("kontor-demo").await.unwrap();
    let actor = Actor::cli("test");
    let c = f.app.company(&actor, "muster").await.unwrap();
    let (from, to) = (date("1900-01-01"), date("2200-12-31"));
    let files = f.app.export_gobd(&actor, &c, from, to).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let index = std::fs::read_to_string(dir.path().join("index.xml")).unwrap();
    for (file, n) in kontor_ledger::gobd::declared_columns(&index) {
        let csv = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        for line in csv.split("\r\n").filter(|l| !l.is_empty()) {
            let mut fields = 1;
            let mut quoted = false;
            for ch in line.chars() {
                match ch {
                    '"' => quoted = !quoted,
                    ';' if !quoted => fields += 1,
                    _ => {}
                }
            }
            assert_eq!(fields, n, "{file}: {line}");
        }
    }
    let tb = f.app.trial_balance(&actor, &c, None, None).await.unwrap();
    let postings: usize = std::fs::read_to_string(dir.path().join("buchungsjournal.csv"))
        .unwrap()
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .count();
    assert!(postings > 700 && tb.rows().count() > 15);
    // Personal accounts carry their business partner's name.
    let personal = std::fs::read_to_string(dir.path().join("personenkonten.csv")).unwrap();
    assert!(personal.contains("\"Kunde Nord AG\""), "{personal}");
    if std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--valid"])
            .arg(dir.path().join("index.xml"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    } else {
        assert!(std::env::var("KONTOR_REQUIRE_XMLLINT").is_err(), "xmllint missing");
    }
}

/// The database does not stop an unbalanced entry typed in by hand with
/// SQL (no code path can store one); `kontor admin check` finds it.
#[tokio::test]
async fn the_integrity_check_finds_an_unbalanced_entry_typed_in_with_sql() {
    let f = fixture().await;
    let actor = Actor::cli("test");
    f.app
        .post_entry(&actor, &f.company, sale("2026-03-02", 5000, "RE-1"))
        .await
        .unwrap();
    assert!(f.app.store().integrity_problems().await.unwrap().is_empty());
    let mut db = sqlx::AnyConnection::connect(&f.url).await.unwrap();
    sqlx::query(&format!(
        "INSERT INTO ledger_entries (id, book, number, batch, posting_date, document_date, period, text, reference, created_by, created_at) \
         VALUES ('bad', (SELECT book FROM ledger_books WHERE company_id = '{}'), 999, 'sql', 20514, 20514, 202603, 'von Hand', 'X', 'sql', 0)",
        f.company.id
    ))
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query(&format!(
        "INSERT INTO ledger_postings (book, number, line, account, amount, currency, tax_code, posting_date) \
         VALUES ((SELECT book FROM ledger_books WHERE company_id = '{}'), 999, 0, 1200, 100, 'EUR', NULL, 20514)",
        f.company.id
    ))
    .execute(&mut db)
    .await
    .unwrap();
    let problems = f.app.store().integrity_problems().await.unwrap();
    assert!(problems.iter().any(|p| p.contains("do not balance")), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("fewer than two postings")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("totals disagree")), "{problems:?}");
    sqlx::query(&format!(
        "INSERT INTO ledger_postings (book, number, line, account, amount, currency, tax_code, posting_date) \
         VALUES ((SELECT book FROM ledger_books WHERE company_id = '{}'), 5000, 0, 1200, 100, 'EUR', NULL, 20514)",
        f.company.id
    ))
    .execute(&mut db)
    .await
    .ok(); // PostgreSQL refuses it by its foreign key; SQLite takes it.
    if f.url.starts_with("sqlite") {
        let problems = f.app.store().integrity_problems().await.unwrap();
        assert!(
            problems.iter().any(|p| p.contains("belong to no entry")),
            "{problems:?}"
        );
    }
}
