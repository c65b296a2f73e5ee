//! Personnel file pages: HR's view of an employee's documents (list,
//! upload, account link) and the employee's own page ("Meine Daten").

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kontor_app::employees::SENSITIVE;
use kontor_app::records::{EmployeeDocumentKind, EmployeeDocumentRecord};
use kontor_app::SessionContext;
use kontor_core::{EmployeeId, Lang};
use maud::{html, Markup};
use serde::Deserialize;

use super::{check_csrf, current_company_code, html_response, layout, see_other, OrPage, UiError};
use crate::api::rfc3339;
use crate::i18n::t;
use crate::problem::ApiError;
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/employees/{id}/documents", post(upload))
        .route("/employees/{id}/documents/{doc}", get(download))
        .route("/employees/{id}/account", post(link_account))
        .route("/me", get(my_page))
        .route("/employees/{id}/dsgvo", get(dsgvo_page))
        .route("/employees/{id}/restrict", post(restrict))
        .route("/employees/{id}/erase", post(erase))
}

fn kind_label(lang: Lang, k: EmployeeDocumentKind) -> &'static str {
    match (k, lang) {
        (EmployeeDocumentKind::Payslip, Lang::De) => "Lohnabrechnung",
        (EmployeeDocumentKind::Contract, Lang::De) => "Vertrag",
        (EmployeeDocumentKind::Certificate, Lang::De) => "Bescheinigung",
        (EmployeeDocumentKind::Other, Lang::De) => "Sonstiges",
        (EmployeeDocumentKind::Payslip, _) => "Payslip",
        (EmployeeDocumentKind::Contract, _) => "Contract",
        (EmployeeDocumentKind::Certificate, _) => "Certificate",
        (EmployeeDocumentKind::Other, _) => "Other",
    }
}

fn not_found(s: &SessionContext) -> UiError {
    UiError(s.lang(), ApiError::code("not_found"))
}

fn documents_table(lang: Lang, employee: EmployeeId, docs: &[EmployeeDocumentRecord]) -> Markup {
    html! {
        div.table-wrap { table id="documents" {
            thead { tr {
                th { (t(lang, "file.title")) } th { (t(lang, "file.kind")) } th { (t(lang, "file.period")) }
                th { (t(lang, "file.size")) } th { (t(lang, "file.uploaded")) }
            } }
            tbody {
                @if docs.is_empty() { tr { td colspan="5" { (t(lang, "file.none")) } } }
                @for d in docs {
                    tr {
                        td { a href=(format!("/employees/{employee}/documents/{}", d.id)) { (d.title) } }
                        td { (kind_label(lang, d.kind)) }
                        td { (d.period.map(|p| p.to_string()).unwrap_or_default()) }
                        td { (format!("{} KB", (d.size + 1023) / 1024)) }
                        td { (rfc3339(d.uploaded_at)) " · " (d.uploaded_by) }
                    }
                }
            }
        } }
    }
}

