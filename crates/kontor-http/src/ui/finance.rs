//! Finance in the UI: trial balance, chart of accounts, Kontoblatt, GuV,
//! Bilanz, UStVA, CSV downloads and a DATEV-style entry mask (Konto,
//! Gegenkonto, Steuerschlüssel, Betrag, Belegfeld, Datum, Text) with a live
//! VAT split, usable from the keyboard alone. Permissions are checked by
//! the use-cases; the pages only hide what a person cannot use.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use kontor_app::records::CompanyRecord;
use kontor_app::AppError;
use kontor_core::{Action, Lang, Module, Permission};
use kontor_ledger::account::{AccountNo, Chart};
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::{Side, TaxCode, ALL};
use maud::{html, Markup};
use serde::Deserialize;

use super::{check_csrf, current_company_code, html_response, layout, see_other, OrPage, UiError};
use crate::i18n::t;
use crate::problem::ApiError;
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/finance", get(overview))
        .route("/finance/balance.csv", get(balance_csv))
        .route("/finance/accounts", get(accounts))
        .route("/finance/accounts/{no}", get(account_ledger))
        .route("/finance/guv", get(guv))
        .route("/finance/bilanz", get(bilanz))
        .route("/finance/ustva", get(ustva))
        .route("/finance/journal", get(journal))
        .route("/finance/opos", get(opos))
        .route("/finance/entry", get(entry_form).post(entry_post))
}

#[derive(Deserialize, Default)]
pub(super) struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    pub(super) period: Option<String>,
    saved: Option<i64>,
    /// Kontoblatt downloads: the account.
    pub(super) account: Option<String>,
    /// Journal: show from the journal number after this one / this entry.
    after: Option<i64>,
    number: Option<i64>,
}

impl RangeQuery {
    /// The range asked for, default: the current calendar year.
    pub(super) fn range(&self, today: Date) -> (Date, Date) {
        let y = today.year();
        let from = self
            .from
            .as_deref()
            .and_then(Date::parse)
            .or_else(|| Date::new(y, 1, 1))
            .unwrap_or(today);
        let to = self
            .to
            .as_deref()
            .and_then(Date::parse)
            .or_else(|| Date::new(y, 12, 31))
            .unwrap_or(today);
        (from, to)
    }
}

pub(super) fn today(state: &HttpState) -> Date {
    Date::from_days(i32::try_from(state.app.now().millis().div_euclid(86_400_000)).unwrap_or(0))
}

pub(super) async fn company(state: &HttpState, s: &kontor_app::SessionContext) -> Result<CompanyRecord, UiError> {
    state.app.company(&s.actor, &current_company_code(s)?).await.or_page(s)
}

pub(super) fn euro(lang: Lang, c: Cents) -> String {
    // 1.234,56 (de) or 1,234.56 (en)
    let neg = c.0 < 0;
    let a = c.0.unsigned_abs();
    let int = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(if lang == Lang::De { '.' } else { ',' });
        }
        grouped.push(ch);
    }
    format!(
        "{}{grouped}{}{:02}",
        if neg { "−" } else { "" },
        if lang == Lang::De { ',' } else { '.' },
        a % 100
    )
}

pub(super) fn nav(lang: Lang, can_write: bool) -> Markup {
    html! {
        nav.subnav aria-label=(t(lang, "fin.nav")) {
            a href="/finance" { (t(lang, "fin.balance")) } " · "
            a href="/finance/journal" { (t(lang, "fin.journal")) } " · "
            a href="/finance/opos" { (t(lang, "fin.opos")) } " · "
            a href="/finance/guv" { (t(lang, "fin.guv")) } " · "
            a href="/finance/bilanz" { (t(lang, "fin.bilanz")) } " · "
            a href="/finance/ustva" { (t(lang, "fin.ustva")) } " · "
            a href="/finance/accounts" { (t(lang, "fin.accounts")) } " · "
            a href="/finance/exports" { (t(lang, "fin.exports")) } " · "
            a href="/bank" { (t(lang, "fin.bank")) } " · "
            a href="/bank/runs" { (t(lang, "fin.runs")) }
            @if can_write { " · " a href="/finance/entry" { (t(lang, "fin.entry")) } }
        }
    }
}

