//! The audit trail in the UI: the company's trail with filters (for
//! `audit:read`: administrators and auditors) and the history of one object.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kontor_app::records::StoredAuditEvent;
use kontor_core::Lang;
use maud::{html, Markup};

use super::{current_company_code, html_response, layout, OrPage, UiError};
use crate::api::rfc3339;
use crate::i18n::t;
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/audit", get(trail))
        .route("/history/{object_type}/{id}", get(history))
}

/// Renders a change document: changed fields with before → after.
fn change_markup(lang: Lang, change: &Option<String>) -> Markup {
    let Some(v) = change
        .as_deref()
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
    else {
        return html! {};
    };
    let fields = v["fields"].as_array().cloned().unwrap_or_default();
    let short = |d: &serde_json::Value| d.as_str().map(|s| s.chars().take(12).collect::<String>());
    html! {
        @if !fields.is_empty() {
            ul.changes {
                @for f in &fields {
                    li {
                        code { (f["field"].as_str().unwrap_or("")) } ": "
                        @if f["protected"] == true {
                            em { (t(lang, "audit.protected_changed")) }
                        } @else {
                            (f["before"].as_str().unwrap_or("–")) " → " (f["after"].as_str().unwrap_or("–"))
                        }
                    }
                }
            }
        }
        span.muted.digest title=(t(lang, "audit.digest_hint")) {
            (short(&v["before"]).unwrap_or_else(|| "∅".into())) " → " (short(&v["after"]).unwrap_or_else(|| "∅".into()))
        }
    }
}

fn entries_table(lang: Lang, rows: &[StoredAuditEvent]) -> Markup {
    html! {
        div.table-wrap { table id="audit" {
            thead { tr {
                th { "#" } th { (t(lang, "admin.audit.when")) } th { (t(lang, "admin.audit.who")) }
                th { (t(lang, "admin.audit.what")) } th { (t(lang, "admin.audit.subject")) } th { (t(lang, "admin.audit.detail")) }
            } }
            tbody {
                @if rows.is_empty() { tr { td colspan="6" { (t(lang, "audit.none")) } } }
                @for r in rows {
                    @let e = &r.event;
                    tr {
                        td { (r.seq) }
                        td { (rfc3339(e.at)) }
                        td { (e.actor) @if let Some(a) = &e.client_addr { br; span.muted { (a) } } }
                        td { code { (e.action) } }
                        td { (e.object_type) " " span.muted { (e.subject) } }
                        td { (e.detail) (change_markup(lang, &e.change)) }
                    }
                }
            }
        } }
    }
}

#[derive(serde::Deserialize, Default)]
struct TrailQuery {
    actor: Option<String>,
    action: Option<String>,
    object_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

async fn trail(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<TrailQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let day = |v: &Option<String>| nonempty(v).and_then(|d| kontor_core::period::date_start(&d));
    let filter = kontor_app::records::AuditFilter {
        actor: nonempty(&q.actor),
        action: nonempty(&q.action),
        object_type: nonempty(&q.object_type),
        from: day(&q.from),
        to: day(&q.to).map(|t| kontor_core::Timestamp::from_millis(t.millis() + 86_400_000)),
        before_seq: q.before,
        limit: 100,
        ..Default::default()
    };
    let rows = state.app.audit_trail(&s.actor, &company, &filter).await.or_page(&s)?;
    let next = (rows.len() == 100).then(|| rows.last().map(|r| r.seq)).flatten();
    let period = s.actor.period_limit(company.id);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let content = html! {
        h1 { (t(lang, "audit.title")) " · " (company.name) }
        @if let Some(p) = period { div.panel.notice { p { (t(lang, "audit.period_limited")) " " strong { (p.to_string()) } } } }
        form.panel.filters method="get" action="/audit" {
            div.grid3 {
                div { label for="af-actor" { (t(lang, "admin.audit.who")) } input type="text" id="af-actor" name="actor" value=(v(&q.actor)) placeholder="user:erika"; }
                div { label for="af-action" { (t(lang, "admin.audit.what")) } input type="text" id="af-action" name="action" value=(v(&q.action)) placeholder="partner."; }
                div { label for="af-type" { (t(lang, "audit.object_type")) } input type="text" id="af-type" name="object_type" value=(v(&q.object_type)) placeholder="partner"; }
                div { label for="af-from" { (t(lang, "audit.from")) } input type="date" id="af-from" name="from" value=(v(&q.from)); }
                div { label for="af-to" { (t(lang, "audit.to")) } input type="date" id="af-to" name="to" value=(v(&q.to)); }
            }
            div.actions { button type="submit" id="audit-filter" { (t(lang, "audit.filter")) } a.button.secondary href="/audit" { (t(lang, "audit.reset")) } }
        }
        (entries_table(lang, &rows))
        @if let Some(seq) = next {
            p { a href=(format!("/audit?actor={}&action={}&object_type={}&from={}&to={}&before={seq}",
                enc(&v(&q.actor)), enc(&v(&q.action)), enc(&v(&q.object_type)), enc(&v(&q.from)), enc(&v(&q.to)))) { (t(lang, "audit.older")) } }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/audit", t(lang, "audit.title"), content),
    ))
}

/// Percent-encodes a query value.
fn enc(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn history(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let rows = state
        .app
        .object_trail(&s.actor, &company, &object_type, &id)
        .await
        .or_page(&s)?;
    let back = match object_type.as_str() {
        "partner" => Some(format!("/partners/{id}")),
        "employee" => Some(format!("/employees/{id}")),
        _ => None,
    };
    let content = html! {
        h1 { (t(lang, "audit.history")) }
        p.muted { (object_type) " " (id) @if let Some(b) = &back { " · " a href=(b) { (t(lang, "audit.back")) } } }
        (entries_table(lang, &rows))
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/history", t(lang, "audit.history"), content),
    ))
}
