//! Tasks and processes in the UI: the task inbox ("Aufgaben": mine and my
//! roles', j/k to move, Enter to open, live updates by server-sent events),
//! the task page (the invoice, kontor's proposal, approve or reject with
//! `a`/`r`, correct, clarify with the prepared reply, incidents: retry,
//! skip, cancel; comments with @mentions; delegation; history), the
//! notifications, and the process page where admins see the steps as a
//! list and change levels, reviews, thresholds and responsibilities.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kontor_app::records::{CompanyRecord, ProcessEventRecord, TaskRecord};
use kontor_app::workflow::TaskDecision;
use kontor_app::{AppError, SessionContext};
use kontor_core::{Action, Lang, Module, Permission};
use kontor_ledger::money::Cents;
use kontor_workflow::{AutomationLevel, StepKind};
use maud::{html, Markup};

use super::{
    check_csrf, current_company_code, form_get, form_pairs, html_response, layout, see_other, OrPage, UiError,
};
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/tasks", get(inbox))
        .route("/tasks/events", get(events))
        .route("/tasks/substitute", post(substitute))
        .route("/processes/{key}/instances/{id}/cancel", post(cancel_instance))
        .route("/tasks/{id}", get(view).post(complete))
        .route("/tasks/{id}/comment", post(comment))
        .route("/tasks/{id}/delegate", post(delegate))
        .route("/notifications", get(notifications).post(notifications_read))
        .route("/processes/{key}", get(process).post(process_update))
        .route("/processes/{key}/ocel.json", get(ocel))
}

/// Where a process instance's subject is shown.
fn subject_link(process: &str, subject: &str) -> String {
    match process {
        kontor_app::banking::PROCESS_PAYMENT_RUN => format!("/bank/runs/{subject}"),
        kontor_app::banking::PROCESS_BANK_STATEMENT => format!("/bank/lines?statement={subject}"),
        _ => format!("/documents/{subject}"),
    }
}

fn tr<'a>(lang: Lang, de: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

async fn company(state: &HttpState, s: &SessionContext) -> Result<CompanyRecord, UiError> {
    state.app.company(&s.actor, &current_company_code(s)?).await.or_page(s)
}

fn money(lang: Lang, c: Option<i64>) -> String {
    c.map(|c| super::finance::euro(lang, Cents(c))).unwrap_or_default()
}

fn when(lang: Lang, ms: i64) -> String {
    let d = kontor_core::period::date_of(kontor_core::Timestamp::from_millis(ms));
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    let time = format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60);
    match lang {
        Lang::De if d.len() == 10 => format!("{}.{}.{} {time}", &d[8..10], &d[5..7], &d[..4]),
        _ => format!("{d} {time}"),
    }
}

fn title(lang: Lang, t: &TaskRecord) -> &str {
    tr(lang, &t.data.title_de, &t.data.title_en)
}

fn kind_label(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "approve" => tr(lang, "Freigabe", "Approval"),
        "review" => tr(lang, "Stichprobe/Prüfung", "Review"),
        "confirm" => tr(lang, "Vorschlag bestätigen", "Confirm proposal"),
        "manual" => tr(lang, "Manuell erledigen", "Do by hand"),
        "clarify" => tr(lang, "Klärung", "Clarification"),
        "incident" => tr(lang, "Störung", "Incident"),
        _ => tr(lang, "Aufgabe", "Task"),
    }
}

fn reason_label(lang: Lang, r: &str) -> &'static str {
    match r {
        "sampled" => tr(lang, "Zufallsstichprobe", "random sample"),
        "low_confidence" => tr(lang, "geringe Sicherheit", "low confidence"),
        "high_amount" => tr(lang, "hoher Betrag", "high amount"),
        "confirm" => tr(lang, "Stufe „vorschlagen“", "level 'suggest'"),
        "manual" => tr(lang, "Stufe „manuell“", "level 'manual'"),
        _ => "",
    }
}

fn level_label(lang: Lang, l: AutomationLevel) -> &'static str {
    match l {
        AutomationLevel::Manual => tr(lang, "manuell", "manual"),
        AutomationLevel::Suggest => tr(lang, "vorschlagen", "suggest"),
        AutomationLevel::AutoWithReview => tr(lang, "automatisch mit Prüfung", "auto with review"),
        AutomationLevel::Auto => tr(lang, "automatisch", "auto"),
    }
}

fn subnav(lang: Lang, s: &SessionContext, company: &CompanyRecord) -> Markup {
    let manage = s.actor.can(company.id, Permission::new(Module::Tasks, Action::Manage));
    html! {
        nav.subnav aria-label=(tr(lang, "Aufgaben", "Tasks")) {
            a href="/tasks" { (tr(lang, "Meine Aufgaben", "My tasks")) } " · "
            a href="/notifications" { (tr(lang, "Benachrichtigungen", "Notifications")) } " · "
            a href="/processes/incoming_invoice" {
                (tr(lang, "Ablauf Eingangsrechnung", "Incoming-invoice process"))
                @if manage { " ⚙" }
            }
        }
    }
}

