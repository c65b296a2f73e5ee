//! The web UI: server-rendered HTML that works without JavaScript. Every
//! state-changing form carries the session's CSRF token; the use-cases check
//! permissions, the pages only hide what a person cannot use.

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kontor_app::records::{JobState, PartnerRecord};
use kontor_app::{AppError, SessionContext};
use kontor_core::{Action, Lang, Module, PartnerId, PartnerInput, Permission, Role};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;

use crate::api::rfc3339;
use crate::i18n::t;
use crate::problem::ApiError;
use crate::session::{
    clear_cookie, cookie, set_cookie, ClientAddr, UiSession, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::HttpState;

mod access;
mod audit;
mod bank;
mod documents;
mod finance;
mod personnel;
mod reports;
mod roles;
mod tasks;

pub(crate) fn router() -> Router<HttpState> {
    Router::new()
        .merge(access::router())
        .merge(audit::router())
        .merge(bank::router())
        .merge(finance::router())
        .merge(documents::router())
        .merge(reports::router())
        .merge(personnel::router())
        .merge(roles::router())
        .merge(tasks::router())
        .route("/", get(root))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/logout-all", post(logout_all))
        .route("/company", post(switch_company))
        .route("/app", get(home))
        .route("/m/{module}", get(module_page))
        .route("/partners", get(partners_list).post(partner_create))
        .route("/partners/new", get(partner_new))
        .route("/partners/{id}", get(partner_edit).post(partner_update))
        .route("/partners/{id}/confirm-bank", post(partner_confirm_bank))
        .route("/settings", get(settings))
        .route("/employees", get(employees_list).post(employee_create))
        .route("/employees/new", get(employee_new))
        .route("/employees/{id}", get(employee_edit).post(employee_update))
        .route("/settings/language", post(set_language))
        .route("/settings/tokens", post(create_token))
        .route("/settings/2fa", get(twofa_page))
        .route("/settings/2fa/begin", post(twofa_begin))
        .route("/settings/2fa/confirm", post(twofa_confirm))
        .route("/settings/2fa/disable", post(twofa_disable))
        .route("/admin/role-policy", post(admin_role_policy))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
        .route("/admin", get(admin))
        .route("/admin/users", post(admin_add_user))
        .route("/admin/companies", post(admin_add_company))
        .route("/admin/memberships", post(admin_grant))
        .route("/admin/jobs/{id}/requeue", post(admin_requeue))
        .route("/admin/unlock", post(admin_unlock))
}

// ------------------------------------------------------------------ helpers

fn page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · kontor" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body { (body) }
        }
    }
}

/// (href, label key, built yet?) of every area the person may open.
fn nav_items(s: &SessionContext) -> Vec<(String, &'static str, bool)> {
    let company = s.company.as_ref().map(|m| m.company_id);
    let mut items = vec![("/app".to_string(), "nav.home", true)];
    for m in Module::ALL {
        let visible = match m {
            Module::Admin => s.user.system_admin,
            _ => company.is_some_and(|c| s.actor.can(c, Permission::new(m, Action::Read))),
        };
        if !visible {
            continue;
        }
        let (href, built) = match m {
            Module::Partners => ("/partners".to_string(), true),
            Module::Payroll => ("/employees".to_string(), true),
            Module::Admin => ("/admin".to_string(), true),
            Module::Audit => ("/audit".to_string(), true),
            Module::Finance => ("/finance".to_string(), true),
            Module::Documents => ("/documents".to_string(), true),
            Module::Tasks => ("/tasks".to_string(), true),
            other => (format!("/m/{}", other.key()), false),
        };
        items.push((href, nav_key(m), built));
    }
    if company.is_some() {
        items.push(("/me".to_string(), "nav.me", true));
    }
    if access::may_manage(s) {
        items.push(("/partner-access".to_string(), "nav.partner_access", true));
    }
    if roles::may_manage(s) {
        items.push(("/roles".to_string(), "nav.roles", true));
    }
    items
}

fn nav_key(m: Module) -> &'static str {
    match m {
        Module::Inbox => "nav.inbox",
        Module::Documents => "nav.documents",
        Module::Invoices => "nav.invoices",
        Module::Finance => "nav.finance",
        Module::Partners => "nav.partners",
        Module::Payroll => "nav.payroll",
        Module::Contracts => "nav.contracts",
        Module::Tasks => "nav.tasks",
        Module::Controls => "nav.controls",
        Module::Audit => "nav.audit",
        Module::Admin => "nav.admin",
    }
}

fn nav_list(s: &SessionContext, active: &str) -> Markup {
    let lang = s.lang();
    let soon = if lang == Lang::De { "bald" } else { "soon" };
    html! {
        ul {
            @for (href, key, built) in nav_items(s) {
                li {
                    a href=(href) aria-current=[(href == active).then_some("page")] {
                        (t(lang, key))
                        @if !built { span.soon { "(" (soon) ")" } }
                    }
                }
            }
            li { a href="/settings" aria-current=[("/settings" == active).then_some("page")] { (t(lang, "nav.settings")) } }
        }
    }
}

/// The frame of every signed-in page: top bar, company switcher, navigation.
fn layout(s: &SessionContext, active: &str, title: &str, content: Markup) -> Markup {
    let lang = s.lang();
    let companies = s.companies();
    let current = s.company.as_ref().map(|m| m.company_code.to_string());
    page(
        lang,
        title,
        html! {
            a.skip href="#main" { (t(lang, "nav.skip")) }
            header.top {
                a.brand href="/app" { "kontor" small { (t(lang, "app.tagline")) } }
                @if !companies.is_empty() {
                    form method="post" action="/company" {
                        input type="hidden" name="csrf" value=(s.csrf_token);
                        input type="hidden" name="back" value=(active);
                        label.inline for="company-switch" { (t(lang, "company.label")) }
                        select id="company-switch" name="code" data-autosubmit {
                            @for m in &companies {
                                option value=(m.company_code) selected[current.as_deref() == Some(m.company_code.as_str())] {
                                    (m.company_name) " (" (m.company_code) ")"
                                }
                            }
                        }
                        button.secondary.small type="submit" data-autosubmit-button { (t(lang, "company.switch")) }
                    }
                }
                span.spacer {}
                span.user { (s.user.display_name) " · " (s.user.username) }
                form method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(s.csrf_token);
                    button.secondary.small type="submit" id="logout" { (t(lang, "nav.logout")) }
                }
            }
            details.mobile-nav {
                summary { (t(lang, "nav.label")) }
                nav aria-label=(t(lang, "nav.label")) { (nav_list(s, active)) }
            }
            div.shell {
                nav.side aria-label=(t(lang, "nav.label")) { (nav_list(s, active)) }
                main id="main" tabindex="-1" {
                    (content)
                }
            }
        },
    )
}

fn html_response(status: StatusCode, m: Markup) -> Response {
    (status, Html(m.into_string())).into_response()
}

/// A full error page in the person's language.
pub(crate) fn error_page(lang: Lang, err: &ApiError) -> Response {
    let problem = err.render(lang, None);
    let body = page(
        lang,
        t(lang, "error.title"),
        html! {
            main.login id="main" {
                div.panel.error-box {
                    h1 { (t(lang, "error.title")) }
                    p { (problem.detail) }
                    @for f in &problem.errors { p { (f.message) } }
                    p { a href="/app" { (t(lang, "error.back")) } }
                }
            }
        },
    );
    html_response(crate::problem::status_of(err.code), body)
}

pub(crate) fn not_found_page(req: &Request) -> Response {
    error_page(request_lang(req.headers()), &ApiError::code("unknown_route"))
}

fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

struct UiError(Lang, ApiError);

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        error_page(self.0, &self.1)
    }
}

trait OrPage<T> {
    fn or_page(self, s: &SessionContext) -> Result<T, UiError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, s: &SessionContext) -> Result<T, UiError> {
        self.map_err(|e| UiError(s.lang(), e.into()))
    }
}

fn check_csrf(state: &HttpState, s: &SessionContext, token: &str) -> Result<(), UiError> {
    state.app.verify_csrf(s, Some(token)).or_page(s)
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Only same-site absolute paths are allowed as redirect targets.
fn safe_back(back: &str) -> &str {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/app"
    }
}

fn role_name(lang: Lang, r: Role) -> String {
    let (de, en) = match r {
        Role::Admin => ("Administration", "Administration"),
        Role::Buchhaltung => ("Buchhaltung", "Accounting"),
        Role::Personal => ("Personal", "HR"),
        Role::Freigabe => ("Freigabe", "Approver"),
        Role::Mitarbeiter => ("Mitarbeiter/in", "Employee"),
        Role::Steuerberater => ("Steuerberatung (extern)", "Tax advisor (external)"),
        Role::Lohnbuero => ("Lohnbüro (extern)", "Payroll provider (external)"),
        Role::Pruefer => ("Prüfung (extern)", "Auditor (external)"),
    };
    format!("{} ({})", if lang == Lang::De { de } else { en }, r.key())
}

// ------------------------------------------------------------------ sign-in

async fn root(headers: HeaderMap) -> Response {
    if cookie(&headers, SESSION_COOKIE).is_some() {
        see_other("/app")
    } else {
        see_other("/login")
    }
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn login_markup(lang: Lang, csrf: &str, error: Option<&str>, username: &str, demo: bool) -> Markup {
    page(
        lang,
        t(lang, "login.title"),
        html! {
            main.login id="main" {
                div.brand { "kontor" }
                div.tagline { (t(lang, "app.tagline")) }
                div.panel {
                    h1 { (t(lang, "login.title")) }
                    @if let Some(e) = error {
                        div.panel.error-box role="alert" { (e) }
                    }
                    form method="post" action="/login" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="username" { (t(lang, "login.username")) }
                        input type="text" id="username" name="username" value=(username) autocomplete="username" required autofocus;
                        label for="password" { (t(lang, "login.password")) }
                        input type="password" id="password" name="password" autocomplete="current-password" required;
                        label for="totp" { (t(lang, "login.code")) " " span.hint { "(" (t(lang, "login.code_hint")) ")" } }
                        input type="text" id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code";
                        button type="submit" id="login-submit" { (t(lang, "login.submit")) }
                    }
                    @if demo { p.muted.demo-hint { (t(lang, "login.demo_hint")) br; (t(lang, "login.demo_2fa")) } }
                }
                p.langs {
                    a href="/login?lang=de" lang="de" { "Deutsch" } " · " a href="/login?lang=en" lang="en" { "English" }
                }
            }
        },
    )
}

/// The login form. A random token in a cookie and a hidden field guards the
/// form against cross-site submission (double submit).
async fn login_form(State(state): State<HttpState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let chosen = q.lang.as_deref().and_then(Lang::parse);
    let lang = chosen.unwrap_or_else(|| request_lang(&headers));
    let csrf = kontor_app::security::new_token(&kontor_app::security::OsRandom);
    let secure = state.options.secure_cookies;
    let mut resp = html_response(StatusCode::OK, login_markup(lang, &csrf, None, "", state.options.demo));
    let h = resp.headers_mut();
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &csrf, secure, Some(3600)).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(l) = chosen {
        if let Ok(v) = set_cookie(LANG_COOKIE, l.code(), secure, Some(365 * 24 * 3600)).parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    totp: Option<String>,
}

