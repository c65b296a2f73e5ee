//! The workflow engine on the incoming-invoice process, through the
//! use-cases, with real e-invoices from `../shared/corpus/einvoice`: arrival
//! to posting, four eyes, thresholds, separation of duties, escalation on an
//! injected clock, a restart in the middle, duplicates, review sampling and
//! automatic demotion. On PostgreSQL too with `KONTOR_TEST_DATABASE_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use kontor_app::actor::{ActorKind, Membership};
use kontor_app::documents::Source;
use kontor_app::records::{instance_state, CompanyRecord, TaskRecord};
use kontor_app::security::OsRandom;
use kontor_app::workflow::TaskDecision;
use kontor_app::{Actor, App, AppError, AppSettings};
use kontor_core::time::{ManualClock, SequentialIds};
use kontor_core::{PartnerInput, Role, Timestamp, UserId};
use kontor_ledger::date::Date;
use kontor_store::{SqlStore, StoreOptions};
use kontor_workflow::AutomationLevel;

/// 2027-01-15
const START: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn corpus(path: &str) -> Bytes {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/einvoice")
        .join(path);
    Bytes::from(std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

const SMALL: &str = "kosit-xrechnung-testsuite/business-cases/standard/01.07a-INVOICE_ubl.xml";
const SMALL_CII: &str = "kosit-xrechnung-testsuite/business-cases/standard/01.07a-INVOICE_uncefact.xml";
const MEDIUM: &str = "kosit-xrechnung-testsuite/business-cases/standard/01.08a-INVOICE_ubl.xml";
const LARGE: &str = "kosit-xrechnung-testsuite/business-cases/standard/01.09a-INVOICE_ubl.xml";
const INVALID: &str = "kosit-xrechnung-schematron/ubl-inv/ubl-inv-br-de-18-no-newline.xml";

async fn db_url(dir: &std::path::Path) -> String {
    match kontor_e2e::fresh_postgres_url() {
        Some(url) => url,
        None => format!("sqlite://{}?mode=rwc", dir.join("kontor.db").display()),
    }
}

/// Each kontor process gets its own id range (as time-based ids would).
static ID_BASE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

async fn app_on(url: &str, dir: &std::path::Path, clock: Arc<ManualClock>) -> App {
    let base = ID_BASE.fetch_add(1 << 40, std::sync::atomic::Ordering::SeqCst);
    let store = Arc::new(SqlStore::open(&StoreOptions::new(url.to_string())).await.unwrap());
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.join("blobs")).unwrap());
    App::new(
        store,
        blobs,
        clock,
        Arc::new(SequentialIds::starting_at(base)),
        Arc::new(OsRandom),
        AppSettings::default(),
    )
}

struct World {
    app: App,
    clock: Arc<ManualClock>,
    company: CompanyRecord,
    url: String,
    dir: tempfile::TempDir,
}

/// A company with the supplier of the corpus invoices (found by its IBAN;
/// the corpus VAT id DE123456789 fails the German check digit).
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = db_url(dir.path()).await;
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(START)));
    let app = app_on(&url, dir.path(), clock.clone()).await;
    let cli = Actor::cli("test");
    let company = app.add_company(&cli, "bsp", "Beispiel Handels GmbH").await.unwrap();
    app.create_partner(
        &cli,
        &company,
        &PartnerInput {
            name: "Lieferant Muster GmbH",
            kind: "supplier",
            iban: Some("DE79000000001234567890"),
            country: Some("DE"),
            account: Some("70010"),
            ..PartnerInput::default()
        },
    )
    .await
    .unwrap();
    World {
        app,
        clock,
        company,
        url,
        dir,
    }
}

fn person(company: &CompanyRecord, name: &str, roles: &[Role]) -> Actor {
    Actor {
        kind: ActorKind::User(UserId::from_uuid(uuid::Uuid::new_v4())),
        label: format!("user:{name}"),
        system_admin: false,
        memberships: roles
            .iter()
            .map(|r| Membership {
                company_id: company.id,
                company_code: company.code.clone(),
                company_name: company.name.to_string(),
                role: *r,
                partner: None,
                custom: None,
            })
            .collect(),
        client_addr: None,
        scope: None,
    }
}

