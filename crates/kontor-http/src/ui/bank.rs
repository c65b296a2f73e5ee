//! Money moves in the UI: bank accounts with ledger and statement balance
//! and the lines still open, statement upload, the matching screen
//! (kontor's suggestion with its confidence; `a` accepts the selected
//! line's suggestion, j/k move), payment runs (proposal, adjustment,
//! submission, release through the task inbox, SEPA download).
//! Permissions are checked by the use-cases; the pages only hide what a
//! person cannot use.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kontor_app::banking::LineBooking;
use kontor_app::records::{bank_line_state, payment_run_state, BankLineRecord, CompanyRecord, PaymentRunRecord};
use kontor_app::SessionContext;
use kontor_banking::sepa::PainVersion;
use kontor_core::{Action, Lang, Module, Permission};
use kontor_ledger::money::Cents;
use maud::{html, Markup};
use serde::Deserialize;

use super::{check_csrf, current_company_code, html_response, layout, see_other, OrPage, UiError};
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/bank", get(accounts))
        .route("/bank/accounts", post(add_account))
        .route("/bank/import", post(import))
        .route("/bank/lines", get(lines))
        .route("/bank/lines/{id}/accept", post(accept))
        .route("/bank/lines/{id}/book", post(book))
        .route("/bank/reconcile", post(reconcile))
        .route("/bank/runs", get(runs).post(propose))
        .route("/bank/runs/{id}", get(run))
        .route("/bank/runs/{id}/adjust", post(adjust))
        .route("/bank/runs/{id}/submit", post(submit))
        .route("/bank/runs/{id}/pain.xml", get(pain))
        .route("/bank/dunning", get(dunning).post(dunning_send))
        .route("/bank/dunning/{id}/letter.pdf", get(dunning_letter))
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

fn euro(lang: Lang, c: i64) -> String {
    super::finance::euro(lang, Cents(c))
}

fn can_write(s: &SessionContext, c: &CompanyRecord) -> bool {
    s.actor.can(c.id, Permission::new(Module::Finance, Action::Write))
}

fn page(s: &SessionContext, title: &str, content: Markup) -> Response {
    html_response(StatusCode::OK, layout(s, "/finance", title, content))
}

fn subnav(lang: Lang) -> Markup {
    html! {
        nav.subnav aria-label=(tr(lang, "Bank-Navigation", "Bank navigation")) {
            a href="/bank" { (tr(lang, "Bankkonten", "Bank accounts")) } " · "
            a href="/bank/lines" { (tr(lang, "Abgleich", "Matching")) } " · "
            a href="/bank/runs" { (tr(lang, "Zahlläufe", "Payment runs")) } " · "
            a href="/bank/dunning" { (tr(lang, "Mahnwesen", "Dunning")) } " · "
            a href="/finance/opos" { (tr(lang, "Offene Posten", "Open items")) } " · "
            a href="/processes/bank_statement" { (tr(lang, "Automatisierung", "Automation")) }
        }
    }
}

// ------------------------------------------------------------- accounts

async fn accounts(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    accounts_page(&state, &s, None).await
}

