//! The store contract: every backend passes the same tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use kontor_app::ports::{Store, StoreError};
use kontor_app::records::*;
use kontor_core::*;

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn uid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn company(n: u128, code: &str) -> CompanyRecord {
    CompanyRecord {
        id: CompanyId::from_uuid(uid(n)),
        code: CompanyCode::parse(code).unwrap(),
        name: CompanyName::parse(&format!("{code} GmbH")).unwrap(),
        created_at: ts(1),
    }
}

fn user(n: u128, name: &str) -> UserRecord {
    UserRecord {
        id: UserId::from_uuid(uid(n)),
        username: Username::parse(name).unwrap(),
        display_name: name.to_uppercase(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g".into(),
        lang: Lang::De,
        system_admin: false,
        disabled: false,
        created_at: ts(1),
        updated_at: ts(1),
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: 0,
    }
}

fn partner(n: u128, company: CompanyId, name: &str) -> PartnerRecord {
    PartnerRecord {
        id: PartnerId::from_uuid(uid(n)),
        company_id: company,
        data: PartnerDraft::parse(&PartnerInput {
            name,
            kind: "supplier",
            iban: Some("DE89370400440532013000"),
            vat_id: Some("DE136695976"),
            city: Some("Köln"),
            ..Default::default()
        })
        .unwrap(),
        created_at: ts(10),
        updated_at: ts(10),
        version: 1,
        bank_confirmed: None,
    }
}

#[tokio::test]
async fn migrations_are_recorded_and_idempotent() {
    for db in common::stores().await {
        let again = db.store.migrate().await.unwrap();
        assert!(again.iter().all(|m| m.applied && !m.newly_applied), "{}", db.label);
        assert!(db.store.integrity_problems().await.unwrap().is_empty(), "{}", db.label);
    }
}

#[tokio::test]
async fn users_companies_memberships_round_trip() {
    for db in common::stores().await {
        let s = &db.store;
        let mut tx = s.begin().await.unwrap();
        tx.insert_user(&user(1, "erika")).await.unwrap();
        tx.insert_company(&company(10, "muster")).await.unwrap();
        tx.insert_company(&company(11, "beispiel")).await.unwrap();
        tx.add_membership(
            UserId::from_uuid(uid(1)),
            CompanyId::from_uuid(uid(10)),
            Role::Buchhaltung,
        )
        .await
        .unwrap();
        // adding twice changes nothing
        tx.add_membership(
            UserId::from_uuid(uid(1)),
            CompanyId::from_uuid(uid(10)),
            Role::Buchhaltung,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut tx = s.begin_read().await.unwrap();
        let got = tx
            .user_by_name(&Username::parse("erika").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, user(1, "erika"), "{}", db.label);
        let ms = tx.memberships_of(got.id).await.unwrap();
        assert_eq!(ms.len(), 1, "{}", db.label);
        assert_eq!(ms[0].0.code.as_str(), "muster");
        assert_eq!(ms[0].1, Role::Buchhaltung.key());
        assert_eq!(tx.list_companies().await.unwrap().len(), 2);
        drop(tx);

        let mut tx = s.begin().await.unwrap();
        let dup = tx.insert_user(&user(2, "erika")).await.unwrap_err();
        assert!(matches!(dup, StoreError::Duplicate(_)), "{}: {dup:?}", db.label);
    }
}

#[tokio::test]
async fn uncommitted_transactions_leave_no_trace() {
    for db in common::stores().await {
        let mut tx = db.store.begin().await.unwrap();
        tx.insert_company(&company(10, "muster")).await.unwrap();
        drop(tx);
        let mut tx = db.store.begin_read().await.unwrap();
        assert!(tx.list_companies().await.unwrap().is_empty(), "{}", db.label);
    }
}

/// Two companies hold look-alike partners (same names, same IBAN and VAT
/// id); no store method may return or change the other company's records.
#[tokio::test]
async fn company_isolation_with_look_alike_data() {
    for db in common::stores().await {
        let s = &db.store;
        let (a, b) = (company(10, "muster"), company(11, "beispiel"));
        let mut tx = s.begin().await.unwrap();
        tx.insert_company(&a).await.unwrap();
        tx.insert_company(&b).await.unwrap();
        for i in 0..5u128 {
            tx.insert_partner(&partner(100 + i, a.id, &format!("Lieferant {i}")))
                .await
                .unwrap();
            tx.insert_partner(&partner(200 + i, b.id, &format!("Lieferant {i}")))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut tx = s.begin().await.unwrap();
        let list_a = tx.list_partners(a.id, None, 100).await.unwrap();
        let list_b = tx.list_partners(b.id, None, 100).await.unwrap();
        assert_eq!(list_a.len(), 5, "{}", db.label);
        assert!(list_a.iter().all(|p| p.company_id == a.id));
        assert!(list_b.iter().all(|p| p.company_id == b.id));
        let ids_a: HashSet<_> = list_a.iter().map(|p| p.id).collect();
        assert!(list_b.iter().all(|p| !ids_a.contains(&p.id)));
        // Reading B's partner through company A finds nothing.
        let b_partner = PartnerId::from_uuid(uid(200));
        assert!(tx.partner(a.id, b_partner).await.unwrap().is_none(), "{}", db.label);
        // Updating B's partner through company A changes nothing.
        let mut hijack = partner(200, a.id, "Umgeleitet");
        hijack.version = 2;
        assert!(!tx.update_partner(&hijack, 1).await.unwrap(), "{}", db.label);
        let untouched = tx.partner(b.id, b_partner).await.unwrap().unwrap();
        assert_eq!(untouched.data.name, "Lieferant 0");
        // Cursor pagination stays within the company.
        let first = tx.list_partners(a.id, None, 2).await.unwrap();
        let rest = tx.list_partners(a.id, first.last().map(|p| p.id), 100).await.unwrap();
        assert_eq!(first.len() + rest.len(), 5);
        assert!(rest.iter().all(|p| p.company_id == a.id));
    }
}

#[tokio::test]
async fn partner_updates_need_the_current_version() {
    for db in common::stores().await {
        let s = &db.store;
        let a = company(10, "muster");
        let mut tx = s.begin().await.unwrap();
        tx.insert_company(&a).await.unwrap();
        tx.insert_partner(&partner(100, a.id, "Alt")).await.unwrap();
        let mut p = partner(100, a.id, "Neu");
        p.version = 2;
        assert!(tx.update_partner(&p, 1).await.unwrap(), "{}", db.label);
        let mut stale = partner(100, a.id, "Veraltet");
        stale.version = 2;
        assert!(!tx.update_partner(&stale, 1).await.unwrap(), "{}", db.label);
        let now = tx.partner(a.id, p.id).await.unwrap().unwrap();
        assert_eq!((now.data.name.as_str(), now.version), ("Neu", 2));
    }
}

fn job(n: u128, run_at: i64) -> NewJob {
    NewJob {
        id: JobId::from_uuid(uid(n)),
        company_id: None,
        kind: "diagnostics.probe".into(),
        payload: "{}".into(),
        run_at: ts(run_at),
        max_attempts: 2,
        created_at: ts(0),
    }
}

#[tokio::test]
async fn jobs_retry_then_die_and_can_be_requeued() {
    for db in common::stores().await {
        let s = &db.store;
        let mut tx = s.begin().await.unwrap();
        tx.enqueue_job(&job(1, 100)).await.unwrap();
        tx.commit().await.unwrap();
        // not due yet
        assert!(
            s.claim_job("w1", ts(50), ts(1000)).await.unwrap().is_none(),
            "{}",
            db.label
        );
        let j = s.claim_job("w1", ts(100), ts(1000)).await.unwrap().unwrap();
        assert_eq!((j.state, j.attempts), (JobState::Running, 1));
        // leased: nobody else gets it
        assert!(s.claim_job("w2", ts(200), ts(1000)).await.unwrap().is_none());
        s.finish_job(
            &j,
            "w1",
            ts(100),
            &JobOutcome::Failed {
                error: "boom".into(),
                retry_at: ts(300),
            },
            ts(150),
        )
        .await
        .unwrap();
        let j = s.claim_job("w2", ts(300), ts(2000)).await.unwrap().unwrap();
        assert_eq!(j.attempts, 2);
        s.finish_job(
            &j,
            "w2",
            ts(300),
            &JobOutcome::Failed {
                error: "boom again".into(),
                retry_at: ts(400),
            },
            ts(310),
        )
        .await
        .unwrap();
        let mut tx = s.begin().await.unwrap();
        let dead = tx.list_jobs(Some(JobState::Dead), 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{}", db.label);
        assert_eq!(dead[0].last_error.as_deref(), Some("boom again"));
        assert_eq!(tx.job_runs(dead[0].id).await.unwrap().len(), 2);
        assert!(tx.requeue_dead_job(dead[0].id, ts(500)).await.unwrap());
        tx.commit().await.unwrap();
        let j = s.claim_job("w3", ts(500), ts(3000)).await.unwrap().unwrap();
        s.finish_job(&j, "w3", ts(500), &JobOutcome::Done, ts(510))
            .await
            .unwrap();
        let mut tx = s.begin_read().await.unwrap();
        let c = tx.job_counts().await.unwrap();
        assert_eq!((c.done, c.dead, c.queued), (1, 0, 0), "{}", db.label);
    }
}

#[tokio::test]
async fn an_expired_lease_lets_another_worker_take_over() {
    for db in common::stores().await {
        let s = &db.store;
        let mut tx = s.begin().await.unwrap();
        tx.enqueue_job(&job(1, 0)).await.unwrap();
        tx.commit().await.unwrap();
        let first = s.claim_job("crashed", ts(0), ts(100)).await.unwrap().unwrap();
        let second = s.claim_job("w2", ts(101), ts(1000)).await.unwrap().unwrap();
        assert_eq!(first.id, second.id, "{}", db.label);
        // the crashed worker's late report is ignored
        s.finish_job(&first, "crashed", ts(0), &JobOutcome::Done, ts(102))
            .await
            .unwrap();
        let mut tx = s.begin_read().await.unwrap();
        assert_eq!(
            tx.job(second.id).await.unwrap().unwrap().state,
            JobState::Running,
            "{}",
            db.label
        );
    }
}

/// Many concurrent workers: every job is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_hand_out_each_job_once() {
    for db in common::stores().await {
        let store = Arc::new(db.store);
        let mut tx = store.begin().await.unwrap();
        for i in 0..200u128 {
            tx.enqueue_job(&job(i + 1, 0)).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut handles = Vec::new();
        for w in 0..8 {
            let s = store.clone();
            handles.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(j) = s.claim_job(&format!("w{w}"), ts(1), ts(1_000_000)).await.unwrap() {
                    s.finish_job(&j, &format!("w{w}"), ts(1), &JobOutcome::Done, ts(2))
                        .await
                        .unwrap();
                    got.push(j.id);
                }
                got
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 200, "{}", db.label);
        assert_eq!(unique.len(), 200, "{}", db.label);
    }
}

/// Workers that take the next job in the transaction finishing the previous
/// one: every job runs exactly once, each finished job is done with one run
/// recorded, and without a lease nothing more is claimed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finishing_a_job_can_claim_the_next_in_the_same_transaction() {
    for db in common::stores().await {
        let store = Arc::new(db.store);
        let mut tx = store.begin().await.unwrap();
        for i in 0..120u128 {
            tx.enqueue_job(&job(i + 1, 0)).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut handles = Vec::new();
        for w in 0..4 {
            let s = store.clone();
            handles.push(tokio::spawn(async move {
                let name = format!("w{w}");
                let mut got = Vec::new();
                let mut next = s.claim_job(&name, ts(1), ts(1_000_000)).await.unwrap();
                while let Some(j) = next {
                    assert_eq!((j.state, j.attempts), (JobState::Running, 1));
                    got.push(j.id);
                    next = s
                        .finish_job_and_claim(&j, &name, ts(1), &JobOutcome::Done, ts(2), Some(ts(1_000_000)))
                        .await
                        .unwrap();
                }
                got
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!((all.len(), unique.len()), (120, 120), "{}", db.label);
        let mut tx = store.begin_read().await.unwrap();
        let c = tx.job_counts().await.unwrap();
        assert_eq!((c.done, c.running, c.queued), (120, 0, 0), "{}", db.label);
        assert_eq!(tx.job_runs(all[0]).await.unwrap().len(), 1);
        drop(tx);
        // Without a lease, finishing claims nothing even when a job is due.
        let mut tx = store.begin().await.unwrap();
        tx.enqueue_job(&job(500, 0)).await.unwrap();
        tx.enqueue_job(&job(501, 0)).await.unwrap();
        tx.commit().await.unwrap();
        let j = store.claim_job("w9", ts(3), ts(1_000_000)).await.unwrap().unwrap();
        let none = store
            .finish_job_and_claim(&j, "w9", ts(3), &JobOutcome::Done, ts(4), None)
            .await
            .unwrap();
        assert!(none.is_none(), "{}", db.label);
        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.job_counts().await.unwrap().queued, 1, "{}", db.label);
    }
}

#[tokio::test]
async fn sessions_are_purged_by_idle_and_absolute_age() {
    for db in common::stores().await {
        let s = &db.store;
        let mut tx = s.begin().await.unwrap();
        tx.insert_user(&user(1, "erika")).await.unwrap();
        for (h, created, seen) in [("a", 0, 0), ("b", 0, 900), ("c", 800, 900)] {
            tx.insert_session(&SessionRecord {
                token_hash: h.into(),
                user_id: UserId::from_uuid(uid(1)),
                csrf_token: "x".into(),
                company_id: None,
                created_at: ts(created),
                last_seen_at: ts(seen),
                enroll_only: false,
            })
            .await
            .unwrap();
        }
        // idle before 500 → a; created before 500 → a, b
        assert_eq!(tx.purge_sessions(ts(500), ts(500)).await.unwrap(), 2, "{}", db.label);
        assert!(tx.session_by_hash("c").await.unwrap().is_some());
    }
}

#[tokio::test]
async fn audit_events_are_listed_newest_first_per_company() {
    for db in common::stores().await {
        let s = &db.store;
        let a = company(10, "muster");
        let mut tx = s.begin().await.unwrap();
        tx.insert_company(&a).await.unwrap();
        for i in 0..3u128 {
            tx.append_audit(&AuditEvent {
                id: AuditEventId::from_uuid(uid(50 + i)),
                company_id: if i == 2 { None } else { Some(a.id) },
                actor: "cli:test".into(),
                action: format!("a{i}"),
                object_type: "test".into(),
                subject: "s".into(),
                detail: String::new(),
                client_addr: Some("127.0.0.1".into()),
                at: ts(i as i64),
                change: None,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let mut tx = s.begin_read().await.unwrap();
        let scoped: Vec<_> = tx
            .list_audit(Some(a.id), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(scoped, vec!["a1", "a0"], "{}", db.label);
        assert_eq!(tx.list_audit(None, 10).await.unwrap().len(), 3);
        // The entries form an intact hash chain.
        let chain = tx.audit_chain(0, 10).await.unwrap();
        let mut v = kontor_app::audit::ChainVerifier::default();
        assert!(chain.iter().all(|r| v.feed(r)), "{}", db.label);
        let report = v.finish();
        assert_eq!((report.entries, report.first_broken), (3, None));
        assert_eq!(chain[0].prev_hash.as_deref(), Some(kontor_app::audit::GENESIS));
        assert_eq!(chain[1].prev_hash, chain[0].hash);
    }
}

/// CI sets KONTOR_REQUIRE_POSTGRES=1 so a missing database URL fails loudly
/// instead of silently testing SQLite alone.
#[tokio::test]
async fn postgres_backend_is_exercised_when_required() {
    let labels: Vec<_> = common::stores().await.into_iter().map(|d| d.label).collect();
    if std::env::var("KONTOR_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        assert_eq!(labels, vec!["sqlite", "postgres"]);
    } else {
        assert_eq!(labels[0], "sqlite");
    }
}