async fn drain(app: &App) {
    app.run_due_jobs("test", 100_000).await.unwrap();
}

async fn upload(w: &World, who: &Actor, name: &str, bytes: Bytes) -> String {
    let d = w
        .app
        .ingest_document(who, &w.company, name, bytes, Source::Upload)
        .await
        .unwrap();
    drain(&w.app).await;
    d.document.id
}

fn decide(outcome: &str) -> TaskDecision {
    TaskDecision {
        outcome: outcome.into(),
        ..TaskDecision::default()
    }
}

async fn task_for(w: &World, doc: &str, kind: &str) -> TaskRecord {
    let cli = Actor::cli("test");
    w.app
        .my_tasks(&cli, &w.company)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.data.document_id.as_deref() == Some(doc) && t.data.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} task for {doc}"))
}

async fn entries(w: &World) -> Vec<kontor_app::records::LedgerEntryRecord> {
    w.app
        .journal(
            &Actor::cli("test"),
            &w.company,
            Date::new(2000, 1, 1).unwrap(),
            Date::new(2099, 12, 31).unwrap(),
            0,
            10_000,
        )
        .await
        .unwrap()
}

/// Auto-approval up to EUR 100 and bookings without review: what an admin
/// sets once kontor books a supplier reliably.
async fn trust_small_invoices(w: &World) {
    let cli = Actor::cli("test");
    let mut def = w
        .app
        .process_view(&cli, &w.company, "incoming_invoice")
        .await
        .unwrap()
        .def;
    def.params.auto_approve_max_cents = Some(10_000);
    def.steps.iter_mut().find(|s| s.key == "propose_booking").unwrap().level = AutomationLevel::Auto;
    w.app.update_process(&cli, &w.company, def).await.unwrap();
}

async fn state_of(w: &World, doc: &str) -> (String, String) {
    let (_, inst) = w
        .app
        .incoming_invoice(&Actor::cli("test"), &w.company, doc)
        .await
        .unwrap()
        .unwrap();
    let inst = inst.unwrap();
    (inst.state, inst.step)
}