async fn accounts_page(state: &HttpState, s: &SessionContext, report: Option<Markup>) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(state, s).await?;
    let views = state.app.bank_accounts(&s.actor, &c).await.or_page(s)?;
    let mut history = Vec::new();
    for v in &views {
        let st = state
            .app
            .bank_statements(&s.actor, &c, &v.account.id)
            .await
            .or_page(s)?;
        history.push((v, st));
    }
    let write = can_write(s, &c);
    let content = html! {
        h1 { (tr(lang, "Bankkonten", "Bank accounts")) " · " (c.name) }
        (subnav(lang))
        @if let Some(r) = report { (r) }
        @if views.is_empty() {
            div.panel { p { (tr(lang, "Noch kein Bankkonto angelegt.", "No bank account yet.")) } }
        } @else {
            div.table-wrap { table id="bank-accounts" {
                thead { tr {
                    th scope="col" { (tr(lang, "Konto", "Account")) }
                    th scope="col" { "IBAN" }
                    th scope="col" { (tr(lang, "Sachkonto", "Ledger account")) }
                    th.num scope="col" { (tr(lang, "Saldo Buchhaltung", "Ledger balance")) }
                    th.num scope="col" { (tr(lang, "Saldo laut Bank", "Balance per bank")) }
                    th.num scope="col" { (tr(lang, "Differenz", "Difference")) }
                    th.num scope="col" { (tr(lang, "Offene Umsätze", "Open lines")) }
                } }
                tbody { @for v in &views {
                    @let diff = v.statement_balance.as_ref().map(|(b, _)| b - v.ledger_balance);
                    tr {
                        td { (v.account.data.name) }
                        td { code { (kontor_core::Iban::parse(&v.account.iban).map(|i| i.to_string()).unwrap_or_else(|_| v.account.iban.clone())) } }
                        td { a href=(format!("/finance/accounts/{}", v.account.ledger_account)) { (v.account.ledger_account) } }
                        td.num { (euro(lang, v.ledger_balance)) }
                        td.num { @if let Some((b, d)) = &v.statement_balance { (euro(lang, *b)) " " small.muted { (d) } } @else { "–" } }
                        td.num { @if let Some(d) = diff { @if d == 0 { "0" } @else { strong { (euro(lang, d)) } } } }
                        td.num { @if v.open_lines > 0 { a href=(format!("/bank/lines?account={}", v.account.id)) { (v.open_lines) } } @else { "0" } }
                    }
                } }
            } }
            p.muted { (tr(lang, "Die Differenz ist, was noch nicht gebucht ist: offene Umsätze oder fehlende Auszüge.", "The difference is what is not booked yet: open lines or missing statements.")) }
            @for (v, statements) in &history {
                @if !statements.is_empty() {
                    h2 { (tr(lang, "Auszüge", "Statements")) " · " (v.account.data.name) }
                    div.table-wrap { table.statements {
                        thead { tr {
                            th scope="col" { (tr(lang, "bis", "to")) }
                            th scope="col" { (tr(lang, "Auszug", "Statement")) }
                            th scope="col" { (tr(lang, "Format", "Format")) }
                            th.num scope="col" { (tr(lang, "Umsätze", "Lines")) }
                            th.num scope="col" { (tr(lang, "Schlusssaldo", "Closing balance")) }
                            th scope="col" { (tr(lang, "Datei", "File")) }
                            th scope="col" { (tr(lang, "importiert von", "imported by")) }
                        } }
                        tbody { @for st in statements.iter().take(12) {
                            tr {
                                td { (st.closing_date.clone().unwrap_or_default()) }
                                td { a href=(format!("/bank/lines?statement={}&state=booked", st.id)) { (st.data.statement_id.clone().unwrap_or_default()) } }
                                td { (st.data.version) }
                                td.num { (st.data.lines) @if st.data.skipped > 0 { " (" (st.data.skipped) " " (tr(lang, "schon bekannt", "known")) ")" } }
                                td.num { @if let Some((c, _)) = &st.data.closing { (euro(lang, *c)) } }
                                td { (st.data.file_name) }
                                td { (st.data.imported_by) }
                            }
                        } }
                    } }
                }
            }
        }
        @if write && !views.is_empty() {
            form.panel method="post" action="/bank/import" enctype="multipart/form-data" id="bank-import" {
                h2 { (tr(lang, "Kontoauszug importieren", "Import a bank statement")) }
                p.muted { (tr(lang, "CAMT.053, CAMT.052, CAMT.054 oder MT940. Ein schon importierter Auszug wird erkannt und nicht doppelt gebucht; geht der Saldo nicht auf, wird nichts gebucht.", "CAMT.053, CAMT.052, CAMT.054 or MT940. A statement imported before is recognised and not booked twice; if its balances do not add up, nothing is booked.")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                input type="file" name="file" required multiple accept=".xml,.sta,.txt,.940,.mt940";
                " " button.primary type="submit" { (tr(lang, "Importieren", "Import")) }
            }
        }
        @if write {
            form.panel method="post" action="/bank/accounts" id="bank-add" {
                h2 { (tr(lang, "Bankkonto anlegen", "Add a bank account")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                label { (tr(lang, "Bezeichnung", "Name")) " " input type="text" name="name" required maxlength="100"; } " "
                label { "IBAN " input type="text" name="iban" required maxlength="42"; } " "
                label { "BIC " input type="text" name="bic" maxlength="11"; } " "
                label { (tr(lang, "Sachkonto", "Ledger account")) " " input type="text" name="ledger_account" inputmode="numeric" placeholder="1200"; } " "
                button type="submit" { (tr(lang, "Anlegen", "Add")) }
            }
        }
    };
    Ok(page(s, tr(lang, "Bankkonten", "Bank accounts"), content))
}

#[derive(Deserialize)]
struct AccountForm {
    csrf: String,
    name: String,
    iban: String,
    #[serde(default)]
    bic: String,
    #[serde(default)]
    ledger_account: String,
}

async fn add_account(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<AccountForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let c = company(&state, &s).await?;
    let ledger = f.ledger_account.trim().parse::<u32>().ok();
    state
        .app
        .add_bank_account(&s.actor, &c, &f.name, &f.iban, Some(f.bic.as_str()), ledger)
        .await
        .or_page(&s)?;
    Ok(see_other("/bank"))
}

async fn import(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let (csrf, files) = crate::upload::read_files(multipart)
        .await
        .map_err(|e| UiError(lang, e))?;
    check_csrf(&state, &s, csrf.as_deref().unwrap_or(""))?;
    let c = company(&state, &s).await?;
    let mut rows = Vec::new();
    for (name, bytes) in files {
        match state.app.import_bank_file(&s.actor, &c, &name, &bytes).await {
            Ok(r) => rows.push((name, Ok(r))),
            Err(kontor_app::AppError::Conflict { de, en }) => {
                rows.push((name, Err(if lang == Lang::De { de } else { en })))
            }
            Err(e) => return Err(UiError(lang, e.into())),
        }
    }
    let report = html! {
        div.panel id="import-report" role="status" {
            h2 { (tr(lang, "Ergebnis des Imports", "Import result")) }
            ul { @for (name, r) in &rows {
                li {
                    strong { (name) } ": "
                    @match r {
                        Ok(r) => {
                            @for st in &r.statements {
                                @if st.already_imported {
                                    (tr(lang, "schon importiert, nichts gebucht", "imported before, nothing booked"))
                                } @else {
                                    (st.format) " " (st.statement_id.clone().unwrap_or_default()) ": " (st.new_lines) " "
                                    (tr(lang, "neue Umsätze", "new lines"))
                                    @if st.skipped_lines > 0 { ", " (st.skipped_lines) " " (tr(lang, "schon bekannt", "known already")) }
                                }
                                "; "
                            }
                            (r.booked) " " (tr(lang, "automatisch gebucht", "booked by kontor")) ", "
                            (r.open) " " (tr(lang, "zur Zuordnung", "to assign"))
                        }
                        Err(msg) => { span.error { (msg) } }
                    }
                }
            } }
            p { a href="/bank/lines" { (tr(lang, "Zum Abgleich", "To matching")) } }
        }
    };
    accounts_page(&state, &s, Some(report)).await
}

// ------------------------------------------------------------- matching

#[derive(Deserialize, Default)]
struct LinesQuery {
    account: Option<String>,
    statement: Option<String>,
    state: Option<String>,
}

fn reason_label(lang: Lang, r: kontor_banking::matching::Reason) -> &'static str {
    use kontor_banking::matching::Reason::*;
    match (r, lang) {
        (EndToEnd, Lang::De) => "eigene Überweisung (End-to-End-ID)",
        (EndToEnd, _) => "own transfer (end-to-end id)",
        (Reference, Lang::De) => "Rechnungsnummer im Verwendungszweck",
        (Reference, _) => "invoice number in the remittance",
        (Collective, Lang::De) => "Sammelzahlung mehrerer Rechnungen",
        (Collective, _) => "collective payment of several invoices",
        (Skonto, Lang::De) => "Zahlung abzüglich Skonto",
        (Skonto, _) => "payment less Skonto",
        (Partial, Lang::De) => "Teilzahlung",
        (Partial, _) => "partial payment",
        (IbanAmount, Lang::De) => "bekannte IBAN und Betrag",
        (IbanAmount, _) => "known IBAN and amount",
        (AmountOnly, Lang::De) => "nur der Betrag passt",
        (AmountOnly, _) => "only the amount fits",
        (Conflict, Lang::De) => "Widerspruch: Verwendungszweck und Betrag passen zu verschiedenen Rechnungen",
        (Conflict, _) => "contradiction: remittance and amount fit different invoices",
        (Overpaid, Lang::De) => "mehr als offen",
        (Overpaid, _) => "more than is open",
        (Return, Lang::De) => "Rücklastschrift / Rückzahlung",
        (Return, _) => "return",
        (None, Lang::De) => "kein passender Posten",
        (None, _) => "no item fits",
    }
}

async fn lines(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<LinesQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let st = q.state.as_deref().unwrap_or(bank_line_state::OPEN);
    let mut list: Vec<BankLineRecord> = state
        .app
        .bank_lines(&s.actor, &c, q.account.as_deref(), Some(st), 2_000)
        .await
        .or_page(&s)?;
    if let Some(stmt) = &q.statement {
        list.retain(|l| &l.statement_id == stmt);
    }
    let write = can_write(&s, &c);
    let content = html! {
        h1 { (tr(lang, "Abgleich", "Matching")) " · " (c.name) }
        (subnav(lang))
        p.muted { (tr(lang,
            "j/k wählt eine Zeile, a übernimmt kontors Vorschlag. Ein Umsatz, zu dem nur der Betrag passt oder Verwendungszweck und Betrag sich widersprechen, wird nie ohne Sie gebucht.",
            "j/k selects a line, a accepts kontor's suggestion. A line only the amount fits, or whose remittance and amount disagree, is never booked without you.")) }
        nav.subnav {
            a href="/bank/lines" { (tr(lang, "offen", "open")) } " · "
            a href="/bank/lines?state=booked" { (tr(lang, "gebucht", "booked")) }
        }
        @if write && st == bank_line_state::OPEN {
            form.inline method="post" action="/bank/reconcile" {
                input type="hidden" name="csrf" value=(s.csrf_token);
                button.secondary type="submit" id="bank-reconcile" { (tr(lang, "Erneut abgleichen", "Match again")) }
            }
        }
        @if list.is_empty() {
            div.panel { p id="lines-empty" { (tr(lang, "Keine Umsätze in dieser Ansicht.", "No lines in this view.")) } }
        } @else {
            div.table-wrap { table id="bank-lines" data-rows="bank" {
                thead { tr {
                    th scope="col" { (tr(lang, "Datum", "Date")) }
                    th.num scope="col" { (tr(lang, "Betrag", "Amount")) }
                    th scope="col" { (tr(lang, "Gegenseite", "Counterparty")) }
                    th scope="col" { (tr(lang, "Verwendungszweck", "Remittance")) }
                    th scope="col" { (tr(lang, "Vorschlag", "Suggestion")) }
                    th.num scope="col" { (tr(lang, "Sicherheit", "Confidence")) }
                    th scope="col" {}
                } }
                tbody { @for l in &list {
                    @let p = l.data.proposal.as_ref();
                    tr data-line=(l.id) {
                        td { (l.booking_date) }
                        td.num { (euro(lang, l.amount_cents)) }
                        td { (l.data.line.counterparty_name().unwrap_or("")) br; small.muted { (l.data.line.counterparty_iban().unwrap_or("")) } }
                        td { (l.data.line.remittance().chars().take(140).collect::<String>()) }
                        td {
                            @if let Some(p) = p {
                                (reason_label(lang, p.reason))
                                @if !p.applied.is_empty() {
                                    br; small { @for a in &p.applied { (a.reference) " " (euro(lang, a.paid.abs())) @if a.discount != 0 { " + Skonto " (euro(lang, a.discount.abs())) } "; " } }
                                }
                                br; small.muted { (p.explanation_in(lang == Lang::De)) }
                            }
                            @if let Some(b) = &l.data.booked_as { (tr(lang, "gebucht gegen ", "booked against ")) (b) " · " (l.data.booked_by.clone().unwrap_or_default()) }
                        }
                        td.num { @if let Some(p) = p { (p.confidence) " %" } }
                        td {
                            @if write && l.state == bank_line_state::OPEN {
                                @if p.is_some_and(|p| !p.applied.is_empty()) {
                                    form.inline.accept method="post" action=(format!("/bank/lines/{}/accept", l.id)) {
                                        input type="hidden" name="csrf" value=(s.csrf_token);
                                        button.primary.small type="submit" { (tr(lang, "Übernehmen", "Accept")) " (a)" }
                                    }
                                }
                                details {
                                    summary { (tr(lang, "Anders zuordnen", "Assign otherwise")) }
                                    form method="post" action=(format!("/bank/lines/{}/book", l.id)) {
                                        input type="hidden" name="csrf" value=(s.csrf_token);
                                        label { (tr(lang, "Offener Posten (Konto/Beleg) oder Sachkonto", "Open item (account/reference) or ledger account")) " "
                                            input type="text" name="target" required placeholder="10001/RE-1004 · 4970"; }
                                        " " label { (tr(lang, "Skonto", "Skonto")) " " input type="text" name="discount" size="8" placeholder="0,00"; }
                                        " " label { (tr(lang, "Belegfeld", "Reference")) " " input type="text" name="reference" size="12"; }
                                        " " button.small type="submit" { (tr(lang, "Buchen", "Book")) }
                                    }
                                }
                            }
                        }
                    }
                } }
            } }
        }
    };
    Ok(page(&s, tr(lang, "Abgleich", "Matching"), content))
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn accept(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let c = company(&state, &s).await?;
    state
        .app
        .book_bank_line(&s.actor, &c, &id, LineBooking::Proposal)
        .await
        .or_page(&s)?;
    Ok(see_other("/bank/lines"))
}

#[derive(Deserialize)]
struct BookForm {
    csrf: String,
    target: String,
    #[serde(default)]
    discount: String,
    #[serde(default)]
    reference: String,
}

fn cents_of(text: &str) -> Option<i64> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Some(0);
    }
    let t = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else {
        t
    };
    Cents::parse(&t).map(|c| c.0)
}

async fn book(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<BookForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let line = state.app.bank_line(&s.actor, &c, &id).await.or_page(&s)?;
    let target = f.target.trim();
    let discount = cents_of(&f.discount).ok_or_else(|| {
        UiError(
            lang,
            kontor_app::AppError::Conflict {
                de: "Der Skonto-Betrag ist keine Zahl.".into(),
                en: "The Skonto amount is not a number.".into(),
            }
            .into(),
        )
    })?;
    let booking = if target.contains('/') {
        LineBooking::Items(vec![(target.to_string(), line.amount_cents.abs(), discount.abs())])
    } else {
        let account = target.parse::<u32>().map_err(|_| {
            UiError(
                lang,
                kontor_app::AppError::Conflict {
                    de: format!("„{target}“ ist weder ein offener Posten (Konto/Beleg) noch eine Kontonummer."),
                    en: format!("“{target}” is neither an open item (account/reference) nor an account number."),
                }
                .into(),
            )
        })?;
        LineBooking::Accounts(vec![(account, line.amount_cents, f.reference.trim().to_string(), None)])
    };
    state.app.book_bank_line(&s.actor, &c, &id, booking).await.or_page(&s)?;
    Ok(see_other("/bank/lines"))
}

async fn reconcile(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let c = company(&state, &s).await?;
    state.app.reconcile(&s.actor, &c).await.or_page(&s)?;
    Ok(see_other("/bank/lines"))
}

// --------------------------------------------------------- payment runs

fn state_label(lang: Lang, st: &str) -> &'static str {
    match (st, lang) {
        (payment_run_state::DRAFT, Lang::De) => "Entwurf",
        (payment_run_state::SUBMITTED, Lang::De) => "zur Freigabe",
        (payment_run_state::RELEASED, Lang::De) => "freigegeben, Datei bereit",
        (payment_run_state::DONE, Lang::De) => "bezahlt",
        (payment_run_state::REJECTED, Lang::De) => "abgelehnt",
        (payment_run_state::DRAFT, _) => "draft",
        (payment_run_state::SUBMITTED, _) => "awaiting approval",
        (payment_run_state::RELEASED, _) => "released, file ready",
        (payment_run_state::DONE, _) => "paid",
        (payment_run_state::REJECTED, _) => "rejected",
        (_, _) => "cancelled",
    }
}

