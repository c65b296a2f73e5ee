//! Use-cases on the real SQL store with a manual clock and sequential ids:
//! time-dependent rules are tested without sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use kontor_app::security::OsRandom;
use kontor_app::{Actor, App, AppError, AppSettings};
use kontor_core::time::{ManualClock, SequentialIds};
use kontor_core::{Clock, PartnerInput, Timestamp};
use kontor_store::{SqlStore, StoreOptions};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = match kontor_e2e::fresh_postgres_url() {
        Some(url) => url,
        None => format!("sqlite://{}?mode=rwc", dir.path().join("kontor.db").display()),
    };
    let store = Arc::new(SqlStore::open(&StoreOptions::new(url)).await.unwrap());
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.path().join("blobs")).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000)));
    let settings = AppSettings {
        session_idle_secs: 600,
        session_absolute_secs: 3600,
        ..AppSettings::default()
    };
    let app = App::new(
        store,
        blobs,
        clock.clone(),
        Arc::new(SequentialIds::default()),
        Arc::new(OsRandom),
        settings,
    );
    // A master key, so the demo has employees with protected data.
    let cipher = kontor_app::crypto::FieldCipher::new(vec![("k1".into(), [7u8; 32])]).unwrap();
    let app = app.with_cipher(Arc::new(cipher));
    app.seed_demo("kontor-demo").await.unwrap();
    Fixture { app, clock, _dir: dir }
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    let f = fixture().await;
    let out = f.app.login("buchhaltung", "kontor-demo", None).await.unwrap();
    f.clock.advance_millis(9 * 60 * 1000);
    assert!(
        f.app.session(&out.token).await.is_ok(),
        "9 minutes idle: still signed in"
    );
    f.clock.advance_millis(9 * 60 * 1000);
    assert!(
        f.app.session(&out.token).await.is_ok(),
        "activity renewed the idle timer"
    );
    f.clock.advance_millis(11 * 60 * 1000);
    assert!(
        matches!(f.app.session(&out.token).await, Err(AppError::Unauthenticated)),
        "11 minutes idle: signed out"
    );

    let out = f.app.login("buchhaltung", "kontor-demo", None).await.unwrap();
    for _ in 0..7 {
        f.clock.advance_millis(9 * 60 * 1000);
        let _ = f.app.session(&out.token).await;
    }
    assert!(
        matches!(f.app.session(&out.token).await, Err(AppError::Unauthenticated)),
        "absolute timeout of 1 h"
    );
}

#[tokio::test]
async fn failed_and_successful_sign_ins_are_audited() {
    let f = fixture().await;
    assert!(matches!(
        f.app.login("buchhaltung", "falsch-falsch", None).await,
        Err(AppError::BadCredentials)
    ));
    assert!(matches!(
        f.app.login("niemand", "kontor-demo", None).await,
        Err(AppError::BadCredentials)
    ));
    f.app.login("buchhaltung", "kontor-demo", None).await.unwrap();
    let log = f.app.audit_log(&Actor::cli("test"), None, 50).await.unwrap();
    let actions: Vec<_> = log.iter().map(|e| (e.action.as_str(), e.subject.as_str())).collect();
    assert!(actions.contains(&("session.login_failed", "buchhaltung")));
    assert!(actions.contains(&("session.login_failed", "niemand")));
    assert!(actions.contains(&("session.login", "buchhaltung")));
}