#[tokio::test]
async fn einvoices_run_from_arrival_to_posting_with_four_eyes_and_duplicates_caught() {
    let w = world().await;
    trust_small_invoices(&w).await;
    let anna = person(&w.company, "anna", &[Role::Buchhaltung, Role::Freigabe]);
    let ben = person(&w.company, "ben", &[Role::Freigabe]);

    // Small, from a known supplier: booked without a person.
    let small = upload(&w, &anna, "small.xml", corpus(SMALL)).await;
    assert_eq!(state_of(&w, &small).await, ("done".into(), "done".into()));
    let booked = entries(&w).await;
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].entry.provenance.document.as_deref(), Some(small.as_str()));
    let amounts: i64 = booked[0]
        .entry
        .postings()
        .iter()
        .filter(|p| p.amount.0 > 0)
        .map(|p| p.amount.0)
        .sum();
    assert_eq!(amounts, 4522, "45.22 EUR gross on the debit side");
    assert!(booked[0]
        .entry
        .postings()
        .iter()
        .any(|p| p.account.number() == 70010 && p.amount.0 == -4522));

    // The same invoice again as CII: caught, never booked twice.
    let again = upload(&w, &anna, "small-cii.xml", corpus(SMALL_CII)).await;
    assert_eq!(state_of(&w, &again).await, ("done".into(), "duplicate".into()));
    assert_eq!(entries(&w).await.len(), 1);

    // Medium: needs a person's approval; the submitter may not give it.
    let medium = upload(&w, &anna, "medium.xml", corpus(MEDIUM)).await;
    assert_eq!(state_of(&w, &medium).await, ("waiting".into(), "approve".into()));
    assert_eq!(entries(&w).await.len(), 1, "nothing is posted before the approval");
    let t = task_for(&w, &medium, "approve").await;
    assert_eq!(t.data.approvals_needed, 1);
    let err = w
        .app
        .complete_task(&anna, &w.company, &t.id, decide("approved"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("Four eyes"), "{err}");
    let err = w
        .app
        .complete_task(
            &person(&w.company, "eve", &[Role::Buchhaltung]),
            &w.company,
            &t.id,
            decide("approved"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict { .. } | AppError::Forbidden { .. }),
        "{err:?}"
    );
    // ben sees it in his inbox and approves.
    assert!(w
        .app
        .my_tasks(&ben, &w.company)
        .await
        .unwrap()
        .iter()
        .any(|x| x.id == t.id));
    w.app
        .complete_task(&ben, &w.company, &t.id, decide("approved"))
        .await
        .unwrap();
    drain(&w.app).await;
    assert_eq!(state_of(&w, &medium).await, ("done".into(), "done".into()));
    let booked = entries(&w).await;
    assert_eq!(booked.len(), 2);
    assert!(booked
        .iter()
        .any(|e| e.entry.provenance.document.as_deref() == Some(medium.as_str())));
    // Both are open items on the supplier's creditor account, ready for payment.
    let open = w
        .app
        .open_items(&Actor::cli("test"), &w.company, Date::new(2026, 12, 31).unwrap())
        .await
        .unwrap();
    assert!(open
        .iter()
        .any(|o| o.account.number() == 70010 && o.reference == "R123456789" && o.amount.0 == -282_587));
    assert!(open.iter().any(|o| o.reference == "R1234567" && o.amount.0 == -4522));

    // Invalid: clarification with a prepared reply, nothing booked.
    let bad = upload(&w, &anna, "bad.xml", corpus(INVALID)).await;
    assert_eq!(state_of(&w, &bad).await, ("waiting".into(), "clarify".into()));
    let c = task_for(&w, &bad, "clarify").await;
    let reply = &c.data.proposal["reply"];
    assert!(reply["body"].as_str().unwrap().contains("BR-DE-18"), "{reply}");
    assert!(reply["to"].as_str().unwrap().contains("@seller."), "{reply}");
    w.app
        .complete_task(&anna, &w.company, &c.id, decide("rejected"))
        .await
        .unwrap();
    drain(&w.app).await;
    assert_eq!(state_of(&w, &bad).await, ("done".into(), "rejected".into()));
    assert_eq!(entries(&w).await.len(), 2);

    // The audit trail tells kontor's actions from people's.
    let log = w
        .app
        .audit_log(&Actor::cli("test"), Some(&w.company), 500)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "invoice.auto_approved" && e.actor == "system:workflow"));
    assert!(log.iter().any(|e| e.action == "task.approve" && e.actor == "user:ben"));
    assert!(log.iter().any(|e| e.action == "task.refused" && e.actor == "user:anna"));
    assert!(log.iter().any(|e| e.action == "invoice.duplicate"));

    // The event log exports as OCEL 2.0 and yields the figures.
    let ocel = w
        .app
        .export_ocel(&Actor::cli("test"), &w.company, Some("incoming_invoice"))
        .await
        .unwrap();
    assert!(ocel["events"].as_array().unwrap().len() > 20);
    assert!(ocel["objectTypes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "process_instance"));
    let f = w
        .app
        .process_figures(&Actor::cli("test"), &w.company, "incoming_invoice")
        .await
        .unwrap();
    assert_eq!((f.instances, f.done), (4, 4));
    assert_eq!(
        f.touchless, 2,
        "the small invoice and its duplicate ran without a person"
    );
    assert!(!f.waiting_per_person.is_empty());
    // Who waited how long is for those who manage the processes.
    let theirs = w
        .app
        .process_figures(&ben, &w.company, "incoming_invoice")
        .await
        .unwrap();
    assert_eq!((theirs.done, theirs.waiting_per_person.len()), (4, 0));
    assert!(matches!(
        w.app.export_ocel(&ben, &w.company, None).await,
        Err(AppError::Forbidden { .. })
    ));
}

#[tokio::test]
async fn over_the_threshold_two_different_people_approve() {
    let w = world().await;
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    let ben = person(&w.company, "ben", &[Role::Freigabe]);
    let carl = person(&w.company, "carl", &[Role::Freigabe]);
    let large = upload(&w, &anna, "large.xml", corpus(LARGE)).await;
    // The booking proposal of a first invoice goes to review (low confidence).
    let r = task_for(&w, &large, "review").await;
    assert_eq!(r.data.reason.as_deref(), Some("low_confidence"));
    let mut fix = decide("corrected");
    fix.changes.insert("account".into(), "3400".into());
    w.app.complete_task(&anna, &w.company, &r.id, fix).await.unwrap();
    drain(&w.app).await;
    let t = task_for(&w, &large, "approve").await;
    assert_eq!(
        t.data.approvals_needed, 2,
        "7,197.12 EUR is above the 5,000 EUR threshold"
    );
    w.app
        .complete_task(&ben, &w.company, &t.id, decide("approved"))
        .await
        .unwrap();
    drain(&w.app).await;
    assert_eq!(state_of(&w, &large).await.1, "approve", "one approval is not enough");
    assert!(entries(&w).await.is_empty());
    let err = w
        .app
        .complete_task(&ben, &w.company, &t.id, decide("approved"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already"), "{err}");
    // anna prepared the booking: four eyes keep her out too.
    let anna_freigabe = Actor {
        memberships: person(&w.company, "anna", &[Role::Buchhaltung, Role::Freigabe]).memberships,
        ..anna.clone()
    };
    assert!(w
        .app
        .complete_task(&anna_freigabe, &w.company, &t.id, decide("approved"))
        .await
        .is_err());
    w.app
        .complete_task(&carl, &w.company, &t.id, decide("approved"))
        .await
        .unwrap();
    drain(&w.app).await;
    assert_eq!(state_of(&w, &large).await, ("done".into(), "done".into()));
    let e = entries(&w).await;
    assert_eq!(e.len(), 1);
    assert!(
        e[0].entry.postings().iter().any(|p| p.account.number() == 3400),
        "the corrected account"
    );
}

#[tokio::test]
async fn whoever_created_the_supplier_does_not_approve_its_invoices() {
    let w = world().await;
    let dora = person(&w.company, "dora", &[Role::Buchhaltung, Role::Freigabe]);
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    // dora creates the supplier of the next invoice (a new VAT id).
    let xml = String::from_utf8(corpus(MEDIUM).to_vec())
        .unwrap()
        .replace("DE79000000001234567890", "DE89370400440532013000")
        .replace("[Seller name]", "Neuer Lieferant GmbH");
    let doc = upload(&w, &anna, "new-supplier.xml", Bytes::from(xml)).await;
    let s = task_for(&w, &doc, "review").await;
    assert_eq!(s.data.step, "match_supplier");
    let mut create = decide("corrected");
    create.changes.insert("create".into(), "1".into());
    w.app.complete_task(&dora, &w.company, &s.id, create).await.unwrap();
    drain(&w.app).await;
    let r = task_for(&w, &doc, "review").await;
    w.app
        .complete_task(&anna, &w.company, &r.id, decide("confirmed"))
        .await
        .unwrap();
    drain(&w.app).await;
    let t = task_for(&w, &doc, "approve").await;
    let err = w
        .app
        .complete_task(&dora, &w.company, &t.id, decide("approved"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::SeparationOfDuties { .. } | AppError::Conflict { .. }),
        "{err:?}"
    );
    let log = w
        .app
        .audit_log(&Actor::cli("test"), Some(&w.company), 500)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "sod.refused" || e.action == "task.refused"));
}

#[tokio::test]
async fn an_overdue_approval_is_reminded_then_escalated() {
    let w = world().await;
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    trust_small_invoices(&w).await;
    let doc = upload(&w, &anna, "medium.xml", corpus(MEDIUM)).await;
    let t = task_for(&w, &doc, "approve").await;
    assert_eq!(t.due_at, Some(Timestamp::from_millis(START + 48 * HOUR)));
    w.clock.set(Timestamp::from_millis(START + 47 * HOUR));
    assert_eq!(w.app.run_workflow_timers().await.unwrap().0, 0, "not due yet");
    w.clock.set(Timestamp::from_millis(START + 49 * HOUR));
    let (reminded, escalated, _) = w.app.run_workflow_timers().await.unwrap();
    assert_eq!((reminded, escalated), (1, 0));
    w.clock.set(Timestamp::from_millis(START + 60 * HOUR));
    assert_eq!(
        w.app.run_workflow_timers().await.unwrap().1,
        0,
        "the grace period runs 24 h"
    );
    w.clock.set(Timestamp::from_millis(START + 74 * HOUR));
    let (_, escalated, _) = w.app.run_workflow_timers().await.unwrap();
    assert_eq!(escalated, 1);
    let t = task_for(&w, &doc, "approve").await;
    assert_eq!(t.data.priority, 1);
    assert!(t.data.escalated_at.is_some());
    assert_eq!(w.app.run_workflow_timers().await.unwrap(), (0, 0, 0), "escalated once");
    let log = w
        .app
        .audit_log(&Actor::cli("test"), Some(&w.company), 500)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "task.escalate" && e.actor == "system:workflow"));
}