async fn login_submit(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = request_lang(&headers);
    let secure = state.options.secure_cookies;
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !kontor_app::security::constant_time_eq(expected, &f.csrf) {
        let csrf = kontor_app::security::new_token(&kontor_app::security::OsRandom);
        let mut r = html_response(
            StatusCode::FORBIDDEN,
            login_markup(
                lang,
                &csrf,
                Some(t(lang, "login.expired")),
                &f.username,
                state.options.demo,
            ),
        );
        if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &csrf, secure, Some(3600)).parse() {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
        return r;
    }
    let attempt = kontor_app::SignIn {
        username: &f.username,
        password: &f.password,
        second_factor: f.totp.as_deref(),
        client: client.as_deref(),
        allow_enrollment: true,
    };
    match state.app.sign_in(&attempt).await {
        Ok(out) => {
            let mut r = see_other("/app");
            let h = r.headers_mut();
            if let Ok(v) = set_cookie(SESSION_COOKIE, &out.token, secure, None).parse() {
                h.append(header::SET_COOKIE, v);
            }
            if let Ok(v) = clear_cookie(LOGIN_CSRF_COOKIE, secure).parse() {
                h.append(header::SET_COOKIE, v);
            }
            r
        }
        Err(AppError::BadCredentials) => html_response(
            StatusCode::UNAUTHORIZED,
            login_markup(
                lang,
                expected,
                Some(t(lang, "login.failed")),
                &f.username,
                state.options.demo,
            ),
        ),
        Err(e @ (AppError::Throttled { .. } | AppError::TotpRequired | AppError::BadSecondFactor)) => {
            let problem = ApiError::from(e).render(lang, None);
            html_response(
                StatusCode::TOO_MANY_REQUESTS,
                login_markup(lang, expected, Some(&problem.detail), &f.username, state.options.demo),
            )
        }
        Err(e) => error_page(lang, &e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state.app.logout(&s).await.or_page(&s)?;
    let mut r = see_other("/login");
    if let Ok(v) = clear_cookie(SESSION_COOKIE, state.options.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

async fn logout_all(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state.app.logout_everywhere(&s).await.or_page(&s)?;
    let mut r = see_other("/login");
    if let Ok(v) = clear_cookie(SESSION_COOKIE, state.options.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Deserialize)]
struct SwitchForm {
    csrf: String,
    code: String,
    back: Option<String>,
}

async fn switch_company(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<SwitchForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state.app.switch_company(&s, &f.code).await.or_page(&s)?;
    // Records are per company: a detail page of the old company means nothing now.
    let back = safe_back(f.back.as_deref().unwrap_or("/app"));
    let back = if back.starts_with("/partners/") {
        "/partners"
    } else {
        back
    };
    Ok(see_other(back))
}

// ------------------------------------------------------------------ pages

async fn home(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let partners = match &s.company {
        Some(m)
            if s.actor
                .can(m.company_id, Permission::new(Module::Partners, Action::Read)) =>
        {
            let c = state.app.company(&s.actor, m.company_code.as_str()).await.or_page(&s)?;
            Some(
                state
                    .app
                    .list_partners(&s.actor, &c, None, Some(200))
                    .await
                    .or_page(&s)?
                    .items
                    .len(),
            )
        }
        _ => None,
    };
    let roles: Vec<Role> = s
        .company
        .as_ref()
        .map(|m| s.actor.roles_in(m.company_id).collect())
        .unwrap_or_default();
    let content = html! {
        h1 { (t(lang, "home.welcome")) ", " (s.user.display_name) }
        @match &s.company {
            Some(m) => {
                div.panel {
                    p { strong { (m.company_name) } " (" (m.company_code) ")" }
                    p { (t(lang, "home.role")) ": "
                        @for (i, r) in roles.iter().enumerate() { @if i > 0 { ", " } (role_name(lang, *r)) }
                    }
                    @if let Some(p) = &m.partner {
                        p id="partner-scope" {
                            (t(lang, "home.partner_as")) " " strong { (p.firm) } ". "
                            @if let Some(per) = p.period { (t(lang, "home.partner_period")) ": " strong id="granted-period" { (per.to_string()) } ". " }
                            (t(lang, "home.partner_until")) " " (kontor_core::period::date_of(kontor_core::Timestamp::from_millis(p.valid_until.millis() - 1))) "."
                        }
                    }
                }
            }
            None => { div.panel.notice { p { (t(lang, "company.none")) } } }
        }
        h2 { (t(lang, "home.modules")) }
        div.cards {
            @for (href, key, built) in nav_items(&s).into_iter().skip(1) {
                a.card href=(href) {
                    strong { (t(lang, key)) }
                    @if key == "nav.partners" {
                        @if let Some(n) = partners { span { (n) @if n >= 200 { "+" } " " (t(lang, "home.partners_count")) } }
                    } @else if !built {
                        span { (t(lang, "module.not_built")) }
                    }
                }
            }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/app", t(lang, "home.title"), content),
    ))
}

async fn module_page(UiSession(s): UiSession, Path(module): Path<String>) -> Result<Response, UiError> {
    let lang = s.lang();
    let Some(m) = Module::from_key(&module) else {
        return Err(UiError(lang, ApiError::code("unknown_route")));
    };
    if matches!(m, Module::Partners) {
        return Ok(see_other("/partners"));
    }
    if matches!(m, Module::Admin) {
        return Ok(see_other("/admin"));
    }
    if matches!(m, Module::Payroll) {
        return Ok(see_other("/employees"));
    }
    if matches!(m, Module::Finance) {
        return Ok(see_other("/finance"));
    }
    let allowed = s
        .company
        .as_ref()
        .is_some_and(|c| s.actor.can(c.company_id, Permission::new(m, Action::Read)));
    let href = format!("/m/{}", m.key());
    let title = t(lang, nav_key(m));
    let content = html! {
        h1 { (title) }
        @if allowed {
            div.panel.notice role="status" {
                p { strong { (t(lang, "module.not_built")) } }
                p { (t(lang, &format!("module.{}.plan", m.key()))) }
                p.muted { (t(lang, "module.not_built_detail")) }
            }
        } @else {
            div.panel.error-box role="alert" { p { (t(lang, "module.no_access")) } }
        }
    };
    let status = if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN };
    Ok(html_response(status, layout(&s, &href, title, content)))
}

// ------------------------------------------------------------------ partners

fn current_company_code(s: &SessionContext) -> Result<String, UiError> {
    s.company.as_ref().map(|m| m.company_code.to_string()).ok_or_else(|| {
        UiError(
            s.lang(),
            ApiError {
                code: "not_found",
                detail: Some((t(Lang::De, "company.none").into(), t(Lang::En, "company.none").into())),
                fields: vec![],
            },
        )
    })
}

#[derive(Deserialize)]
struct CursorQuery {
    cursor: Option<String>,
}

async fn partners_list(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<CursorQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let after = q.cursor.as_deref().and_then(|c| c.parse::<PartnerId>().ok());
    let page_ = state
        .app
        .list_partners(&s.actor, &company, after, Some(50))
        .await
        .or_page(&s)?;
    let can_write = s
        .actor
        .can(company.id, Permission::new(Module::Partners, Action::Write));
    let content = html! {
        h1 { (t(lang, "partners.title")) " · " (company.name) }
        @if can_write { p { a.button href="/partners/new" { (t(lang, "partners.new")) } } }
        @if page_.items.is_empty() {
            div.panel { p { (t(lang, "partners.empty")) } }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "partners.name")) }
                        th scope="col" { (t(lang, "partners.kind")) }
                        th scope="col" { (t(lang, "partners.city")) }
                        th scope="col" { (t(lang, "partners.vat_id")) }
                        th scope="col" { (t(lang, "partners.iban")) }
                    } }
                    tbody {
                        @for p in &page_.items {
                            tr {
                                td { a href=(format!("/partners/{}", p.id)) { (p.data.name) } }
                                td { (t(lang, &format!("partners.kind.{}", p.data.kind.key()))) }
                                td { (p.data.postcode.as_deref().unwrap_or("")) " " (p.data.city.as_deref().unwrap_or("")) }
                                td { (p.data.vat_id.as_ref().map(|v| v.to_string()).unwrap_or_default()) }
                                td {
                                    (p.data.iban.as_ref().map(|v| v.to_string()).unwrap_or_default())
                                    @if p.data.iban.is_some() && p.bank_confirmed.is_none() {
                                        " " span.badge.dead { (t(lang, "partners.bank_unconfirmed")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = page_.next {
                p.actions { a.button.secondary href=(format!("/partners?cursor={next}")) { (t(lang, "partners.next")) " →" } }
            }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/partners", t(lang, "partners.title"), content),
    ))
}

#[derive(Deserialize, Default)]
struct PartnerForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    vat_id: Option<String>,
    iban: Option<String>,
    email: Option<String>,
    street: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    country: Option<String>,
    account: Option<String>,
}

impl PartnerForm {
    fn input(&self) -> PartnerInput<'_> {
        PartnerInput {
            name: &self.name,
            kind: &self.kind,
            vat_id: self.vat_id.as_deref(),
            iban: self.iban.as_deref(),
            email: self.email.as_deref(),
            street: self.street.as_deref(),
            postcode: self.postcode.as_deref(),
            city: self.city.as_deref(),
            country: self.country.as_deref(),
            account: self.account.as_deref(),
        }
    }

    fn from_record(p: &PartnerRecord) -> Self {
        let d = &p.data;
        Self {
            csrf: String::new(),
            version: Some(p.version),
            name: d.name.clone(),
            kind: d.kind.key().into(),
            vat_id: d.vat_id.as_ref().map(|v| v.to_string()),
            iban: d.iban.as_ref().map(|v| v.to_string()),
            email: d.email.clone(),
            street: d.street.clone(),
            postcode: d.postcode.clone(),
            city: d.city.clone(),
            country: Some(d.country.clone()),
            account: d.account.map(|a| a.to_string()),
        }
    }
}

fn partner_form(
    s: &SessionContext,
    action: &str,
    f: &PartnerForm,
    errors: &[(String, String)],
    banner: Option<Markup>,
) -> Markup {
    let lang = s.lang();
    let err = |field: &str| errors.iter().find(|(k, _)| k == field).map(|(_, m)| m.clone());
    let text_field = |field: &'static str, key: &str, value: &str, required: bool, kind: &str| {
        let e = err(field);
        let id = format!("f-{field}");
        let eid = format!("e-{field}");
        html! {
            div {
                label for=(id) { (t(lang, key)) @if !required { " " span.hint { "(" (t(lang, "form.optional")) ")" } } }
                input type=(kind) id=(id) name=(field) value=(value) required[required]
                    aria-invalid=[e.as_ref().map(|_| "true")] aria-describedby=[e.as_ref().map(|_| eid.clone())];
                @if let Some(m) = e { p.field-error id=(eid) { (m) } }
            }
        }
    };
    html! {
        @if let Some(b) = banner { (b) }
        @if !errors.is_empty() {
            div.panel.error-box role="alert" {
                p { strong { (t(lang, "form.errors")) } }
                ul { @for (_, m) in errors { li { (m) } } }
            }
        }
        form.panel method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.csrf_token);
            @if let Some(v) = f.version { input type="hidden" name="version" value=(v); }
            div.grid2 {
                (text_field("name", "partners.name", &f.name, true, "text"))
                div {
                    label for="f-kind" { (t(lang, "partners.kind")) }
                    select id="f-kind" name="kind" {
                        @for k in ["supplier", "customer", "both"] {
                            option value=(k) selected[f.kind == k] { (t(lang, &format!("partners.kind.{k}"))) }
                        }
                    }
                    @if let Some(m) = err("kind") { p.field-error { (m) } }
                }
                (text_field("vat_id", "partners.vat_id", f.vat_id.as_deref().unwrap_or(""), false, "text"))
                (text_field("iban", "partners.iban", f.iban.as_deref().unwrap_or(""), false, "text"))
                (text_field("email", "partners.email", f.email.as_deref().unwrap_or(""), false, "email"))
                (text_field("street", "partners.street", f.street.as_deref().unwrap_or(""), false, "text"))
                (text_field("postcode", "partners.postcode", f.postcode.as_deref().unwrap_or(""), false, "text"))
                (text_field("city", "partners.city", f.city.as_deref().unwrap_or(""), false, "text"))
                (text_field("country", "partners.country", f.country.as_deref().unwrap_or("DE"), false, "text"))
                (text_field("account", "partners.account", f.account.as_deref().unwrap_or(""), false, "text"))
            }
            div.actions {
                button type="submit" { (t(lang, if f.version.is_some() { "form.save" } else { "form.create" })) }
                a.button.secondary href="/partners" { (t(lang, "form.cancel")) }
            }
        }
    }
}