// ------------------------------------------------------------------ inbox

async fn inbox(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(&state, &s).await?;
    let tasks = state.app.my_tasks(&s.actor, &company).await.or_page(&s)?;
    let now = state.app.now().millis();
    let content = html! {
        h1 { (tr(lang, "Aufgaben", "Tasks")) " · " (company.name) }
        (subnav(lang, &s, &company))
        p.muted { (tr(lang,
            "Ihre Aufgaben und die Ihrer Rollen. j/k wählen, Enter öffnet; in einer Freigabe gibt a frei und öffnet die nächste.",
            "Your tasks and your roles'. j/k to select, Enter opens; in an approval, a approves and opens the next.")) }
        p id="task-count" data-live="/tasks/events" { (tasks.len()) " " (tr(lang, "offen", "open")) }
        details.panel {
            summary { (tr(lang, "Abwesenheit: Vertretung einrichten", "Out of office: set a substitute")) }
            form method="post" action="/tasks/substitute" {
                input type="hidden" name="csrf" value=(s.csrf_token);
                label { (tr(lang, "Vertretung (Benutzername, leer = keine)", "Substitute (username, empty = none)")) " "
                    input type="text" name="substitute"; }
                " " label { (tr(lang, "von", "from")) " " input type="date" name="from"; }
                " " label { (tr(lang, "bis einschließlich", "until")) " " input type="date" name="until"; }
                " " button type="submit" { (tr(lang, "Speichern", "Save")) }
            }
        }
        @if tasks.is_empty() {
            div.panel { p { (tr(lang, "Keine offenen Aufgaben.", "No open tasks.")) } }
        } @else {
            div.table-wrap { table id="task-inbox" data-rows="doc" {
                thead { tr {
                    th { (tr(lang, "Aufgabe", "Task")) }
                    th { (tr(lang, "Art", "Kind")) }
                    th.num { (tr(lang, "Betrag", "Amount")) }
                    th { (tr(lang, "Fällig", "Due")) }
                    th { (tr(lang, "Für", "For")) }
                } }
                tbody {
                    @for t in &tasks {
                        @let overdue = t.data.deadline.is_some_and(|d| d < now);
                        tr data-href=(format!("/tasks/{}", t.id)) class=[overdue.then_some("overdue")] {
                            td {
                                @if t.data.priority == 1 { strong { "! " } }
                                a href=(format!("/tasks/{}", t.id)) { (title(lang, t)) }
                            }
                            td { (kind_label(lang, &t.data.kind))
                                @if let Some(r) = &t.data.reason { " (" (reason_label(lang, r)) ")" } }
                            td.num { (money(lang, t.data.amount_cents)) }
                            td { @if let Some(d) = t.data.deadline { (when(lang, d)) @if overdue { " ⚠" } } }
                            td { @match &t.assignee {
                                Some(_) => { (tr(lang, "Ihnen zugewiesen", "assigned to you")) }
                                None => { (t.candidate_role.clone().unwrap_or_default()) }
                            } }
                        }
                    }
                }
            } }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/tasks", tr(lang, "Aufgaben", "Tasks"), content),
    ))
}