#[tokio::test]
async fn a_restart_in_the_middle_loses_nothing_and_posts_once() {
    let w = world().await;
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    let ben = person(&w.company, "ben", &[Role::Freigabe]);
    trust_small_invoices(&w).await;
    let doc = upload(&w, &anna, "medium.xml", corpus(MEDIUM)).await;
    let t = task_for(&w, &doc, "approve").await;

    // A new process over the same data: the instance and its task are there.
    let app2 = app_on(&w.url, w.dir.path(), w.clock.clone()).await;
    w.app.store(); // the first one stays idle from here
    let tasks = app2.my_tasks(&ben, &w.company).await.unwrap();
    assert!(tasks.iter().any(|x| x.id == t.id));
    app2.complete_task(&ben, &w.company, &t.id, decide("approved"))
        .await
        .unwrap();

    // The worker claims the posting job, posts, and dies before it can
    // mark the job done.
    let now = w.app.now();
    let job = app2
        .store()
        .claim_job("doomed", now, now.plus_millis(5 * 60 * 1000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.kind, "workflow.run");
    app2.run_job(&job).await.unwrap();
    drop(app2);

    // After the lease runs out another instance runs the job again.
    w.clock.set(now.plus_millis(6 * 60 * 1000));
    let app3 = app_on(&w.url, w.dir.path(), w.clock.clone()).await;
    app3.run_due_jobs("survivor", 100).await.unwrap();
    assert_eq!(entries(&w).await.len(), 1, "posted exactly once");
    assert_eq!(
        state_of(&w, &doc).await,
        (instance_state::DONE.to_string(), "done".to_string())
    );
}

/// An XRechnung of the corpus with its own invoice number and date (same
/// amount and date would make it a duplicate).
fn numbered(template: &str, n: usize) -> Bytes {
    let day = Date::from_days(Date::new(2026, 1, 1).unwrap().days() + i32::try_from(n % 3000).unwrap());
    Bytes::from(
        template
            .replacen("<cbc:ID>R1234567</cbc:ID>", &format!("<cbc:ID>R-{n:06}</cbc:ID>"), 1)
            .replace(
                "<cbc:IssueDate>2016-06-30</cbc:IssueDate>",
                &format!("<cbc:IssueDate>{day}</cbc:IssueDate>"),
            ),
    )
}

#[tokio::test]
async fn ten_percent_sampling_sends_about_a_tenth_to_review_and_errors_demote_the_step() {
    let w = world().await;
    let cli = Actor::cli("test");
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    let mut def = w
        .app
        .process_view(&cli, &w.company, "incoming_invoice")
        .await
        .unwrap()
        .def;
    let step = def.steps.iter_mut().find(|s| s.key == "propose_booking").unwrap();
    step.level = AutomationLevel::AutoWithReview;
    step.review.sample_permille = 100;
    step.review.confidence_min = 0;
    step.review.amount_max_cents = None;
    def.params.auto_approve_max_cents = Some(10_000);
    def.params.min_reviews = 20;
    def.params.error_threshold_permille = 100;
    w.app.update_process(&cli, &w.company, def).await.unwrap();

    let template = String::from_utf8(corpus(SMALL).to_vec()).unwrap();
    for n in 0..1000 {
        w.app
            .ingest_document(
                &anna,
                &w.company,
                &format!("r{n}.xml"),
                numbered(&template, n),
                Source::Upload,
            )
            .await
            .unwrap();
    }
    drain(&w.app).await;
    let tasks = w.app.my_tasks(&cli, &w.company).await.unwrap();
    let sampled: Vec<&TaskRecord> = tasks
        .iter()
        .filter(|t| t.data.reason.as_deref() == Some("sampled"))
        .collect();
    assert!((70..=130).contains(&sampled.len()), "{} of 1000 sampled", sampled.len());
    assert_eq!(entries(&w).await.len(), 1000 - sampled.len(), "the rest is booked");

    // Reviews: kontor was wrong in 5 of 20 (25 % > 10 %): the step drops a level.
    for (i, t) in sampled.iter().take(20).enumerate() {
        let d = if i % 4 == 0 {
            let mut d = decide("corrected");
            d.changes = BTreeMap::from([("account".to_string(), "3400".to_string())]);
            d
        } else {
            decide("confirmed")
        };
        w.app.complete_task(&anna, &w.company, &t.id, d).await.unwrap();
    }
    let view = w.app.process_view(&cli, &w.company, "incoming_invoice").await.unwrap();
    let level = view
        .def
        .steps
        .iter()
        .find(|s| s.key == "propose_booking")
        .unwrap()
        .level;
    assert_eq!(level, AutomationLevel::Suggest);
    assert_eq!(view.stats, vec![("propose_booking".to_string(), 20, 5)]);
    let log = w.app.audit_log(&cli, Some(&w.company), 5_000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "process.demote"));
    // Running instances keep their version; new ones follow the new level.
    let doc = upload(&w, &anna, "next.xml", numbered(&template, 5000)).await;
    let t = task_for(&w, &doc, "confirm").await;
    assert_eq!(t.data.step, "propose_booking");
}

