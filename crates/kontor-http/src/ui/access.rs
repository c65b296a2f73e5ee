//! Pages for external partner access: the company administrator's list and
//! invitation form, and the public page behind an invitation link.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kontor_app::partner_access::{Acceptance, InviteInput, MANAGE};
use kontor_app::{AppError, SessionContext};
use kontor_core::{Lang, Role};
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    check_csrf, current_company_code, error_page, html_response, layout, page, request_lang, role_name, see_other,
    OrPage, UiError,
};
use crate::api::rfc3339;
use crate::i18n::t;
use crate::problem::ApiError;
use crate::session::{cookie, set_cookie, ClientAddr, UiSession, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/partner-access", get(list).post(invite))
        .route("/partner-access/{id}/revoke", post(revoke))
        .route("/invite/{token}", get(invitation_page).post(accept))
}

/// Whether the person may manage partner access in the current company.
pub(super) fn may_manage(s: &SessionContext) -> bool {
    s.company.as_ref().is_some_and(|m| s.actor.can(m.company_id, MANAGE))
}

fn state_label(lang: Lang, state: &str) -> &'static str {
    match (state, lang) {
        ("invited", Lang::De) => "eingeladen",
        ("pending", Lang::De) => "angenommen, beginnt später",
        ("active", Lang::De) => "aktiv",
        ("expired", Lang::De) => "abgelaufen",
        ("revoked", Lang::De) => "widerrufen",
        ("invited", _) => "invited",
        ("pending", _) => "accepted, starts later",
        ("active", _) => "active",
        ("expired", _) => "expired",
        _ => "revoked",
    }
}

fn day(ts: kontor_core::Timestamp) -> String {
    kontor_core::period::date_of(ts)
}

/// The last day of access, for people (the stored end is exclusive).
fn last_day(ts: kontor_core::Timestamp) -> String {
    day(kontor_core::Timestamp::from_millis(ts.millis() - 1))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    /// A just-created invitation link, shown once.
    link: Option<String>,
    msg: Option<String>,
    /// Why the invitation mail failed.
    #[serde(skip)]
    mail_error: Option<String>,
}

#[derive(Deserialize, Default)]
struct InviteForm {
    csrf: String,
    role: String,
    firm: String,
    email: Option<String>,
    valid_from: Option<String>,
    valid_until: String,
    period: Option<String>,
}

fn invite_form(lang: Lang, csrf: &str, f: &InviteForm, errors: &[(String, String)]) -> Markup {
    let err = |field: &str| errors.iter().find(|(k, _)| k == field).map(|(_, m)| m.clone());
    html! {
        form.panel.spaced method="post" action="/partner-access" id="invite-form" {
            h2 { (t(lang, "access.invite")) }
            p.muted { (t(lang, "access.invite_hint")) }
            input type="hidden" name="csrf" value=(csrf);
            div.grid2 {
                div {
                    label for="inv-role" { (t(lang, "admin.role")) }
                    select id="inv-role" name="role" {
                        @for r in Role::ALL.into_iter().filter(|r| r.is_external()) {
                            option value=(r.key()) selected[f.role == r.key()] { (role_name(lang, r)) }
                        }
                    }
                    @if let Some(e) = err("role") { p.field-error { (e) } }
                }
                div {
                    label for="inv-firm" { (t(lang, "access.firm")) }
                    input type="text" id="inv-firm" name="firm" value=(f.firm) required maxlength="200";
                    @if let Some(e) = err("firm") { p.field-error { (e) } }
                }
                div {
                    label for="inv-email" { (t(lang, "access.email")) }
                    input type="email" id="inv-email" name="email" value=(f.email.clone().unwrap_or_default());
                    @if let Some(e) = err("email") { p.field-error { (e) } }
                }
                div {
                    label for="inv-period" { (t(lang, "access.period")) " " span.hint { "(" (t(lang, "access.period_hint")) ")" } }
                    input type="text" id="inv-period" name="period" value=(f.period.clone().unwrap_or_default()) placeholder="2026";
                    @if let Some(e) = err("periods") { p.field-error { (e) } }
                }
                div {
                    label for="inv-from" { (t(lang, "access.valid_from")) }
                    input type="date" id="inv-from" name="valid_from" value=(f.valid_from.clone().unwrap_or_default());
                    @if let Some(e) = err("valid_from") { p.field-error { (e) } }
                }
                div {
                    label for="inv-until" { (t(lang, "access.valid_until")) }
                    input type="date" id="inv-until" name="valid_until" value=(f.valid_until) required;
                    @if let Some(e) = err("valid_until") { p.field-error { (e) } }
                }
            }
            div.actions { button type="submit" id="invite-submit" { (t(lang, "access.invite_submit")) } }
        }
    }
}