fn field_errors(lang: Lang, e: &AppError) -> Vec<(String, String)> {
    match e {
        AppError::Invalid(errs) => errs
            .iter()
            .map(|p| (p.field.to_string(), p.message(lang).to_string()))
            .collect(),
        _ => vec![],
    }
}

async fn partner_new(UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let f = PartnerForm {
        kind: "supplier".into(),
        ..Default::default()
    };
    let content = html! { h1 { (t(lang, "partners.new")) } (partner_form(&s, "/partners", &f, &[], None)) };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/partners", t(lang, "partners.new"), content),
    ))
}

async fn partner_create(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<PartnerForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    match state.app.create_partner(&s.actor, &company, &f.input()).await {
        Ok(p) => Ok(see_other(&format!("/partners/{}?saved=1", p.id))),
        Err(e @ AppError::Invalid(_)) => {
            let content = html! { h1 { (t(lang, "partners.new")) } (partner_form(&s, "/partners", &f, &field_errors(lang, &e), None)) };
            Ok(html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(&s, "/partners", t(lang, "partners.new"), content),
            ))
        }
        Err(e) => Err(UiError(lang, e.into())),
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

fn parse_id(s: &SessionContext, id: &str) -> Result<PartnerId, UiError> {
    id.parse().map_err(|_| UiError(s.lang(), ApiError::code("not_found")))
}

async fn partner_edit(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let p = state
        .app
        .partner(&s.actor, &company, parse_id(&s, &id)?)
        .await
        .or_page(&s)?;
    let banner = q
        .saved
        .map(|_| html! { div.panel.ok-box role="status" { (t(lang, "partners.saved")) } });
    let meta = html! { p.muted { "ID " (p.id) " · " (rfc3339(p.updated_at)) } };
    let may_confirm = s
        .actor
        .can(company.id, Permission::new(Module::Partners, Action::Approve));
    let bank = html! {
        @if p.data.iban.is_some() {
            div.panel id="bank-status" {
                @match &p.bank_confirmed {
                    Some((by, at)) => p { span.badge { (t(lang, "partners.bank_confirmed")) } " " (by) " · " (rfc3339(*at)) },
                    None => {
                        p { span.badge.dead { (t(lang, "partners.bank_unconfirmed")) } " " (t(lang, "partners.bank_unconfirmed_hint")) }
                        @if may_confirm {
                            form method="post" action=(format!("/partners/{}/confirm-bank", p.id)) {
                                input type="hidden" name="csrf" value=(s.csrf_token);
                                input type="hidden" name="version" value=(p.version);
                                button type="submit" id="confirm-bank" { (t(lang, "partners.bank_confirm")) }
                            }
                        }
                    }
                }
            }
        }
    };
    let meta = html! { (meta) p { a href=(format!("/history/partner/{}", p.id)) id="history-link" { (t(lang, "audit.history")) } } };
    let content = html! { h1 { (p.data.name) } (meta) (bank) (partner_form(&s, &format!("/partners/{}", p.id), &PartnerForm::from_record(&p), &[], banner)) };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/partners", t(lang, "partners.edit"), content),
    ))
}

#[derive(Deserialize)]
struct ConfirmForm {
    csrf: String,
    version: i64,
}

async fn partner_confirm_bank(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let p = state
        .app
        .confirm_partner_bank(&s.actor, &company, parse_id(&s, &id)?, Some(f.version))
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/partners/{}?saved=1", p.id)))
}

async fn partner_update(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<PartnerForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let lang = s.lang();
    let id = parse_id(&s, &id)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let action = format!("/partners/{id}");
    match state
        .app
        .update_partner(&s.actor, &company, id, f.version, &f.input())
        .await
    {
        Ok(p) => Ok(see_other(&format!("/partners/{}?saved=1", p.id))),
        Err(e @ AppError::Invalid(_)) => {
            let content = html! { h1 { (t(lang, "partners.edit")) } (partner_form(&s, &action, &f, &field_errors(lang, &e), None)) };
            Ok(html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(&s, "/partners", t(lang, "partners.edit"), content),
            ))
        }
        Err(AppError::VersionConflict { .. }) => {
            // Show the current data; the person's input is not lost: it is listed in the banner.
            let current = state.app.partner(&s.actor, &company, id).await.or_page(&s)?;
            let banner = html! {
                div.panel.error-box role="alert" {
                    p { (t(lang, "partners.conflict")) }
                    p.muted { (t(lang, "partners.name")) ": " (f.name) " · " (t(lang, "partners.iban")) ": " (f.iban.as_deref().unwrap_or("")) }
                }
            };
            let content = html! { h1 { (current.data.name) } (partner_form(&s, &action, &PartnerForm::from_record(&current), &[], Some(banner))) };
            Ok(html_response(
                StatusCode::CONFLICT,
                layout(&s, "/partners", t(lang, "partners.edit"), content),
            ))
        }
        Err(e) => Err(UiError(lang, e.into())),
    }
}

// ------------------------------------------------------------------ settings

async fn settings(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    settings_page(&state, &s, None, &[]).await
}