/// The personnel-file section of an employee's page (HR only).
pub(super) async fn file_section(
    state: &HttpState,
    s: &SessionContext,
    company: &kontor_app::records::CompanyRecord,
    employee: &kontor_app::records::EmployeeRecord,
) -> Result<Markup, UiError> {
    let lang = s.lang();
    if !s.actor.can(company.id, SENSITIVE) {
        return Ok(html! {});
    }
    let docs = state
        .app
        .employee_documents(&s.actor, company, employee.id)
        .await
        .or_page(s)?;
    let account = match employee.user_id {
        Some(_) => state
            .app
            .list_users(&s.actor)
            .await
            .ok()
            .and_then(|us| us.into_iter().find(|(u, _)| Some(u.id) == employee.user_id))
            .map(|(u, _)| u.username.to_string()),
        None => None,
    };
    Ok(html! {
        h2 id="file" { (t(lang, "file.title_section")) }
        (documents_table(lang, employee.id, &docs))
        div.grid2 {
            form.panel method="post" action=(format!("/employees/{}/documents", employee.id)) enctype="multipart/form-data" id="upload-form" {
                h3 { (t(lang, "file.upload")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                label for="up-kind" { (t(lang, "file.kind")) }
                select id="up-kind" name="kind" {
                    @for k in EmployeeDocumentKind::ALL { option value=(k.key()) { (kind_label(lang, k)) } }
                }
                label for="up-period" { (t(lang, "file.period")) " " span.hint { "(" (t(lang, "file.period_hint")) ")" } }
                input type="month" id="up-period" name="period";
                label for="up-title" { (t(lang, "file.title")) " " span.hint { "(" (t(lang, "form.optional")) ")" } }
                input type="text" id="up-title" name="title" maxlength="200";
                label for="up-file" { (t(lang, "file.file")) " " span.hint { "(PDF, PNG, JPEG ≤ 20 MB)" } }
                input type="file" id="up-file" name="file" accept="application/pdf,image/png,image/jpeg" required;
                div.actions { button type="submit" id="upload-submit" { (t(lang, "file.upload")) } }
            }
            form.panel method="post" action=(format!("/employees/{}/account", employee.id)) {
                h3 { (t(lang, "file.account")) }
                p.muted { (t(lang, "file.account_hint")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                label for="acc-username" { (t(lang, "login.username")) }
                input type="text" id="acc-username" name="username" value=(account.unwrap_or_default());
                div.actions { button.secondary type="submit" { (t(lang, "form.save")) } }
            }
        }
    })
}

fn parse_employee(s: &SessionContext, id: &str) -> Result<EmployeeId, UiError> {
    id.parse().map_err(|_| not_found(s))
}

async fn upload(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let f = crate::upload::read_upload(multipart)
        .await
        .map_err(|e| UiError(lang, e))?;
    check_csrf(&state, &s, f.csrf.as_deref().unwrap_or(""))?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let employee = parse_employee(&s, &id)?;
    state
        .app
        .upload_employee_document(
            &s.actor,
            &company,
            employee,
            kontor_app::personnel::Upload {
                kind: &f.kind,
                period: f.period.as_deref(),
                title: f.title.as_deref(),
                filename: &f.filename,
                content: f.content,
            },
        )
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/employees/{employee}?saved=1#file")))
}

async fn download(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let doc = doc.parse().map_err(|_| not_found(&s))?;
    let (d, content) = state
        .app
        .open_employee_document(&s.actor, &company, parse_employee(&s, &id)?, doc)
        .await
        .or_page(&s)?;
    Ok(crate::api::document_response(&d.content_type, &d.filename, content))
}

#[derive(Deserialize)]
struct AccountForm {
    csrf: String,
    username: String,
}

async fn link_account(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<AccountForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let employee = parse_employee(&s, &id)?;
    let name = Some(f.username.trim()).filter(|n| !n.is_empty());
    state
        .app
        .link_employee_account(&s.actor, &company, employee, name)
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/employees/{employee}?saved=1#file")))
}

/// The employee's own page: own master data and own documents.
async fn my_page(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let content = match state.app.my_employee(&s.actor, &company).await {
        Ok(me) => {
            let docs = state
                .app
                .employee_documents(&s.actor, &company, me.record.id)
                .await
                .or_page(&s)?;
            let r = &me.record;
            let l = |de: &'static str, en: &'static str| if lang == Lang::De { de } else { en };
            html! {
                h1 { (t(lang, "me.title")) }
                div.panel {
                    dl.facts {
                        dt { (l("Name", "Name")) } dd { (r.first_name) " " (r.last_name) }
                        dt { (l("Personalnummer", "Personnel number")) } dd { (r.personnel_number) }
                        dt { (l("Eintrittsdatum", "Entry date")) } dd { (r.entry_date) }
                        dt { (l("Steuerklasse", "Tax class")) } dd { (r.steuerklasse) }
                        @if let Some(x) = &me.sensitive {
                            dt { (l("Steuer-IdNr.", "Tax id")) } dd { (x.tax_id.as_ref().map(|v| v.as_str()).unwrap_or_default()) }
                            dt { "IBAN" } dd { (x.iban.as_ref().map(|v| v.to_string()).unwrap_or_default()) }
                        }
                    }
                    p.muted { (t(lang, "me.correction")) }
                }
                h2 { (t(lang, "me.documents")) }
                (documents_table(lang, r.id, &docs))
                p { a href=(format!("/employees/{}/dsgvo", r.id)) id="my-dsgvo" { (t(lang, "dsgvo.export")) } }
            }
        }
        Err(kontor_app::AppError::NotFound { .. }) => html! {
            h1 { (t(lang, "me.title")) }
            div.panel.notice { p { (t(lang, "me.not_linked")) } }
        },
        Err(e) => return Err(UiError(lang, e.into())),
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/me", t(lang, "me.title"), content),
    ))
}

// ------------------------------------------------------------------ DSGVO

/// The data-protection section of an employee's page (HR only).
pub(super) fn privacy_section(s: &SessionContext, e: &kontor_app::records::EmployeeRecord) -> Markup {
    let lang = s.lang();
    if !s.company.as_ref().is_some_and(|m| s.actor.can(m.company_id, SENSITIVE)) {
        return html! {};
    }
    let p = &e.privacy;
    html! {
        h2 id="privacy" { (t(lang, "dsgvo.title")) }
        div.panel {
            p {
                a href=(format!("/employees/{}/dsgvo", e.id)) { (t(lang, "dsgvo.export")) } " · "
                a href=(format!("/api/v1/companies/{}/employees/{}/dsgvo-export", s.company.as_ref().map(|m| m.company_code.to_string()).unwrap_or_default(), e.id)) { "JSON" }
            }
            @if let Some(at) = p.erased_at {
                p { span.badge.dead { (t(lang, "dsgvo.erased")) } " " (rfc3339(at)) }
            } @else if p.restricted_at.is_some() {
                p id="restriction" {
                    span.badge.dead { (t(lang, "dsgvo.restricted")) } " "
                    (t(lang, "dsgvo.exit")) ": " (p.exit_date.clone().unwrap_or_default()) " · "
                    (t(lang, "dsgvo.kept_until")) ": " strong { (p.retention_until.clone().unwrap_or_default()) }
                    " (" (p.restriction_basis.clone().unwrap_or_default()) ")"
                }
                form method="post" action=(format!("/employees/{}/erase", e.id)) {
                    input type="hidden" name="csrf" value=(s.csrf_token);
                    label for="er-basis" { (t(lang, "dsgvo.erase_basis")) }
                    input type="text" id="er-basis" name="basis" placeholder="Art. 17 Abs. 1 lit. a DSGVO";
                    div.actions { button.danger type="submit" { (t(lang, "dsgvo.erase")) } }
                    p.muted { (t(lang, "dsgvo.erase_hint")) }
                }
            } @else {
                form method="post" action=(format!("/employees/{}/restrict", e.id)) id="restrict-form" {
                    input type="hidden" name="csrf" value=(s.csrf_token);
                    p.muted { (t(lang, "dsgvo.restrict_hint")) }
                    div.grid3 {
                        div { label for="rs-exit" { (t(lang, "dsgvo.exit")) } input type="date" id="rs-exit" name="exit_date" required; }
                        div { label for="rs-until" { (t(lang, "dsgvo.kept_until")) " " span.hint { "(" (t(lang, "form.optional")) ")" } } input type="date" id="rs-until" name="retention_until"; }
                        div { label for="rs-basis" { (t(lang, "dsgvo.basis")) " " span.hint { "(" (t(lang, "form.optional")) ")" } } input type="text" id="rs-basis" name="basis" placeholder=(kontor_app::dsgvo::DEFAULT_RETENTION_BASIS); }
                    }
                    div.actions { button.secondary type="submit" { (t(lang, "dsgvo.restrict")) } }
                }
            }
        }
    }
}

/// Restricted and anonymised records, on the employee list (HR only).
pub(super) async fn restricted_section(
    state: &HttpState,
    s: &SessionContext,
    company: &kontor_app::records::CompanyRecord,
) -> Result<Markup, UiError> {
    let lang = s.lang();
    if !s.actor.can(company.id, SENSITIVE) {
        return Ok(html! {});
    }
    let rows = state.app.restricted_employees(&s.actor, company).await.or_page(s)?;
    Ok(html! {
        @if !rows.is_empty() {
            h2 { (t(lang, "dsgvo.restricted_list")) }
            div.table-wrap { table {
                thead { tr { th { "Nr." } th { (t(lang, "partners.name")) } th { (t(lang, "dsgvo.exit")) } th { (t(lang, "dsgvo.kept_until")) } th {} } }
                tbody { @for e in &rows { tr {
                    td { (e.personnel_number) }
                    td { a href=(format!("/employees/{}", e.id)) { (e.last_name) ", " (e.first_name) } }
                    td { (e.privacy.exit_date.clone().unwrap_or_default()) }
                    td { (e.privacy.retention_until.clone().unwrap_or_default()) }
                    td { @if e.privacy.erased_at.is_some() { span.badge { (t(lang, "dsgvo.erased")) } } @else { span.badge.dead { (t(lang, "dsgvo.restricted")) } } }
                } } }
            } }
        }
    })
}

fn value_markup(v: &serde_json::Value) -> Markup {
    use serde_json::Value as V;
    match v {
        V::Null => html! { span.muted { "–" } },
        V::Bool(b) => html! { (if *b { "ja / yes" } else { "nein / no" }) },
        V::Number(n) => html! { (n.to_string()) },
        V::String(s) => html! { (s) },
        V::Array(items) if items.is_empty() => html! { span.muted { "–" } },
        V::Array(items) => html! { ol { @for i in items { li { (value_markup(i)) } } } },
        V::Object(map) => html! { dl.facts { @for (k, x) in map { dt { (k) } dd { (value_markup(x)) } } } },
    }
}

/// Art. 15 export as a readable page (print it or save it as PDF).
async fn dsgvo_page(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let export = state
        .app
        .dsgvo_export(&s.actor, &company, parse_employee(&s, &id)?)
        .await
        .or_page(&s)?;
    let content = html! {
        h1 { (t(lang, "dsgvo.export")) }
        p.muted { (t(lang, "dsgvo.export_hint")) }
        div.panel id="dsgvo-export" { (value_markup(&export)) }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/employees", t(lang, "dsgvo.export"), content),
    ))
}

#[derive(Deserialize)]
struct RestrictForm {
    csrf: String,
    exit_date: String,
    retention_until: Option<String>,
    basis: Option<String>,
}

async fn restrict(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<RestrictForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let employee = parse_employee(&s, &id)?;
    state
        .app
        .restrict_employee(
            &s.actor,
            &company,
            employee,
            &kontor_app::dsgvo::Restriction {
                exit_date: &f.exit_date,
                retention_until: f.retention_until.as_deref(),
                basis: f.basis.as_deref(),
            },
        )
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/employees/{employee}?saved=1#privacy")))
}

#[derive(Deserialize)]
struct EraseForm {
    csrf: String,
    basis: Option<String>,
}

async fn erase(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<EraseForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let employee = parse_employee(&s, &id)?;
    state
        .app
        .erase_employee(&s.actor, &company, employee, f.basis.as_deref().unwrap_or(""))
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/employees/{employee}?saved=1#privacy")))
}