#[tokio::test]
async fn every_change_is_audited_with_its_actor_and_company() {
    let f = fixture().await;
    let s = f.app.login("buchhaltung", "kontor-demo", None).await.unwrap().session;
    let muster = f.app.company(&s.actor, "muster").await.unwrap();
    let p = f
        .app
        .create_partner(
            &s.actor,
            &muster,
            &PartnerInput {
                name: "Neu GmbH",
                kind: "customer",
                ..Default::default()
            },
        )
        .await
        .unwrap();
    f.app
        .update_partner(
            &s.actor,
            &muster,
            p.id,
            Some(1),
            &PartnerInput {
                name: "Neu GmbH",
                kind: "customer",
                iban: Some("DE89370400440532013000"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let log = f.app.audit_log(&Actor::cli("test"), Some(&muster), 10).await.unwrap();
    assert_eq!(log[0].action, "partner.update");
    assert_eq!(log[0].detail, "changed: iban");
    assert_eq!(log[0].actor, "user:buchhaltung");
    assert_eq!(log[1].action, "partner.create");
    assert_eq!(log[0].at, f.clock.now());
}

#[tokio::test]
async fn permissions_are_checked_in_the_use_case() {
    let f = fixture().await;
    let m = f.app.login("mitarbeiter", "kontor-demo", None).await.unwrap().session;
    let muster = f.app.company(&m.actor, "muster").await.unwrap();
    let r = f
        .app
        .create_partner(
            &m.actor,
            &muster,
            &PartnerInput {
                name: "X",
                kind: "customer",
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(r, Err(AppError::Forbidden { .. })));
    assert!(matches!(
        f.app.add_company(&m.actor, "neu", "Neu GmbH").await,
        Err(AppError::AdminOnly)
    ));
    assert!(matches!(f.app.list_users(&m.actor).await, Err(AppError::AdminOnly)));
}

#[tokio::test]
async fn reset_password_ends_every_session_of_the_user() {
    let f = fixture().await;
    let a = f.app.login("freigabe", "kontor-demo", None).await.unwrap();
    let b = f.app.login("freigabe", "kontor-demo", None).await.unwrap();
    f.app
        .reset_password(&Actor::cli("test"), "freigabe", "ein-neues-langes-passwort")
        .await
        .unwrap();
    assert!(f.app.session(&a.token).await.is_err());
    assert!(f.app.session(&b.token).await.is_err());
    assert!(f.app.login("freigabe", "kontor-demo", None).await.is_err());
    assert!(f.app.login("freigabe", "ein-neues-langes-passwort", None).await.is_ok());
    let short = f.app.reset_password(&Actor::cli("test"), "freigabe", "kurz").await;
    assert!(matches!(short, Err(AppError::Invalid(_))));
}

#[tokio::test]
async fn the_initial_admin_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqlStore::open(&StoreOptions::sqlite_file(&dir.path().join("k.db")))
            .await
            .unwrap(),
    );
    let blobs = Arc::new(kontor_blob::ObjectBlobStore::local(&dir.path().join("blobs")).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(0)));
    let app = App::new(
        store,
        blobs,
        clock,
        Arc::new(SequentialIds::default()),
        Arc::new(OsRandom),
        AppSettings::default(),
    );
    let pw = app.bootstrap_admin(None).await.unwrap().expect("generated");
    assert_eq!(pw.len(), 20);
    assert!(
        app.bootstrap_admin(None).await.unwrap().is_none(),
        "second start creates nothing"
    );
    assert!(app.login("admin", &pw, None).await.is_ok());
}

#[tokio::test]
async fn demo_seeding_is_idempotent() {
    let f = fixture().await;
    let again = f.app.seed_demo("kontor-demo").await.unwrap();
    assert_eq!(
        (again.companies_created, again.users_created, again.partners_created),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn failed_sign_ins_throttle_by_account_and_by_address_with_growing_locks() {
    let f = fixture().await;
    let addr = Some("203.0.113.7");
    for _ in 0..5 {
        assert!(matches!(
            f.app.login("buchhaltung", "falsch-falsch", addr).await,
            Err(AppError::BadCredentials)
        ));
    }
    assert!(matches!(
        f.app.login("buchhaltung", "kontor-demo", None).await,
        Err(AppError::Throttled { retry_after_secs: 30 })
    ));
    // Other accounts from the same address still work: 5 failures do not lock an address.
    assert!(f.app.login("freigabe", "kontor-demo", addr).await.is_ok());
    // A guesser trying many accounts from one address is locked by address.
    let guesser = Some("198.51.100.66");
    for i in 0..20 {
        let _ = f.app.login(&format!("konto{i}"), "geraten-geraten", guesser).await;
    }
    assert!(matches!(
        f.app.login("freigabe", "kontor-demo", guesser).await,
        Err(AppError::Throttled { .. })
    ));
    // After the lock, one more failure doubles it.
    f.clock.advance_millis(31_000);
    assert!(matches!(
        f.app.login("buchhaltung", "falsch-falsch", None).await,
        Err(AppError::BadCredentials)
    ));
    assert!(matches!(
        f.app.login("buchhaltung", "kontor-demo", None).await,
        Err(AppError::Throttled { retry_after_secs: 60 })
    ));
    f.clock.advance_millis(61_000);
    assert!(
        f.app.login("buchhaltung", "kontor-demo", None).await.is_ok(),
        "the lock ends by itself"
    );
    // Success cleared the account's count: one failure does not lock again.
    assert!(matches!(
        f.app.login("buchhaltung", "falsch-falsch", None).await,
        Err(AppError::BadCredentials)
    ));
    assert!(f.app.login("buchhaltung", "kontor-demo", None).await.is_ok());
    let log = f.app.audit_log(&Actor::cli("test"), None, 100).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "session.login_throttled" && e.client_addr.as_deref() == Some("198.51.100.66")));
}

#[tokio::test]
async fn api_tokens_expire() {
    let f = fixture().await;
    let s = f.app.login("buchhaltung", "kontor-demo", None).await.unwrap().session;
    let (token, _) = f
        .app
        .create_api_token(&s, "muster", "kurz", &["partners:read".to_string()], 2)
        .await
        .unwrap();
    assert!(f.app.bearer(&token).await.is_ok());
    f.clock.advance_millis(2 * 86_400_000 - 1);
    assert!(f.app.bearer(&token).await.is_ok(), "valid until the last millisecond");
    f.clock.advance_millis(1);
    assert!(matches!(f.app.bearer(&token).await, Err(AppError::Unauthenticated)));
    assert!(matches!(
        f.app.bearer("kontor_made-up").await,
        Err(AppError::Unauthenticated)
    ));
}

use kontor_app::twofactor::code_at;
use kontor_app::SignIn;

fn attempt<'a>(user: &'a str, code: Option<&'a str>, allow_enrollment: bool) -> SignIn<'a> {
    SignIn {
        username: user,
        password: "kontor-demo",
        second_factor: code,
        client: None,
        allow_enrollment,
    }
}

#[tokio::test]
async fn two_factor_sign_in_with_replay_protection_and_recovery_codes() {
    let f = fixture().await;
    let s = f.app.login("buchhaltung", "kontor-demo", None).await.unwrap().session;
    let (secret, url) = f.app.begin_totp(&s).await.unwrap();
    assert!(url.starts_with("otpauth://totp/kontor:buchhaltung?"), "{url}");
    // Begun but not confirmed: sign-in still needs no code.
    assert!(f.app.sign_in(&attempt("buchhaltung", None, false)).await.is_ok());
    let s = f.app.login("buchhaltung", "kontor-demo", None).await.unwrap().session;
    assert!(matches!(
        f.app.confirm_totp(&s, "000000").await,
        Err(AppError::BadSecondFactor)
    ));
    let codes = f
        .app
        .confirm_totp(&s, &code_at(&secret, f.clock.now()).unwrap())
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    // Now the password alone is not enough.
    assert!(matches!(
        f.app.sign_in(&attempt("buchhaltung", None, true)).await,
        Err(AppError::TotpRequired)
    ));
    // The code used for confirming is spent; the next step's code works once.
    let used = code_at(&secret, f.clock.now()).unwrap();
    assert!(matches!(
        f.app.sign_in(&attempt("buchhaltung", Some(&used), true)).await,
        Err(AppError::BadSecondFactor)
    ));
    f.clock.advance_millis(30_000);
    let next = code_at(&secret, f.clock.now()).unwrap();
    assert!(f.app.sign_in(&attempt("buchhaltung", Some(&next), true)).await.is_ok());
    assert!(matches!(
        f.app.sign_in(&attempt("buchhaltung", Some(&next), true)).await,
        Err(AppError::BadSecondFactor)
    ));
    // A recovery code works exactly once.
    assert!(f
        .app
        .sign_in(&attempt("buchhaltung", Some(&codes[3]), true))
        .await
        .is_ok());
    assert!(matches!(
        f.app.sign_in(&attempt("buchhaltung", Some(&codes[3]), true)).await,
        Err(AppError::BadSecondFactor)
    ));
}

#[tokio::test]
async fn a_role_that_requires_two_factor_cannot_sign_in_without_it() {
    let f = fixture().await;
    let cli = Actor::cli("test");
    f.app.set_role_policy(&cli, "personal", true).await.unwrap();
    // API clients are refused outright.
    assert!(matches!(
        f.app.sign_in(&attempt("personal", None, false)).await,
        Err(AppError::TotpEnrollmentRequired)
    ));
    // The web UI gets a session that can only set up two-factor sign-in.
    let out = f.app.sign_in(&attempt("personal", None, true)).await.unwrap();
    assert!(out.session.enroll_only);
    assert!(matches!(
        f.app.disable_totp(&out.session, "000000").await,
        Err(AppError::TwoFactorRequiredByRole)
    ));
    let (secret, _) = f.app.begin_totp(&out.session).await.unwrap();
    let s = f.app.session(&out.token).await.unwrap();
    f.app
        .confirm_totp(&s, &code_at(&secret, f.clock.now()).unwrap())
        .await
        .unwrap();
    assert!(
        !f.app.session(&out.token).await.unwrap().enroll_only,
        "set up: the session is now a normal one"
    );
    // From now on the code is required.
    assert!(matches!(
        f.app.sign_in(&attempt("personal", None, false)).await,
        Err(AppError::TotpRequired)
    ));
    f.clock.advance_millis(30_000);
    let code = code_at(&secret, f.clock.now()).unwrap();
    assert!(f.app.sign_in(&attempt("personal", Some(&code), false)).await.is_ok());
    // Switching it off is refused while the role requires it.
    let s = f.app.session(&out.token).await.unwrap();
    assert!(matches!(
        f.app.disable_totp(&s, &code).await,
        Err(AppError::TwoFactorRequiredByRole)
    ));
}

#[tokio::test]
async fn partner_access_starts_and_ends_with_its_window() {
    use kontor_app::partner_access::{Acceptance, InviteInput};
    use kontor_core::period::date_of;
    let f = fixture().await;
    let admin = f.app.login("admin", "kontor-demo", None).await.unwrap().session.actor;
    let muster = f.app.company(&admin, "muster").await.unwrap();
    let day = 86_400_000;
    let now = f.clock.now().millis();
    // Access from tomorrow for three days.
    let inv = f
        .app
        .invite_partner(
            &admin,
            &muster,
            &InviteInput {
                role: "pruefer",
                firm: "Prüfgesellschaft Test",
                email: None,
                valid_from: Some(&date_of(Timestamp::from_millis(now + day))),
                valid_until: &date_of(Timestamp::from_millis(now + 3 * day)),
                period: Some("2025"),
            },
        )
        .await
        .unwrap();
    let accept = |user: &'static str| Acceptance {
        token: Box::leak(inv.token.clone().into_boxed_str()),
        new_account: Some("Paula Prüferin"),
        username: user,
        password: "ein-sehr-langes-passwort",
        second_factor: None,
        client: None,
    };
    f.app.accept_invitation(&accept("pruefung-test")).await.unwrap();
    let fresh = |f: &Fixture| {
        let app = f.app.clone();
        async move {
            app.login("pruefung-test", "ein-sehr-langes-passwort", None)
                .await
                .unwrap()
                .session
        }
    };
    let before = fresh(&f).await;
    assert!(before.actor.memberships.is_empty(), "not before the first day");
    assert!(f.app.list_partners(&before.actor, &muster, None, None).await.is_err());
    f.clock.advance_millis(day + 1000);
    let during = fresh(&f).await;
    assert_eq!(during.actor.memberships.len(), 1);
    let scope = during.actor.memberships[0].partner.clone().unwrap();
    assert_eq!(scope.period.unwrap().to_string(), "2025-01..2025-12");
    assert!(during
        .actor
        .sees_month(muster.id, kontor_core::YearMonth::parse("2025-03").unwrap()));
    assert!(!during
        .actor
        .sees_month(muster.id, kontor_core::YearMonth::parse("2026-01").unwrap()));
    f.app.list_partners(&during.actor, &muster, None, None).await.unwrap();
    // The same session loses access at the end of the window.
    let out = f
        .app
        .login("pruefung-test", "ein-sehr-langes-passwort", None)
        .await
        .unwrap();
    f.clock.advance_millis(3 * day);
    let late = fresh(&f).await;
    assert!(late.actor.memberships.is_empty(), "expired");
    assert!(matches!(
        f.app.list_partners(&late.actor, &muster, None, None).await,
        Err(AppError::Forbidden { .. } | AppError::NotFound { .. })
    ));
    assert!(
        f.app.session(&out.token).await.is_err()
            || f.app.session(&out.token).await.unwrap().actor.memberships.is_empty()
    );
    // A used link cannot be used again, even by someone else.
    assert!(matches!(
        f.app.accept_invitation(&accept("zweiter-versuch")).await,
        Err(AppError::InvitationUnusable)
    ));
}

