//! The archive in the UI: search with filters (and the upload form, with
//! drag and drop and progress through app.js), the inbox of documents
//! waiting for a person, the document view (preview, metadata, text,
//! versions, confirm or correct), the company's rules, and retention
//! (deletion proposals, legal hold). Every action goes through the same
//! use-cases as the API and the command line.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kontor_app::documents::{Confirmation, SearchParams};
use kontor_app::pipeline::{SearchResult, Suggestion};
use kontor_app::records::{CompanyRecord, DocumentRecord, DocumentSort};
use kontor_app::{AppError, SessionContext};
use kontor_core::{Action, Lang, Module, Permission};
use kontor_documents::DocType;
use kontor_ledger::money::Cents;
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    check_csrf, current_company_code, form_get, form_pairs, html_response, layout, see_other, OrPage, UiError,
};
use crate::i18n::t;
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/documents", get(list).post(upload))
        .route("/documents/inbox", get(inbox))
        .route("/documents/rules", get(rules).post(add_rule))
        .route("/documents/rules/{id}/delete", post(delete_rule))
        .route("/documents/mailbox", post(set_mailbox))
        .route("/documents/retention", get(retention).post(release_deletion))
        .route("/documents/{id}", get(view))
        .route("/documents/{id}/confirm", post(confirm))
        .route("/documents/{id}/reprocess", post(reprocess))
        .route("/documents/{id}/comment", post(comment))
        .route("/documents/{id}/hold", post(hold))
        .route("/documents/{id}/version", post(new_version))
        .route("/documents/{id}/original", get(original))
        .route("/documents/{id}/preview", get(preview))
        .route("/documents/{id}/thumbnail", get(thumbnail))
}

/// What became of each uploaded file: (name, outcome text, ok).
type Outcomes = Vec<(String, String, bool)>;

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{}.{} MB", n / 1024 / 1024, (n % (1024 * 1024)) * 10 / 1024 / 1024)
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

fn type_label(lang: Lang, key: &str) -> &'static str {
    let t = DocType::parse(key).unwrap_or(DocType::Other);
    let (de, en) = t.label();
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

fn status_label(lang: Lang, status: &str) -> &'static str {
    t(lang, &format!("doc.status.{status}"))
}

fn date_text(lang: Lang, iso: Option<&str>) -> String {
    match iso {
        Some(d) if d.len() == 10 && lang == Lang::De => format!("{}.{}.{}", &d[8..10], &d[5..7], &d[..4]),
        Some(d) => d.to_string(),
        None => String::new(),
    }
}

fn amount_text(lang: Lang, cents: Option<i64>) -> String {
    cents.map(|c| super::finance::euro(lang, Cents(c))).unwrap_or_default()
}

/// `1.234,56`, `1234,56`, `1234.56` or `1234` as cents.
fn parse_amount_input(s: &str) -> Option<i64> {
    let t: String = s.trim().chars().filter(|c| !c.is_whitespace() && *c != '€').collect();
    if t.is_empty() {
        return None;
    }
    let t = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else {
        t
    };
    Cents::parse(&t).map(|c| c.0)
}

fn subnav(lang: Lang, s: &SessionContext, company: &CompanyRecord) -> Markup {
    let manage = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Manage));
    let read = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Read));
    html! {
        nav.subnav aria-label=(t(lang, "doc.nav")) {
            @if read {
                a href="/documents" { (t(lang, "doc.search")) } " · "
                a href="/documents/inbox" { (t(lang, "doc.inbox")) }
            }
            @if manage {
                @if read { " · " }
                a href="/documents/rules" { (t(lang, "doc.rules")) } " · "
                a href="/documents/retention" { (t(lang, "doc.retention")) }
            }
        }
    }
}

async fn company(state: &HttpState, s: &SessionContext) -> Result<CompanyRecord, UiError> {
    state.app.company(&s.actor, &current_company_code(s)?).await.or_page(s)
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    doc_type: String,
    #[serde(default)]
    correspondent: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    sort: String,
    page: Option<u32>,
}

impl SearchQuery {
    fn params(&self) -> SearchParams {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        SearchParams {
            text: self.q.clone(),
            doc_type: DocType::parse(&self.doc_type),
            correspondent: opt(&self.correspondent),
            tag: opt(&self.tag),
            statuses: opt(&self.status).into_iter().collect(),
            date_from: opt(&self.from),
            date_to: opt(&self.to),
            amount_min: parse_amount_input(&self.min),
            amount_max: parse_amount_input(&self.max),
            sort: match self.sort.as_str() {
                "date_desc" => DocumentSort::DateDesc,
                "date_asc" => DocumentSort::DateAsc,
                _ if self.q.trim().is_empty() => DocumentSort::DateDesc,
                _ => DocumentSort::Relevance,
            },
            page: self.page.unwrap_or(1),
            per_page: 50,
        }
    }