fn total(r: &PaymentRunRecord) -> i64 {
    r.data.items.iter().filter(|i| i.selected).map(|i| i.pay_cents).sum()
}

async fn runs(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let list = state.app.payment_runs(&s.actor, &c).await.or_page(&s)?;
    let accounts = state.app.bank_accounts(&s.actor, &c).await.or_page(&s)?;
    let today = kontor_core::period::date_of(state.app.now());
    let write = can_write(&s, &c);
    let content = html! {
        h1 { (tr(lang, "Zahlläufe", "Payment runs")) " · " (c.name) }
        (subnav(lang))
        @if write && !accounts.is_empty() {
            form.panel method="post" action="/bank/runs" id="run-propose" {
                h2 { (tr(lang, "Zahllauf vorschlagen", "Propose a payment run")) }
                p.muted { (tr(lang, "kontor schlägt die offenen Lieferantenposten vor, die bis zum Horizont fällig sind oder am Ausführungstag mit Skonto bezahlt werden können.", "kontor proposes the open supplier items due within the horizon or payable with Skonto on the execution date.")) }
                input type="hidden" name="csrf" value=(s.csrf_token);
                label { (tr(lang, "Von Konto", "From account")) " "
                    select name="account" { @for a in &accounts { option value=(a.account.id) { (a.account.data.name) " · " (a.account.iban) } } } }
                " " label { (tr(lang, "Ausführung", "Execution")) " " input type="date" name="date" value=(today) required; }
                " " label { (tr(lang, "Horizont (Tage)", "Horizon (days)")) " " input type="number" name="horizon" value="7" min="0" max="365"; }
                " " button.primary type="submit" { (tr(lang, "Vorschlagen", "Propose")) }
            }
        }
        @if list.is_empty() {
            div.panel { p { (tr(lang, "Noch keine Zahlläufe.", "No payment runs yet.")) } }
        } @else {
            div.table-wrap { table id="runs" {
                thead { tr {
                    th scope="col" { "Nr." }
                    th scope="col" { (tr(lang, "Ausführung", "Execution")) }
                    th scope="col" { (tr(lang, "Status", "State")) }
                    th.num scope="col" { (tr(lang, "Posten", "Items")) }
                    th.num scope="col" { (tr(lang, "Summe", "Total")) }
                } }
                tbody { @for r in &list {
                    tr {
                        td { a href=(format!("/bank/runs/{}", r.id)) { (r.number) } }
                        td { (r.data.execution_date) }
                        td { (state_label(lang, &r.state)) }
                        td.num { (r.data.items.iter().filter(|i| i.selected).count()) }
                        td.num { (euro(lang, total(r))) }
                    }
                } }
            } }
        }
    };
    Ok(page(&s, tr(lang, "Zahlläufe", "Payment runs"), content))
}