#[tokio::test]
async fn the_demo_companies_have_running_processes_open_tasks_for_each_role_and_a_history() {
    let tools = ["pdftotext", "tesseract"]
        .iter()
        .all(|t| std::process::Command::new(t).arg("-v").output().is_ok());
    if !tools {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install poppler-utils and tesseract-ocr"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = db_url(dir.path()).await;
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(START)));
    let app = app_on(&url, dir.path(), clock)
        .await
        .with_extractor(Arc::new(kontor_extract::Poppler::default()));
    let summary = app.seed_demo("kontor-demo").await.unwrap();
    assert!(summary.tasks_done > 0, "{summary:?}");
    let cli = Actor::cli("test");
    for code in ["muster", "beispiel"] {
        let c = app.company(&cli, code).await.unwrap();
        let running = app
            .process_instances(&cli, &c, Some(instance_state::WAITING), 100)
            .await
            .unwrap();
        let done = app
            .process_instances(&cli, &c, Some(instance_state::DONE), 100)
            .await
            .unwrap();
        assert!(
            !running.is_empty() && !done.is_empty(),
            "{code}: {} waiting, {} done",
            running.len(),
            done.len()
        );
        for role in [
            Role::Admin,
            Role::Buchhaltung,
            Role::Personal,
            Role::Freigabe,
            Role::Mitarbeiter,
        ] {
            let mut tx = app.store().begin_read().await.unwrap();
            let user = tx
                .user_by_name(&kontor_core::Username::parse(role.key()).unwrap())
                .await
                .unwrap()
                .unwrap();
            drop(tx);
            let who = Actor {
                kind: ActorKind::User(user.id),
                label: format!("user:{}", role.key()),
                ..person(&c, role.key(), &[role])
            };
            let tasks = app.my_tasks(&who, &c).await.unwrap();
            assert!(!tasks.is_empty(), "{code}: no open task for {}", role.key());
        }
        let f = app.process_figures(&cli, &c, "incoming_invoice").await.unwrap();
        assert!(f.done >= 1 && !f.waiting_per_person.is_empty(), "{code}: {f:?}");
        assert!(!entries_of(&app, &c).await.is_empty());
    }
}