    /// This search's URL for another page.
    fn url(&self, page: u32) -> String {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("type", &self.doc_type),
            ("correspondent", &self.correspondent),
            ("tag", &self.tag),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("min", &self.min),
            ("max", &self.max),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        u.append_pair("page", &page.to_string());
        format!("/documents?{}", u.finish())
    }
}

fn results_table(lang: Lang, docs: &[DocumentRecord], id: &str) -> Markup {
    html! {
        div.table-wrap { table id=(id) data-rows="doc" {
            thead { tr {
                th scope="col" { span.visually-hidden { (t(lang, "doc.thumbnail")) } }
                th scope="col" { (t(lang, "doc.name")) }
                th scope="col" { (t(lang, "doc.type")) }
                th scope="col" { (t(lang, "doc.correspondent")) }
                th scope="col" { (t(lang, "doc.date")) }
                th.num scope="col" { (t(lang, "doc.amount")) }
                th scope="col" { (t(lang, "doc.status")) }
            } }
            tbody {
                @for d in docs {
                    tr data-href=(format!("/documents/{}", d.id)) {
                        td.thumb {
                            @if d.deleted_at.is_none() && matches!(d.media_type.as_str(), "application/pdf" | "image/png" | "image/jpeg") {
                                img loading="lazy" alt="" src=(format!("/documents/{}/thumbnail", d.id));
                            }
                        }
                        td { a href=(format!("/documents/{}", d.id)) { (d.name) }
                            @if d.version > 1 { " " span.muted { "v" (d.version) } } }
                        td { (type_label(lang, &d.doc_type)) }
                        td { (d.correspondent.as_deref().unwrap_or("")) }
                        td { (date_text(lang, d.doc_date.as_deref())) }
                        td.num { (amount_text(lang, d.amount_cents)) }
                        td { span class=(format!("badge status-{}", d.status)) { (status_label(lang, &d.status)) }
                            @if let Some(f) = &d.failure { br; span.field-error { (f) } } }
                    }
                }
            }
        } }
    }
}