#[derive(Deserialize)]
struct ProposeForm {
    csrf: String,
    account: String,
    date: String,
    #[serde(default)]
    horizon: String,
}

async fn propose(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<ProposeForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let c = company(&state, &s).await?;
    let horizon = f.horizon.trim().parse::<i64>().unwrap_or(7);
    let r = state
        .app
        .propose_payment_run(&s.actor, &c, &f.account, &f.date, horizon)
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/bank/runs/{}", r.id)))
}

async fn run(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let r = state.app.payment_run(&s.actor, &c, &id).await.or_page(&s)?;
    let draft = r.state == payment_run_state::DRAFT && can_write(&s, &c);
    let changed: Vec<&str> = r
        .data
        .items
        .iter()
        .filter(|i| i.selected && i.iban_changed_at.is_some())
        .map(|i| i.partner_name.as_str())
        .collect();
    let content = html! {
        h1 { (tr(lang, "Zahllauf", "Payment run")) " " (r.number) " · " (state_label(lang, &r.state)) }
        (subnav(lang))
        @if !changed.is_empty() {
            div.panel.error-box role="alert" id="iban-warning" {
                p { strong { (tr(lang, "Achtung: Bankverbindung kürzlich geändert", "Warning: bank account changed recently")) } ": " (changed.join(", ")) }
                p { (tr(lang, "Bitte die neue IBAN beim Lieferanten auf einem bekannten Weg (Telefon, nicht per E-Mail) bestätigen. Die Freigabe braucht eine zusätzliche Person; wer die Bankverbindung geändert hat, darf nicht freigeben.", "Confirm the new IBAN with the supplier through a known channel (phone, not e-mail). The release needs one more person; whoever changed the bank account may not release it.")) }
            }
        }
        div.panel {
            p { (tr(lang, "Ausführung", "Execution")) ": " (r.data.execution_date) " · " (tr(lang, "Summe", "Total")) ": " strong { (euro(lang, total(&r))) } }
            @if matches!(r.state.as_str(), payment_run_state::RELEASED | payment_run_state::DONE) {
                p {
                    a.button id="pain-09" href=(format!("/bank/runs/{}/pain.xml?version=09", r.id)) { (tr(lang, "SEPA-Datei (pain.001.001.09)", "SEPA file (pain.001.001.09)")) }
                    " · "
                    a href=(format!("/bank/runs/{}/pain.xml?version=03", r.id)) { "pain.001.001.03" }
                }
                p.muted { (tr(lang, "Die Datei ist bei jedem Abruf gleich; die Bank erkennt eine doppelte Einreichung an der Nachrichten-ID.", "The file is the same on every download; the bank recognises a second submission by its message id.")) }
            }
            @if r.state == payment_run_state::SUBMITTED {
                p { (tr(lang, "Wartet auf Freigabe in den Aufgaben der Freigabe-Berechtigten.", "Waiting for release in the approvers' task inbox.")) " " a href="/tasks" { (tr(lang, "Aufgaben", "Tasks")) } }
            }
        }
        form method="post" action=(format!("/bank/runs/{}/adjust", r.id)) id="run-items" {
            input type="hidden" name="csrf" value=(s.csrf_token);
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (tr(lang, "Zahlen", "Pay")) }
                    th scope="col" { (tr(lang, "Empfänger", "Payee")) }
                    th scope="col" { "IBAN" }
                    th scope="col" { (tr(lang, "Rechnung", "Invoice")) }
                    th scope="col" { (tr(lang, "fällig", "due")) }
                    th.num scope="col" { (tr(lang, "offen", "open")) }
                    th.num scope="col" { "Skonto" }
                    th.num scope="col" { (tr(lang, "Zahlbetrag", "Amount paid")) }
                    th scope="col" {}
                } }
                tbody { @for (n, i) in r.data.items.iter().enumerate() {
                    tr {
                        td { input type="checkbox" name=(format!("pay_{n}")) checked[i.selected] disabled[!draft || i.iban.is_empty()]; }
                        td { (i.partner_name) @if i.iban_changed_at.is_some() { " " strong.error { (tr(lang, "IBAN geändert!", "IBAN changed!")) } } }
                        td { code { (i.iban) } @if i.iban.is_empty() { span.error { (tr(lang, "keine IBAN", "no IBAN")) } } }
                        td { (i.reference) }
                        td { (i.due_date.clone().unwrap_or_default()) }
                        td.num { (euro(lang, i.open_cents)) }
                        td.num { @if i.discount_cents > 0 { (euro(lang, i.discount_cents)) br; small.muted { (tr(lang, "bis ", "until ")) (i.skonto_until.clone().unwrap_or_default()) } } }
                        td.num { @if draft { input type="text" name=(format!("amount_{n}")) size="10" value=(euro(lang, i.pay_cents)); } @else { (euro(lang, i.pay_cents)) } }
                        td { @if i.paid { "✓ " (tr(lang, "bezahlt", "paid")) } }
                    }
                } }
            } }
            @if draft { button type="submit" { (tr(lang, "Änderungen speichern", "Save changes")) } }
        }
        @if draft {
            form.panel method="post" action=(format!("/bank/runs/{}/submit", r.id)) {
                input type="hidden" name="csrf" value=(s.csrf_token);
                p.muted { (tr(lang, "Nach dem Einreichen gibt eine zweite Person den Lauf frei; erst dann gibt es die SEPA-Datei.", "After submitting, a second person releases the run; only then is the SEPA file available.")) }
                button.primary type="submit" id="run-submit" { (tr(lang, "Zur Freigabe einreichen", "Submit for release")) }
            }
        }
    };
    Ok(page(&s, tr(lang, "Zahllauf", "Payment run"), content))
}