fn range_form(lang: Lang, action: &str, from: Date, to: Date) -> Markup {
    html! {
        form.inline method="get" action=(action) {
            label { (t(lang, "fin.from")) " " input type="date" name="from" value=(from.to_string()); }
            " "
            label { (t(lang, "fin.to")) " " input type="date" name="to" value=(to.to_string()); }
            " "
            button type="submit" { (t(lang, "fin.show")) }
        }
    }
}

/// A finance page in the frame of every signed-in page.
fn finance_page(s: &kontor_app::SessionContext, title_key: &str, content: Markup) -> Response {
    html_response(StatusCode::OK, layout(s, "/finance", t(s.lang(), title_key), content))
}

/// The form of reports as of one day (Bilanz, open items).
fn as_of_form(lang: Lang, action: &str, to: Date) -> Markup {
    html! {
        form.inline method="get" action=(action) {
            label { (t(lang, "fin.as_of")) " " input type="date" name="to" value=(to.to_string()); }
            " " button type="submit" { (t(lang, "fin.show")) }
        }
    }
}

async fn overview(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let kind = state.app.ledger_chart(&s.actor, &c).await.or_page(&s)?;
    let chart = Chart::standard(kind);
    let (from, to) = q.range(today(&state));
    let tb = state
        .app
        .trial_balance(&s.actor, &c, Some(from), Some(to))
        .await
        .or_page(&s)?;
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.balance")) " · " (c.name) }
        (nav(lang, can_write))
        p.muted { (t(lang, "fin.chart")) ": " (kind.as_str().to_uppercase()) }
        (range_form(lang, "/finance", from, to))
        (super::reports::links(lang, "summen-salden", &format!("from={from}&to={to}")))
        @if tb.rows().next().is_none() {
            div.panel { p { (t(lang, "fin.empty")) } }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (t(lang, "fin.account")) }
                    th scope="col" { (t(lang, "fin.name")) }
                    th.num scope="col" { (t(lang, "fin.debit")) }
                    th.num scope="col" { (t(lang, "fin.credit")) }
                    th.num scope="col" { (t(lang, "fin.saldo")) }
                } }
                tbody {
                    @for (a, _, tot) in tb.rows() {
                        tr {
                            td { a href=(format!("/finance/accounts/{a}?from={from}&to={to}")) { (a.to_string()) } }
                            td { (chart.account(a).map(|x| x.name.as_str()).unwrap_or(if a.number() >= 70_000 { t(lang, "fin.creditor") } else if a.number() >= 10_000 { t(lang, "fin.debtor") } else { "" })) }
                            td.num { (euro(lang, tot.debit)) }
                            td.num { (euro(lang, tot.credit)) }
                            td.num { (euro(lang, tot.balance())) }
                        }
                    }
                }
            } }
        }
    };
    Ok(finance_page(&s, "fin.balance", content))
}

async fn balance_csv(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let c = company(&state, &s).await?;
    let (from, to) = q.range(today(&state));
    let tb = state
        .app
        .trial_balance(&s.actor, &c, Some(from), Some(to))
        .await
        .or_page(&s)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"summen-salden-{}-{from}-{to}.csv\"",
                    c.code.as_str()
                ),
            ),
        ],
        tb.csv(),
    )
        .into_response())
}

async fn accounts(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let kind = state.app.ledger_chart(&s.actor, &c).await.or_page(&s)?;
    let chart = Chart::standard(kind);
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.accounts")) " · " (kind.as_str().to_uppercase()) }
        (nav(lang, can_write))
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (t(lang, "fin.account")) }
                th scope="col" { (t(lang, "fin.name")) }
                th scope="col" { (t(lang, "fin.type")) }
                th scope="col" { (t(lang, "fin.position")) }
                th scope="col" { (t(lang, "fin.tax_code")) }
            } }
            tbody {
                @for a in &chart.accounts {
                    tr {
                        td { (a.number.to_string()) @if let Some(e) = a.range_end { "–" (e.to_string()) } }
                        td { (a.name) }
                        td { (t(lang, &format!("fin.type.{}", serde_json::to_value(a.account_type).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()))) }
                        td { (a.report_position) }
                        td { (a.default_tax_code.as_deref().unwrap_or("")) }
                    }
                }
            }
        } }
    };
    Ok(finance_page(&s, "fin.accounts", content))
}