/// The settings page; `new_token` is shown once, right after it was made.
async fn settings_page(
    state: &HttpState,
    s: &SessionContext,
    new_token: Option<&str>,
    errors: &[(String, String)],
) -> Result<Response, UiError> {
    let lang = s.lang();
    let tokens = state.app.api_tokens(s).await.or_page(s)?;
    let now = state.app.now();
    let grantable: Vec<Permission> = match &s.company {
        Some(m) => Module::ALL
            .into_iter()
            .flat_map(|md| Action::ALL.map(|a| Permission::new(md, a)))
            .filter(|p| s.actor.can(m.company_id, *p))
            .collect(),
        None => vec![],
    };
    let company_of = |id| {
        s.actor
            .memberships
            .iter()
            .find(|m| m.company_id == id)
            .map(|m| m.company_code.to_string())
            .unwrap_or_default()
    };
    let content = html! {
        h1 { (t(lang, "settings.title")) }
        form.panel method="post" action="/settings/language" {
            input type="hidden" name="csrf" value=(s.csrf_token);
            label for="lang" { (t(lang, "settings.language")) }
            select id="lang" name="lang" {
                @for l in Lang::ALL {
                    option value=(l.code()) selected[l == lang] { (t(lang, &format!("settings.language.{}", l.code()))) }
                }
            }
            div.actions { button type="submit" id="lang-apply" { (t(lang, "settings.apply")) } }
        }
        div.panel {
            h2 { (t(lang, "twofa.title")) }
            p { (t(lang, if s.user.totp_enabled { "twofa.on" } else { "twofa.off" })) " " a href="/settings/2fa" { (t(lang, "twofa.title")) " →" } }
        }
        form.panel method="post" action="/logout-all" {
            h2 { (t(lang, "settings.sessions")) }
            p.muted { (t(lang, "settings.logout_all_hint")) }
            input type="hidden" name="csrf" value=(s.csrf_token);
            button.secondary type="submit" { (t(lang, "settings.logout_all")) }
        }
        section.panel id="tokens" {
            h2 { (t(lang, "tokens.title")) }
            p.muted { (t(lang, "tokens.hint")) }
            @if let Some(tok) = new_token {
                div.panel.ok-box role="status" { p { (t(lang, "tokens.created")) } p { code id="new-token" { (tok) } } }
            }
            @if !errors.is_empty() {
                div.panel.error-box role="alert" { ul { @for (_, m) in errors { li { (m) } } } }
            }
            @if tokens.is_empty() { p.muted { (t(lang, "tokens.none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (t(lang, "tokens.name")) } th { (t(lang, "company.label")) } th { (t(lang, "tokens.permissions")) } th { (t(lang, "tokens.expires")) } th { (t(lang, "tokens.last_used")) } th {} } }
                    tbody { @for tk in &tokens { tr {
                        td { (tk.name) } td { (company_of(tk.company_id)) }
                        td { @for p in &tk.permissions { code { (p.to_string()) } " " } }
                        td { (rfc3339(tk.expires_at)) }
                        td { (tk.last_used_at.map(rfc3339).unwrap_or_default()) }
                        td {
                            @if tk.revoked_at.is_some() { (t(lang, "tokens.revoked")) }
                            @else if tk.expires_at > now {
                                form method="post" action=(format!("/settings/tokens/{}/revoke", tk.id)) {
                                    input type="hidden" name="csrf" value=(s.csrf_token);
                                    button.small.secondary type="submit" { (t(lang, "tokens.revoke")) }
                                }
                            }
                        }
                    } } }
                } }
            }
            @if let Some(m) = &s.company {
                form method="post" action="/settings/tokens" {
                    input type="hidden" name="csrf" value=(s.csrf_token);
                    input type="hidden" name="company" value=(m.company_code);
                    div.grid2 {
                        div { label for="tk-name" { (t(lang, "tokens.name")) } input type="text" id="tk-name" name="name" required; }
                        div { label for="tk-days" { (t(lang, "tokens.valid_days")) } input type="text" inputmode="numeric" id="tk-days" name="valid_days" value="90" required; }
                    }
                    fieldset {
                        legend { (t(lang, "tokens.permissions")) " · " (m.company_name) }
                        @for p in &grantable {
                            label.inline.check { input type="checkbox" name="perm" value=(p.to_string()); " " code { (p.to_string()) } }
                        }
                    }
                    div.actions { button type="submit" { (t(lang, "tokens.create")) } }
                }
            }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(s, "/settings", t(lang, "settings.title"), content),
    ))
}

/// Reads a form with repeated keys (checkboxes), which `Form` cannot.
/// The value of field `k` in a decoded form, or "".
fn form_get<'a>(pairs: &'a [(String, String)], k: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn create_token(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    check_csrf(&state, &s, get("csrf"))?;
    let perms: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "perm")
        .map(|(_, v)| v.clone())
        .collect();
    let days = get("valid_days").trim().parse::<i64>().unwrap_or(0);
    match state
        .app
        .create_api_token(&s, get("company"), get("name"), &perms, days)
        .await
    {
        Ok((token, _)) => settings_page(&state, &s, Some(&token), &[]).await,
        Err(e @ AppError::Invalid(_)) => settings_page(&state, &s, None, &field_errors(s.lang(), &e)).await,
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn revoke_token(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let id = id.parse().map_err(|_| UiError(s.lang(), ApiError::code("not_found")))?;
    state.app.revoke_api_token(&s, id).await.or_page(&s)?;
    Ok(see_other("/settings#tokens"))
}

#[derive(Deserialize)]
struct LanguageForm {
    csrf: String,
    lang: String,
}

async fn set_language(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<LanguageForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    state.app.set_language(&s, lang).await.or_page(&s)?;
    Ok(see_other("/settings"))
}

// ------------------------------------------------------------------ admin

#[derive(Deserialize)]
struct AdminQuery {
    msg: Option<String>,
}

async fn admin(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<AdminQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    if !s.user.system_admin {
        let content = html! { h1 { (t(lang, "admin.title")) } div.panel.error-box { p { (t(lang, "admin.only")) } } };
        return Ok(html_response(
            StatusCode::FORBIDDEN,
            layout(&s, "/admin", t(lang, "admin.title"), content),
        ));
    }
    let users = state.app.list_users(&s.actor).await.or_page(&s)?;
    let companies = state.app.list_companies(&s.actor).await.or_page(&s)?;
    let counts = state.app.job_counts(&s.actor).await.or_page(&s)?;
    let dead = state
        .app
        .list_jobs(&s.actor, Some(JobState::Dead), 50)
        .await
        .or_page(&s)?;
    let audit = state.app.audit_log(&s.actor, None, 30).await.or_page(&s)?;
    let locks = state.app.locked_logins(&s.actor).await.or_page(&s)?;
    let policies = state.app.role_policies(&s.actor).await.or_page(&s)?;
    let mut customs = Vec::new();
    for c in &companies {
        for r in state.app.custom_roles(&s.actor, c).await.unwrap_or_default() {
            customs.push((c.code.to_string(), r));
        }
    }
    let csrf = &s.csrf_token;
    let content = html! {
        h1 { (t(lang, "admin.title")) }
        @if let Some(m) = q.msg { div.panel.ok-box role="status" { (m) } }
        h2 id="users" { (t(lang, "admin.users")) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "login.username")) } th { (t(lang, "admin.display_name")) } th { (t(lang, "admin.memberships")) } th { (t(lang, "admin.system_admin")) } } }
            tbody { @for (u, ms) in &users { tr {
                td { (u.username) } td { (u.display_name) }
                td { @for (i, m) in ms.iter().enumerate() { @if i > 0 { ", " } (m.company_code) ": " (m.role_key()) } }
                td { (t(lang, if u.system_admin { "common.yes" } else { "common.no" })) }
            } } }
        } }
        div.grid2 {
            form.panel method="post" action="/admin/users" {
                h2 { (t(lang, "admin.user_add")) }
                input type="hidden" name="csrf" value=(csrf);
                label for="nu-username" { (t(lang, "login.username")) } input type="text" id="nu-username" name="username" required;
                label for="nu-display" { (t(lang, "admin.display_name")) } input type="text" id="nu-display" name="display_name" required;
                label for="nu-password" { (t(lang, "login.password")) } input type="password" id="nu-password" name="password" autocomplete="new-password" required minlength="12";
                label { input type="checkbox" name="system_admin" value="1"; " " (t(lang, "admin.system_admin")) }
                div.actions { button type="submit" { (t(lang, "form.create")) } }
            }
            form.panel method="post" action="/admin/memberships" {
                h2 { (t(lang, "admin.grant")) }
                input type="hidden" name="csrf" value=(csrf);
                label for="g-user" { (t(lang, "login.username")) }
                select id="g-user" name="username" { @for (u, _) in &users { option value=(u.username) { (u.username) } } }
                label for="g-company" { (t(lang, "company.label")) }
                select id="g-company" name="company" { @for c in &companies { option value=(c.code) { (c.name) " (" (c.code) ")" } } }
                label for="g-role" { (t(lang, "admin.role")) }
                select id="g-role" name="role" {
                    @for r in Role::ALL.into_iter().filter(|r| !r.is_external()) { option value=(r.key()) { (role_name(lang, r)) } }
                    @for (code, r) in &customs { option value=(format!("custom:{}", r.key)) { (r.name) " (custom:" (r.key) ", " (code) ")" } }
                }
                p.muted { (t(lang, "admin.grant_hint")) }
                div.actions { button type="submit" { (t(lang, "admin.grant")) } }
            }
        }
        h2 id="companies" { (t(lang, "admin.companies")) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "admin.code")) } th { (t(lang, "admin.company_name")) } } }
            tbody { @for c in &companies { tr { td { (c.code) } td { (c.name) } } } }
        } }
        form.panel.spaced method="post" action="/admin/companies" {
            h2 { (t(lang, "admin.company_add")) }
            input type="hidden" name="csrf" value=(csrf);
            div.grid2 {
                div { label for="nc-code" { (t(lang, "admin.code")) } input type="text" id="nc-code" name="code" required pattern="[A-Za-z0-9-]{2,32}"; }
                div { label for="nc-name" { (t(lang, "admin.company_name")) } input type="text" id="nc-name" name="name" required; }
                div { label for="nc-chart" { (t(lang, "fin.chart")) } select id="nc-chart" name="chart" {
                    option value="skr03" selected { "SKR03" }
                    option value="skr04" { "SKR04" }
                } }
            }
            div.actions { button type="submit" { (t(lang, "form.create")) } }
        }
        h2 id="jobs" { (t(lang, "admin.jobs")) }
        p {
            span.badge { (t(lang, "admin.jobs.queued")) ": " (counts.queued) } " "
            span.badge { (t(lang, "admin.jobs.running")) ": " (counts.running) } " "
            span.badge { (t(lang, "admin.jobs.done")) ": " (counts.done) } " "
            span.badge.dead { (t(lang, "admin.jobs.dead")) ": " (counts.dead) }
        }
        h2 { (t(lang, "admin.jobs.dead_list")) }
        @if dead.is_empty() { p.muted { (t(lang, "admin.jobs.none_dead")) } } @else {
            div.table-wrap { table {
                thead { tr { th { (t(lang, "admin.jobs.kind")) } th { (t(lang, "admin.jobs.attempts")) } th { (t(lang, "admin.jobs.error")) } th {} } }
                tbody { @for j in &dead { tr {
                    td { (j.kind) br; small.muted { (j.id) } }
                    td { (j.attempts) " / " (j.max_attempts) }
                    td { (j.last_error.as_deref().unwrap_or("")) }
                    td { form method="post" action=(format!("/admin/jobs/{}/requeue", j.id)) {
                        input type="hidden" name="csrf" value=(csrf);
                        button.small type="submit" { (t(lang, "admin.jobs.requeue")) }
                    } }
                } } }
            } }
        }
        h2 id="policies" { (t(lang, "admin.policies")) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "admin.role")) } th { (t(lang, "twofa.title")) } th {} } }
            tbody { @for (role, req) in &policies { tr {
                td { (role_name(lang, *role)) }
                td { (t(lang, if *req { "admin.policy.required" } else { "admin.policy.optional" })) }
                td { form method="post" action="/admin/role-policy" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="role" value=(role.key());
                    input type="hidden" name="require" value=(if *req { "0" } else { "1" });
                    button.small.secondary type="submit" { (t(lang, "admin.policy.toggle")) }
                } }
            } } }
        } }
        h2 id="locks" { (t(lang, "admin.locks")) }
        @if locks.is_empty() { p.muted { (t(lang, "admin.locks.none")) } } @else {
            div.table-wrap { table {
                thead { tr { th { (t(lang, "admin.locks.key")) } th { (t(lang, "admin.locks.failures")) } th { (t(lang, "admin.locks.until")) } th {} } }
                tbody { @for l in &locks { tr {
                    td { (l.key) } td { (l.failures) } td { (rfc3339(l.locked_until)) }
                    td { form method="post" action="/admin/unlock" {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="key" value=(l.key);
                        button.small type="submit" { (t(lang, "admin.locks.unlock")) }
                    } }
                } } }
            } }
        }
        h2 id="audit" { (t(lang, "admin.audit")) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "admin.audit.when")) } th { (t(lang, "admin.audit.who")) } th { (t(lang, "admin.audit.what")) } th { (t(lang, "admin.audit.subject")) } th { (t(lang, "admin.audit.detail")) } } }
            tbody { @for e in &audit { tr { td { (rfc3339(e.at)) } td { (e.actor) } td { (e.action) } td { (e.subject) } td { (e.detail) } } } }
        } }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/admin", t(lang, "admin.title"), content),
    ))
}