async fn list_page(
    state: &HttpState,
    s: &SessionContext,
    q: ListQuery,
    form: &InviteForm,
    errors: &[(String, String)],
) -> Result<Response, UiError> {
    let lang = s.lang();
    let code = current_company_code(s)?;
    let company = state.app.company(&s.actor, &code).await.or_page(s)?;
    let rows = state.app.partner_accesses(&s.actor, &company).await.or_page(s)?;
    let now = state.app.now();
    let content = html! {
        h1 { (t(lang, "access.title")) " · " (company.name) }
        @if let Some(m) = &q.msg { div.panel.ok-box role="status" { (m) } }
        @if let Some(link) = &q.link {
            div.panel.ok-box role="status" id="invitation-link" {
                p { strong { (t(lang, "access.link_once")) } }
                p { code { (link) } }
                p.muted { (t(lang, "access.link_hint")) }
                @if let Some(e) = &q.mail_error { p { (t(lang, "access.mail_failed")) " " code { (e) } } }
            }
        }
        div.table-wrap { table {
            thead { tr {
                th { (t(lang, "access.firm")) } th { (t(lang, "admin.role")) } th { (t(lang, "access.state")) }
                th { (t(lang, "access.account")) } th { (t(lang, "access.window")) } th { (t(lang, "access.period")) } th {}
            } }
            tbody {
                @if rows.is_empty() { tr { td colspan="7" { (t(lang, "access.none")) } } }
                @for (g, user) in &rows {
                    @let st = g.state_at(now);
                    tr {
                        td { (g.firm) @if let Some(e) = &g.email { br; span.muted { (e) } } }
                        td { (role_name(lang, g.role)) }
                        td { span.badge { (state_label(lang, st)) } }
                        td { (user.as_ref().map(|u| u.username.to_string()).unwrap_or_else(|| "–".into())) }
                        td { (day(g.valid_from)) " – " (last_day(g.valid_until)) }
                        td { (g.period.map(|p| p.to_string()).unwrap_or_else(|| "–".into())) }
                        td {
                            @if matches!(st, "invited" | "pending" | "active") {
                                form method="post" action=(format!("/partner-access/{}/revoke", g.id)) {
                                    input type="hidden" name="csrf" value=(s.csrf_token);
                                    button.secondary.small type="submit" { (t(lang, "access.revoke")) }
                                }
                            }
                        }
                    }
                }
            }
        } }
        (invite_form(lang, &s.csrf_token, form, errors))
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html_response(
        status,
        layout(s, "/partner-access", t(lang, "access.title"), content),
    ))
}

async fn list(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let form = InviteForm {
        role: "steuerberater".into(),
        ..Default::default()
    };
    list_page(&state, &s, q, &form, &[]).await
}

