//! The JSON API and the server's operational endpoints, against a real
//! `kontor serve` (SQLite by default; PostgreSQL and S3 when the test
//! environment names them, as CI does).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_e2e::{demo_on_test_storage, Server, ServerOptions};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const ROLES: [&str; 8] = [
    "admin",
    "buchhaltung",
    "personal",
    "freigabe",
    "mitarbeiter",
    "steuerberater",
    "lohnbuero",
    "pruefer",
];

fn client() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

/// Signs in; returns the client (holding the cookie) and the CSRF token.
async fn login(s: &Server, user: &str) -> (Client, String) {
    let c = client();
    let r = c
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "kontor-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login {user}");
    let body: Value = r.json().await.unwrap();
    (c, body["csrf_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn every_demo_user_signs_in_and_the_login_page_shows() {
    let s = demo_on_test_storage();
    let page = client().get(s.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.url().path().ends_with("/login"));
    assert!(page.text().await.unwrap().contains("Anmelden"));
    for role in ROLES {
        let (c, _) = login(&s, role).await;
        let me: Value = c.get(s.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["username"], role);
        let roles: Vec<_> = me["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap().to_string())
            .collect();
        let companies: Vec<_> = me["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["company"].as_str().unwrap().to_string())
            .collect();
        match role {
            // External partners hold exactly the grants the demo gave them.
            "steuerberater" | "pruefer" => {
                assert_eq!(companies, vec!["muster"], "{role} is granted muster only");
                assert!(
                    me["memberships"][0]["partner"]["period"].is_string(),
                    "{role} is period-bound: {me}"
                );
            }
            "lohnbuero" => {
                assert_eq!(companies, vec!["beispiel", "muster"]);
                assert!(
                    me["memberships"][0]["partner"]["period"].is_null(),
                    "payroll access is not period-bound"
                );
            }
            _ => assert_eq!(roles, vec![role, role], "{role} has its role in both demo companies"),
        }
        assert!(roles.iter().all(|r| r == role));
    }
    let bad = client()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
}

/// The demo shows the access features with data: employees whose protected
/// fields HR can read, partner grants plus one invitation nobody has accepted
/// yet, and a filled audit trail.
#[tokio::test]
async fn the_demo_has_employees_with_protected_fields_an_open_invitation_and_audit_entries() {
    let s = demo_on_test_storage();
    let (hr, _) = login(&s, "personal").await;
    let (admin, _) = login(&s, "admin").await;
    for company in ["muster", "beispiel"] {
        let employees: Value = hr
            .get(s.url(&format!("/api/v1/companies/{company}/employees")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let employees = employees.as_array().unwrap();
        assert!(employees.len() >= 2, "{company}: {employees:?}");
        for e in employees {
            let protected = &e["sensitive"];
            assert!(
                protected["tax_id"].is_string() && protected["iban"].is_string(),
                "{company}: {e}"
            );
        }
        let audit: Value = admin
            .get(s.url(&format!("/api/v1/companies/{company}/audit")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(audit.as_array().is_some_and(|a| a.len() >= 5), "{company}: {audit}");
    }
    let grants = |company: &'static str| {
        let admin = admin.clone();
        let url = s.url(&format!("/api/v1/companies/{company}/partner-access"));
        async move {
            let v: Value = admin.get(url).send().await.unwrap().json().await.unwrap();
            v.as_array().unwrap().clone()
        }
    };
    let muster = grants("muster").await;
    let beispiel = grants("beispiel").await;
    assert!(
        muster
            .iter()
            .any(|g| g["role"] == "steuerberater" && g["state"] == "active"),
        "{muster:?}"
    );
    let open: Vec<_> = beispiel.iter().filter(|g| g["state"] == "invited").collect();
    assert_eq!(open.len(), 1, "one open invitation: {beispiel:?}");
    assert!(open[0]["username"].is_null() && open[0]["period"].is_string());
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let s = demo_on_test_storage();
    let c = client();
    assert_eq!(c.get(s.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.get(s.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    let _ = c.get(s.url("/api/v1/companies")).send().await.unwrap();
    let m = c.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(m.status(), StatusCode::OK);
    let text = m.text().await.unwrap();
    for needle in [
        "kontor_http_requests_total{method=\"GET\",route=\"/api/v1/companies\",status=\"401\"} 1",
        "# TYPE kontor_http_request_duration_seconds histogram",
        "kontor_jobs{state=\"queued\"}",
        "kontor_db_pool_connections",
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
    // Without a token: a request a proxy passed on is refused.
    let proxied = c
        .get(s.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), StatusCode::FORBIDDEN);
    assert!(proxied.text().await.unwrap().contains("KONTOR_METRICS_TOKEN"));
}

#[tokio::test]
async fn with_a_metrics_token_only_a_scraper_sending_it_reads_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let token = "scrape-4f1d9a7c2b8e6d03";
    let s = Server::start(ServerOptions {
        storage: Some(kontor_e2e::test_storage(&tmp.path().join("data"))),
        demo: false,
        env: vec![("KONTOR_METRICS_TOKEN".into(), token.into())],
        ..Default::default()
    });
    let c = client();
    let bare = c.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED, "local, but no token");
    let wrong = c
        .get(s.url("/metrics"))
        .bearer_auth("scrape-0000000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let scraped = c
        .get(s.url("/metrics"))
        .bearer_auth(token)
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), StatusCode::OK, "the token works through a proxy too");
    assert!(scraped.text().await.unwrap().contains("kontor_db_pool_connections"));
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let s = demo_on_test_storage();
    let c = client();
    let doc: Value = c
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["responses"].is_object(), "{method} {path} has responses");
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    // The access table lists every route the server has.
    let mut expected: Vec<_> = kontor_http::permissions::API_ACCESS
        .iter()
        .map(|r| (r.method.to_lowercase(), r.path.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
    // Every documented route exists on the server.
    for (method, path) in expected.iter().map(|(m, p)| (m.as_str(), p.as_str())) {
        let concrete = path
            .replace("{code}", "muster")
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{key}", "user:nobody");
        let req = match method {
            "get" => c.get(s.url(&concrete)),
            "post" => c.post(s.url(&concrete)).json(&json!({})),
            "put" => c.put(s.url(&concrete)).json(&json!({})),
            "delete" => c.delete(s.url(&concrete)),
            _ => unreachable!(),
        };
        let r = req.send().await.unwrap();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_ne!(body["code"], "unknown_route", "{method} {path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn errors_are_problem_details_in_the_requested_language() {
    let s = demo_on_test_storage();
    let (c, csrf) = login(&s, "buchhaltung").await;
    for (lang, needle) in [("de-DE,de;q=0.9", "IBAN"), ("en", "IBAN")] {
        let r = c
            .post(s.url("/api/v1/companies/muster/partners"))
            .header("x-csrf-token", &csrf)
            .header("accept-language", lang)
            .json(&json!({"name": "", "kind": "vendor", "iban": "DE89370400440532013001"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "invalid_input");
        let fields: Vec<_> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["name", "kind", "iban"]);
        let iban_msg = p["errors"][2]["message"].as_str().unwrap();
        assert!(iban_msg.contains(needle));
        if lang.starts_with("de") {
            assert!(iban_msg.contains("Prüfziffer"), "{iban_msg}");
        } else {
            assert!(iban_msg.contains("check digits"), "{iban_msg}");
        }
    }
    let r = c.get(s.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "unknown_route");
    assert!(
        p["instance"].as_str().is_some_and(|i| !i.is_empty()),
        "problem carries the request id"
    );
    let r = c
        .post(s.url("/api/v1/companies/muster/partners"))
        .header("x-csrf-token", &csrf)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "bad_request");
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let s = demo_on_test_storage();
    let (c, csrf) = login(&s, "buchhaltung").await;
    let body = json!({"name": "Neu GmbH", "kind": "customer"});
    let r = c
        .post(s.url("/api/v1/companies/muster/partners"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "csrf_mismatch");
    let r = c
        .post(s.url("/api/v1/companies/muster/partners"))
        .header("x-csrf-token", "forged")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(s.url("/api/v1/companies/muster/partners"))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn updates_use_etags_and_detect_conflicts() {
    let s = demo_on_test_storage();
    let (c, csrf) = login(&s, "buchhaltung").await;
    let r = c
        .post(s.url("/api/v1/companies/muster/partners"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Papier AG", "kind": "supplier", "iban": "DE89 3704 0044 0532 0130 00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let p: Value = r.json().await.unwrap();
    let url = s.url(&format!(
        "/api/v1/companies/muster/partners/{}",
        p["id"].as_str().unwrap()
    ));
    let change = json!({"name": "Papier AG & Co", "kind": "supplier"});
    let r = c
        .put(&url)
        .header("x-csrf-token", &csrf)
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_REQUIRED);
    let r = c
        .put(&url)
        .header("x-csrf-token", &csrf)
        .header("if-match", "\"1\"")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"2\"");
    // A second writer still holding version 1 loses, and learns why.
    let r = c
        .put(&url)
        .header("x-csrf-token", &csrf)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Stale", "kind": "supplier"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "version_conflict");
    let now: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(now["name"], "Papier AG & Co");
    assert_eq!(now["version"], 2);
}

#[tokio::test]
async fn cursor_pagination_walks_every_record_once() {
    let s = demo_on_test_storage();
    let (c, csrf) = login(&s, "buchhaltung").await;
    for i in 0..7 {
        let r = c
            .post(s.url("/api/v1/companies/beispiel/partners"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": format!("Kunde {i}"), "kind": "customer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = s.url("/api/v1/companies/beispiel/partners?limit=4");
        if let Some(cur) = &cursor {
            url.push_str(&format!("&cursor={cur}"));
        }
        let page: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
        for p in page["items"].as_array().unwrap() {
            seen.push(p["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total);
    assert_eq!(total, 3 + 7, "3 demo partners + 7 new ones");
    let r = c
        .get(s.url("/api/v1/companies/beispiel/partners?cursor=%%%"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// Both demo companies hold partners with the same names, IBANs and VAT ids.
/// A user of one company sees nothing of the other, through any route.
#[tokio::test]
async fn company_isolation_through_the_api() {
    let s = demo_on_test_storage();
    let (admin, admin_csrf) = login(&s, "admin").await;
    let r = admin
        .post(s.url("/api/v1/users"))
        .header("x-csrf-token", &admin_csrf)
        .json(&json!({"username": "nur-muster", "display_name": "Nur Muster", "password": "ein-langes-passwort"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let out = kontor_e2e::run(
        &[
            "admin",
            "user",
            "grant",
            "--username",
            "nur-muster",
            "--company",
            "muster",
            "--role",
            "buchhaltung",
        ],
        &s.storage
            .args()
            .chunks(2)
            .map(|kv| (env_of(&kv[0]), kv[1].as_str()))
            .collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let (b, _) = login(&s, "buchhaltung").await;
    let muster: Value = b
        .get(s.url("/api/v1/companies/muster/partners"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let beispiel: Value = b
        .get(s.url("/api/v1/companies/beispiel/partners"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let ids = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&muster).len(), 3);
    let mut n1 = names(&muster);
    let mut n2 = names(&beispiel);
    n1.sort();
    n2.sort();
    assert_eq!(n1, n2, "look-alike data in both companies");
    assert!(ids(&muster).iter().all(|id| !ids(&beispiel).contains(id)));

    let c = client();
    let r = c
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "nur-muster", "password": "ein-langes-passwort"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let companies: Value = c
        .get(s.url("/api/v1/companies"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(companies.as_array().unwrap().len(), 1);
    assert_eq!(companies[0]["code"], "muster");
    let r = c
        .get(s.url("/api/v1/companies/beispiel/partners"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another company looks like no company"
    );
    // A partner id of the other company is not found through one's own company.
    let foreign = &ids(&beispiel)[0];
    let r = c
        .get(s.url(&format!("/api/v1/companies/muster/partners/{foreign}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let own: Value = c
        .get(s.url("/api/v1/companies/muster/partners"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&own), ids(&muster));
}

fn env_of(flag: &str) -> &'static str {
    match flag {
        "--data-dir" => "KONTOR_DATA_DIR",
        "--database-url" => "KONTOR_DATABASE_URL",
        "--blob-url" => "KONTOR_BLOB_URL",
        other => panic!("unknown flag {other}"),
    }
}

#[tokio::test]
async fn roles_are_enforced_by_the_application_layer() {
    let s = demo_on_test_storage();
    let (m, csrf) = login(&s, "mitarbeiter").await;
    let r = m.get(s.url("/api/v1/companies/muster/partners")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "forbidden");
    let r = m
        .post(s.url("/api/v1/companies"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"code": "neu", "name": "Neu GmbH"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (st, _) = login(&s, "steuerberater").await;
    assert_eq!(
        st.get(s.url("/api/v1/companies/muster/partners"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        st.get(s.url("/api/v1/users")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let s = demo_on_test_storage();
    let (c, csrf) = login(&s, "freigabe").await;
    assert_eq!(
        c.get(s.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        c.post(s.url("/api/v1/auth/logout"))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.get(s.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn pages_and_api_responses_carry_security_headers() {
    let s = demo_on_test_storage();
    let c = client();
    for path in ["/login", "/api/v1/me", "/healthz"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: no inline script or style");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    let login = c.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(
        !login.contains("style="),
        "the CSP forbids inline styles; pages use none"
    );
    assert!(!login.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_account_until_an_admin_unlocks_it() {
    let s = demo_on_test_storage();
    let c = client();
    let url = s.url("/api/v1/auth/login");
    let attempt = |pw: &'static str| {
        let (c, url) = (c.clone(), url.clone());
        async move {
            c.post(url)
                .json(&json!({"username": "personal", "password": pw}))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("falsches-passwort").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked now: even the right password is refused, with a reason.
    let r = attempt("kontor-demo").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "throttled");
    assert!(p["detail"].as_str().unwrap().contains("Sekunden"), "{p}");
    // The administrator sees the lock and lifts it.
    let (admin, csrf) = login(&s, "admin").await;
    let locks: Value = admin
        .get(s.url("/api/v1/admin/login-locks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<_> = locks
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap().to_string())
        .collect();
    assert!(keys.contains(&"user:personal".to_string()), "{keys:?}");
    for key in &keys {
        let r = admin
            .delete(s.url(&format!("/api/v1/admin/login-locks/{key}")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(attempt("kontor-demo").await.status(), StatusCode::OK);
}

/// Signs in through the HTML form, as a browser would; returns the client.
async fn form_login(s: &Server, user: &str) -> Client {
    let c = client();
    let page = c.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_csrf(&page);
    let r = c
        .post(s.url("/login"))
        .form(&[("username", user), ("password", "kontor-demo"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert!(r.url().path().ends_with("/app"), "signed in: {}", r.url());
    c
}

fn hidden_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("form has a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn html_forms_without_the_csrf_token_are_refused() {
    let s = demo_on_test_storage();
    let c = form_login(&s, "buchhaltung").await;
    let r = c
        .post(s.url("/partners"))
        .form(&[("name", "Ohne Token GmbH"), ("kind", "customer")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a form without the csrf field does not parse"
    );
    let r = c
        .post(s.url("/partners"))
        .form(&[
            ("name", "Falsches Token GmbH"),
            ("kind", "customer"),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Formular ist abgelaufen"));
    // Nothing was created.
    let list = c.get(s.url("/partners")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("Token GmbH"));
    // A login form posted from elsewhere (no matching cookie) is refused too.
    let r = client()
        .post(s.url("/login"))
        .form(&[("username", "admin"), ("password", "kontor-demo"), ("csrf", "guessed")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn log_out_everywhere_ends_the_other_sessions() {
    let s = demo_on_test_storage();
    let laptop = form_login(&s, "freigabe").await;
    let (phone, _) = login(&s, "freigabe").await;
    let (other_user, _) = login(&s, "buchhaltung").await;
    let settings = laptop
        .get(s.url("/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = laptop
        .post(s.url("/logout-all"))
        .form(&[("csrf", hidden_csrf(&settings))])
        .send()
        .await
        .unwrap();
    assert!(r.url().path().ends_with("/login"));
    assert_eq!(
        phone.get(s.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let app = laptop.get(s.url("/app")).send().await.unwrap();
    assert!(app.url().path().ends_with("/login"));
    assert_eq!(
        other_user.get(s.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::OK,
        "only freigabe's sessions end"
    );
}

#[tokio::test]
async fn api_tokens_are_scoped_to_one_company_and_their_permissions_and_can_be_revoked() {
    let s = demo_on_test_storage();
    let (c, csrf) = login(&s, "buchhaltung").await;
    let create = |body: Value| {
        let (c, csrf, url) = (c.clone(), csrf.clone(), s.url("/api/v1/tokens"));
        async move {
            c.post(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = create(
        json!({"company": "muster", "name": "Export-Skript", "permissions": ["partners:read"], "valid_days": 30}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("kontor_"));
    assert_eq!(created["permissions"], json!(["partners:read"]));
    // Without cookies, with the token: reads work without a CSRF token.
    let bare = Client::new();
    let bearer = |req: reqwest::RequestBuilder| req.header("authorization", format!("Bearer {token}"));
    let r = bearer(bare.get(s.url("/api/v1/companies/muster/partners")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Only its permissions: no writes.
    let r = bearer(bare.post(s.url("/api/v1/companies/muster/partners")))
        .json(&json!({"name": "X", "kind": "customer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Only its company: the other company does not exist for it.
    let r = bearer(bare.get(s.url("/api/v1/companies/beispiel/partners")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A token cannot mint tokens.
    let r = bearer(bare.post(s.url("/api/v1/tokens")))
        .json(&json!({"company": "muster", "name": "x", "permissions": ["partners:read"], "valid_days": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "token_not_allowed");
    // Nobody gets a token for more than they may do themselves.
    let r = create(json!({"company": "muster", "name": "zu viel", "permissions": ["admin:manage"], "valid_days": 30}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = create(json!({"company": "muster", "name": "", "permissions": ["partners:fly"], "valid_days": 400})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = r.json::<Value>().await.unwrap()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["name", "permissions", "valid_days"]);
    // Listed without the secret, then revoked: it stops working at once.
    let list: Value = c
        .get(s.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("token").is_none());
    assert!(list[0]["last_used_at"].is_string());
    let id = list[0]["id"].as_str().unwrap();
    let r = c
        .delete(s.url(&format!("/api/v1/tokens/{id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = bearer(bare.get(s.url("/api/v1/companies/muster/partners")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page:\n{page}"))
        + start.len();
    page[at..].split(end).next().unwrap()
}

#[tokio::test]
async fn a_role_requiring_two_factor_cannot_finish_sign_in_without_the_code() {
    let s = demo_on_test_storage();
    let args = s.storage.args();
    let env: Vec<(&str, &str)> = args.chunks(2).map(|kv| (env_of(&kv[0]), kv[1].as_str())).collect();
    let out = kontor_e2e::run(
        &["admin", "role", "policy", "--role", "personal", "--require-2fa", "true"],
        &env,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let api_login = |totp: Option<&str>| {
        let body = json!({"username": "personal", "password": "kontor-demo", "totp": totp});
        let url = s.url("/api/v1/auth/login");
        async move { client().post(url).json(&body).send().await.unwrap() }
    };
    // Not set up yet: API sign-in is refused with the reason.
    let r = api_login(None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "totp_enrollment_required");
    // In the browser the person is led to the set-up and can do nothing else.
    let c = client();
    let page = c.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = c
        .post(s.url("/login"))
        .form(&[
            ("username", "personal"),
            ("password", "kontor-demo"),
            ("csrf", &hidden_csrf(&page)),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.url().path().ends_with("/settings/2fa"), "{}", r.url());
    let page = r.text().await.unwrap();
    assert!(c
        .get(s.url("/partners"))
        .send()
        .await
        .unwrap()
        .url()
        .path()
        .ends_with("/settings/2fa"));
    let page = c
        .post(s.url("/settings/2fa/begin"))
        .form(&[("csrf", hidden_csrf(&page))])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = between(&page, "<code id=\"totp-secret\">", "<").to_string();
    assert_scannable_qr_code(&page);
    let now = kontor_core::Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    );
    let code = kontor_app::twofactor::code_at(&secret, now).unwrap();
    let done = c
        .post(s.url("/settings/2fa/confirm"))
        .form(&[("csrf", hidden_csrf(&page)), ("code", code)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let recovery = between(&done, "<ul id=\"recovery-codes\"><li><code>", "<").to_string();
    // The secret is stored sealed with the master key, never in plain text.
    if s.storage.database_url.is_none() {
        let mut bytes = std::fs::read(s.storage.data_dir.join("kontor.db")).unwrap();
        bytes.extend(std::fs::read(s.storage.data_dir.join("kontor.db-wal")).unwrap_or_default());
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&secret),
            "TOTP secret in plain text"
        );
    }
    // Set up: without the code, sign-in does not finish; a wrong code fails; the right one works.
    let r = api_login(None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "totp_required");
    let r = api_login(Some("000000")).await;
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "bad_second_factor");
    assert_eq!(api_login(Some(&recovery)).await.status(), StatusCode::OK);
    assert_eq!(
        api_login(Some(&recovery)).await.status(),
        StatusCode::UNAUTHORIZED,
        "recovery codes work once"
    );
}

#[tokio::test]
async fn invited_partner_sees_only_the_granted_company_until_revoked() {
    let s = demo_on_test_storage();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let until = kontor_core::period::date_of(kontor_core::Timestamp::from_millis(now_ms + 200 * 86_400_000));
    let (admin, csrf) = login(&s, "admin").await;
    // Only the company's administrators may invite.
    let (stb, stb_csrf) = login(&s, "buchhaltung").await;
    let refused = stb
        .post(s.url("/api/v1/companies/muster/partner-access"))
        .header("x-csrf-token", &stb_csrf)
        .json(&json!({"role": "steuerberater", "firm": "X", "valid_until": "2099-12-31", "period": "2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // A tax advisor without period is refused with a field error.
    let bad = admin
        .post(s.url("/api/v1/companies/muster/partner-access"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"role": "steuerberater", "firm": "Kanzlei Test", "valid_until": until}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "periods", "{problem}");
    let created = admin
        .post(s.url("/api/v1/companies/muster/partner-access"))
        .header("x-csrf-token", &csrf)
        .json(
            &json!({"role": "steuerberater", "firm": "Kanzlei Test", "email": "test@kanzlei.example",
                      "valid_until": until, "period": "2025-07..2026-06"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["access"]["state"], "invited");
    let path = created["invitation_path"].as_str().unwrap().to_string();
    let token = path.strip_prefix("/invite/").unwrap().to_string();
    let id = created["access"]["id"].as_str().unwrap().to_string();

    // The link opens a page naming the company; accepting creates the account.
    let page = client().get(s.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Muster GmbH"));
    let partner = client();
    let accepted = partner
        .post(s.url("/api/v1/invitations/accept"))
        .json(
            &json!({"token": token, "username": "kanzlei-test", "display_name": "Klara Kanzlei",
                      "password": "ein-sehr-langes-passwort"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    let me: Value = accepted.json().await.unwrap();
    let ms = me["user"]["memberships"].as_array().unwrap();
    assert_eq!(ms.len(), 1, "{me}");
    assert_eq!(ms[0]["company"], "muster");
    assert_eq!(ms[0]["partner"]["period"], "2025-07..2026-06");
    assert_eq!(ms[0]["partner"]["firm"], "Kanzlei Test");
    // The link works once.
    let again = client()
        .post(s.url("/api/v1/invitations/accept"))
        .json(
            &json!({"token": token, "username": "kanzlei-zwei", "display_name": "Zweiter Versuch",
                      "password": "ein-sehr-langes-passwort"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    assert_eq!(
        client().get(s.url(&path)).send().await.unwrap().status(),
        StatusCode::GONE
    );
    // In scope: muster's partners. Out of scope: the other company and HR.
    let ok = partner
        .get(s.url("/api/v1/companies/muster/partners"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    for other in [
        "/api/v1/companies/beispiel/partners",
        "/api/v1/companies/muster/employees",
    ] {
        let r = partner.get(s.url(other)).send().await.unwrap();
        assert!(
            matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{other}: {}",
            r.status()
        );
    }
    let list: Value = admin
        .get(s.url("/api/v1/companies/muster/partner-access"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["state"], "active");
    assert_eq!(row["username"], "kanzlei-test");

    // Revocation acts on the partner's very next request, same session.
    let revoked = admin
        .delete(s.url(&format!("/api/v1/companies/muster/partner-access/{id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let r = partner
        .get(s.url("/api/v1/companies/muster/partners"))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status()
    );
    let me: Value = partner
        .get(s.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(me["memberships"].as_array().unwrap().is_empty(), "{me}");
    // And the trail records invitation, acceptance and revocation.
    let audit: Value = admin
        .get(s.url("/api/v1/companies/muster/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "partner_access.invite",
        "partner_access.accept",
        "partner_access.revoke",
    ] {
        assert!(actions.contains(&a), "{a} missing in {actions:?}");
    }
}

#[tokio::test]
async fn separation_of_duties_refuses_and_logs_confirming_ones_own_bank_account() {
    let s = demo_on_test_storage();
    let (acc, acc_csrf) = login(&s, "buchhaltung").await;
    let created = acc
        .post(s.url("/api/v1/companies/muster/partners"))
        .header("x-csrf-token", &acc_csrf)
        .json(&json!({"name": "Neuer Lieferant GmbH", "kind": "supplier", "iban": "DE89370400440532013000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created.headers()["etag"].to_str().unwrap().to_string();
    let p: Value = created.json().await.unwrap();
    assert_eq!(p["bank_confirmed"], false, "a new bank account starts unconfirmed");
    let confirm = format!(
        "/api/v1/companies/muster/partners/{}/confirm-bank",
        p["id"].as_str().unwrap()
    );

    // The person who entered the account may not confirm it.
    let own = acc
        .post(s.url(&confirm))
        .header("x-csrf-token", &acc_csrf)
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let problem: Value = own.json().await.unwrap();
    assert_eq!(problem["code"], "separation_of_duties");
    assert!(problem["detail"].as_str().unwrap().contains("SOD-1"), "{problem}");

    // A second person may.
    let (appr, appr_csrf) = login(&s, "freigabe").await;
    let ok = appr
        .post(s.url(&confirm))
        .header("x-csrf-token", &appr_csrf)
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let etag = ok.headers()["etag"].to_str().unwrap().to_string();
    let p: Value = ok.json().await.unwrap();
    assert_eq!(p["bank_confirmed"], true);
    assert_eq!(p["bank_confirmed_by"], "user:freigabe");

    // Changing the account clears the confirmation again.
    let changed = acc
        .put(s.url(&format!(
            "/api/v1/companies/muster/partners/{}",
            p["id"].as_str().unwrap()
        )))
        .header("x-csrf-token", &acc_csrf)
        .header("if-match", &etag)
        .json(&json!({"name": "Neuer Lieferant GmbH", "kind": "supplier", "iban": "DE02120300000000202051"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let p: Value = changed.json().await.unwrap();
    assert_eq!(p["bank_confirmed"], false);

    // The refusal is in the audit trail, with the rule.
    let (admin, _) = login(&s, "admin").await;
    let audit: Value = admin
        .get(s.url("/api/v1/companies/muster/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "sod.refused")
        .expect("refusal logged");
    assert_eq!(refused["actor"], "user:buchhaltung");
    assert!(refused["detail"].as_str().unwrap().starts_with("SOD-1"), "{refused}");

    // Filters: by action prefix.
    let only: Value = admin
        .get(s.url("/api/v1/companies/muster/audit?action=sod."))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!only.as_array().unwrap().is_empty());
    assert!(
        only.as_array().unwrap().iter().all(|e| e["action"] == "sod.refused"),
        "{only}"
    );

    // The partner's own trail, for whoever may see the partner: the update
    // carries before/after digests and the field diff.
    let id = p["id"].as_str().unwrap();
    let trail: Value = acc
        .get(s.url(&format!("/api/v1/companies/muster/audit/partner/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["partner.update", "partner.bank_confirm", "partner.create"],
        "{trail}"
    );
    let update = &trail[0]["change"];
    assert!(update["before"].is_string() && update["after"].is_string() && update["before"] != update["after"]);
    let iban = update["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "iban")
        .expect("iban in the diff");
    assert_eq!(iban["before"], "DE89370400440532013000");
    assert_eq!(iban["after"], "DE02120300000000202051");
    // The auditor sees only the granted period (the demo grants last year).
    let (pruefer, _) = login(&s, "pruefer").await;
    let r = pruefer
        .get(s.url("/api/v1/companies/muster/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let seen: Value = r.json().await.unwrap();
    assert!(seen.as_array().unwrap().is_empty(), "nothing of this year: {seen}");
    // Nobody else reads the whole trail.
    let r = acc.get(s.url("/api/v1/companies/muster/audit")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// A minimal SMTP server that accepts every mail and hands its text over.
async fn smtp_sink() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            tx.send(data.take().unwrap()).unwrap();
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn with_smtp_configured_the_invitation_goes_out_by_mail_and_is_not_shown() {
    let (port, mut mails) = smtp_sink().await;
    let s = Server::start(kontor_e2e::ServerOptions {
        env: vec![
            ("KONTOR_SMTP_URL".into(), format!("smtp://127.0.0.1:{port}")),
            ("KONTOR_MAIL_FROM".into(), "kontor <kontor@muster.example>".into()),
            ("KONTOR_PUBLIC_URL".into(), "https://kontor.muster.example".into()),
        ],
        ..Default::default()
    });
    let (admin, csrf) = login(&s, "admin").await;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let until = kontor_core::period::date_of(kontor_core::Timestamp::from_millis(now_ms + 30 * 86_400_000));
    let created: Value = admin
        .post(s.url("/api/v1/companies/muster/partner-access"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"role": "lohnbuero", "firm": "Lohn Nord", "email": "lohn@nord.example", "valid_until": until}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["mailed_to"], "lohn@nord.example", "{created}");
    assert!(
        created["invitation_path"].is_null(),
        "a mailed link is not shown to the admin"
    );
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), mails.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(mail.contains("To: lohn@nord.example"), "{mail}");
    assert!(mail.contains("https://kontor.muster.example/invite/"), "{mail}");
    assert!(mail.contains("Muster GmbH"), "{mail}");
}

/// The enrolment page's QR code, drawn (rsvg-convert) and read back
/// (zbarimg) as a phone camera would, holds the `otpauth://` URI the page
/// prints as its link.
fn assert_scannable_qr_code(page: &str) {
    let svg = between(page, "<figure class=\"qr\" id=\"totp-qr\"", "</figure>");
    let svg = &svg[svg.find("<svg").expect("an SVG in the QR figure")..];
    let uri = between(page, "<a href=\"otpauth://", "\"").replace("&amp;", "&");
    let have = |cmd: &str| {
        std::process::Command::new(cmd)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(have("rsvg-convert") && have("zbarimg")) {
        assert!(
            std::env::var("KONTOR_REQUIRE_QR_TOOLS").is_err(),
            "rsvg-convert (librsvg2-bin) or zbarimg (zbar-tools) missing"
        );
        eprintln!("QR code not read back: rsvg-convert or zbarimg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("qr.svg"), svg).unwrap();
    let png = dir.path().join("qr.png");
    let drawn = std::process::Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png)
        .arg(dir.path().join("qr.svg"))
        .output()
        .unwrap();
    assert!(drawn.status.success(), "{}", String::from_utf8_lossy(&drawn.stderr));
    let read = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "no QR code found: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), format!("otpauth://{uri}"));
}