fn admin_done(msg: &str) -> Response {
    let mut target = String::from("/admin?msg=");
    for b in msg.bytes() {
        if b.is_ascii_alphanumeric() {
            target.push(b as char);
        } else {
            target.push_str(&format!("%{b:02X}"));
        }
    }
    see_other(&target)
}

#[derive(Deserialize)]
struct NewUserForm {
    csrf: String,
    username: String,
    display_name: String,
    password: String,
    system_admin: Option<String>,
}

async fn admin_add_user(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<NewUserForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let u = state
        .app
        .add_user(
            &s.actor,
            &f.username,
            &f.display_name,
            &f.password,
            f.system_admin.is_some(),
        )
        .await
        .or_page(&s)?;
    Ok(admin_done(&format!(
        "{} {}",
        if s.lang() == Lang::De {
            "Benutzer angelegt:"
        } else {
            "User created:"
        },
        u.username
    )))
}

#[derive(Deserialize)]
struct NewCompanyForm {
    csrf: String,
    code: String,
    name: String,
    /// Chart of accounts of the ledger; SKR03 unless chosen.
    #[serde(default)]
    chart: Option<String>,
}

async fn admin_add_company(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<NewCompanyForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let chart = match f.chart.as_deref() {
        None | Some("") => kontor_ledger::account::ChartKind::Skr03,
        Some(c) => kontor_ledger::account::ChartKind::parse(c)
            .ok_or_else(|| UiError(s.lang(), ApiError::code("invalid_input")))?,
    };
    let c = state.app.add_company(&s.actor, &f.code, &f.name).await.or_page(&s)?;
    // SKR03 is every company's starting chart; only a change is recorded.
    if chart != kontor_ledger::account::ChartKind::Skr03 {
        state.app.set_ledger_chart(&s.actor, &c, chart).await.or_page(&s)?;
    }
    Ok(admin_done(&format!(
        "{} {}",
        if s.lang() == Lang::De {
            "Firma angelegt:"
        } else {
            "Company created:"
        },
        c.code
    )))
}

#[derive(Deserialize)]
struct GrantForm {
    csrf: String,
    username: String,
    company: String,
    role: String,
}

async fn admin_grant(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<GrantForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state
        .app
        .grant_role(&s.actor, &f.username, &f.company, &f.role)
        .await
        .or_page(&s)?;
    Ok(admin_done(&format!("{} → {}: {}", f.username, f.company, f.role)))
}