async fn account_ledger(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(no): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let account = AccountNo::parse(&no).ok_or_else(|| UiError(lang, ApiError::code("not_found")))?;
    let (from, to) = q.range(today(&state));
    let l = state
        .app
        .account_ledger(&s.actor, &c, account, from, to)
        .await
        .or_page(&s)?;
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.kontoblatt")) " " (l.account) " " (l.name) }
        (nav(lang, can_write))
        (range_form(lang, &format!("/finance/accounts/{}", l.account), from, to))
        (super::reports::links(lang, "kontoblatt", &format!("from={from}&to={to}&account={}", l.account)))
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (t(lang, "fin.date")) }
                th scope="col" { (t(lang, "fin.number")) }
                th scope="col" { (t(lang, "fin.reference")) }
                th scope="col" { (t(lang, "fin.text")) }
                th.num scope="col" { (t(lang, "fin.amount")) }
                th.num scope="col" { (t(lang, "fin.saldo")) }
            } }
            tbody {
                tr { td {} td {} td {} td { (t(lang, "fin.opening")) } td {} td.num { (euro(lang, l.opening)) } }
                @for (d, n, r, text, amount, bal) in &l.lines {
                    tr { td { (d.to_string()) } td { a href=(format!("/finance/journal?number={n}")) { (n) } } td { (r) } td { (text) } td.num { (euro(lang, *amount)) } td.num { (euro(lang, *bal)) } }
                }
                tr { td {} td {} td {} td { strong { (t(lang, "fin.closing")) } } td {} td.num { strong { (euro(lang, l.closing)) } } }
            }
        } }
    };
    Ok(finance_page(&s, "fin.kontoblatt", content))
}

fn positions(lang: Lang, title: &str, list: &[kontor_ledger::reports::Position]) -> Markup {
    html! {
        h2 { (title) }
        div.table-wrap { table {
            tbody {
                @for p in list {
                    tr { td { (p.position) } td.num { (euro(lang, p.amount)) } }
                }
            }
        } }
    }
}

async fn guv(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let (from, to) = q.range(today(&state));
    let r = state.app.profit_and_loss(&s.actor, &c, from, to).await.or_page(&s)?;
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.guv")) " · " (c.name) }
        (nav(lang, can_write))
        (range_form(lang, "/finance/guv", from, to))
        (super::reports::links(lang, "guv", &format!("from={from}&to={to}")))
        (positions(lang, t(lang, "fin.income"), &r.income))
        (positions(lang, t(lang, "fin.expenses"), &r.expenses))
        p.total { strong { (t(lang, "fin.result")) ": " (euro(lang, r.result)) } }
    };
    Ok(finance_page(&s, "fin.guv", content))
}

async fn bilanz(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let (_, to) = q.range(today(&state));
    let b = state.app.balance_sheet(&s.actor, &c, to).await.or_page(&s)?;
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.bilanz")) " · " (c.name) " · " (to.to_string()) }
        (nav(lang, can_write))
        (as_of_form(lang, "/finance/bilanz", to))
        (super::reports::links(lang, "bilanz", &format!("to={to}")))
        (positions(lang, t(lang, "fin.assets"), &b.assets))
        p.total { strong { (t(lang, "fin.total")) ": " (euro(lang, b.total_assets)) } }
        (positions(lang, t(lang, "fin.liabilities"), &b.liabilities_and_equity))
        p { (t(lang, "fin.result")) ": " (euro(lang, b.result)) }
        p.total { strong { (t(lang, "fin.total")) ": " (euro(lang, b.total_liabilities_and_equity)) } }
    };
    Ok(finance_page(&s, "fin.bilanz", content))
}

async fn ustva(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let today = today(&state);
    let default_period = {
        let (y, m, _) = Date::from_days(today.days() - 28).ymd();
        format!("{y}-{m:02}")
    };
    let period = q.period.clone().unwrap_or(default_period);
    let (from, to) =
        kontor_ledger::date::parse_period(&period).ok_or_else(|| UiError(lang, ApiError::code("invalid_input")))?;
    let u = state.app.ustva(&s.actor, &c, from, to).await.or_page(&s)?;
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.ustva")) " " (period) " · " (c.name) }
        (nav(lang, can_write))
        form.inline method="get" action="/finance/ustva" {
            label { (t(lang, "fin.period")) " " input type="text" name="period" value=(period) pattern="[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])" size="8"; }
            " " button type="submit" { (t(lang, "fin.show")) }
        }
        div.table-wrap { table {
            thead { tr { th scope="col" { "Kz" } th.num scope="col" { (t(lang, "fin.amount")) } th scope="col" { (t(lang, "fin.entries")) } } }
            tbody {
                @for l in &u.lines {
                    tr {
                        td { (l.kz) }
                        td.num { @if let Some(e) = l.euros { (e) " €" } @else { (euro(lang, l.cents)) " €" } }
                        td { @for (i, n) in l.entries.iter().enumerate() { @if i > 0 { ", " } a href=(format!("/finance/journal?number={n}")) { (n) } } }
                    }
                }
                tr { td { strong { "83" } } td.num { strong { (euro(lang, u.kz83)) " €" } } td {} }
            }
        } }
    };
    Ok(finance_page(&s, "fin.ustva", content))
}