async fn search_page(
    state: &HttpState,
    s: &SessionContext,
    q: &SearchQuery,
    outcomes: Option<Outcomes>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(state, s).await?;
    let can_write = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Write));
    let can_read = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Read));
    let (result, error): (Option<SearchResult>, Option<String>) = if can_read {
        match state.app.search_documents(&s.actor, &company, &q.params()).await {
            Ok(r) => (Some(r), None),
            Err(e @ AppError::Invalid(_)) => (
                None,
                Some(
                    super::field_errors(lang, &e)
                        .into_iter()
                        .map(|(_, m)| m)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
            Err(e) => return Err(UiError(lang, e.into())),
        }
    } else {
        (None, None)
    };
    let content: Markup = html! {
        h1 { (t(lang, "doc.title")) " · " (company.name) }
        (subnav(lang, s, &company))
        @if let Some(list) = &outcomes {
            div.panel role="status" id="upload-outcomes" {
                ul {
                    @for (name, text, ok) in list {
                        li class=(if *ok { "ok" } else { "field-error" }) { strong { (name) } ": " (text) }
                    }
                }
            }
        }
        @if can_write {
            form.panel.dropzone method="post" action="/documents" enctype="multipart/form-data" id="document-upload" {
                input type="hidden" name="csrf" value=(s.csrf_token);
                label for="files" { (t(lang, "doc.choose")) }
                input type="file" id="files" name="file" multiple required;
                p.hint { (t(lang, "doc.drop")) " " (t(lang, "doc.limits")) }
                progress id="upload-progress" max="100" value="0" hidden {}
                span id="upload-progress-text" aria-live="polite" {}
                div.actions { button type="submit" { (t(lang, "doc.upload")) } }
            }
        }
        @if can_read {
            form.panel method="get" action="/documents" id="doc-search" role="search" {
                div.grid2 {
                    div { label for="s-q" { (t(lang, "doc.query")) }
                        input type="search" id="s-q" name="q" value=(q.q) autofocus placeholder=(t(lang, "doc.query_hint")); }
                    div { label for="s-type" { (t(lang, "doc.type")) }
                        select id="s-type" name="type" {
                            option value="" { (t(lang, "doc.any")) }
                            @for dt in DocType::ALL {
                                option value=(dt.key()) selected[q.doc_type == dt.key()] { (type_label(lang, dt.key())) }
                            }
                        } }
                    div { label for="s-corr" { (t(lang, "doc.correspondent")) }
                        input type="text" id="s-corr" name="correspondent" value=(q.correspondent); }
                    div { label for="s-tag" { (t(lang, "doc.tag")) }
                        input type="text" id="s-tag" name="tag" value=(q.tag); }
                    div { label for="s-from" { (t(lang, "doc.from")) }
                        input type="date" id="s-from" name="from" value=(q.from); }
                    div { label for="s-to" { (t(lang, "doc.to")) }
                        input type="date" id="s-to" name="to" value=(q.to); }
                    div { label for="s-min" { (t(lang, "doc.min")) }
                        input type="text" inputmode="decimal" id="s-min" name="min" value=(q.min); }
                    div { label for="s-max" { (t(lang, "doc.max")) }
                        input type="text" inputmode="decimal" id="s-max" name="max" value=(q.max); }
                    div { label for="s-status" { (t(lang, "doc.status")) }
                        select id="s-status" name="status" {
                            option value="" { (t(lang, "doc.any")) }
                            @for st in ["stored", "processed", "confirmed", "failed"] {
                                option value=(st) selected[q.status == st] { (status_label(lang, st)) }
                            }
                        } }
                    div { label for="s-sort" { (t(lang, "doc.sort")) }
                        select id="s-sort" name="sort" {
                            option value="" { (t(lang, "doc.sort.relevance")) }
                            option value="date_desc" selected[q.sort == "date_desc"] { (t(lang, "doc.sort.newest")) }
                            option value="date_asc" selected[q.sort == "date_asc"] { (t(lang, "doc.sort.oldest")) }
                        } }
                }
                div.actions { button type="submit" id="s-submit" { (t(lang, "doc.search")) } }
            }
            @if let Some(e) = &error { div.panel.error-box role="alert" { (e) } }
            @if let Some(r) = &result {
                p id="doc-count" { (r.total) " " (t(lang, "doc.hits")) }
                @if !r.documents.is_empty() {
                    (results_table(lang, &r.documents, "doc-results"))
                    nav.pager {
                        @if r.page > 1 { a.button.secondary href=(q.url(r.page - 1)) { "← " (t(lang, "doc.prev")) } " " }
                        @if i64::from(r.page) * i64::from(r.per_page) < r.total {
                            a.button.secondary href=(q.url(r.page + 1)) id="doc-next" { (t(lang, "doc.next")) " →" }
                        }
                    }
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
    Query(q): Query<SearchQuery>,
) -> Result<Response, UiError> {
    search_page(&state, &s, &q, None).await
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
    let company = company(&state, &s).await?;
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
    search_page(&state, &s, &SearchQuery::default(), Some(outcomes)).await
}

async fn inbox(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<SearchQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(&state, &s).await?;
    let r = state
        .app
        .document_inbox(&s.actor, &company, q.page.unwrap_or(1))
        .await
        .or_page(&s)?;
    let content = html! {
        h1 { (t(lang, "doc.inbox")) " · " (company.name) }
        (subnav(lang, &s, &company))
        p.muted { (t(lang, "doc.inbox_hint")) }
        p id="inbox-count" { (r.total) " " (t(lang, "doc.waiting")) }
        @if r.documents.is_empty() {
            div.panel { p { (t(lang, "doc.inbox_empty")) } }
        } @else {
            (results_table(lang, &r.documents, "doc-inbox"))
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/documents", t(lang, "doc.inbox"), content),
    ))
}

/// The next document in the inbox after `id` (for "confirm and next").
async fn next_in_inbox(state: &HttpState, s: &SessionContext, company: &CompanyRecord, id: &str) -> Option<String> {
    let r = state.app.document_inbox(&s.actor, company, 1).await.ok()?;
    let pos = r.documents.iter().position(|d| d.id == id);
    let rest = match pos {
        Some(p) => &r.documents[p + 1..],
        None => &r.documents[..],
    };
    rest.iter()
        .find(|d| d.id != id && d.status == "processed")
        .map(|d| d.id.clone())
}

async fn view(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    render_view(&state, &s, &id, &[], StatusCode::OK).await
}

async fn render_view(
    state: &HttpState,
    s: &SessionContext,
    id: &str,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(state, s).await?;
    let (d, text, versions) = state.app.document_details(&s.actor, &company, id).await.or_page(s)?;
    let (parent, children, history) = state.app.document_links(&s.actor, &company, &d).await.or_page(s)?;
    let can_write = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Write));
    let can_manage = s
        .actor
        .can(company.id, Permission::new(Module::Documents, Action::Manage));
    let sug = Suggestion::parse(d.suggestion.as_deref());
    let next = next_in_inbox(state, s, &company, &d.id).await;
    let can_comment = s.actor.can(company.id, Permission::new(Module::Tasks, Action::Write));
    let comments = state
        .app
        .comments(&s.actor, &company, "document", &d.id)
        .await
        .unwrap_or_default();
    let previewable = matches!(d.media_type.as_str(), "application/pdf" | "image/png" | "image/jpeg");
    let conf = |g: Option<u8>| g.map(|c| format!("{c} %")).unwrap_or_default();
    let content = html! {
        h1 { (d.name) @if d.version > 1 { " · v" (d.version) } }
        (subnav(lang, s, &company))
        @if !errors.is_empty() {
            div.panel.error-box role="alert" { ul { @for (_, m) in errors { li { (m) } } } }
        }
        div.doc-view {
            div.doc-preview {
                @if d.deleted_at.is_some() {
                    div.panel { p { (t(lang, "doc.deleted")) } }
                } @else if d.media_type.starts_with("image/") && previewable {
                    img id="doc-preview" src=(format!("/documents/{}/preview", d.id)) alt=(d.name);
                } @else if previewable {
                    iframe id="doc-preview" src=(format!("/documents/{}/preview", d.id)) title=(d.name) {}
                } @else {
                    div.panel { p { (t(lang, "doc.no_preview")) } }
                }
                @if d.deleted_at.is_none() {
                    p { a.button.secondary href=(format!("/documents/{}/original", d.id)) id="doc-download" { (t(lang, "doc.download")) } }
                }
            }
            div.doc-meta {
                dl.panel id="doc-facts" {
                    dt { (t(lang, "doc.status")) } dd { span class=(format!("badge status-{}", d.status)) id="doc-status" { (status_label(lang, &d.status)) } }
                    @if let Some(f) = &d.failure { dt { (t(lang, "doc.failure")) } dd.field-error id="doc-failure" { (f) } }
                    dt { (t(lang, "doc.type")) } dd { (type_label(lang, &d.doc_type)) }
                    dt { (t(lang, "doc.correspondent")) } dd { (d.correspondent.as_deref().unwrap_or("–")) }
                    dt { (t(lang, "doc.date")) } dd { (date_text(lang, d.doc_date.as_deref())) }
                    dt { (t(lang, "doc.amount")) } dd { (amount_text(lang, d.amount_cents)) }
                    @if let Some(n) = &d.invoice_number { dt { (t(lang, "doc.invoice_number")) } dd { (n) } }
                    @if let Some(i) = &d.iban { dt { "IBAN" } dd { (i) } }
                    @if let Some(v) = &d.vat_id { dt { (t(lang, "doc.vat_id")) } dd { (v) } }
                    @if let Some(e) = &d.einvoice { dt { (t(lang, "doc.einvoice")) } dd { (e.to_uppercase()) } }
                    @if !d.tags.is_empty() { dt { (t(lang, "doc.tags")) } dd { (d.tags.join(", ")) } }
                    dt { (t(lang, "doc.arrived")) } dd { (d.source) " · " (d.created_by) }
                    dt { (t(lang, "doc.kept_until")) } dd { "31.12." (d.document_year + d.retention_years)
                        @if d.legal_hold { " · " strong { (t(lang, "doc.on_hold")) } } }
                    dt { "SHA-256" } dd.mono { (d.blob.trim_start_matches("deleted:").chars().take(64).collect::<String>()) }
                    @if let Some(by) = &d.confirmed_by { dt { (t(lang, "doc.confirmed_by")) } dd { (by) } }
                }
                @if can_write && d.deleted_at.is_none() && d.status != "stored" {
                    form.panel method="post" action=(format!("/documents/{}/confirm", d.id)) id="doc-confirm" {
                        h2 { (t(lang, "doc.confirm_title")) }
                        input type="hidden" name="csrf" value=(s.csrf_token);
                        input type="hidden" name="next" value=(next.clone().unwrap_or_default());
                        label for="c-type" { (t(lang, "doc.type")) " " span.muted { (conf(sug.doc_type.as_ref().map(|g| g.confidence))) } }
                        select id="c-type" name="type" {
                            @for dt in DocType::ALL {
                                option value=(dt.key()) selected[d.doc_type == dt.key()] { (type_label(lang, dt.key())) }
                            }
                        }
                        label for="c-corr" { (t(lang, "doc.correspondent")) " " span.muted { (conf(sug.correspondent.as_ref().map(|g| g.confidence))) } }
                        input type="text" id="c-corr" name="correspondent" value=(d.correspondent.as_deref().unwrap_or("")) maxlength="200";
                        label for="c-date" { (t(lang, "doc.date")) }
                        input type="date" id="c-date" name="date" value=(d.doc_date.as_deref().unwrap_or(""));
                        label for="c-amount" { (t(lang, "doc.amount")) }
                        input type="text" inputmode="decimal" id="c-amount" name="amount"
                            value=(d.amount_cents.map(|c| Cents(c).comma()).unwrap_or_default());
                        label for="c-tags" { (t(lang, "doc.tags")) }
                        input type="text" id="c-tags" name="tags" value=(d.tags.join(", "));
                        @if !sug.sources.is_empty() {
                            p.hint { (t(lang, "doc.sources")) ": " (sug.sources.join(", ")) }
                        }
                        div.actions {
                            button type="submit" id="c-submit" { (t(lang, "doc.confirm")) @if next.is_some() { " " (t(lang, "doc.and_next")) } }
                            " " span.hint { (t(lang, "doc.keys")) }
                        }
                    }
                }
                @if can_write && d.deleted_at.is_none() {
                    form.inline method="post" action=(format!("/documents/{}/reprocess", d.id)) id="doc-reprocess" {
                        input type="hidden" name="csrf" value=(s.csrf_token);
                        button.secondary type="submit" { (t(lang, "doc.reprocess")) }
                    }
                    form.panel method="post" action=(format!("/documents/{}/version", d.id)) enctype="multipart/form-data" id="doc-version" {
                        input type="hidden" name="csrf" value=(s.csrf_token);
                        label for="v-file" { (t(lang, "doc.new_version")) }
                        input type="file" id="v-file" name="file" required;
                        div.actions { button.secondary type="submit" { (t(lang, "doc.upload")) } }
                    }
                }
                @if can_manage && d.deleted_at.is_none() {
                    form.panel method="post" action=(format!("/documents/{}/hold", d.id)) id="doc-hold" {
                        input type="hidden" name="csrf" value=(s.csrf_token);
                        input type="hidden" name="hold" value=(if d.legal_hold { "0" } else { "1" });
                        label for="h-reason" { (t(lang, if d.legal_hold { "doc.release_hold" } else { "doc.set_hold" })) }
                        input type="text" id="h-reason" name="reason" required maxlength="300" placeholder=(t(lang, "doc.hold_reason"));
                        div.actions { button.secondary type="submit" { (t(lang, if d.legal_hold { "doc.release_hold" } else { "doc.set_hold" })) } }
                    }
                }
                @if versions.len() > 1 {
                    div.panel id="doc-versions" {
                        h2 { (t(lang, "doc.versions")) }
                        ul { @for v in &versions {
                            li { @if v.id == d.id { strong { "v" (v.version) } } @else { a href=(format!("/documents/{}", v.id)) { "v" (v.version) } }
                                " · " (v.name) " · " (size_text(v.size)) }
                        } }
                    }
                }
                @if parent.is_some() || !children.is_empty() {
                    div.panel id="doc-links" {
                        h2 { (t(lang, "doc.links")) }
                        ul {
                            @if let Some(p) = &parent {
                                li { (t(lang, "doc.came_with")) " " a href=(format!("/documents/{}", p.id)) { (p.name) } }
                            }
                            @for c in &children {
                                li { (t(lang, "doc.attachment")) " " a href=(format!("/documents/{}", c.id)) { (c.name) } }
                            }
                        }
                    }
                }
                @if !history.is_empty() {
                    details.panel id="doc-history" {
                        summary { (t(lang, "doc.history")) " (" (history.len()) ")" }
                        ul { @for e in &history {
                            li { (crate::api::rfc3339(e.at)) " · " (e.actor) " · " (e.action) @if !e.detail.is_empty() { " · " (e.detail) } }
                        } }
                    }
                }
                @if can_comment || !comments.is_empty() {
                    div.panel id="doc-comments" {
                        h2 { (if lang == Lang::De { "Kommentare" } else { "Comments" }) }
                        @for c in &comments {
                            p.comment { strong { (c.author) } " · " (crate::api::rfc3339(c.at)) br; (c.body) }
                        }
                        @if can_comment {
                            form method="post" action=(format!("/documents/{}/comment", d.id)) {
                                input type="hidden" name="csrf" value=(s.csrf_token);
                                textarea name="body" rows="2" maxlength="5000"
                                    placeholder=(if lang == Lang::De { "Kommentar, @name erwähnt" } else { "Comment, @name mentions" }) {}
                                button type="submit" { (if lang == Lang::De { "Kommentieren" } else { "Comment" }) }
                            }
                        }
                    }
                }
                @if let Some((method, pages, body)) = &text {
                    details.panel id="doc-text" {
                        summary { (t(lang, "doc.text")) " (" (method) ", " (pages) " " (t(lang, "doc.pages")) ")" }
                        pre { (body) }
                    }
                }
            }
        }
    };
    Ok(html_response(status, layout(s, "/documents", &d.name, content)))
}

async fn confirm(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let lang = s.lang();
    let company = company(&state, &s).await?;
    let amount_raw = form_get(&pairs, "amount");
    let amount = parse_amount_input(amount_raw);
    if !amount_raw.trim().is_empty() && amount.is_none() {
        let msg = t(lang, "doc.bad_amount").replace("{}", amount_raw);
        return render_view(
            &state,
            &s,
            &id,
            &[("amount".into(), msg)],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let c = Confirmation {
        doc_type: DocType::parse(form_get(&pairs, "type")).unwrap_or(DocType::Other),
        correspondent: Some(form_get(&pairs, "correspondent").to_string()),
        doc_date: Some(form_get(&pairs, "date").to_string()),
        amount_cents: amount,
        tags: form_get(&pairs, "tags").split(',').map(str::to_string).collect(),
    };
    match state.app.confirm_document(&s.actor, &company, &id, &c).await {
        Ok(_) => {
            let next = form_get(&pairs, "next");
            Ok(
                if next.is_empty() || !next.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                    see_other("/documents/inbox")
                } else {
                    see_other(&format!("/documents/{next}"))
                },
            )
        }
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(lang, &e);
            render_view(&state, &s, &id, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(UiError(lang, e.into())),
    }
}

async fn reprocess(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    state
        .app
        .reprocess_document(&s.actor, &company, &id)
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/documents/{id}")))
}

async fn hold(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    let on = form_get(&pairs, "hold") == "1";
    match state
        .app
        .set_legal_hold(&s.actor, &company, &id, on, form_get(&pairs, "reason"))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/documents/{id}"))),
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(s.lang(), &e);
            render_view(&state, &s, &id, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn new_version(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let (csrf, mut files) = crate::upload::read_files(multipart)
        .await
        .map_err(|e| UiError(lang, e))?;
    check_csrf(&state, &s, csrf.as_deref().unwrap_or(""))?;
    let company = company(&state, &s).await?;
    let Some((name, content)) = files.pop() else {
        return render_view(
            &state,
            &s,
            &id,
            &[("file".into(), t(lang, "doc.no_file").into())],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .app
        .add_document_version(&s.actor, &company, &id, &name, content)
        .await
    {
        Ok(r) => Ok(see_other(&format!("/documents/{}", r.document.id))),
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(lang, &e);
            render_view(&state, &s, &id, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(UiError(lang, e.into())),
    }
}

async fn original(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let company = company(&state, &s).await?;
    let (d, content) = state.app.open_document(&s.actor, &company, &id).await.or_page(&s)?;
    Ok(crate::api::document_response(&d.media_type, &d.name, content))
}

/// The original shown inside the document view: only PDFs and pictures,
/// inline, framed by kontor's own pages only. Anything else is a download.
async fn preview(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let company = company(&state, &s).await?;
    let (d, content) = state.app.open_document(&s.actor, &company, &id).await.or_page(&s)?;
    let mut r = crate::api::document_response(&d.media_type, &d.name, content);
    if matches!(d.media_type.as_str(), "application/pdf" | "image/png" | "image/jpeg") {
        let h = r.headers_mut();
        h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    }
    Ok(r)
}

/// A small picture of the first page (made once, then kept).
async fn thumbnail(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let company = company(&state, &s).await?;
    match state
        .app
        .document_thumbnail(&s.actor, &company, &id)
        .await
        .or_page(&s)?
    {
        Some((mime, png)) => {
            let mut r = axum::body::Body::from(png).into_response();
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&mime) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
            Ok(r)
        }
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn rules(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    render_rules(&state, &s, &[], StatusCode::OK).await
}

async fn render_rules(
    state: &HttpState,
    s: &SessionContext,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(state, s).await?;
    let list = state.app.document_rules(&s.actor, &company).await;
    let list = match list {
        Ok(l) => l,
        // Administrators manage rules without reading documents.
        Err(AppError::Forbidden { .. })
            if s.actor
                .can(company.id, Permission::new(Module::Documents, Action::Manage)) =>
        {
            Vec::new()
        }
        Err(e) => return Err(UiError(lang, e.into())),
    };
    let mailbox = if s.actor.can(company.id, Permission::new(Module::Admin, Action::Manage)) {
        Some(state.app.mail_account(&s.actor, &company).await.or_page(s)?)
    } else {
        None
    };
    let content = html! {
        h1 { (t(lang, "doc.rules")) " · " (company.name) }
        (subnav(lang, s, &company))
        p.muted { (t(lang, "doc.rules_hint")) }
        @if !errors.is_empty() {
            div.panel.error-box role="alert" { ul { @for (_, m) in errors { li { (m) } } } }
        }
        @if !list.is_empty() {
            div.table-wrap { table id="doc-rules" {
                thead { tr { th { (t(lang, "doc.rule_if")) } th { (t(lang, "doc.rule_then")) } th {} } }
                tbody { @for r in &list { tr {
                    td { (t(lang, &format!("doc.field.{}", r.field))) " ⊇ „" (r.pattern) "“" }
                    td {
                        @if let Some(ty) = &r.set_type { (t(lang, "doc.type")) ": " (type_label(lang, ty)) " " }
                        @if let Some(c) = &r.set_correspondent { (t(lang, "doc.correspondent")) ": " (c) " " }
                        @if let Some(tag) = &r.add_tag { (t(lang, "doc.tag")) ": " (tag) }
                    }
                    td { form.inline method="post" action=(format!("/documents/rules/{}/delete", r.id)) {
                        input type="hidden" name="csrf" value=(s.csrf_token);
                        button.secondary type="submit" { (t(lang, "doc.delete_rule")) }
                    } }
                } } }
            } }
        }
        @if let Some(m) = &mailbox {
            form.panel method="post" action="/documents/mailbox" id="mailbox-form" {
                h2 { (t(lang, "doc.mailbox")) }
                p.hint { (t(lang, "doc.mailbox_hint")) }
                @if let Some(a) = &m {
                    p id="mailbox-status" {
                        (t(lang, "doc.mailbox_last")) ": "
                        @if let Some(at) = a.last_poll_at { (crate::api::rfc3339(at)) } @else { "–" }
                        @if let Some(e) = &a.last_error { " · " span.field-error { (e) } }
                        @else if a.last_poll_at.is_some() { " · " (a.last_count) " " (t(lang, "doc.mailbox_messages")) }
                    }
                }
                input type="hidden" name="csrf" value=(s.csrf_token);
                div.grid2 {
                    div { label for="m-url" { (t(lang, "doc.mailbox_url")) }
                        input type="text" id="m-url" name="url" required placeholder="imaps://mail.example.com:993"
                            value=(m.as_ref().map(|a| a.url.as_str()).unwrap_or("")); }
                    div { label for="m-user" { (t(lang, "login.username")) }
                        input type="text" id="m-user" name="username" required autocomplete="off"
                            value=(m.as_ref().map(|a| a.username.as_str()).unwrap_or("")); }
                    div { label for="m-password" { (t(lang, "login.password")) }
                        input type="password" id="m-password" name="password" autocomplete="new-password"
                            placeholder=(if m.is_some() { t(lang, "doc.mailbox_keep") } else { "" }); }
                    div { label for="m-folder" { (t(lang, "doc.mailbox_folder")) }
                        input type="text" id="m-folder" name="folder" required
                            value=(m.as_ref().map(|a| a.folder.as_str()).unwrap_or("INBOX")); }
                    div { label for="m-done" { (t(lang, "doc.mailbox_done")) }
                        input type="text" id="m-done" name="done_folder" required
                            value=(m.as_ref().map(|a| a.done_folder.as_str()).unwrap_or("kontor-abgelegt")); }
                    div { label for="m-minutes" { (t(lang, "doc.mailbox_minutes")) }
                        input type="number" id="m-minutes" name="minutes" min="1" required
                            value=(m.as_ref().map(|a| a.interval_secs / 60).unwrap_or(5)); }
                }
                label { input type="checkbox" name="enabled" value="1" checked[m.as_ref().is_none_or(|a| a.enabled)]; " " (t(lang, "doc.mailbox_enabled")) }
                div.actions { button type="submit" { (t(lang, "doc.mailbox_save")) } }
            }
        }
        form.panel method="post" action="/documents/rules" id="rule-form" {
            h2 { (t(lang, "doc.add_rule")) }
            input type="hidden" name="csrf" value=(s.csrf_token);
            div.grid2 {
                div { label for="r-field" { (t(lang, "doc.rule_if")) }
                    select id="r-field" name="field" { @for f in ["text", "correspondent", "iban", "vat_id", "name"] {
                        option value=(f) { (t(lang, &format!("doc.field.{f}"))) } } } }
                div { label for="r-pattern" { (t(lang, "doc.rule_pattern")) }
                    input type="text" id="r-pattern" name="pattern" required maxlength="200"; }
                div { label for="r-type" { (t(lang, "doc.type")) }
                    select id="r-type" name="type" { option value="" { "–" }
                        @for dt in DocType::ALL { option value=(dt.key()) { (type_label(lang, dt.key())) } } } }
                div { label for="r-corr" { (t(lang, "doc.correspondent")) }
                    input type="text" id="r-corr" name="correspondent" maxlength="200"; }
                div { label for="r-tag" { (t(lang, "doc.tag")) }
                    input type="text" id="r-tag" name="tag" maxlength="40"; }
            }
            div.actions { button type="submit" { (t(lang, "doc.add_rule")) } }
        }
    };
    Ok(html_response(
        status,
        layout(s, "/documents", t(lang, "doc.rules"), content),
    ))
}

async fn add_rule(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    let opt = |k: &str| Some(form_get(&pairs, k)).filter(|v| !v.trim().is_empty());
    match state
        .app
        .add_document_rule(
            &s.actor,
            &company,
            form_get(&pairs, "field"),
            form_get(&pairs, "pattern"),
            DocType::parse(form_get(&pairs, "type")),
            opt("correspondent"),
            opt("tag"),
        )
        .await
    {
        Ok(_) => Ok(see_other("/documents/rules")),
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(s.lang(), &e);
            render_rules(&state, &s, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn delete_rule(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    state
        .app
        .delete_document_rule(&s.actor, &company, &id)
        .await
        .or_page(&s)?;
    Ok(see_other("/documents/rules"))
}

async fn set_mailbox(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    let password = form_get(&pairs, "password");
    let input = kontor_app::mail_intake::MailAccountInput {
        url: form_get(&pairs, "url").to_string(),
        username: form_get(&pairs, "username").to_string(),
        password: (!password.is_empty()).then(|| password.to_string()),
        folder: form_get(&pairs, "folder").to_string(),
        done_folder: form_get(&pairs, "done_folder").to_string(),
        interval_secs: form_get(&pairs, "minutes")
            .trim()
            .parse::<i64>()
            .unwrap_or(0)
            .saturating_mul(60),
        enabled: form_get(&pairs, "enabled") == "1",
    };
    match state.app.set_mail_account(&s.actor, &company, &input).await {
        Ok(_) => Ok(see_other("/documents/rules")),
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(s.lang(), &e);
            render_rules(&state, &s, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn retention(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    render_retention(&state, &s, &[], StatusCode::OK).await
}

async fn render_retention(
    state: &HttpState,
    s: &SessionContext,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(state, s).await?;
    let proposals = state.app.deletion_proposals(&s.actor, &company).await.or_page(s)?;
    let content = html! {
        h1 { (t(lang, "doc.retention")) " · " (company.name) }
        (subnav(lang, s, &company))
        p.muted { (t(lang, "doc.retention_hint")) }
        @if !errors.is_empty() {
            div.panel.error-box role="alert" { ul { @for (_, m) in errors { li { (m) } } } }
        }
        @if proposals.is_empty() {
            div.panel id="retention-none" { p { (t(lang, "doc.nothing_due")) } }
        } @else {
            form method="post" action="/documents/retention" id="retention-form"
                data-confirm=(t(lang, "doc.delete_confirm")) {
                input type="hidden" name="csrf" value=(s.csrf_token);
                div.table-wrap { table id="retention" {
                    thead { tr { th {} th { (t(lang, "doc.name")) } th { (t(lang, "doc.type")) } th { (t(lang, "doc.year")) } th { (t(lang, "doc.kept_until")) } } }
                    tbody { @for d in &proposals { tr {
                        td { input type="checkbox" name="id" value=(d.id) checked aria-label=(d.name); }
                        td { (d.name) }
                        td { (type_label(lang, &d.doc_type)) }
                        td { (d.document_year) }
                        td { "31.12." (d.document_year + d.retention_years) }
                    } } }
                } }
                div.actions { button type="submit" id="retention-release" { (t(lang, "doc.release_deletion")) } }
            }
        }
    };
    Ok(html_response(
        status,
        layout(s, "/documents", t(lang, "doc.retention"), content),
    ))
}

async fn release_deletion(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    match state.app.delete_documents(&s.actor, &company, &ids).await {
        Ok(_) => Ok(see_other("/documents/retention")),
        Err(AppError::Conflict { en, de }) => {
            let msg = if s.lang() == Lang::De { de } else { en };
            render_retention(&state, &s, &[("id".into(), msg)], StatusCode::CONFLICT).await
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

async fn comment(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    // Only documents the person may see can be commented on.
    state.app.visible_document(&s.actor, &company, &id).await.or_page(&s)?;
    state
        .app
        .add_comment(&s.actor, &company, "document", &id, form_get(&pairs, "body"))
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/documents/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_typed_either_way() {
        assert_eq!(parse_amount_input("1.234,56"), Some(123_456));
        assert_eq!(parse_amount_input("1234.5"), Some(123_450));
        assert_eq!(parse_amount_input(" 100 € "), Some(10_000));
        assert_eq!(parse_amount_input("abc"), None);
        assert_eq!(parse_amount_input(""), None);
    }
}
