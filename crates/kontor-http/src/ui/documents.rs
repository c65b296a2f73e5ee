//! The archive in the UI: the documents of the company in arrival order, and
//! an upload form for several files at once. Every file goes through the
//! same use-case as the API and the command line.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kontor_app::records::DocumentRecord;
use kontor_app::AppError;
use kontor_core::{Action, Module, Permission};
use maud::{html, Markup};
use serde::Deserialize;

use super::{check_csrf, current_company_code, html_response, layout, OrPage, UiError};
use crate::i18n::t;
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/documents", get(list).post(upload))
        .route("/documents/{id}/original", get(original))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    after: Option<String>,
}

/// What became of each uploaded file: (name, outcome text, ok).
type Outcomes = Vec<(String, String, bool)>;

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

async fn page(
    state: &HttpState,
    s: &kontor_app::SessionContext,
    after: &str,
    outcomes: Option<Outcomes>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(s)?)
        .await
        .or_page(s)?;
    const PAGE: u32 = 100;
    let docs: Vec<DocumentRecord> = state.app.documents(&s.actor, &company, after, PAGE).await.or_page(s)?;
    let can_write = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Write));
    let content: Markup = html! {
        h1 { (t(lang, "doc.title")) " · " (company.name) }
        @if let Some(list) = &outcomes {
            div.panel role="status" {
                ul {
                    @for (name, text, ok) in list {
                        li class=(if *ok { "ok" } else { "field-error" }) { strong { (name) } ": " (text) }
                    }
                }
            }
        }
        @if can_write {
            form.panel method="post" action="/documents" enctype="multipart/form-data" id="document-upload" {
                input type="hidden" name="csrf" value=(s.csrf_token);
                label for="files" { (t(lang, "doc.choose")) }
                input type="file" id="files" name="file" multiple required;
                p.hint { (t(lang, "doc.limits")) }
                div.actions { button type="submit" { (t(lang, "doc.upload")) } }
            }
        }
        @if docs.is_empty() {
            div.panel { p { (t(lang, "doc.empty")) } }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (t(lang, "doc.name")) }
                    th scope="col" { (t(lang, "doc.type")) }
                    th.num scope="col" { (t(lang, "doc.size")) }
                    th scope="col" { (t(lang, "doc.source")) }
                    th scope="col" { (t(lang, "doc.kept_until")) }
                } }
                tbody {
                    @for d in &docs {
                        tr {
                            td { a href=(format!("/documents/{}/original", d.id)) { (d.name) } }
                            td { (d.media_type) }
                            td.num { (size_text(d.size)) }
                            td { (d.source) }
                            td { (format!("31.12.{}", d.document_year + d.retention_years)) }
                        }
                    }
                }
            } }
            @if docs.len() == PAGE as usize {
                @if let Some(last) = docs.last() {
                    p { a.button.secondary href=(format!("/documents?after={}", last.id)) { (t(lang, "doc.more")) } }
                }
            }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(s, "/documents", t(lang, "doc.title"), content),
    ))
}

async fn list(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    page(&state, &s, q.after.as_deref().unwrap_or(""), None).await
}

async fn upload(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let (csrf, files) = crate::upload::read_files(multipart)
        .await
        .map_err(|e| UiError(lang, e))?;
    check_csrf(&state, &s, csrf.as_deref().unwrap_or(""))?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let mut outcomes = Vec::new();
    for (name, content) in files {
        let shown = kontor_documents::safe_name(&name);
        match state
            .app
            .ingest_document(
                &s.actor,
                &company,
                &name,
                content,
                kontor_app::documents::Source::Upload,
            )
            .await
        {
            Ok(r) if r.duplicate => outcomes.push((
                shown,
                format!("{} „{}“", t(lang, "doc.duplicate"), r.document.name),
                true,
            )),
            Ok(_) => outcomes.push((shown, t(lang, "doc.stored").to_string(), true)),
            Err(AppError::Invalid(errs)) => outcomes.push((
                shown,
                errs.iter()
                    .map(|e| e.message(lang).to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                false,
            )),
            Err(e) => return Err(UiError(lang, e.into())),
        }
    }
    page(&state, &s, "", Some(outcomes)).await
}

async fn original(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let (d, content) = state.app.open_document(&s.actor, &company, &id).await.or_page(&s)?;
    Ok(crate::api::document_response(&d.media_type, &d.name, content))
}