#[tokio::test]
async fn a_custom_role_grants_exactly_its_permissions() {
    use kontor_app::roles::RoleInput;
    use kontor_core::{Action, Module, Permission};
    let f = fixture().await;
    let admin = f.app.login("admin", "kontor-demo", None).await.unwrap().session.actor;
    let muster = f.app.company(&admin, "muster").await.unwrap();
    // Only administrators of the company define roles.
    let acc = f
        .app
        .login("buchhaltung", "kontor-demo", None)
        .await
        .unwrap()
        .session
        .actor;
    let input = RoleInput {
        key: "kasse",
        name: "Kasse",
        permissions: vec!["partners:read", "finance:read"],
        require_2fa: None,
    };
    assert!(matches!(
        f.app.define_role(&acc, &muster, &input).await,
        Err(AppError::Forbidden { .. })
    ));
    let role = f.app.define_role(&admin, &muster, &input).await.unwrap();
    assert!(!role.require_2fa);
    f.app
        .add_user(&admin, "kira", "Kira Kasse", "ein-sehr-langes-passwort", false)
        .await
        .unwrap();
    f.app
        .grant_role(&admin, "kira", "muster", "custom:kasse")
        .await
        .unwrap();
    let kira = f.app.login("kira", "ein-sehr-langes-passwort", None).await.unwrap();
    assert_eq!(kira.session.actor.memberships[0].role_key(), "custom:kasse");
    let actor = &kira.session.actor;
    f.app.list_partners(actor, &muster, None, None).await.unwrap();
    assert!(actor.can(muster.id, Permission::new(Module::Finance, Action::Read)));
    // Nothing the role does not name: no writing, no tasks (which the placeholder role would grant), no HR.
    assert!(!actor.can(muster.id, Permission::new(Module::Partners, Action::Write)));
    assert!(!actor.can(muster.id, Permission::new(Module::Tasks, Action::Read)));
    assert!(matches!(
        f.app.list_employees(actor, &muster).await,
        Err(AppError::Forbidden { .. })
    ));
    // Redefining the role changes what holders may do on their next request.
    f.app
        .define_role(
            &admin,
            &muster,
            &RoleInput {
                permissions: vec!["partners:read", "partners:write"],
                ..input.clone()
            },
        )
        .await
        .unwrap();
    let again = f.app.session(&kira.token).await.unwrap();
    assert!(again
        .actor
        .can(muster.id, Permission::new(Module::Partners, Action::Write)));
    assert!(!again
        .actor
        .can(muster.id, Permission::new(Module::Finance, Action::Read)));
    // A role of another company cannot be granted here.
    assert!(f
        .app
        .grant_role(&admin, "kira", "beispiel", "custom:kasse")
        .await
        .is_err());
}