async fn admin_requeue(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let id = id.parse().map_err(|_| UiError(s.lang(), ApiError::code("not_found")))?;
    state.app.requeue_job(&s.actor, id).await.or_page(&s)?;
    Ok(see_other("/admin#jobs"))
}

#[derive(Deserialize)]
struct UnlockForm {
    csrf: String,
    key: String,
}

async fn admin_unlock(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<UnlockForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state.app.unlock_login(&s.actor, &f.key).await.or_page(&s)?;
    Ok(see_other("/admin#locks"))
}

/// The `otpauth://` URI as a QR code (inline SVG) for an authenticator app
/// to scan; `None` if the URI does not fit in a QR code.
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // Inline in HTML: the SVG element without the XML declaration.
    svg.find("<svg").map(|start| svg[start..].to_string())
}

fn twofa_view(
    s: &SessionContext,
    setup: Option<(&str, &str)>,
    codes: Option<&[String]>,
    error: Option<String>,
) -> Response {
    let lang = s.lang();
    let content = html! {
        h1 { (t(lang, "twofa.title")) }
        @if s.enroll_only { div.panel.notice role="status" { p { (t(lang, "twofa.required")) } } }
        @if let Some(e) = error { div.panel.error-box role="alert" { p { (e) } } }
        @if let Some(codes) = codes {
            div.panel.ok-box role="status" {
                p { (t(lang, "twofa.on")) }
                p { (t(lang, "twofa.codes")) }
                ul id="recovery-codes" { @for c in codes { li { code { (c) } } } }
                p { a.button href="/app" { (t(lang, "error.back")) } }
            }
        } @else if let Some((secret, url)) = setup {
            form.panel method="post" action="/settings/2fa/confirm" {
                p { (t(lang, "twofa.scan")) }
                @if let Some(svg) = qr_svg(url) {
                    figure.qr id="totp-qr" role="img" aria-label=(t(lang, "twofa.qr")) { (PreEscaped(svg)) }
                }
                p { code id="totp-secret" { (secret) } }
                p { a href=(url) { (url) } }
                input type="hidden" name="csrf" value=(s.csrf_token);
                label for="code" { (t(lang, "login.code")) }
                input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                div.actions { button type="submit" id="twofa-confirm" { (t(lang, "twofa.confirm")) } }
            }
        } @else if s.user.totp_enabled {
            form.panel method="post" action="/settings/2fa/disable" {
                p { (t(lang, "twofa.on")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                label for="code" { (t(lang, "login.code")) }
                input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                div.actions { button.secondary type="submit" { (t(lang, "twofa.disable")) } }
            }
        } @else {
            form.panel method="post" action="/settings/2fa/begin" {
                p { (t(lang, "twofa.off")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                div.actions { button type="submit" id="twofa-begin" { (t(lang, "twofa.begin")) } }
            }
        }
    };
    html_response(StatusCode::OK, layout(s, "/settings", t(lang, "twofa.title"), content))
}

async fn twofa_page(UiSession(s): UiSession) -> Response {
    twofa_view(&s, None, None, None)
}

async fn twofa_begin(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let (secret, url) = state.app.begin_totp(&s).await.or_page(&s)?;
    Ok(twofa_view(&s, Some((&secret, &url)), None, None))
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    code: String,
}

async fn twofa_confirm(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<CodeForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    match state.app.confirm_totp(&s, &f.code).await {
        Ok(codes) => {
            let mut done = s.clone();
            done.enroll_only = false;
            done.user.totp_enabled = true;
            Ok(twofa_view(&done, None, Some(&codes), None))
        }
        Err(e @ AppError::BadSecondFactor) => {
            // Show the same secret again so the person can retry.
            let secret = state
                .app
                .reveal_secret(s.user.totp_secret.as_deref().unwrap_or_default())
                .unwrap_or_default();
            let url = kontor_app::twofactor::otpauth_url(&secret, s.user.username.as_str()).unwrap_or_default();
            let msg = ApiError::from(e).render(s.lang(), None).detail;
            Ok(twofa_view(&s, Some((&secret, &url)), None, Some(msg)))
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn twofa_disable(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<CodeForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state.app.disable_totp(&s, &f.code).await.or_page(&s)?;
    Ok(see_other("/settings"))
}

#[derive(Deserialize)]
struct PolicyForm {
    csrf: String,
    role: String,
    require: String,
}

async fn admin_role_policy(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<PolicyForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    state
        .app
        .set_role_policy(&s.actor, &f.role, f.require == "1")
        .await
        .or_page(&s)?;
    Ok(see_other("/admin#policies"))
}

// ------------------------------------------------------------------ employees

#[derive(Deserialize, Default, Clone)]
struct EmployeeForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    personnel_number: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    street: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    #[serde(default)]
    entry_date: String,
    #[serde(default)]
    steuerklasse: String,
    children: Option<String>,
    tax_id: Option<String>,
    sv_number: Option<String>,
    iban: Option<String>,
    health_insurance: Option<String>,
    denomination: Option<String>,
    disability: Option<String>,
}

impl EmployeeForm {
    fn input(&self) -> kontor_core::EmployeeInput<'_> {
        kontor_core::EmployeeInput {
            personnel_number: &self.personnel_number,
            first_name: &self.first_name,
            last_name: &self.last_name,
            street: self.street.as_deref(),
            postcode: self.postcode.as_deref(),
            city: self.city.as_deref(),
            entry_date: &self.entry_date,
            steuerklasse: &self.steuerklasse,
            children: self.children.as_deref(),
            tax_id: self.tax_id.as_deref(),
            sv_number: self.sv_number.as_deref(),
            iban: self.iban.as_deref(),
            health_insurance: self.health_insurance.as_deref(),
            denomination: self.denomination.as_deref(),
            disability: self.disability.as_deref(),
        }
    }

    fn from_view(v: &kontor_app::employees::EmployeeView) -> Self {
        let r = &v.record;
        let s = v.sensitive.clone().unwrap_or_default();
        Self {
            csrf: String::new(),
            version: Some(r.version),
            personnel_number: r.personnel_number.clone(),
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            street: r.street.clone(),
            postcode: r.postcode.clone(),
            city: r.city.clone(),
            entry_date: r.entry_date.clone(),
            steuerklasse: r.steuerklasse.to_string(),
            children: Some(
                format!("{},{}", r.children_tenths / 10, r.children_tenths % 10)
                    .trim_end_matches(",0")
                    .to_string(),
            ),
            tax_id: s.tax_id.map(|x| x.as_str().to_string()),
            sv_number: s.sv_number.map(|x| x.as_str().to_string()),
            iban: s.iban.map(|x| x.to_string()),
            health_insurance: s.health_insurance,
            denomination: s.denomination,
            disability: s.disability,
        }
    }
}

fn employee_form(
    s: &SessionContext,
    action: &str,
    f: &EmployeeForm,
    errors: &[(String, String)],
    sensitive: bool,
    banner: Option<Markup>,
) -> Markup {
    let lang = s.lang();
    let err = |field: &str| errors.iter().find(|(k, _)| k == field).map(|(_, m)| m.clone());
    let field = |name: &'static str, label: &str, value: &str, required: bool| {
        let e = err(name);
        let id = format!("f-{name}");
        html! {
            div {
                label for=(id) { (label) @if !required { " " span.hint { "(" (t(lang, "form.optional")) ")" } } }
                input type="text" id=(id) name=(name) value=(value) required[required] aria-invalid=[e.as_ref().map(|_| "true")];
                @if let Some(m) = e { p.field-error { (m) } }
            }
        }
    };
    let l = |de: &'static str, en: &'static str| if lang == Lang::De { de } else { en };
    html! {
        @if let Some(b) = banner { (b) }
        @if !errors.is_empty() {
            div.panel.error-box role="alert" { p { strong { (t(lang, "form.errors")) } } ul { @for (_, m) in errors { li { (m) } } } }
        }
        form.panel method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.csrf_token);
            @if let Some(v) = f.version { input type="hidden" name="version" value=(v); }
            div.grid2 {
                (field("personnel_number", l("Personalnummer", "Personnel number"), &f.personnel_number, true))
                (field("first_name", l("Vorname", "First name"), &f.first_name, true))
                (field("last_name", l("Nachname", "Last name"), &f.last_name, true))
                (field("street", t(lang, "partners.street"), f.street.as_deref().unwrap_or(""), false))
                (field("postcode", t(lang, "partners.postcode"), f.postcode.as_deref().unwrap_or(""), false))
                (field("city", t(lang, "partners.city"), f.city.as_deref().unwrap_or(""), false))
                (field("entry_date", l("Eintrittsdatum (JJJJ-MM-TT)", "Entry date (YYYY-MM-DD)"), &f.entry_date, true))
                (field("steuerklasse", l("Steuerklasse (I–VI)", "Tax class (I–VI)"), &f.steuerklasse, true))
                (field("children", l("Kinderfreibeträge", "Child allowances"), f.children.as_deref().unwrap_or(""), false))
            }
            @if sensitive {
                fieldset {
                    legend { (l("Besonders geschützte Angaben (verschlüsselt gespeichert)", "Specially protected data (stored encrypted)")) }
                    div.grid2 {
                        (field("tax_id", l("Steuer-IdNr.", "Tax id"), f.tax_id.as_deref().unwrap_or(""), false))
                        (field("sv_number", l("Sozialversicherungsnummer", "Social insurance number"), f.sv_number.as_deref().unwrap_or(""), false))
                        (field("iban", "IBAN", f.iban.as_deref().unwrap_or(""), false))
                        (field("health_insurance", l("Krankenkasse", "Health insurance"), f.health_insurance.as_deref().unwrap_or(""), false))
                        (field("denomination", l("Konfession", "Denomination"), f.denomination.as_deref().unwrap_or(""), false))
                        (field("disability", l("Schwerbehinderung", "Disability"), f.disability.as_deref().unwrap_or(""), false))
                    }
                }
            } @else {
                p.muted { (l("Besonders geschützte Angaben sind für Sie nicht sichtbar.", "Specially protected data is not visible to you.")) }
            }
            div.actions {
                button type="submit" { (t(lang, if f.version.is_some() { "form.save" } else { "form.create" })) }
                a.button.secondary href="/employees" { (t(lang, "form.cancel")) }
            }
        }
    }
}

fn may_sensitive(s: &SessionContext) -> bool {
    s.company
        .as_ref()
        .is_some_and(|m| s.actor.can(m.company_id, kontor_app::employees::SENSITIVE))
}

async fn employees_list(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let staff = state.app.employee_overview(&s.actor, &company).await.or_page(&s)?;
    let can_write = s.actor.can(company.id, Permission::new(Module::Payroll, Action::Write));
    let title = if lang == Lang::De { "Mitarbeitende" } else { "Employees" };
    let restricted = personnel::restricted_section(&state, &s, &company).await?;
    let content = html! {
        h1 { (title) " · " (company.name) }
        div.panel.notice { p { (t(lang, "employees.hint")) } }
        @if can_write { p { a.button href="/employees/new" { (if lang == Lang::De { "Neue Mitarbeiterin / neuer Mitarbeiter" } else { "New employee" }) } } }
        div.table-wrap { table {
            thead { tr { th { "Nr." } th { (t(lang, "partners.name")) } th { (t(lang, "partners.city")) } th { (if lang == Lang::De { "Eintritt" } else { "Entry" }) } th { "StKl" } } }
            tbody { @for e in &staff { tr {
                td { (e.personnel_number) }
                td { a href=(format!("/employees/{}", e.id)) { (e.last_name) ", " (e.first_name) } }
                td { (e.city.as_deref().unwrap_or("")) }
                td { (e.entry_date) }
                td { (e.steuerklasse) }
            } } }
        } }
        (restricted)
    };
    Ok(html_response(StatusCode::OK, layout(&s, "/employees", title, content)))
}

async fn employee_new(UiSession(s): UiSession) -> Response {
    let lang = s.lang();
    let title = if lang == Lang::De {
        "Neue Mitarbeiterin / neuer Mitarbeiter"
    } else {
        "New employee"
    };
    let f = EmployeeForm {
        steuerklasse: "I".into(),
        ..Default::default()
    };
    let content = html! { h1 { (title) } (employee_form(&s, "/employees", &f, &[], may_sensitive(&s), None)) };
    html_response(StatusCode::OK, layout(&s, "/employees", title, content))
}

async fn employee_create(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<EmployeeForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    match state.app.create_employee(&s.actor, &company, &f.input()).await {
        Ok(e) => Ok(see_other(&format!("/employees/{}?saved=1", e.record.id))),
        Err(e @ AppError::Invalid(_)) => {
            let content =
                html! { (employee_form(&s, "/employees", &f, &field_errors(s.lang(), &e), may_sensitive(&s), None)) };
            Ok(html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(&s, "/employees", "kontor", content),
            ))
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn employee_edit(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, UiError> {
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let id = id.parse().map_err(|_| UiError(s.lang(), ApiError::code("not_found")))?;
    let e = state.app.employee(&s.actor, &company, id).await.or_page(&s)?;
    let banner = q
        .saved
        .map(|_| html! { div.panel.ok-box role="status" { (t(s.lang(), "partners.saved")) } });
    let title = format!("{} {}", e.record.first_name, e.record.last_name);
    let file = personnel::file_section(&state, &s, &company, &e.record).await?;
    let privacy = personnel::privacy_section(&s, &e.record);
    let history = html! {
        @if may_sensitive(&s) { p { a href=(format!("/history/employee/{}", e.record.id)) { (t(s.lang(), "audit.history")) } } }
    };
    let content = html! { h1 { (title) } (history) (employee_form(&s, &format!("/employees/{}", e.record.id), &EmployeeForm::from_view(&e), &[], e.sensitive.is_some(), banner)) (file) (privacy) };
    Ok(html_response(StatusCode::OK, layout(&s, "/employees", &title, content)))
}

async fn employee_update(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<EmployeeForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let eid: kontor_core::EmployeeId = id.parse().map_err(|_| UiError(s.lang(), ApiError::code("not_found")))?;
    match state
        .app
        .update_employee(&s.actor, &company, eid, f.version, &f.input())
        .await
    {
        Ok(e) => Ok(see_other(&format!("/employees/{}?saved=1", e.record.id))),
        Err(e @ AppError::Invalid(_)) => {
            let content = html! { (employee_form(&s, &format!("/employees/{id}"), &f, &field_errors(s.lang(), &e), may_sensitive(&s), None)) };
            Ok(html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(&s, "/employees", "kontor", content),
            ))
        }
        Err(AppError::VersionConflict { .. }) => {
            let banner = html! { div.panel.error-box role="alert" { p { (t(s.lang(), "partners.conflict")) } } };
            let current = state.app.employee(&s.actor, &company, eid).await.or_page(&s)?;
            let content = html! { (employee_form(&s, &format!("/employees/{id}"), &EmployeeForm::from_view(&current), &[], current.sensitive.is_some(), Some(banner))) };
            Ok(html_response(
                StatusCode::CONFLICT,
                layout(&s, "/employees", "kontor", content),
            ))
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}