/// Server-sent events: `tasks` whenever the person's open tasks change.
async fn events(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let company = company(&state, &s).await?;
    let app = state.app.clone();
    let actor = s.actor.clone();
    let stream = futures::stream::unfold((String::new(), true), move |(last, first)| {
        let app = app.clone();
        let actor = actor.clone();
        let company = company.clone();
        async move {
            loop {
                if !first {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                let tasks = app.my_tasks(&actor, &company).await.ok()?;
                let mark = format!(
                    "{}:{}",
                    tasks.len(),
                    tasks.iter().map(|t| t.updated_at.millis()).max().unwrap_or(0)
                );
                if mark != last {
                    let ev = Event::default().event("tasks").data(tasks.len().to_string());
                    return Some((Ok::<Event, Infallible>(ev), (mark, false)));
                }
                if first {
                    return Some((Ok(Event::default().comment("ready")), (mark, false)));
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

// ------------------------------------------------------------------- task

async fn view(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    render_task(&state, &s, &id, None, StatusCode::OK).await
}

fn json_str(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn render_task(
    state: &HttpState,
    s: &SessionContext,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(state, s).await?;
    let (task, history, comments) = state.app.task_details(&s.actor, &company, id).await.or_page(s)?;
    let csrf = s.csrf_token.clone();
    let p = &task.data.proposal;
    let inv = &p["invoice"];
    let open = task.state == "open";
    let next = next_task(state, s, &company, &task.id).await;
    let content = html! {
        h1 { (title(lang, &task)) }
        (subnav(lang, s, &company))
        @if let Some(e) = &error { div.panel.error-box role="alert" { p { (e) } } }
        div.panel {
            p {
                strong { (kind_label(lang, &task.data.kind)) }
                @if let Some(r) = &task.data.reason { " · " (reason_label(lang, r)) }
                @if let Some(d) = task.data.deadline { " · " (tr(lang, "fällig", "due")) " " (when(lang, d)) }
                @if task.data.escalated_at.is_some() { " · " strong { (tr(lang, "eskaliert", "escalated")) } }
                @if !open { " · " (tr(lang, "erledigt", "done")) ": " (task.data.outcome.clone().unwrap_or_default())
                    " (" (task.data.done_by.clone().unwrap_or_default()) ")" }
            }
            @if task.data.approvals_needed > 1 {
                p { (tr(lang, "Freigaben", "Approvals")) ": " (task.data.approved_by.len()) " / " (task.data.approvals_needed) }
            }
            @if let Some(link) = task.data.proposal["link"].as_str() {
                p { a href=(link) { (tr(lang, "Vorgang öffnen", "Open the subject")) } }
            } @else if let Some(doc) = &task.data.document_id {
                p { a href=(format!("/documents/{doc}")) { (tr(lang, "Beleg öffnen", "Open the document")) } }
            }
        }
        @if !inv.is_null() {
            div.panel {
                h2 { (tr(lang, "Rechnung", "Invoice")) }
                dl.facts {
                    dt { (tr(lang, "Absender", "Sender")) } dd { (json_str(&inv["seller"])) }
                    dt { (tr(lang, "Nummer", "Number")) } dd { (json_str(&inv["number"])) }
                    dt { (tr(lang, "Datum", "Date")) } dd { (json_str(&inv["date"])) }
                    dt { (tr(lang, "Fällig", "Due")) } dd { (json_str(&inv["due"])) }
                    dt { (tr(lang, "Betrag", "Amount")) } dd id="task-amount" { (money(lang, inv["gross_cents"].as_i64())) }
                    dt { "IBAN" } dd { (json_str(&inv["iban"])) }
                    dt { (tr(lang, "Format", "Format")) } dd { (json_str(&inv["einvoice"])) }
                }
                @if let Some(f) = p["findings"].as_array().filter(|f| !f.is_empty()) {
                    h3 { (tr(lang, "Prüfergebnis", "Validation")) }
                    ul.findings { @for x in f { li { (json_str(x)) } } }
                }
                @if !p["booking"].is_null() {
                    h3 { (tr(lang, "Kontierung", "Booking")) }
                    p id="task-booking" {
                        (tr(lang, "Konto", "Account")) " " (json_str(&p["booking"]["account"])) " · "
                        (json_str(&p["booking"]["tax_code"])) " · "
                        (tr(lang, "Kostenstelle", "Cost center")) " " (json_str(&p["booking"]["cost_center"])) " · "
                        (tr(lang, "Sicherheit", "confidence")) " " (json_str(&p["booking"]["confidence"])) " % ("
                        (json_str(&p["booking"]["source"])) ")"
                    }
                }
            }
        }
        @if open {
            (task_forms(lang, &task, &csrf, next.as_deref()))
            form.panel method="post" action=(format!("/tasks/{}/delegate", task.id)) {
                input type="hidden" name="csrf" value=(csrf);
                label { (tr(lang, "Weitergeben an (Benutzername)", "Hand on to (username)")) " "
                    input type="text" name="to" required; }
                " " button type="submit" { (tr(lang, "Weitergeben", "Delegate")) }
            }
        }
        div.panel {
            h2 { (tr(lang, "Kommentare", "Comments")) }
            @for c in &comments {
                p.comment { strong { (c.author) } " · " (when(lang, c.at.millis())) br; (c.body) }
            }
            form method="post" action=(format!("/tasks/{}/comment", task.id)) {
                input type="hidden" name="csrf" value=(csrf);
                textarea name="body" rows="2" maxlength="5000" placeholder=(tr(lang, "Kommentar, @name erwähnt", "Comment, @name mentions")) {}
                button type="submit" { (tr(lang, "Kommentieren", "Comment")) }
            }
        }
        (history_panel(lang, &history))
    };
    Ok(html_response(status, layout(s, "/tasks", title(lang, &task), content)))
}

fn history_panel(lang: Lang, history: &[ProcessEventRecord]) -> Markup {
    html! {
        div.panel {
            h2 { (tr(lang, "Verlauf", "History")) }
            div.table-wrap { table id="task-history" {
                thead { tr {
                    th { (tr(lang, "Zeit", "Time")) } th { (tr(lang, "Schritt", "Step")) }
                    th { (tr(lang, "Ereignis", "Event")) } th { (tr(lang, "Ergebnis", "Outcome")) }
                    th { (tr(lang, "Wer", "Who")) }
                } }
                tbody { @for e in history {
                    tr {
                        td { (when(lang, e.at.millis())) } td { (e.step) } td { (e.event) }
                        td { (e.outcome.clone().unwrap_or_default()) }
                        td { @if e.automated { span.badge { "kontor" } } @else { (e.actor) } }
                    }
                } }
            } }
        }
    }
}

fn task_forms(lang: Lang, task: &TaskRecord, csrf: &str, next: Option<&str>) -> Markup {
    let action = format!("/tasks/{}", task.id);
    let p = &task.data.proposal;
    html! {
        @match task.data.kind.as_str() {
            "approve" => {
                div.panel.actions {
                    form id="task-approve" method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="outcome" value="approved";
                        @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                        button.primary type="submit" accesskey="a" { (tr(lang, "Freigeben (a)", "Approve (a)")) }
                    }
                    form id="task-reject" method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="outcome" value="rejected";
                        input type="text" name="comment" required placeholder=(tr(lang, "Grund der Ablehnung", "Reason for rejecting"));
                        button type="submit" { (tr(lang, "Ablehnen (r)", "Reject (r)")) }
                    }
                }
            }
            "clarify" => {
                div.panel {
                    h2 { (tr(lang, "Vorbereitete Antwort an den Absender", "Prepared reply to the sender")) }
                    p { (tr(lang, "An", "To")) ": " (json_str(&p["reply"]["to"])) }
                    p { strong { (json_str(&p["reply"]["subject"])) } }
                    pre.reply { (json_str(&p["reply"]["body"])) }
                    form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" name="outcome" value="rejected" { (tr(lang, "Zurückweisen (Antwort senden)", "Return to sender (send reply)")) }
                        " "
                        button type="submit" name="outcome" value="accepted" { (tr(lang, "Trotzdem annehmen", "Accept anyway")) }
                    }
                }
            }
            "incident" => {
                form.panel method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    p { (task.data.reason.clone().unwrap_or_default()) }
                    label { (tr(lang, "Begründung", "Reason")) " " input type="text" name="comment"; }
                    button type="submit" name="outcome" value="retry" { (tr(lang, "Wiederholen", "Retry")) } " "
                    button type="submit" name="outcome" value="skip" { (tr(lang, "Überspringen", "Skip")) } " "
                    button type="submit" name="outcome" value="cancel" { (tr(lang, "Abbrechen", "Cancel")) }
                }
            }
            _ => {
                form.panel id="task-review" method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    @if task.data.step == "duplicate_check" {
                        p { (tr(lang, "Mögliche Dublette von", "Possible duplicate of")) " "
                            @if let Some(d) = p["duplicate_of"]["document_id"].as_str() {
                                a href=(format!("/documents/{d}")) {
                                    (json_str(&p["duplicate_of"]["number"])) " · " (json_str(&p["duplicate_of"]["date"])) " · "
                                    (money(lang, p["duplicate_of"]["gross_cents"].as_i64()))
                                }
                            }
                        }
                        button.primary type="submit" name="outcome" value="confirmed" { (tr(lang, "Ist eine Dublette (nicht buchen)", "Is a duplicate (do not book)")) } " "
                        button type="submit" name="outcome" value="corrected" { (tr(lang, "Keine Dublette, weiter", "Not a duplicate, go on")) }
                    } @else if task.data.step == "match_supplier" {
                        @if let Some(name) = p["partner_name"].as_str() {
                            p { (tr(lang, "Vorschlag", "Proposal")) ": " strong { (name) } " (" (json_str(&p["matched_by"])) ", " (json_str(&p["confidence"])) " %)" }
                        } @else {
                            p { (tr(lang, "Kein Lieferant gefunden. Anlegen aus der Rechnung:", "No supplier found. Create from the invoice:")) " "
                                strong { (json_str(&p["create"]["name"])) } }
                            input type="hidden" name="create" value="1";
                        }
                        label { (tr(lang, "Oder Lieferanten-ID", "Or supplier id")) " " input type="text" name="partner_id"; }
                    } @else {
                        label { (tr(lang, "Konto", "Account")) " " input type="text" name="account" inputmode="numeric" value=(json_str(&p["account"])); }
                        label { (tr(lang, "Steuerschlüssel", "Tax code")) " " input type="text" name="tax_code" value=(json_str(&p["tax_code"])); }
                        label { (tr(lang, "Kostenstelle", "Cost center")) " " input type="text" name="cost_center" value=(json_str(&p["cost_center"])); }
                    }
                    @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                    @if task.data.step != "duplicate_check" {
                        button.primary type="submit" name="outcome" value="confirmed" { (tr(lang, "Bestätigen", "Confirm")) } " "
                        button type="submit" name="outcome" value="corrected" { (tr(lang, "Korrigiert übernehmen", "Save correction")) }
                    }
                }
            }
        }
    }
}

/// The next open task of the same kind after `id` (approve many in a row).
async fn next_task(state: &HttpState, s: &SessionContext, company: &CompanyRecord, id: &str) -> Option<String> {
    let tasks = state.app.my_tasks(&s.actor, company).await.ok()?;
    let kind = tasks.iter().find(|t| t.id == id).map(|t| t.data.kind.clone())?;
    let pos = tasks.iter().position(|t| t.id == id)?;
    tasks[pos + 1..]
        .iter()
        .chain(tasks[..pos].iter())
        .find(|t| t.data.kind == kind)
        .map(|t| t.id.clone())
}

fn localized(lang: Lang, e: &AppError) -> Option<String> {
    match e {
        AppError::Conflict { de, en } => Some(tr(lang, de, en).to_string()),
        AppError::SeparationOfDuties { rule } => Some(format!("{}: {}", rule.code, tr(lang, rule.de, rule.en))),
        AppError::Forbidden { permission } => Some(format!(
            "{} {permission}",
            tr(lang, "Dazu fehlt Ihnen das Recht", "You lack the permission")
        )),
        _ => None,
    }
}

async fn complete(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    let mut changes = BTreeMap::new();
    for k in ["account", "tax_code", "cost_center", "partner_id", "create"] {
        let v = form_get(&pairs, k).trim();
        if !v.is_empty() {
            changes.insert(k.to_string(), v.to_string());
        }
    }
    let outcome = form_get(&pairs, "outcome").to_string();
    // A confirmation only counts as "kontor was right" if nothing changed.
    if outcome == "confirmed" {
        let (task, _, _) = state.app.task_details(&s.actor, &company, &id).await.or_page(&s)?;
        let p = &task.data.proposal;
        changes.retain(|k, v| match k.as_str() {
            "account" | "tax_code" | "cost_center" => json_str(&p[k.as_str()]) != *v,
            "create" => true,
            _ => true,
        });
    }
    let decision = TaskDecision {
        outcome,
        comment: Some(form_get(&pairs, "comment").to_string()).filter(|c| !c.trim().is_empty()),
        changes,
    };
    match state.app.complete_task(&s.actor, &company, &id, decision).await {
        Ok(_) => {
            let next = form_get(&pairs, "next");
            Ok(
                if !next.is_empty() && next.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                    see_other(&format!("/tasks/{next}"))
                } else {
                    see_other("/tasks")
                },
            )
        }
        Err(e) => match localized(s.lang(), &e) {
            Some(msg) => render_task(&state, &s, &id, Some(msg), StatusCode::CONFLICT).await,
            None => Err(e).or_page(&s),
        },
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
    match state
        .app
        .add_comment(&s.actor, &company, "task", &id, form_get(&pairs, "body"))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/tasks/{id}"))),
        Err(e) => match localized(s.lang(), &e) {
            Some(msg) => render_task(&state, &s, &id, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await,
            None => Err(e).or_page(&s),
        },
    }
}

async fn delegate(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    match state
        .app
        .delegate_task(&s.actor, &company, &id, form_get(&pairs, "to").trim())
        .await
    {
        Ok(()) => Ok(see_other("/tasks")),
        Err(e) => match localized(s.lang(), &e) {
            Some(msg) => render_task(&state, &s, &id, Some(msg), StatusCode::CONFLICT).await,
            None => Err(e).or_page(&s),
        },
    }
}

// ---------------------------------------------------------- notifications

async fn notifications(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(&state, &s).await?;
    let list = state.app.my_notifications(&s.actor, 100).await.or_page(&s)?;
    let outbox = if s.user.system_admin {
        state.app.outbox(&s.actor, 50).await.or_page(&s)?
    } else {
        vec![]
    };
    let content = html! {
        h1 { (tr(lang, "Benachrichtigungen", "Notifications")) }
        (subnav(lang, &s, &company))
        p.muted { (tr(lang,
            "Per E-Mail kommt höchstens eine Zusammenfassung am Tag.",
            "By e-mail you get at most one summary a day.")) }
        form method="post" action="/notifications" {
            input type="hidden" name="csrf" value=(s.csrf_token);
            button type="submit" { (tr(lang, "Alle als gelesen markieren", "Mark all read")) }
        }
        ul.notifications {
            @for n in &list {
                li class=[n.read_at.is_none().then_some("unread")] {
                    (when(lang, n.created_at.millis())) " · "
                    a href=(n.link) { (tr(lang, &n.text_de, &n.text_en)) }
                }
            }
        }
        @if s.user.system_admin {
            div.panel {
                h2 { (tr(lang, "Postausgang (E-Mails von kontor)", "Outbox (mails from kontor)")) }
                @if outbox.is_empty() { p.muted { (tr(lang, "Noch keine.", "None yet.")) } }
                @for m in &outbox {
                    details {
                        summary { (when(lang, m.created_at.millis())) " · " (m.recipient) " · " (m.subject) " · "
                            @if m.sent_at.is_some() { (tr(lang, "gesendet", "sent")) } @else { (tr(lang, "nicht gesendet (kein SMTP)", "not sent (no SMTP)")) } }
                        pre { (m.body) }
                    }
                }
            }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        layout(&s, "/tasks", tr(lang, "Benachrichtigungen", "Notifications"), content),
    ))
}

async fn notifications_read(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    state.app.mark_notifications_read(&s.actor).await.or_page(&s)?;
    Ok(see_other("/notifications"))
}

// --------------------------------------------------------------- process

fn dur(ms: i64) -> String {
    let m = ms / 60_000;
    if m >= 120 {
        format!("{} h", m / 60)
    } else if ms >= 60_000 {
        format!("{m} min")
    } else {
        format!("{} s", ms / 1000)
    }
}

async fn process(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    render_process(&state, &s, &key, None, StatusCode::OK).await
}

async fn render_process(
    state: &HttpState,
    s: &SessionContext,
    key: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = company(state, s).await?;
    let view = state.app.process_view(&s.actor, &company, key).await.or_page(s)?;
    let figures = state.app.process_figures(&s.actor, &company, key).await.or_page(s)?;
    let mut instances = state
        .app
        .process_instances(&s.actor, &company, Some("waiting"), 50)
        .await
        .or_page(s)?;
    instances.extend(
        state
            .app
            .process_instances(&s.actor, &company, Some("incident"), 50)
            .await
            .or_page(s)?,
    );
    instances.retain(|i| i.process_key == key);
    let manage = s.actor.can(company.id, Permission::new(Module::Tasks, Action::Manage));
    let def = &view.def;
    let stats: BTreeMap<&str, (i64, i64)> = view.stats.iter().map(|(k, r, w)| (k.as_str(), (*r, *w))).collect();
    let content = html! {
        h1 { (tr(lang, &def.name.0, &def.name.1)) " · " (tr(lang, "Version", "version")) " " (def.version) }
        (subnav(lang, s, &company))
        @if let Some(e) = &error { div.panel.error-box role="alert" { p { (e) } } }
        div.panel {
            h2 { (tr(lang, "Kennzahlen", "Figures")) }
            p id="process-figures" {
                (figures.instances) " " (tr(lang, "Vorgänge", "instances")) ", "
                (figures.done) " " (tr(lang, "abgeschlossen", "done")) ", "
                (tr(lang, "dunkelverarbeitet", "touchless")) " " (figures.touchless_permille / 10) " %, "
                (tr(lang, "Durchlaufzeit", "cycle time")) " p50 " (dur(figures.cycle_p50_ms)) " / p95 " (dur(figures.cycle_p95_ms)) ", "
                (figures.rework) " " (tr(lang, "mit Nacharbeit", "with rework")) ", "
                (figures.incidents) " " (tr(lang, "Störungen", "incidents"))
            }
            @if !figures.waiting_per_person.is_empty() {
                p { (tr(lang, "Wartezeit je Person", "Waiting per person")) ": "
                    @for (who, n, avg) in &figures.waiting_per_person { (who) " " (n) "× ⌀ " (dur(*avg)) "; " } }
            }
            @if manage {
                p { a href=(format!("/processes/{key}/ocel.json")) { (tr(lang, "Ereignisprotokoll als OCEL 2.0 (JSON)", "Event log as OCEL 2.0 (JSON)")) } }
            }
        }
        form.panel method="post" action=(format!("/processes/{key}")) {
            input type="hidden" name="csrf" value=(s.csrf_token);
            h2 { (tr(lang, "Schritte", "Steps")) }
            ol.process-steps id="process-steps" {
                @for st in &def.steps {
                    li {
                        strong { (tr(lang, &st.name.0, &st.name.1)) } " "
                        span.muted { "(" (st.key) ", " (match st.kind {
                            StepKind::Automatic => tr(lang, "automatisch", "automatic"),
                            StepKind::HumanTask => tr(lang, "Aufgabe", "human task"),
                            StepKind::Decision => tr(lang, "Entscheidung", "decision"),
                            StepKind::Wait => tr(lang, "Warten", "wait"),
                            StepKind::End => tr(lang, "Ende", "end"),
                        }) ")" }
                        @if st.kind == StepKind::Automatic {
                            " "
                            label { (tr(lang, "Stufe", "Level")) " "
                                select name=(format!("level.{}", st.key)) disabled[!manage] {
                                    @for l in AutomationLevel::ALL {
                                        option value=(l.key()) selected[l == st.level] { (level_label(lang, l)) }
                                    }
                                }
                            }
                            " " label { (tr(lang, "Stichprobe ‰", "Sample ‰")) " "
                                input type="number" min="0" max="1000" name=(format!("sample.{}", st.key)) value=(st.review.sample_permille) disabled[!manage]; }
                            " " label { (tr(lang, "min. Sicherheit %", "min. confidence %")) " "
                                input type="number" min="0" max="100" name=(format!("confidence.{}", st.key)) value=(st.review.confidence_min) disabled[!manage]; }
                            @if let Some((r, w)) = stats.get(st.key.as_str()) {
                                " · " (tr(lang, "geprüft", "reviewed")) " " (r) ", " (tr(lang, "Fehlerquote", "error rate")) " "
                                (if *r > 0 { w * 1000 / r / 10 } else { 0 }) " %"
                            }
                        }
                        @if st.kind == StepKind::HumanTask {
                            " " label { (tr(lang, "Rolle", "Role")) " "
                                input type="text" name=(format!("role.{}", st.key)) value=(st.candidate_role.clone().unwrap_or_default()) disabled[!manage]; }
                            " " label { (tr(lang, "Frist (h)", "Deadline (h)")) " "
                                input type="number" min="1" max="2000" name=(format!("due.{}", st.key)) value=(st.due_hours.unwrap_or(48)) disabled[!manage]; }
                        }
                        @if !st.next.is_empty() {
                            div.muted { "→ " @for (i, t) in st.next.iter().enumerate() {
                                @if i > 0 { ", " }
                                (t.to) @match &t.when {
                                    kontor_workflow::Condition::Always => {},
                                    c => { " [" (serde_json::to_string(c).unwrap_or_default()) "]" }
                                }
                            } }
                        }
                    }
                }
            }
            h2 { (tr(lang, "Parameter", "Parameters")) }
            label { (tr(lang, "Automatische Freigabe bis (€, leer = aus)", "Auto-approve up to (EUR, empty = off)")) " "
                input type="text" name="auto_approve" value=(def.params.auto_approve_max_cents.map(|c| format!("{},{:02}", c / 100, c % 100)).unwrap_or_default()) disabled[!manage]; }
            br;
            label { (tr(lang, "Zweite Freigabe ab (€)", "Second approval above (EUR)")) " "
                input type="text" name="second_above" value=(def.params.approval.thresholds.first().map(|(c, _)| format!("{},{:02}", c / 100, c % 100)).unwrap_or_default()) disabled[!manage]; }
            br;
            label { (tr(lang, "Fehlerschwelle für Herabstufung (‰)", "Error threshold for demotion (‰)")) " "
                input type="number" name="error_threshold" min="0" max="1000" value=(def.params.error_threshold_permille) disabled[!manage]; }
            br;
            label { (tr(lang, "Freigabe je Kostenstelle (je Zeile: Kostenstelle=Benutzername)", "Approver per cost center (one per line: cost center=username)")) br;
                textarea name="cost_center_approvers" rows="3" disabled[!manage] {
                    @for (cc, who) in &def.params.cost_center_approvers { (cc) "=" (who) "\n" }
                } }
            br;
            label { (tr(lang, "Verantwortlich (Benutzername)", "Owner (username)")) " "
                input type="text" name="owner" value=(def.params.owner.clone().unwrap_or_default()) disabled[!manage]; }
            @if manage {
                br;
                button.primary id="process-save" type="submit" { (tr(lang, "Als neue Version speichern", "Save as a new version")) }
                p.muted { (tr(lang, "Laufende Vorgänge bleiben auf ihrer Version.", "Running instances stay on their version.")) }
            }
        }
        div.panel {
            h2 { (tr(lang, "Laufende Vorgänge", "Running instances")) }
            @if instances.is_empty() { p.muted { (tr(lang, "Keine.", "None.")) } }
            div.table-wrap { table id="process-instances" {
                tbody { @for i in &instances {
                    tr {
                        td { a href=(subject_link(&i.process_key, &i.subject)) { (i.data.values.get("title").cloned().unwrap_or_else(|| i.subject.clone())) } }
                        td { (i.state) } td { (i.step) } td { "v" (i.version) }
                        td { (i.data.incident.clone().unwrap_or_default()) }
                        td { @if manage {
                            form method="post" action=(format!("/processes/{key}/instances/{}/cancel", i.id)) {
                                input type="hidden" name="csrf" value=(s.csrf_token);
                                input type="text" name="reason" required placeholder=(tr(lang, "Grund", "Reason"));
                                button type="submit" { (tr(lang, "Abbrechen", "Cancel")) }
                            }
                        } }
                    }
                } }
            } }
        }
        div.panel {
            h2 { (tr(lang, "Versionen", "Versions")) }
            ul { @for v in view.versions.iter().rev() {
                li { "v" (v.version) " · " (when(lang, v.created_at.millis())) " · " (v.created_by) }
            } }
        }
    };
    Ok(html_response(
        status,
        layout(s, "/tasks", tr(lang, &def.name.0, &def.name.1), content),
    ))
}

fn parse_euro(s: &str) -> Option<Option<i64>> {
    let s = s.trim().replace(['€', ' '], "");
    if s.is_empty() {
        return Some(None);
    }
    let s = s.replace('.', "").replace(',', ".");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents = int.parse::<i64>().ok()?.checked_mul(100)? + format!("{frac:0<2}").parse::<i64>().ok()?;
    Some(Some(cents))
}

async fn process_update(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let lang = s.lang();
    let company = company(&state, &s).await?;
    let mut def = state.app.process_view(&s.actor, &company, &key).await.or_page(&s)?.def;
    let bad = |what: &str| Some(format!("{}: {what}", tr(lang, "Ungültige Eingabe", "Invalid input")));
    let mut error = None;
    for st in def.steps.iter_mut() {
        if let Some(l) = AutomationLevel::parse(form_get(&pairs, &format!("level.{}", st.key))) {
            st.level = l;
        }
        let num = |k: &str| form_get(&pairs, &format!("{k}.{}", st.key)).trim().parse::<u32>().ok();
        if let Some(v) = num("sample") {
            st.review.sample_permille = u16::try_from(v.min(1000)).unwrap_or(1000);
        }
        if let Some(v) = num("confidence") {
            st.review.confidence_min = u8::try_from(v.min(100)).unwrap_or(100);
        }
        if let Some(v) = num("due") {
            st.due_hours = Some(v.clamp(1, 2000));
        }
        let role = form_get(&pairs, &format!("role.{}", st.key)).trim();
        if !role.is_empty() {
            if kontor_core::Role::parse(role).is_none() {
                error = bad(role);
            }
            st.candidate_role = Some(role.to_string());
        }
    }
    match parse_euro(form_get(&pairs, "auto_approve")) {
        Some(v) => def.params.auto_approve_max_cents = v,
        None => error = bad(form_get(&pairs, "auto_approve")),
    }
    match parse_euro(form_get(&pairs, "second_above")) {
        Some(Some(v)) => def.params.approval.thresholds = vec![(v, 2)],
        Some(None) => def.params.approval.thresholds = vec![],
        None => error = bad(form_get(&pairs, "second_above")),
    }
    if let Ok(v) = form_get(&pairs, "error_threshold").trim().parse::<u64>() {
        def.params.error_threshold_permille = v.min(1000);
    }
    let mut approvers = BTreeMap::new();
    for line in form_get(&pairs, "cost_center_approvers").lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((cc, who)) if !cc.trim().is_empty() && !who.trim().is_empty() => {
                approvers.insert(cc.trim().to_string(), who.trim().to_string());
            }
            _ => error = bad(line),
        }
    }
    def.params.cost_center_approvers = approvers;
    let owner = form_get(&pairs, "owner").trim();
    def.params.owner = (!owner.is_empty()).then(|| owner.to_string());
    if let Some(e) = error {
        return render_process(&state, &s, &key, Some(e), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.app.update_process(&s.actor, &company, def).await {
        Ok(_) => Ok(see_other(&format!("/processes/{key}"))),
        Err(e) => match localized(lang, &e) {
            Some(msg) => render_process(&state, &s, &key, Some(msg), StatusCode::CONFLICT).await,
            None => Err(e).or_page(&s),
        },
    }
}

async fn ocel(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    let company = company(&state, &s).await?;
    let v = state
        .app
        .export_ocel(&s.actor, &company, Some(&key))
        .await
        .or_page(&s)?;
    let mut r = serde_json::to_string_pretty(&v).unwrap_or_default().into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"kontor-{}-ocel.json\"", company.code)) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

async fn substitute(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    let who = form_get(&pairs, "substitute").trim();
    let window = if who.is_empty() {
        None
    } else {
        let from = kontor_core::period::date_start(form_get(&pairs, "from").trim());
        let until =
            kontor_core::period::date_start(form_get(&pairs, "until").trim()).map(|t| t.plus_millis(86_400_000));
        match (from, until) {
            (Some(f), Some(u)) => Some((who, f, u)),
            _ => {
                return Err(AppError::Conflict {
                    de: "Bitte Beginn und Ende der Abwesenheit angeben.".into(),
                    en: "Please give the start and end of the absence.".into(),
                })
                .or_page(&s)
            }
        }
    };
    state.app.set_substitute(&s.actor, &company, window).await.or_page(&s)?;
    Ok(see_other("/tasks"))
}

async fn cancel_instance(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path((key, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    check_csrf(&state, &s, form_get(&pairs, "csrf"))?;
    let company = company(&state, &s).await?;
    match state
        .app
        .cancel_instance(&s.actor, &company, &id, form_get(&pairs, "reason"))
        .await
    {
        Ok(()) => Ok(see_other(&format!("/processes/{key}"))),
        Err(e) => match localized(s.lang(), &e) {
            Some(msg) => render_process(&state, &s, &key, Some(msg), StatusCode::CONFLICT).await,
            None => Err(e).or_page(&s),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_amounts_parse_german_style() {
        assert_eq!(parse_euro("1.000,50"), Some(Some(100_050)));
        assert_eq!(parse_euro("250"), Some(Some(25_000)));
        assert_eq!(parse_euro(""), Some(None));
        assert_eq!(parse_euro("abc"), None);
    }
}