async fn entries_of(app: &App, c: &CompanyRecord) -> Vec<kontor_app::records::LedgerEntryRecord> {
    app.journal(
        &Actor::cli("test"),
        c,
        Date::new(2000, 1, 1).unwrap(),
        Date::new(2099, 12, 31).unwrap(),
        0,
        100_000,
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|e| e.batch.starts_with("process:"))
    .collect()
}

/// A person of the store (users, memberships), as the sessions build them.
async fn member(w: &World, name: &str, role: Role) -> Actor {
    let cli = Actor::cli("test");
    let u = w
        .app
        .add_user(&cli, name, name, "ein-langes-passwort", false)
        .await
        .unwrap();
    w.app.grant_role(&cli, name, "bsp", role.key()).await.unwrap();
    Actor {
        kind: ActorKind::User(u.id),
        label: format!("user:{name}"),
        ..person(&w.company, name, &[role])
    }
}

#[tokio::test]
async fn mentions_notify_substitutes_stand_in_and_mail_goes_out_as_one_daily_digest() {
    let w = world().await;
    let anna = member(&w, "anna", Role::Buchhaltung).await;
    let ben = member(&w, "ben", Role::Freigabe).await;
    let carl = member(&w, "carl", Role::Freigabe).await;
    // ben approves the cost center "vertrieb"; ben is away, carl stands in.
    let cli = Actor::cli("test");
    let mut def = w
        .app
        .process_view(&cli, &w.company, "incoming_invoice")
        .await
        .unwrap()
        .def;
    def.params.cost_center_approvers.insert("vertrieb".into(), "ben".into());
    w.app.update_process(&cli, &w.company, def).await.unwrap();
    w.app
        .set_substitute(
            &ben,
            &w.company,
            Some((
                "carl",
                Timestamp::from_millis(START - HOUR),
                Timestamp::from_millis(START + 100 * HOUR),
            )),
        )
        .await
        .unwrap();
    let large = upload(&w, &anna, "large.xml", corpus(LARGE)).await;
    let r = task_for(&w, &large, "review").await;
    let mut fix = decide("corrected");
    fix.changes.insert("cost_center".into(), "vertrieb".into());
    w.app.complete_task(&anna, &w.company, &r.id, fix).await.unwrap();
    drain(&w.app).await;
    let t = task_for(&w, &large, "approve").await;
    assert_eq!(
        t.assignee.as_deref(),
        Some(carl.user_id().unwrap().to_string().as_str()),
        "carl stands in for ben"
    );
    assert!(w
        .app
        .my_tasks(&carl, &w.company)
        .await
        .unwrap()
        .iter()
        .any(|x| x.id == t.id));

    // A mention notifies; comments on tasks one may not take are refused.
    w.app
        .add_comment(&carl, &w.company, "task", &t.id, "@anna bitte Lieferschein anhängen")
        .await
        .unwrap();
    let notes = w.app.my_notifications(&anna, 50).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.kind == "mention" && n.text_de.contains("Lieferschein")),
        "{notes:?}"
    );
    assert!(w
        .app
        .add_comment(&anna, &w.company, "task", &t.id, "darf ich nicht")
        .await
        .is_err());

    // No mail yet: the digest collects a day.
    assert_eq!(w.app.run_workflow_timers().await.unwrap().2, 0);
    w.clock.set(Timestamp::from_millis(START + 25 * HOUR));
    let (_, _, mailed) = w.app.run_workflow_timers().await.unwrap();
    assert!(mailed >= 2, "anna and carl each get one digest ({mailed})");
    let outbox = w.app.outbox(&cli, 50).await.unwrap();
    let to_anna: Vec<_> = outbox.iter().filter(|m| m.recipient == "anna").collect();
    assert_eq!(to_anna.len(), 1, "one mail, not one per event");
    assert!(to_anna[0].body.contains("Lieferschein"));
    assert_eq!(w.app.run_workflow_timers().await.unwrap().2, 0, "nothing new, no mail");
}