async fn adjust(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let csrf = f
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    check_csrf(&state, &s, csrf)?;
    let c = company(&state, &s).await?;
    let r = state.app.payment_run(&s.actor, &c, &id).await.or_page(&s)?;
    let mut changes = Vec::new();
    for (n, i) in r.data.items.iter().enumerate() {
        let selected = f.iter().any(|(k, _)| k == &format!("pay_{n}"));
        let amount = match f.iter().find(|(k, _)| k == &format!("amount_{n}")) {
            Some((_, v)) => Some(cents_of(v).filter(|c| *c > 0).ok_or_else(|| {
                UiError(
                    lang,
                    kontor_app::AppError::Conflict {
                        de: format!("Der Zahlbetrag für {} ist keine Zahl.", i.reference),
                        en: format!("The amount for {} is not a number.", i.reference),
                    }
                    .into(),
                )
            })?),
            None => None,
        };
        if selected != i.selected || amount.is_some_and(|a| a != i.pay_cents) {
            changes.push((n, selected && !i.iban.is_empty(), amount));
        }
    }
    state
        .app
        .adjust_payment_run(&s.actor, &c, &id, &changes)
        .await
        .or_page(&s)?;
    Ok(see_other(&format!("/bank/runs/{id}")))
}

async fn submit(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let c = company(&state, &s).await?;
    state.app.submit_payment_run(&s.actor, &c, &id).await.or_page(&s)?;
    Ok(see_other(&format!("/bank/runs/{id}")))
}