/// The journal: entries of a range in journal-number order, 200 per page,
/// each with its postings; `?number=N` shows one entry (the UStVA and the
/// Kontoblatt link here).
async fn journal(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    const PAGE: usize = 200;
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let (from, to) = q.range(today(&state));
    let entries = match q.number {
        Some(n) => vec![state.app.ledger_entry_by_number(&s.actor, &c, n).await.or_page(&s)?],
        None => state
            .app
            .journal(&s.actor, &c, from, to, q.after.unwrap_or(0), PAGE + 1)
            .await
            .or_page(&s)?,
    };
    let more = entries.len() > PAGE;
    let entries = &entries[..entries.len().min(PAGE)];
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.journal")) " · " (c.name) }
        (nav(lang, can_write))
        (range_form(lang, "/finance/journal", from, to))
        (super::reports::links(lang, "journal", &format!("from={from}&to={to}")))
        @if entries.is_empty() {
            div.panel { p { (t(lang, "fin.empty")) } }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th.num scope="col" { (t(lang, "fin.number")) }
                    th scope="col" { (t(lang, "fin.date")) }
                    th scope="col" { (t(lang, "fin.reference")) }
                    th scope="col" { (t(lang, "fin.text")) }
                    th scope="col" { (t(lang, "fin.account")) }
                    th.num scope="col" { (t(lang, "fin.debit")) }
                    th.num scope="col" { (t(lang, "fin.credit")) }
                    th scope="col" { (t(lang, "fin.tax_code")) }
                    th scope="col" { (t(lang, "fin.status")) }
                } }
                tbody {
                    @for r in entries {
                        @for (i, p) in r.entry.postings().iter().enumerate() {
                            tr id=[(i == 0).then(|| format!("n{}", r.number))] {
                                @if i == 0 {
                                    td.num { (r.number) }
                                    td { (r.entry.posting_date.to_string()) }
                                    td {
                                        // The Beleg: the archived document the entry is based on.
                                        @match &r.entry.provenance.document {
                                            Some(d) if !d.is_empty() => { a.beleg href=(format!("/documents/{d}")) { (r.entry.reference) " 📎" } }
                                            _ => { (r.entry.reference) }
                                        }
                                    }
                                    td { (r.entry.text) }
                                } @else { td {} td {} td {} td {} }
                                td { a href=(format!("/finance/accounts/{}?from={from}&to={to}", p.account)) { (p.account.to_string()) } }
                                td.num { @if p.amount.0 >= 0 { (euro(lang, p.amount)) } }
                                td.num { @if p.amount.0 < 0 { (euro(lang, Cents(-p.amount.0))) } }
                                td { (p.tax_code.map(|c| c.as_str()).unwrap_or("")) }
                                td {
                                    @if i == 0 {
                                        (t(lang, if r.fixed_at.is_some() { "fin.fixed" } else { "fin.draft" }))
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            @if more {
                @if let Some(last) = entries.last() {
                    p { a.button.secondary href=(format!("/finance/journal?from={from}&to={to}&after={}", last.number)) { (t(lang, "fin.next_page")) } }
                }
            }
        }
    };
    Ok(finance_page(&s, "fin.journal", content))
}

/// Open items of the debtors and creditors as of a day.
async fn opos(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let (_, to) = q.range(today(&state));
    let items = state.app.open_items(&s.actor, &c, to).await.or_page(&s)?;
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    let content = html! {
        h1 { (t(lang, "fin.opos")) " · " (c.name) " · " (to.to_string()) }
        (nav(lang, can_write))
        (as_of_form(lang, "/finance/opos", to))
        (super::reports::links(lang, "opos", &format!("to={to}")))
        @if items.is_empty() {
            div.panel { p { (t(lang, "fin.empty")) } }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (t(lang, "fin.account")) }
                    th scope="col" { (t(lang, "fin.reference")) }
                    th scope="col" { (t(lang, "fin.first_date")) }
                    th scope="col" { (t(lang, "fin.last_date")) }
                    th.num scope="col" { (t(lang, "fin.amount")) }
                } }
                tbody {
                    @for i in &items {
                        tr {
                            td { a href=(format!("/finance/accounts/{}?to={to}", i.account)) { (i.account.to_string()) } }
                            td { (i.reference) }
                            td { (i.first_date.to_string()) }
                            td { (i.last_date.to_string()) }
                            td.num { (euro(lang, i.amount)) }
                        }
                    }
                }
            } }
        }
    };
    Ok(finance_page(&s, "fin.opos", content))
}

