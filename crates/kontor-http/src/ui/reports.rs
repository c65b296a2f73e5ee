//! Finance reports as downloads: the trial balance (Summen- und
//! Saldenliste), the Kontoblatt, the journal, GuV, Bilanz and open items,
//! each as CSV (semicolons, decimal comma in German, for spreadsheets) and
//! as PDF (numbered A4 pages), built from the same use-cases as the pages;
//! and the exports page for the tax advisor and the auditor: DATEV
//! Buchungsstapel, Debitoren/Kreditoren master data, GoBD data export.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kontor_core::Lang;
use kontor_ledger::account::{AccountNo, Chart};
use kontor_ledger::date::Date;
use kontor_ledger::money::Cents;
use maud::{html, Markup};

use super::finance::{company, euro, nav, today, RangeQuery};
use super::{check_csrf, html_response, layout, OrPage, UiError};
use crate::i18n::t;
use crate::problem::ApiError;
use crate::session::UiSession;
use crate::HttpState;
use axum::http::StatusCode;
use axum::Form;
use kontor_app::AppError;
use kontor_core::{Action, Module, Permission};
use serde::Deserialize;

pub(super) fn router() -> Router<HttpState> {
    Router::new()
        .route("/finance/download/{report}/{format}", get(download))
        .route("/finance/exports", get(exports_page))
        .route("/finance/exports/datev", axum::routing::post(datev_post))
        .route("/finance/exports/gobd/{file}", get(gobd_file))
}

/// The reports that can be downloaded.
pub(super) const REPORTS: [&str; 6] = ["summen-salden", "kontoblatt", "journal", "guv", "bilanz", "opos"];

/// A report as a table: what the CSV and the PDF are made of.
struct Tabular {
    title: String,
    context: Vec<String>,
    /// (heading, numeric, relative width)
    columns: Vec<(String, bool, f32)>,
    /// (cells, is a total)
    rows: Vec<(Vec<String>, bool)>,
}