#[derive(Deserialize, Default)]
struct PainQuery {
    version: Option<String>,
}

async fn pain(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
    Query(q): Query<PainQuery>,
) -> Result<Response, UiError> {
    let c = company(&state, &s).await?;
    let v = PainVersion::parse(q.version.as_deref().unwrap_or("09")).unwrap_or(PainVersion::V09);
    let (name, bytes) = state.app.payment_file(&s.actor, &c, &id, v).await.or_page(&s)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

// -------------------------------------------------------------- dunning

async fn dunning(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let proposals = state.app.propose_dunning(&s.actor, &c).await.or_page(&s)?;
    let sent = state.app.dunning_notices(&s.actor, &c).await.or_page(&s)?;
    let write = can_write(&s, &c);
    let level_name = |l: u8| match (l, lang) {
        (1, Lang::De) => "Zahlungserinnerung",
        (1, _) => "Payment reminder",
        (2, Lang::De) => "1. Mahnung",
        (2, _) => "First dunning letter",
        (_, Lang::De) => "Letzte Mahnung",
        (_, _) => "Final dunning letter",
    };
    let content = html! {
        h1 { (tr(lang, "Mahnwesen", "Dunning")) " · " (c.name) }
        (subnav(lang))
        p.muted { (tr(lang,
            "Fällig 14 Tage nach Rechnungsdatum. Stufen: Erinnerung ab 7 Tagen (ohne Gebühr), 1. Mahnung ab 21 Tagen (5 €), letzte Mahnung ab 35 Tagen (10 €), mindestens 7 Tage zwischen zwei Schreiben. Verzugszinsen nach § 288 BGB: Basiszinssatz + 9 Prozentpunkte für Unternehmen (mit USt-IdNr.), + 5 für Verbraucher; zwischen Unternehmen 40 € Pauschale.",
            "Due 14 days after the invoice date. Levels: reminder from 7 days (no fee), first letter from 21 days (5 €), final letter from 35 days (10 €), at least 7 days between two letters. Default interest per § 288 BGB: base rate + 9 points for businesses (with VAT id), + 5 for consumers; 40 € flat fee between businesses.")) }
        @if proposals.is_empty() {
            div.panel { p id="dunning-none" { (tr(lang, "Heute ist nichts zu mahnen.", "Nothing to remind today.")) } }
        } @else {
            form method="post" action="/bank/dunning" id="dunning-form" {
                input type="hidden" name="csrf" value=(s.csrf_token);
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" {}
                        th scope="col" { (tr(lang, "Kunde", "Customer")) }
                        th scope="col" { (tr(lang, "Rechnung", "Invoice")) }
                        th scope="col" { (tr(lang, "fällig seit", "due since")) }
                        th.num scope="col" { (tr(lang, "Tage", "Days")) }
                        th scope="col" { (tr(lang, "Stufe", "Level")) }
                        th.num scope="col" { (tr(lang, "offen", "open")) }
                        th.num scope="col" { (tr(lang, "Gebühr", "Fee")) }
                        th.num scope="col" { (tr(lang, "Zinsen", "Interest")) }
                    } }
                    tbody { @for p in &proposals {
                        tr {
                            td { input type="checkbox" name="key" value=(p.notice.key) checked disabled[!write]; }
                            td { (p.partner_name) }
                            td { (p.notice.reference) }
                            td { (p.notice.due) }
                            td.num { (p.notice.days_overdue) }
                            td { (level_name(p.notice.level)) }
                            td.num { (euro(lang, p.notice.open_cents)) }
                            td.num { (euro(lang, p.notice.fee_cents + p.flat_fee_cents)) }
                            td.num { (euro(lang, p.notice.interest_cents)) }
                        }
                    } }
                } }
                @if write { button.primary type="submit" id="dunning-send" { (tr(lang, "Schreiben erstellen", "Create the letters")) } }
            }
        }
        h2 { (tr(lang, "Versandte Schreiben", "Letters sent")) }
        @if sent.is_empty() { p.muted { (tr(lang, "Noch keine.", "None yet.")) } }
        @else {
            div.table-wrap { table id="dunning-sent" {
                tbody { @for n in &sent {
                    tr {
                        td { (n.sent_on) }
                        td { (n.data.partner_name) }
                        td { (n.data.reference) }
                        td { (level_name(n.level)) }
                        td.num { (euro(lang, n.data.open_cents + n.data.fee_cents + n.data.interest_cents + n.data.flat_fee_cents)) }
                        td { a href=(format!("/bank/dunning/{}/letter.pdf", n.id)) { "PDF" } }
                    }
                } }
            } }
        }
    };
    Ok(page(&s, tr(lang, "Mahnwesen", "Dunning"), content))
}

async fn dunning_send(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let csrf = f
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    check_csrf(&state, &s, csrf)?;
    let c = company(&state, &s).await?;
    let keys: Vec<String> = f.iter().filter(|(k, _)| k == "key").map(|(_, v)| v.clone()).collect();
    if !keys.is_empty() {
        state.app.send_dunning(&s.actor, &c, &keys).await.or_page(&s)?;
    }
    Ok(see_other("/bank/dunning"))
}

async fn dunning_letter(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let c = company(&state, &s).await?;
    let (name, bytes) = state.app.dunning_letter(&s.actor, &c, &id).await.or_page(&s)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