/// An amount as people type it, in either language, read the same way as
/// the mask's live preview: a comma followed by one or two digits at the
/// end is the decimal comma (dots group thousands: `1.234,56`); otherwise a
/// dot is the decimal point (commas group thousands: `1,234.56`, `119.00`).
fn parse_amount(text: &str) -> Option<Cents> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let decimal_comma = t
        .rsplit_once(',')
        .is_some_and(|(_, frac)| (1..=2).contains(&frac.len()) && frac.bytes().all(|b| b.is_ascii_digit()));
    if decimal_comma {
        Cents::parse(&t.replace('.', "").replace(',', "."))
    } else {
        Cents::parse(&t.replace(',', ""))
    }
}

#[derive(Deserialize, Default, Clone)]
struct EntryForm {
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    konto: String,
    #[serde(default)]
    gegenkonto: String,
    #[serde(default)]
    tax: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    side: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    text: String,
}

fn entry_mask(
    lang: Lang,
    csrf: &str,
    f: &EntryForm,
    errors: &[String],
    last: Option<&kontor_app::records::LedgerEntryRecord>,
) -> Markup {
    html! {
        @if let Some(r) = last {
            div.panel.notice role="status" { p { (t(lang, "fin.booked")) " " strong { (r.number) } ": " (r.entry.text) } }
        }
        @if !errors.is_empty() {
            div.panel.error-box role="alert" { ul { @for e in errors { li { (e) } } } }
        }
        form.entry-mask id="entry-mask" method="post" action="/finance/entry" {
            input type="hidden" name="csrf" value=(csrf);
            div.grid {
                label { (t(lang, "fin.date")) input type="date" name="date" value=(f.date) required autofocus; }
                label { (t(lang, "fin.amount")) input id="entry-amount" type="text" name="amount" value=(f.amount) inputmode="decimal" required placeholder="119,00"; }
                label { (t(lang, "fin.side")) select name="side" {
                    option value="S" selected[f.side != "H"] { "S – " (t(lang, "fin.side.s")) }
                    option value="H" selected[f.side == "H"] { "H – " (t(lang, "fin.side.h")) }
                } }
                label { (t(lang, "fin.konto")) input type="text" name="konto" value=(f.konto) inputmode="numeric" pattern="[0-9]{4,5}" required; }
                label { (t(lang, "fin.gegenkonto")) input type="text" name="gegenkonto" value=(f.gegenkonto) inputmode="numeric" pattern="[0-9]{4,5}" required; }
                label { (t(lang, "fin.tax_code")) select id="entry-tax" name="tax" {
                    option value="" { "–" }
                    @for c in ALL {
                        option value=(c.as_str()) data-rate=(c.rate()) data-net=(if c.reverse_charge() { "1" } else { "0" }) selected[f.tax == c.as_str()] {
                            (c.as_str()) @if let Some(k) = c.datev_key() { " (BU " (k) ")" }
                        }
                    }
                } }
                label { (t(lang, "fin.reference")) input type="text" name="reference" value=(f.reference) maxlength="36"; }
                label.wide { (t(lang, "fin.text")) input type="text" name="text" value=(f.text) maxlength="200"; }
            }
            p.muted id="entry-split" aria-live="polite" data-template=(t(lang, "fin.split")) data-lang=(if lang == Lang::De { "de" } else { "en" }) {}
            p { button type="submit" { (t(lang, "fin.book")) } " " span.muted { (t(lang, "fin.keyboard_hint")) } }
        }
    }
}

