//! The running server obeys the access table of
//! `kontor_http::permissions::API_ACCESS`, for every route and every
//! built-in role (SQLite; PostgreSQL when the test environment names it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_e2e::demo_on_test_storage;
use kontor_http::permissions::{API_ACCESS, ROLE_ORDER};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn every_route_allows_and_refuses_exactly_as_the_table_says() {
    let s = demo_on_test_storage();
    // A real partner of muster for the routes that take an id.
    let admin = Client::builder().cookie_store(true).build().unwrap();
    admin
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "kontor-demo"}))
        .send()
        .await
        .unwrap();
    let page: Value = admin
        .get(s.url("/api/v1/companies/muster/partners"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let partner_id = page["items"][0]["id"].as_str().unwrap().to_string();
    let hr = Client::builder().cookie_store(true).build().unwrap();
    hr.post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "personal", "password": "kontor-demo"}))
        .send()
        .await
        .unwrap();
    let staff: Value = hr
        .get(s.url("/api/v1/companies/muster/employees"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Someone else's record: the demo's `mitarbeiter` is Max Beispiel.
    let employee_id = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["last_name"] == "Mustermann")
        .expect("demo employees")["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut mismatches = Vec::new();
    for (col, role) in ROLE_ORDER.iter().enumerate() {
        let c = Client::builder().cookie_store(true).build().unwrap();
        let login = c
            .post(s.url("/api/v1/auth/login"))
            .json(&json!({"username": role.key(), "password": "kontor-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK, "{}", role.key());
        let mut csrf = login.json::<Value>().await.unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_string();
        // Logout last: it ends the session the other calls need.
        let mut rows: Vec<_> = API_ACCESS.iter().collect();
        rows.sort_by_key(|r| r.path == "/api/v1/auth/logout");
        for row in rows {
            let path = row
                .path
                .replace("{code}", "muster")
                .replace(
                    "{id}",
                    if row.path.contains("/partners/") {
                        &partner_id
                    } else if row.path.contains("/employees/") {
                        &employee_id
                    } else {
                        "00000000-0000-4000-8000-000000000000"
                    },
                )
                .replace("{key}", "user:nobody")
                .replace("{doc}", "00000000-0000-4000-8000-000000000000")
                .replace("{object_type}", "partner");
            let url = s.url(&path);
            let req = match (row.method, row.path) {
                ("POST", "/api/v1/auth/login") => c.post(url).json(&json!({"username": role.key(), "password": "kontor-demo"})),
                ("POST", "/api/v1/companies") => c.post(url).json(&json!({"code": format!("p-{}", role.key()), "name": "Perm GmbH"})),
                ("POST", "/api/v1/users") => c.post(url).json(
                    &json!({"username": format!("p-{}", role.key()), "display_name": "P", "password": "ein-langes-passwort"}),
                ),
                ("POST", p) if p.ends_with("/partners") => c.post(url).json(&json!({"name": "Perm KG", "kind": "customer"})),
                ("POST", "/api/v1/tokens") => {
                    // A permission this role holds, so the call is about the route, not the scope.
                    let perm = kontor_core::Module::ALL
                        .into_iter()
                        .flat_map(|m| kontor_core::Action::ALL.map(|a| kontor_core::Permission::new(m, a)))
                        .find(|p| role.grants(*p))
                        .unwrap();
                    c.post(url).json(&json!({"company": "muster", "name": "perm", "permissions": [perm.to_string()], "valid_days": 7}))
                }
                ("POST", p) if p.ends_with("/partner-access") => c.post(url).json(&json!({
                    "role": "lohnbuero", "firm": format!("Perm {}", role.key()), "valid_until": "2099-12-31"
                })),
                ("POST", p) if p.ends_with("/employees") => c.post(url).json(&json!({
                    "personnel_number": format!("p-{}", role.key()), "first_name": "P", "last_name": "Q",
                    "entry_date": "2026-01-01", "steuerklasse": "I"
                })),
                ("POST", p) if p.ends_with("/restrict") => c.post(url).json(&json!({"exit_date": "not a date"})),
                ("POST", p) if p.ends_with("/erase") => c.post(url).json(&json!({"basis": ""})),
                ("POST", p) if p.ends_with("/complete") => c.post(url).json(&json!({"outcome": "approved"})),
                ("POST", p) if p.ends_with("/confirm") => c.post(url).json(&json!({"doc_type": "invoice"})),
                ("PUT", p) if p.contains("/roles/") => c.put(url).json(&json!({"name": "Perm", "permissions": ["partners:read"]})),
                ("PUT", p) if p.ends_with("/account") => c.put(url).json(&json!({"username": null})),
                ("PUT", p) if p.contains("/employees/") => c.put(url).header("if-match", "\"999\"").json(&json!({
                    "personnel_number": "x", "first_name": "P", "last_name": "Q", "entry_date": "2026-01-01", "steuerklasse": "I"
                })),
                ("PUT", _) => c.put(url).header("if-match", "\"999\"").json(&json!({"name": "Perm KG", "kind": "customer"})),
                ("GET", _) => c.get(url),
                ("POST", _) => c.post(url),
                ("DELETE", _) => c.delete(url),
                (m, _) => panic!("method {m} not covered"),
            };
            let resp = req.header("x-csrf-token", &csrf).send().await.unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if row.path == "/api/v1/auth/login" && status == StatusCode::OK {
                // Signing in again starts a new session with a new CSRF token.
                csrf = body["csrf_token"].as_str().unwrap_or_default().to_string();
            }
            if status == StatusCode::FORBIDDEN {
                let code = body["code"].as_str().unwrap_or("");
                assert!(
                    code == "forbidden" || code == "admin_only",
                    "{} {}: refused for another reason: {body}",
                    row.method,
                    row.path
                );
            }
            let allowed = status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED;
            if allowed != row.roles[col] {
                mismatches.push(format!(
                    "{} {} as {}: got {status}, table says {}",
                    row.method,
                    row.path,
                    role.key(),
                    if row.roles[col] { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "server and table disagree:\n{}",
        mismatches.join("\n")
    );
}