#[tokio::test]
async fn a_step_that_fails_becomes_an_incident_and_a_person_retries_or_cancels_it() {
    let w = world().await;
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    trust_small_invoices(&w).await;
    // The period of the invoice date is closed: posting cannot happen.
    let cli = Actor::cli("test");
    w.app.close_period(&cli, &w.company, 201606).await.unwrap();
    let small = upload(&w, &anna, "small.xml", corpus(SMALL)).await;
    assert_eq!(state_of(&w, &small).await, ("incident".into(), "post".into()));
    let t = task_for(&w, &small, "incident").await;
    assert!(t.data.title_en.contains("closed"), "{}", t.data.title_en);
    assert!(entries(&w).await.is_empty());
    // Skipping needs a reason; retrying while the period is closed fails again.
    assert!(w
        .app
        .complete_task(&anna, &w.company, &t.id, decide("skip"))
        .await
        .is_err());
    w.app
        .complete_task(&anna, &w.company, &t.id, decide("retry"))
        .await
        .unwrap();
    drain(&w.app).await;
    assert_eq!(state_of(&w, &small).await.0, "incident");
    let t2 = task_for(&w, &small, "incident").await;
    let mut cancel = decide("cancel");
    cancel.comment = Some("Rechnung gehört ins Vorjahr, wird manuell gebucht".into());
    w.app.complete_task(&anna, &w.company, &t2.id, cancel).await.unwrap();
    assert_eq!(state_of(&w, &small).await.0, "cancelled");
    let log = w.app.audit_log(&cli, Some(&w.company), 500).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "process.incident" && e.actor == "system:workflow"));
    assert!(log
        .iter()
        .any(|e| e.action == "process.retry" && e.actor == "user:anna"));
    assert!(log
        .iter()
        .any(|e| e.action == "process.cancel" && e.actor == "user:anna"));
}