async fn entry_form(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    if !s.actor.can(c.id, Permission::new(Module::Finance, Action::Write)) {
        return Err(UiError(lang, ApiError::code("forbidden")));
    }
    let f = EntryForm {
        date: today(&state).to_string(),
        ..EntryForm::default()
    };
    let content = html! {
        h1 { (t(lang, "fin.entry")) " · " (c.name) }
        (nav(lang, true))
        @if let Some(n) = q.saved { div.panel.notice role="status" { p { (t(lang, "fin.booked")) " " strong { (n) } } } }
        (entry_mask(lang, &s.csrf_token, &f, &[], None))
    };
    Ok(finance_page(&s, "fin.entry", content))
}

/// The postings of the mask's entry: the Gegenkonto side (with its tax,
/// split as DATEV would) and the Konto side.
fn postings(chart: &Chart, f: &EntryForm, lang: Lang) -> Result<(Vec<Posting>, Date), Vec<String>> {
    let mut errors = Vec::new();
    let date = Date::parse(&f.date);
    if date.is_none() {
        errors.push(t(lang, "fin.err.date").to_string());
    }
    let konto = AccountNo::parse(&f.konto);
    let gegen = AccountNo::parse(&f.gegenkonto);
    for (a, raw) in [(konto, &f.konto), (gegen, &f.gegenkonto)] {
        match a {
            None => errors.push(format!("{}: {raw:?}", t(lang, "fin.err.account"))),
            Some(a) if !a.is_personal() && chart.account(a).is_none() => {
                errors.push(format!("{}: {a}", t(lang, "fin.err.unknown_account")))
            }
            _ => {}
        }
    }
    let amount = parse_amount(&f.amount);
    if amount.is_none_or(|a| a.0 <= 0) {
        errors.push(t(lang, "fin.err.amount").to_string());
    }
    let code = match f.tax.as_str() {
        "" => None,
        c => match TaxCode::parse(c) {
            Some(c) => Some(c),
            None => {
                errors.push(t(lang, "fin.err.tax").to_string());
                None
            }
        },
    };
    let (Some(date), Some(konto), Some(gegen), Some(amount), true) = (date, konto, gegen, amount, errors.is_empty())
    else {
        return Err(errors);
    };
    // S: Konto debited, Gegenkonto credited.
    let gegen_amount = if f.side == "H" { amount.0 } else { -amount.0 };
    let mut lines = match code {
        None => vec![Posting::new(gegen, Cents(gegen_amount))],
        Some(c) => {
            let arg = if c.side() == Side::Output {
                -gegen_amount
            } else {
                gegen_amount
            };
            c.lines(chart, gegen, Cents(arg)).map_err(|e| vec![e.to_string()])?
        }
    };
    let sum: i64 = lines.iter().map(|p| p.amount.0).sum();
    lines.insert(0, Posting::new(konto, Cents(-sum)));
    Ok((lines, date))
}

async fn entry_post(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<EntryForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let chart = Chart::standard(state.app.ledger_chart(&s.actor, &c).await.or_page(&s)?);
    let errors = match postings(chart, &f, lang) {
        Ok((lines, date)) => match Entry::new(lines, date, date, f.text.trim(), f.reference.trim()) {
            Ok(entry) => match state.app.post_entry(&s.actor, &c, entry).await {
                Ok(r) => return Ok(see_other(&format!("/finance/entry?saved={}", r.number))),
                Err(AppError::Conflict { de, en }) => vec![if lang == Lang::De { de } else { en }],
                Err(e) => return Err(UiError(lang, e.into())),
            },
            Err(e) => vec![e.to_string()],
        },
        Err(errors) => errors,
    };
    let content = html! {
        h1 { (t(lang, "fin.entry")) " · " (c.name) }
        (nav(lang, true))
        (entry_mask(lang, &s.csrf_token, &f, &errors, None))
    };
    Ok(html_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        layout(&s, "/finance", t(lang, "fin.entry"), content),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_same_in_both_languages() {
        for (text, cents) in [
            ("119,00", 11_900),
            ("119.00", 11_900),
            ("1.234,56", 123_456),
            ("1,234.56", 123_456),
            ("1234", 123_400),
            (" 5,5 ", 550),
        ] {
            assert_eq!(parse_amount(text), Some(Cents(cents)), "{text}");
        }
        for bad in ["", "abc", "1,2,3,4", "1.2.3"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }
}
