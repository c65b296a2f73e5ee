//! The roles page of a company: what each built-in role may do, the
//! company's own roles, and the form to define one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kontor_app::partner_access::MANAGE;
use kontor_app::roles::RoleInput;
use kontor_app::AppError;
use kontor_core::{Action, Module, Permission, Role};
use maud::{html, Markup};

use super::{check_csrf, current_company_code, form_pairs, html_response, layout, nav_key, role_name, OrPage, UiError};
use crate::i18n::t;
use crate::session::UiSession;
use crate::HttpState;

pub(super) fn router() -> Router<HttpState> {
    Router::new().route("/roles", get(page).post(define))
}

fn perms_cell(perms: &[Permission], m: Module) -> String {
    let acts: Vec<&str> = Action::ALL
        .into_iter()
        .filter(|a| perms.contains(&Permission::new(m, *a)))
        .map(|a| a.key())
        .collect();
    acts.join(", ")
}

async fn render(
    state: &HttpState,
    s: &kontor_app::SessionContext,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, UiError> {
    let lang = s.lang();
    let company = state
        .app
        .company(&s.actor, &current_company_code(s)?)
        .await
        .or_page(s)?;
    let custom = state.app.custom_roles(&s.actor, &company).await.or_page(s)?;
    let all: Vec<Permission> = Module::ALL
        .into_iter()
        .flat_map(|m| Action::ALL.map(|a| Permission::new(m, a)))
        .collect();
    let rows: Vec<(String, Vec<Permission>)> = Role::ALL
        .into_iter()
        .map(|r| {
            (
                role_name(lang, r),
                all.iter().copied().filter(|p| r.grants(*p)).collect(),
            )
        })
        .chain(
            custom
                .iter()
                .map(|c| (format!("{} (custom:{})", c.name, c.key), c.permissions.clone())),
        )
        .collect();
    let content: Markup = html! {
        h1 { (t(lang, "roles.title")) " · " (company.name) }
        p.muted { (t(lang, "roles.hint")) }
        @if !errors.is_empty() {
            div.panel.error-box role="alert" { ul { @for (_, m) in errors { li { (m) } } } }
        }
        div.table-wrap { table id="roles" {
            thead { tr { th { (t(lang, "admin.role")) } @for m in Module::ALL { th { (t(lang, nav_key(m))) } } } }
            tbody { @for (name, perms) in &rows { tr { td { (name) } @for m in Module::ALL { td { (perms_cell(perms, m)) } } } } }
        } }
        form.panel.spaced method="post" action="/roles" id="role-form" {
            h2 { (t(lang, "roles.define")) }
            input type="hidden" name="csrf" value=(s.csrf_token);
            div.grid2 {
                div { label for="r-key" { (t(lang, "roles.key")) } input type="text" id="r-key" name="key" required pattern="[a-z0-9-]{2,32}"; }
                div { label for="r-name" { (t(lang, "roles.name")) } input type="text" id="r-name" name="name" required maxlength="100"; }
            }
            div.table-wrap { table.perm-grid {
                thead { tr { th {} @for a in Action::ALL { th { (a.key()) } } } }
                tbody { @for m in Module::ALL { tr {
                    th { (t(lang, nav_key(m))) }
                    @for a in Action::ALL {
                        @let p = Permission::new(m, a);
                        td { input type="checkbox" name="perm" value=(p.to_string()) aria-label=(p.to_string()); }
                    }
                } } }
            } }
            p.muted { (t(lang, "roles.sensitive_hint")) }
            div.actions { button type="submit" id="role-submit" { (t(lang, "form.save")) } }
        }
    };
    Ok(html_response(
        status,
        layout(s, "/roles", t(lang, "roles.title"), content),
    ))
}

async fn page(State(state): State<HttpState>, UiSession(s): UiSession) -> Result<Response, UiError> {
    render(&state, &s, &[], StatusCode::OK).await
}

async fn define(
    State(state): State<HttpState>,
    UiSession(s): UiSession,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let pairs = form_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    check_csrf(&state, &s, get("csrf"))?;
    let company = state
        .app
        .company(&s.actor, &current_company_code(&s)?)
        .await
        .or_page(&s)?;
    let input = RoleInput {
        key: get("key"),
        name: get("name"),
        permissions: pairs
            .iter()
            .filter(|(n, _)| n == "perm")
            .map(|(_, v)| v.as_str())
            .collect(),
        require_2fa: None,
    };
    match state.app.define_role(&s.actor, &company, &input).await {
        Ok(_) => render(&state, &s, &[], StatusCode::OK).await,
        Err(e @ AppError::Invalid(_)) => {
            let errors = super::field_errors(s.lang(), &e);
            render(&state, &s, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(UiError(s.lang(), e.into())),
    }
}

/// Whether the roles page is offered.
pub(super) fn may_manage(s: &kontor_app::SessionContext) -> bool {
    s.company.as_ref().is_some_and(|m| s.actor.can(m.company_id, MANAGE))
}