impl Tabular {
    fn new(title: String, context: Vec<String>, columns: &[(&str, bool, f32)]) -> Self {
        Self {
            title,
            context,
            columns: columns.iter().map(|(h, n, w)| ((*h).to_string(), *n, *w)).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push((cells, false));
    }

    fn total(&mut self, cells: Vec<String>) {
        self.rows.push((cells, true));
    }

    /// Semicolon-separated, UTF-8 with a byte-order mark (spreadsheets
    /// then read umlauts right), CRLF; context lines come first.
    fn csv(&self) -> Vec<u8> {
        fn field(s: &str) -> String {
            if s.contains([';', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        }
        let mut out = String::from("\u{feff}");
        out.push_str(&field(&self.title));
        out.push_str("\r\n");
        for c in &self.context {
            out.push_str(&field(c));
            out.push_str("\r\n");
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| cells.map(field).collect::<Vec<_>>().join(";");
        out.push_str(&line(&mut self.columns.iter().map(|c| c.0.as_str())));
        out.push_str("\r\n");
        for (cells, _) in &self.rows {
            out.push_str(&line(&mut cells.iter().map(String::as_str)));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    fn pdf(&self, lang: Lang, footer: String) -> Result<Vec<u8>, kontor_pdf::PdfError> {
        kontor_pdf::report(&kontor_pdf::Report {
            title: self.title.clone(),
            context: self.context.clone(),
            columns: self
                .columns
                .iter()
                .map(|(h, numeric, w)| kontor_pdf::Column {
                    heading: h.clone(),
                    numeric: *numeric,
                    weight: *w,
                })
                .collect(),
            rows: self
                .rows
                .iter()
                .map(|(cells, bold)| kontor_pdf::Row {
                    cells: cells.clone(),
                    bold: *bold,
                })
                .collect(),
            footer,
            page_word: t(lang, "report.page").into(),
            of_word: t(lang, "report.of").into(),
        })
    }
}

/// An amount for the CSV: no thousands separators, the language's decimal
/// mark, a plain minus.
fn csv_amount(lang: Lang, c: Cents) -> String {
    let s = c.to_string();
    if lang == Lang::De {
        s.replace('.', ",")
    } else {
        s
    }
}

/// Links to a report's CSV and PDF for the same range.
pub(super) fn links(lang: Lang, report: &str, query: &str) -> Markup {
    html! {
        p.downloads {
            a.button.secondary href=(format!("/finance/download/{report}/csv?{query}")) download { (t(lang, "fin.download_csv")) }
            " "
            a.button.secondary href=(format!("/finance/download/{report}/pdf?{query}")) download { (t(lang, "fin.download_pdf")) }
        }
    }
}

async fn download(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path((report, format)): Path<(String, String)>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let not_found = || UiError(lang, ApiError::code("not_found"));
    if !REPORTS.contains(&report.as_str()) || !["csv", "pdf"].contains(&format.as_str()) {
        return Err(not_found());
    }
    let c = company(&state, &s).await?;
    let (from, to) = q.range(today(&state));
    let period = format!("{} – {}", from.german(), to.german());
    // Numbers in the PDF as people read them; in the CSV as spreadsheets do.
    let amount = |v: Cents| {
        if format == "pdf" {
            euro(lang, v)
        } else {
            csv_amount(lang, v)
        }
    };
    let company_line = format!("{} ({})", c.name, c.code.as_str());
    let tab = match report.as_str() {
        "summen-salden" => {
            let chart = Chart::standard(state.app.ledger_chart(&s.actor, &c).await.or_page(&s)?);
            let tb = state
                .app
                .trial_balance(&s.actor, &c, Some(from), Some(to))
                .await
                .or_page(&s)?;
            let mut tab = Tabular::new(
                t(lang, "fin.balance").into(),
                vec![company_line, period],
                &[
                    (t(lang, "fin.account"), false, 1.0),
                    (t(lang, "fin.name"), false, 3.6),
                    (t(lang, "fin.debit"), true, 1.6),
                    (t(lang, "fin.credit"), true, 1.6),
                    (t(lang, "fin.saldo"), true, 1.6),
                ],
            );
            let (mut debit, mut credit) = (Cents::ZERO, Cents::ZERO);
            for (a, _, tot) in tb.rows() {
                debit = Cents(debit.0 + tot.debit.0);
                credit = Cents(credit.0 + tot.credit.0);
                tab.row(vec![
                    a.to_string(),
                    account_name(lang, chart, a),
                    amount(tot.debit),
                    amount(tot.credit),
                    amount(tot.balance()),
                ]);
            }
            tab.total(vec![
                String::new(),
                t(lang, "fin.total").into(),
                amount(debit),
                amount(credit),
                amount(Cents(debit.0 - credit.0)),
            ]);
            tab
        }
        "kontoblatt" => {
            let account = q.account.as_deref().and_then(AccountNo::parse).ok_or_else(not_found)?;
            let l = state
                .app
                .account_ledger(&s.actor, &c, account, from, to)
                .await
                .or_page(&s)?;
            let mut tab = Tabular::new(
                format!("{} {} {}", t(lang, "fin.kontoblatt"), l.account, l.name),
                vec![company_line, period],
                &[
                    (t(lang, "fin.date"), false, 1.2),
                    (t(lang, "fin.number"), true, 0.8),
                    (t(lang, "fin.reference"), false, 1.4),
                    (t(lang, "fin.text"), false, 3.4),
                    (t(lang, "fin.amount"), true, 1.5),
                    (t(lang, "fin.saldo"), true, 1.5),
                ],
            );
            let blank = String::new;
            tab.row(vec![
                blank(),
                blank(),
                blank(),
                t(lang, "fin.opening").into(),
                blank(),
                amount(l.opening),
            ]);
            for (d, n, r, text, a, bal) in &l.lines {
                tab.row(vec![
                    d.german(),
                    n.to_string(),
                    r.clone(),
                    text.clone(),
                    amount(*a),
                    amount(*bal),
                ]);
            }
            tab.total(vec![
                blank(),
                blank(),
                blank(),
                t(lang, "fin.closing").into(),
                blank(),
                amount(l.closing),
            ]);
            tab
        }
        "journal" => {
            let entries = state
                .app
                .journal(&s.actor, &c, from, to, 0, usize::MAX)
                .await
                .or_page(&s)?;
            let mut tab = Tabular::new(
                t(lang, "fin.journal").into(),
                vec![company_line, period],
                &[
                    (t(lang, "fin.number"), true, 0.8),
                    (t(lang, "fin.date"), false, 1.2),
                    (t(lang, "fin.reference"), false, 1.4),
                    (t(lang, "fin.text"), false, 3.0),
                    (t(lang, "fin.account"), false, 0.9),
                    (t(lang, "fin.debit"), true, 1.4),
                    (t(lang, "fin.credit"), true, 1.4),
                    (t(lang, "fin.tax_code"), false, 0.9),
                ],
            );
            for r in &entries {
                for (i, p) in r.entry.postings().iter().enumerate() {
                    let first = i == 0;
                    let (d, cr) = if p.amount.0 >= 0 {
                        (amount(p.amount), String::new())
                    } else {
                        (String::new(), amount(Cents(-p.amount.0)))
                    };
                    tab.row(vec![
                        if first { r.number.to_string() } else { String::new() },
                        if first {
                            r.entry.posting_date.german()
                        } else {
                            String::new()
                        },
                        if first {
                            r.entry.reference.clone()
                        } else {
                            String::new()
                        },
                        if first { r.entry.text.clone() } else { String::new() },
                        p.account.to_string(),
                        d,
                        cr,
                        p.tax_code.map(|c| c.as_str().to_string()).unwrap_or_default(),
                    ]);
                }
            }
            tab
        }
        "guv" => {
            let r = state.app.profit_and_loss(&s.actor, &c, from, to).await.or_page(&s)?;
            let mut tab = Tabular::new(
                t(lang, "fin.guv").into(),
                vec![company_line, period],
                &[
                    (t(lang, "fin.position"), false, 5.0),
                    (t(lang, "fin.amount"), true, 1.5),
                ],
            );
            for (title, list) in [
                (t(lang, "fin.income"), &r.income),
                (t(lang, "fin.expenses"), &r.expenses),
            ] {
                tab.total(vec![title.into(), String::new()]);
                for p in list {
                    tab.row(vec![p.position.clone(), amount(p.amount)]);
                }
            }
            tab.total(vec![t(lang, "fin.result").into(), amount(r.result)]);
            tab
        }
        "bilanz" => {
            let b = state.app.balance_sheet(&s.actor, &c, to).await.or_page(&s)?;
            let mut tab = Tabular::new(
                format!("{} {}", t(lang, "fin.bilanz"), to.german()),
                vec![company_line],
                &[
                    (t(lang, "fin.position"), false, 5.0),
                    (t(lang, "fin.amount"), true, 1.5),
                ],
            );
            tab.total(vec![t(lang, "fin.assets").into(), String::new()]);
            for p in &b.assets {
                tab.row(vec![p.position.clone(), amount(p.amount)]);
            }
            tab.total(vec![t(lang, "fin.total").into(), amount(b.total_assets)]);
            tab.total(vec![t(lang, "fin.liabilities").into(), String::new()]);
            for p in &b.liabilities_and_equity {
                tab.row(vec![p.position.clone(), amount(p.amount)]);
            }
            tab.row(vec![t(lang, "fin.result").into(), amount(b.result)]);
            tab.total(vec![
                t(lang, "fin.total").into(),
                amount(b.total_liabilities_and_equity),
            ]);
            tab
        }
        _ => {
            let chart = Chart::standard(state.app.ledger_chart(&s.actor, &c).await.or_page(&s)?);
            let items = state.app.open_items(&s.actor, &c, to).await.or_page(&s)?;
            let mut tab = Tabular::new(
                format!("{} {}", t(lang, "fin.opos"), to.german()),
                vec![company_line],
                &[
                    (t(lang, "fin.account"), false, 0.9),
                    (t(lang, "fin.name"), false, 2.2),
                    (t(lang, "fin.reference"), false, 1.6),
                    (t(lang, "fin.first_date"), false, 1.1),
                    (t(lang, "fin.last_date"), false, 1.1),
                    (t(lang, "fin.amount"), true, 1.5),
                ],
            );
            let mut sum = Cents::ZERO;
            for i in &items {
                sum = Cents(sum.0 + i.amount.0);
                tab.row(vec![
                    i.account.to_string(),
                    account_name(lang, chart, i.account),
                    i.reference.clone(),
                    i.first_date.german(),
                    i.last_date.german(),
                    amount(i.amount),
                ]);
            }
            tab.total(vec![
                String::new(),
                t(lang, "fin.total").into(),
                String::new(),
                String::new(),
                String::new(),
                amount(sum),
            ]);
            tab
        }
    };
    let file = format!("{report}-{}-{from}-{to}.{format}", c.code.as_str());
    if format == "csv" {
        return Ok(attachment("text/csv; charset=utf-8", &file, tab.csv()));
    }
    let now = state.app.now();
    let footer = format!(
        "kontor · {} · {} {} UTC · {}",
        c.name,
        Date::from_days(i32::try_from(now.millis().div_euclid(86_400_000)).unwrap_or(0)).german(),
        {
            let secs = now.millis().div_euclid(1000).rem_euclid(86_400);
            format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
        },
        s.actor.label
    );
    let pdf = tab.pdf(lang, footer).map_err(|e| {
        tracing::error!(error = %e, "report PDF");
        UiError(lang, ApiError::code("internal"))
    })?;
    Ok(attachment("application/pdf", &file, pdf))
}

fn account_name(lang: Lang, chart: &Chart, a: AccountNo) -> String {
    chart.account(a).map(|x| x.name.clone()).unwrap_or_else(|| {
        if a.number() >= 70_000 {
            t(lang, "fin.creditor").into()
        } else if a.number() >= 10_000 {
            t(lang, "fin.debtor").into()
        } else {
            String::new()
        }
    })
}

#[derive(Deserialize, Default)]
struct DatevForm {
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    berater: String,
    #[serde(default)]
    mandant: String,
    /// `on` to include entries exported before.
    again: Option<String>,
    /// `entries` (Buchungsstapel) or `partners` (master data).
    #[serde(default)]
    what: String,
}

fn exports_content(
    s: &kontor_app::SessionContext,
    c: &kontor_app::records::CompanyRecord,
    (from, to): (Date, Date),
    ids: (String, String),
    gobd_files: Option<Vec<String>>,
    error: Option<String>,
) -> Markup {
    let lang = s.lang();
    let can_write = s.actor.can(c.id, Permission::new(Module::Finance, Action::Write));
    html! {
        h1 { (t(lang, "fin.exports")) " · " (c.name) }
        (nav(lang, can_write))
        @if let Some(e) = error { div.panel.error-box role="alert" { p { (e) } } }
        section.panel {
            h2 { "DATEV" }
            p.muted { (t(lang, "exp.datev_hint")) }
            form method="post" action="/finance/exports/datev" {
                input type="hidden" name="csrf" value=(s.csrf_token);
                div.grid2 {
                    label { (t(lang, "fin.from")) " " input type="date" name="from" value=(from.to_string()) required; }
                    label { (t(lang, "fin.to")) " " input type="date" name="to" value=(to.to_string()) required; }
                    label { (t(lang, "exp.berater")) " " input type="text" inputmode="numeric" name="berater" value=(ids.0) pattern="[0-9]{4,7}" required; }
                    label { (t(lang, "exp.mandant")) " " input type="text" inputmode="numeric" name="mandant" value=(ids.1) pattern="[0-9]{1,5}" required; }
                }
                p { label { input type="checkbox" name="again"; " " (t(lang, "exp.again")) } }
                div.actions {
                    button type="submit" name="what" value="entries" { (t(lang, "exp.datev_entries")) }
                    " "
                    button.secondary type="submit" name="what" value="partners" { (t(lang, "exp.datev_partners")) }
                }
            }
        }
        section.panel {
            h2 { (t(lang, "exp.gobd")) }
            p.muted { (t(lang, "exp.gobd_hint")) }
            form.inline method="get" action="/finance/exports" {
                label { (t(lang, "fin.from")) " " input type="date" name="from" value=(from.to_string()); }
                " "
                label { (t(lang, "fin.to")) " " input type="date" name="to" value=(to.to_string()); }
                " "
                button type="submit" name="period" value="gobd" { (t(lang, "exp.gobd_make")) }
            }
            @if let Some(files) = gobd_files {
                ul {
                    @for f in &files {
                        li { a href=(format!("/finance/exports/gobd/{f}?from={from}&to={to}")) download { (f) } }
                    }
                }
            }
        }
    }
}

async fn exports_page(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let range = q.range(today(&state));
    let ids = state
        .app
        .datev_ids(&s.actor, &c)
        .await
        .or_page(&s)?
        .map_or((String::new(), String::new()), |i| {
            (i.berater.to_string(), i.mandant.to_string())
        });
    // `period=gobd` lists the files of the GoBD export for the range.
    let files = if q.period.as_deref() == Some("gobd") {
        let files = state
            .app
            .export_gobd(&s.actor, &c, range.0, range.1)
            .await
            .or_page(&s)?;
        Some(files.into_iter().map(|(name, _)| name).collect())
    } else {
        None
    };
    Ok(html_response(
        StatusCode::OK,
        layout(
            &s,
            "/finance",
            t(lang, "fin.exports"),
            exports_content(&s, &c, range, ids, files, None),
        ),
    ))
}

fn attachment(content_type: &str, file: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        bytes,
    )
        .into_response()
}

async fn datev_post(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Form(f): Form<DatevForm>,
) -> Result<Response, UiError> {
    check_csrf(&state, &s, &f.csrf)?;
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let (from, to) = match (Date::parse(&f.from), Date::parse(&f.to)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(UiError(lang, ApiError::code("invalid_input"))),
    };
    let ids = kontor_app::ledger::DatevIds {
        berater: f.berater.trim().parse().unwrap_or(0),
        mandant: f.mandant.trim().parse().unwrap_or(0),
    };
    let result = if f.what == "partners" {
        state
            .app
            .export_datev_partners(&s.actor, &c, ids)
            .await
            .map(|x| (x.file_name, x.bytes))
    } else {
        state
            .app
            .export_datev(&s.actor, &c, ids, from, to, f.again.is_some())
            .await
            .map(|x| (x.file_name, x.bytes))
    };
    match result {
        Ok((file, bytes)) => Ok(attachment("text/csv; charset=windows-1252", &file, bytes)),
        Err(AppError::Conflict { de, en }) => Ok(html_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                &s,
                "/finance",
                t(lang, "fin.exports"),
                exports_content(
                    &s,
                    &c,
                    (from, to),
                    (f.berater.clone(), f.mandant.clone()),
                    None,
                    Some(if lang == Lang::De { de } else { en }),
                ),
            ),
        )),
        Err(e) => Err(UiError(lang, e.into())),
    }
}

async fn gobd_file(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    Path(file): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let c = company(&state, &s).await?;
    let (from, to) = q.range(today(&state));
    let files = state.app.export_gobd(&s.actor, &c, from, to).await.or_page(&s)?;
    let (name, bytes) = files
        .into_iter()
        .find(|(name, _)| *name == file)
        .ok_or_else(|| UiError(lang, ApiError::code("not_found")))?;
    let kind = if name.ends_with(".xml") {
        "application/xml"
    } else if name.ends_with(".dtd") {
        "application/xml-dtd"
    } else {
        "text/csv"
    };
    Ok(attachment(kind, &name, bytes))
}