async fn invite(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    headers: HeaderMap,
    Form(f): Form<InviteForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let code = current_company_code(&s)?;
    let company = state.app.company(&s.actor, &code).await.or_page(&s)?;
    let input = InviteInput {
        role: &f.role,
        firm: &f.firm,
        email: f.email.as_deref(),
        valid_from: f.valid_from.as_deref(),
        valid_until: &f.valid_until,
        period: f.period.as_deref(),
    };
    match state.app.invite_partner(&s.actor, &company, &input).await {
        Ok(inv) => {
            // The link is shown on this one response only; it is not kept.
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if state.options.secure_cookies { "https" } else { "http" };
            let link = format!("{scheme}://{host}{}", inv.path());
            let q = match &inv.mailed_to {
                Some(to) => ListQuery {
                    link: None,
                    msg: Some(format!("{} {to}", t(s.lang(), "access.mailed"))),
                    mail_error: None,
                },
                None => ListQuery {
                    link: Some(link),
                    msg: None,
                    mail_error: inv.mail_error.clone(),
                },
            };
            list_page(&state, &s, q, &InviteForm::default(), &[]).await
        }
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(s.lang(), &e);
            list_page(&state, &s, ListQuery::default(), &f, &errors).await
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn revoke(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let code = current_company_code(&s)?;
    let company = state.app.company(&s.actor, &code).await.or_page(&s)?;
    let id = id.parse().map_err(|_| UiError(s.lang(), ApiError::code("not_found")))?;
    state
        .app
        .revoke_partner_access(&s.actor, &company, id)
        .await
        .or_page(&s)?;
    Ok(see_other("/partner-access"))
}

// ------------------------------------------------------------------ invitation link

#[derive(Deserialize, Default)]
struct AcceptForm {
    csrf: String,
    /// `new` or `existing`.
    mode: String,
    username: String,
    display_name: Option<String>,
    password: String,
    totp: Option<String>,
}

fn invitation_markup(
    lang: Lang,
    token: &str,
    view: &kontor_app::partner_access::InvitationView,
    csrf: &str,
    error: Option<&str>,
    username: &str,
) -> Markup {
    let g = &view.grant;
    let action = format!("/invite/{token}");
    page(
        lang,
        t(lang, "invite.title"),
        html! {
            main.login id="main" {
                div.brand { "kontor" }
                div.panel {
                    h1 { (t(lang, "invite.title")) }
                    p { (t(lang, "invite.intro")) }
                    dl.facts {
                        dt { (t(lang, "company.label")) } dd { strong { (view.company_name) } }
                        dt { (t(lang, "admin.role")) } dd { (role_name(lang, g.role)) }
                        dt { (t(lang, "access.firm")) } dd { (g.firm) }
                        dt { (t(lang, "access.window")) } dd { (day(g.valid_from)) " – " (last_day(g.valid_until)) }
                        @if let Some(p) = g.period { dt { (t(lang, "access.period")) } dd { (p.to_string()) } }
                        dt { (t(lang, "invite.link_until")) } dd { (rfc3339(g.invite_expires_at)) }
                    }
                    @if let Some(e) = error { div.panel.error-box role="alert" { (e) } }
                    form method="post" action=(action) id="accept-new" {
                        h2 { (t(lang, "invite.new_account")) }
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="mode" value="new";
                        label for="an-username" { (t(lang, "login.username")) }
                        input type="text" id="an-username" name="username" value=(username) autocomplete="username" required;
                        label for="an-display" { (t(lang, "admin.display_name")) }
                        input type="text" id="an-display" name="display_name" required;
                        label for="an-password" { (t(lang, "login.password")) " " span.hint { "(" (t(lang, "invite.password_hint")) ")" } }
                        input type="password" id="an-password" name="password" autocomplete="new-password" minlength="12" required;
                        button type="submit" id="accept-new-submit" { (t(lang, "invite.accept")) }
                    }
                    form method="post" action=(action) id="accept-existing" {
                        h2 { (t(lang, "invite.existing_account")) }
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="mode" value="existing";
                        label for="ae-username" { (t(lang, "login.username")) }
                        input type="text" id="ae-username" name="username" autocomplete="username" required;
                        label for="ae-password" { (t(lang, "login.password")) }
                        input type="password" id="ae-password" name="password" autocomplete="current-password" required;
                        label for="ae-totp" { (t(lang, "login.code")) " " span.hint { "(" (t(lang, "login.code_hint")) ")" } }
                        input type="text" id="ae-totp" name="totp" inputmode="numeric" autocomplete="one-time-code";
                        button.secondary type="submit" { (t(lang, "invite.accept")) }
                    }
                }
            }
        },
    )
}

fn with_login_csrf(mut resp: Response, csrf: &str, secure: bool) -> Response {
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, csrf, secure, Some(3600)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn invitation_page(State(state): State<HttpState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let lang = request_lang(&headers);
    match state.app.invitation(&token).await {
        Ok(view) => {
            let csrf = kontor_app::security::new_token(&kontor_app::security::OsRandom);
            let resp = html_response(StatusCode::OK, invitation_markup(lang, &token, &view, &csrf, None, ""));
            with_login_csrf(resp, &csrf, state.options.secure_cookies)
        }
        Err(e) => error_page(lang, &e.into()),
    }
}

async fn accept(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<AcceptForm>,
) -> Response {
    let lang = request_lang(&headers);
    let secure = state.options.secure_cookies;
    let view = match state.app.invitation(&token).await {
        Ok(v) => v,
        Err(e) => return error_page(lang, &e.into()),
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("").to_string();
    if expected.is_empty() || !kontor_app::security::constant_time_eq(&expected, &f.csrf) {
        let csrf = kontor_app::security::new_token(&kontor_app::security::OsRandom);
        let resp = html_response(
            StatusCode::FORBIDDEN,
            invitation_markup(lang, &token, &view, &csrf, Some(t(lang, "login.expired")), &f.username),
        );
        return with_login_csrf(resp, &csrf, secure);
    }
    let acceptance = Acceptance {
        token: &token,
        new_account: (f.mode == "new").then(|| f.display_name.as_deref().unwrap_or("")),
        username: &f.username,
        password: &f.password,
        second_factor: f.totp.as_deref(),
        client: client.as_deref(),
    };
    match state.app.accept_invitation(&acceptance).await {
        Ok(out) => {
            let mut r = see_other("/app");
            if let Ok(v) = set_cookie(SESSION_COOKIE, &out.token, secure, None).parse() {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e @ (AppError::InvitationUnusable | AppError::Store(_) | AppError::Internal(_))) => {
            error_page(lang, &e.into())
        }
        Err(e) => {
            let problem = ApiError::from(e).render(lang, None);
            let mut msg = problem.detail.clone();
            for fe in &problem.errors {
                msg.push(' ');
                msg.push_str(&fe.message);
            }
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
            html_response(
                status,
                invitation_markup(lang, &token, &view, &expected, Some(&msg), &f.username),
            )
        }
    }
}