#[tokio::test]
async fn a_leaver_is_restricted_while_retention_runs_and_anonymised_after() {
    use kontor_app::dsgvo::Restriction;
    use kontor_app::personnel::Upload;
    let f = fixture().await;
    let hr = f
        .app
        .login("personal", "kontor-demo", None)
        .await
        .unwrap()
        .session
        .actor;
    let muster = f.app.company(&hr, "muster").await.unwrap();
    let staff = f.app.list_employees(&hr, &muster).await.unwrap();
    let erika = staff
        .iter()
        .find(|e| e.record.personnel_number == "1001")
        .unwrap()
        .record
        .clone();
    let doc = f
        .app
        .upload_employee_document(
            &hr,
            &muster,
            erika.id,
            Upload {
                kind: "payslip",
                period: Some("2026-10"),
                title: None,
                filename: "lohn.pdf",
                content: bytes::Bytes::from_static(b"%PDF-1.4 Erika Oktober"),
            },
        )
        .await
        .unwrap();

    // Art. 15: everything about the person, protected fields included.
    let export = f.app.dsgvo_export(&hr, &muster, erika.id).await.unwrap();
    assert_eq!(export["employee"]["tax_id"], "47123456788");
    assert_eq!(export["personnel_file"][0]["title"], "Lohnabrechnung 2026-10");
    assert_eq!(export["legal_basis"], "Art. 15 DSGVO");
    // Others may not export.
    let acc = f
        .app
        .login("buchhaltung", "kontor-demo", None)
        .await
        .unwrap()
        .session
        .actor;
    assert!(f.app.dsgvo_export(&acc, &muster, erika.id).await.is_err());

    // Erika leaves; the record is restricted, not deleted.
    assert!(matches!(
        f.app.erase_employee(&hr, &muster, erika.id, "").await,
        Err(AppError::Conflict { .. })
    ));
    let restricted = f
        .app
        .restrict_employee(
            &hr,
            &muster,
            erika.id,
            &Restriction {
                exit_date: "2026-12-31",
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(restricted.privacy.retention_until.as_deref(), Some("2034-12-31"));
    let listed = f.app.list_employees(&hr, &muster).await.unwrap();
    assert!(listed.iter().all(|e| e.record.id != erika.id), "blocked for normal use");
    assert_eq!(f.app.restricted_employees(&hr, &muster).await.unwrap().len(), 1);
    let appr = f
        .app
        .login("freigabe", "kontor-demo", None)
        .await
        .unwrap()
        .session
        .actor;
    assert!(f.app.employee(&appr, &muster, erika.id).await.is_err());
    // HR can still open the payslip for the retention duty (e.g. an audit).
    f.app
        .open_employee_document(&hr, &muster, erika.id, doc.id)
        .await
        .unwrap();
    // While retention runs, erasure is refused and names the date.
    match f.app.erase_employee(&hr, &muster, erika.id, "").await {
        Err(AppError::Conflict { en, .. }) => assert!(en.contains("2034-12-31"), "{en}"),
        other => panic!("must be refused: {other:?}"),
    }

    // After the retention ends: anonymised, documents and their contents gone.
    f.clock.advance_millis(9 * 366 * 86_400_000);
    let hr = f
        .app
        .login("personal", "kontor-demo", None)
        .await
        .unwrap()
        .session
        .actor;
    let anon = f
        .app
        .erase_employee(
            &hr,
            &muster,
            erika.id,
            "Art. 17 Abs. 1 lit. a DSGVO; Aufbewahrung bis 2034-12-31 abgelaufen",
        )
        .await
        .unwrap();
    assert_eq!(anon.first_name, "Anonymisiert");
    assert!(anon.street.is_none() && anon.sealed.tax_id.is_none() && anon.user_id.is_none());
    assert!(anon.privacy.erased_at.is_some());
    assert!(f
        .app
        .employee_documents(&hr, &muster, erika.id)
        .await
        .unwrap()
        .is_empty());
    let blob = kontor_app::BlobRef::parse(&doc.blob).unwrap();
    assert!(
        !f.app.blobs().exists(&blob).await.unwrap(),
        "the payslip's content is deleted"
    );
    let admin = f.app.login("admin", "kontor-demo", None).await.unwrap().session.actor;
    let trail = f
        .app
        .audit_trail(
            &admin,
            &muster,
            &kontor_app::records::AuditFilter {
                action: Some("dsgvo.".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let erase = trail.iter().find(|e| e.event.action == "dsgvo.erase").unwrap();
    assert!(erase.event.detail.contains("Art. 17"), "{}", erase.event.detail);
    assert!(
        !serde_json::to_string(&trail.iter().map(|e| e.event.detail.clone()).collect::<Vec<_>>())
            .unwrap()
            .contains("Mustermann")
    );
}