#[tokio::test]
async fn the_same_amount_on_the_same_day_asks_a_person_before_anything_is_dropped() {
    let w = world().await;
    let anna = person(&w.company, "anna", &[Role::Buchhaltung]);
    trust_small_invoices(&w).await;
    let template = String::from_utf8(corpus(SMALL).to_vec()).unwrap();
    let first = upload(&w, &anna, "a.xml", corpus(SMALL)).await;
    assert_eq!(state_of(&w, &first).await.1, "done");
    // Another number, same supplier, amount and date: maybe a duplicate.
    let second_xml = template.replacen("<cbc:ID>R1234567</cbc:ID>", "<cbc:ID>R7654321</cbc:ID>", 1);
    let second = upload(&w, &anna, "b.xml", Bytes::from(second_xml)).await;
    assert_eq!(
        state_of(&w, &second).await,
        ("waiting".into(), "duplicate_check".into())
    );
    let t = task_for(&w, &second, "review").await;
    assert_eq!(t.data.proposal["duplicate_of"]["number"], "R1234567");
    // "Not a duplicate": it goes on and is booked.
    w.app
        .complete_task(&anna, &w.company, &t.id, decide("corrected"))
        .await
        .unwrap();
    drain(&w.app).await;
    assert_eq!(state_of(&w, &second).await, ("done".into(), "done".into()));
    assert_eq!(entries(&w).await.len(), 2);
    // A third with the same number as the first: certain, never booked.
    let third = upload(&w, &anna, "c.xml", numbered_keep(&template)).await;
    assert_eq!(state_of(&w, &third).await, ("done".into(), "duplicate".into()));
    assert_eq!(entries(&w).await.len(), 2);
}

/// The first invoice again, with other bytes (a note added).
fn numbered_keep(template: &str) -> Bytes {
    Bytes::from(template.replacen("</cbc:IssueDate>", "</cbc:IssueDate><cbc:Note>Kopie</cbc:Note>", 1))
}
