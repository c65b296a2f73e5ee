//! The JSON API under `/api/v1`. Every handler is annotated for the OpenAPI
//! document and registered through `utoipa-axum`, so a route cannot exist
//! without being documented.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::problem::{ApiJson as JsonBody, ApiQuery};
use base64::Engine;
use kontor_app::records::{AuditEvent, CompanyRecord, JobRecord, JobState, PartnerRecord, UserRecord};
use kontor_app::{Membership, SessionContext};
use kontor_core::{PartnerId, PartnerInput, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::{ApiError, Problem};
use crate::session::{clear_cookie, set_cookie, ApiSession, ClientAddr, SESSION_COOKIE};
use crate::HttpState;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(title = "kontor API", description = "JSON API of kontor, the digital back office. Sign in with POST /api/v1/auth/login; \
        the session cookie authenticates later calls, and state-changing calls carry the CSRF token from the login response \
        in the X-CSRF-Token header. Errors are RFC 9457 problem details with a stable `code`; messages follow Accept-Language (de, en)."),
    modifiers(&SecurityAddon),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "companies", description = "Companies (Mandanten)"),
        (name = "partners", description = "Business partners of a company"),
        (name = "admin", description = "Installation administration"),
        (name = "employees", description = "Employees (HR master data) of a company"),
        (name = "tasks", description = "Tasks, approvals and the process event log"),
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-CSRF-Token"))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(utoipa::openapi::security::Http::new(
                utoipa::openapi::security::HttpAuthScheme::Bearer,
            )),
        );
    }
}

pub(crate) fn router() -> OpenApiRouter<HttpState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_companies, create_company))
        .routes(routes!(list_partners, create_partner))
        .routes(routes!(get_partner, update_partner))
        .routes(routes!(confirm_partner_bank))
        .routes(routes!(list_audit))
        .routes(routes!(object_audit))
        .routes(routes!(list_users, create_user))
        .routes(routes!(list_jobs))
        .routes(routes!(requeue_job))
        .routes(routes!(list_login_locks))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(list_employees, create_employee))
        .routes(routes!(get_employee, update_employee))
        .routes(routes!(revoke_token))
        .routes(routes!(unlock_login))
        .routes(routes!(list_partner_access, invite_partner))
        .routes(routes!(revoke_partner_access))
        .routes(routes!(accept_invitation))
        .routes(routes!(list_employee_documents, upload_employee_document))
        .routes(routes!(download_employee_document))
        .routes(routes!(list_documents, upload_document))
        .routes(routes!(download_document))
        .routes(routes!(search_documents))
        .routes(routes!(confirm_document))
        .routes(routes!(reprocess_document))
        .routes(routes!(link_employee_account))
        .routes(routes!(my_employee))
        .routes(routes!(list_roles))
        .routes(routes!(dsgvo_export))
        .routes(routes!(restrict_employee))
        .routes(routes!(erase_employee))
        .routes(routes!(define_role))
        .routes(routes!(list_tasks))
        .routes(routes!(complete_task))
        .routes(routes!(process_ocel))
        .routes(routes!(list_bank_accounts))
        .routes(routes!(import_bank_statement))
        .routes(routes!(list_bank_lines))
        .routes(routes!(payment_run_file))
}

// ------------------------------------------------------------------ views

pub(crate) fn rfc3339(ts: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts.millis()) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
struct MembershipView {
    company: String,
    company_name: String,
    role: String,
    /// For external partners: the firm, the end of access and the months
    /// they may see.
    #[serde(skip_serializing_if = "Option::is_none")]
    partner: Option<PartnerScopeView>,
}

#[derive(Serialize, ToSchema)]
struct PartnerScopeView {
    firm: String,
    /// Access ends at this instant.
    valid_until: String,
    /// `2026-01..2026-12`; absent when not period-bound.
    period: Option<String>,
}

impl From<&Membership> for MembershipView {
    fn from(m: &Membership) -> Self {
        Self {
            company: m.company_code.to_string(),
            company_name: m.company_name.clone(),
            role: m.role_key(),
            partner: m.partner.as_ref().map(|p| PartnerScopeView {
                firm: p.firm.clone(),
                valid_until: rfc3339(p.valid_until),
                period: p.period.map(|x| x.to_string()),
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct MeView {
    username: String,
    display_name: String,
    /// `de` or `en`.
    lang: String,
    system_admin: bool,
    memberships: Vec<MembershipView>,
    /// Code of the company the session works in.
    current_company: Option<String>,
}

impl From<&SessionContext> for MeView {
    fn from(s: &SessionContext) -> Self {
        Self {
            username: s.user.username.to_string(),
            display_name: s.user.display_name.clone(),
            lang: s.user.lang.code().into(),
            system_admin: s.user.system_admin,
            memberships: s.actor.memberships.iter().map(MembershipView::from).collect(),
            current_company: s.company.as_ref().map(|m| m.company_code.to_string()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
struct LoginRequest {
    username: String,
    password: String,
    /// Code from the authenticator app (or a recovery code), for accounts with two-factor sign-in.
    totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct LoginResponse {
    user: MeView,
    /// Send this in `X-CSRF-Token` with every state-changing request.
    csrf_token: String,
}

#[derive(Serialize, ToSchema)]
struct CompanyView {
    code: String,
    name: String,
    created_at: String,
}

impl From<CompanyRecord> for CompanyView {
    fn from(c: CompanyRecord) -> Self {
        Self {
            code: c.code.to_string(),
            name: c.name.to_string(),
            created_at: rfc3339(c.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
struct CreateCompany {
    /// 2–32 characters: letters, digits, hyphens.
    code: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
struct PartnerView {
    id: String,
    name: String,
    /// `customer`, `supplier` or `both`.
    kind: String,
    vat_id: Option<String>,
    iban: Option<String>,
    email: Option<String>,
    street: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    country: String,
    /// Personal account in the ledger (Debitor 10000–69999, Kreditor 70000–99999).
    account: Option<u32>,
    /// Also sent as the ETag; send it back in If-Match to update.
    version: i64,
    created_at: String,
    updated_at: String,
    /// Whether a second person confirmed the bank account (required before
    /// payments use it; cleared when the account changes).
    bank_confirmed: bool,
    bank_confirmed_by: Option<String>,
    bank_confirmed_at: Option<String>,
}

impl From<PartnerRecord> for PartnerView {
    fn from(p: PartnerRecord) -> Self {
        let d = p.data;
        Self {
            id: p.id.to_string(),
            name: d.name,
            kind: d.kind.key().into(),
            vat_id: d.vat_id.map(|v| v.to_string()),
            iban: d.iban.map(|v| v.as_str().to_string()),
            email: d.email,
            street: d.street,
            postcode: d.postcode,
            city: d.city,
            country: d.country,
            account: d.account,
            version: p.version,
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            bank_confirmed: p.bank_confirmed.is_some(),
            bank_confirmed_by: p.bank_confirmed.as_ref().map(|(by, _)| by.clone()),
            bank_confirmed_at: p.bank_confirmed.as_ref().map(|(_, at)| rfc3339(*at)),
        }
    }
}

#[derive(Deserialize, ToSchema)]
struct PartnerBody {
    name: String,
    /// `customer`, `supplier` or `both`.
    kind: String,
    vat_id: Option<String>,
    iban: Option<String>,
    email: Option<String>,
    street: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    /// ISO 3166-1 alpha-2; `DE` if omitted.
    country: Option<String>,
    /// Personal account in the ledger: 10000–69999 for customers,
    /// 70000–99999 for suppliers.
    account: Option<u32>,
}

impl PartnerBody {
    fn account_text(&self) -> Option<String> {
        self.account.map(|a| a.to_string())
    }

    /// `account` is the body's account number as text (see [`Self::account_text`]).
    fn input<'a>(&'a self, account: &'a Option<String>) -> PartnerInput<'a> {
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
            account: account.as_deref(),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct PartnerPage {
    items: Vec<PartnerView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Opaque cursor from a previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
struct UserView {
    username: String,
    display_name: String,
    lang: String,
    system_admin: bool,
    disabled: bool,
    memberships: Vec<MembershipView>,
}

fn user_view(u: &UserRecord, m: &[Membership]) -> UserView {
    UserView {
        username: u.username.to_string(),
        display_name: u.display_name.clone(),
        lang: u.lang.code().into(),
        system_admin: u.system_admin,
        disabled: u.disabled,
        memberships: m.iter().map(MembershipView::from).collect(),
    }
}

#[derive(Deserialize, ToSchema)]
struct CreateUser {
    username: String,
    display_name: String,
    /// At least 12 characters.
    password: String,
    #[serde(default)]
    system_admin: bool,
}

#[derive(Serialize, ToSchema)]
struct JobView {
    id: String,
    kind: String,
    state: String,
    attempts: i64,
    max_attempts: i64,
    run_at: String,
    last_error: Option<String>,
    updated_at: String,
}

impl From<JobRecord> for JobView {
    fn from(j: JobRecord) -> Self {
        Self {
            id: j.id.to_string(),
            kind: j.kind,
            state: j.state.key().into(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: rfc3339(j.run_at),
            last_error: j.last_error,
            updated_at: rfc3339(j.updated_at),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct JobQuery {
    /// `queued`, `running`, `done` or `dead`; all but done if omitted.
    state: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct AuditView {
    /// Sequence number in the hash chain (use it as `before` to page).
    seq: Option<i64>,
    id: String,
    at: String,
    actor: String,
    action: String,
    object_type: String,
    subject: String,
    detail: String,
    client_addr: Option<String>,
    /// Digests of the state before and after and the changed fields.
    #[schema(value_type = Option<Object>)]
    change: Option<serde_json::Value>,
    hash: Option<String>,
}

impl From<AuditEvent> for AuditView {
    fn from(e: AuditEvent) -> Self {
        Self {
            seq: None,
            id: e.id.to_string(),
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            object_type: e.object_type,
            subject: e.subject,
            detail: e.detail,
            client_addr: e.client_addr,
            change: e.change.and_then(|c| serde_json::from_str(&c).ok()),
            hash: None,
        }
    }
}

impl From<kontor_app::records::StoredAuditEvent> for AuditView {
    fn from(e: kontor_app::records::StoredAuditEvent) -> Self {
        Self {
            seq: Some(e.seq),
            hash: e.hash,
            ..AuditView::from(e.event)
        }
    }
}

fn encode_cursor(id: PartnerId) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.to_string())
}

fn decode_cursor(c: &str) -> ApiResult<PartnerId> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError {
            code: "bad_request",
            detail: Some((
                "Der Parameter cursor ist ungültig; verwenden Sie next_cursor der vorigen Seite.".into(),
                "The cursor parameter is invalid; use next_cursor from the previous page.".into(),
            )),
            fields: vec![],
        })
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Reads `If-Match: "<version>"`; a header that is not a kontor ETag counts
/// as a mismatch (version -1), a missing one as absent.
fn if_match(headers: &HeaderMap) -> Option<i64> {
    headers.get(header::IF_MATCH).map(|v| {
        v.to_str()
            .ok()
            .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1)
    })
}

fn with_etag(version: i64, body: impl IntoResponse) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    r
}

// ------------------------------------------------------------------ auth

/// Sign in; sets the session cookie and returns the CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    JsonBody(body): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let out = state
        .app
        .sign_in(&kontor_app::SignIn {
            username: &body.username,
            password: &body.password,
            second_factor: body.totp.as_deref(),
            client: client.as_deref(),
            // API clients cannot be led through setting up two-factor sign-in.
            allow_enrollment: false,
        })
        .await?;
    let cookie = set_cookie(SESSION_COOKIE, &out.token, state.options.secure_cookies, None);
    let body = LoginResponse {
        user: MeView::from(&out.session),
        csrf_token: out.session.csrf_token.clone(),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Sign out; ends this session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("session" = []), ("csrf" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn logout(State(state): State<HttpState>, ApiSession(s): ApiSession) -> ApiResult<Response> {
    state.app.logout(&s).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            clear_cookie(SESSION_COOKIE, state.options.secure_cookies),
        )],
    )
        .into_response())
}

/// The signed-in user, their companies and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("session" = [])),
    responses((status = 200, body = MeView), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(ApiSession(s): ApiSession) -> Json<MeView> {
    Json(MeView::from(&s))
}

// ------------------------------------------------------------------ companies

/// Companies the signed-in user belongs to (all, for installation administrators).
#[utoipa::path(get, path = "/api/v1/companies", tag = "companies", security(("session" = [])),
    responses((status = 200, body = Vec<CompanyView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_companies(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
) -> ApiResult<Json<Vec<CompanyView>>> {
    Ok(Json(
        state
            .app
            .list_companies(&s.actor)
            .await?
            .into_iter()
            .map(CompanyView::from)
            .collect(),
    ))
}

/// Create a company (installation administrators).
#[utoipa::path(post, path = "/api/v1/companies", tag = "companies", security(("session" = [], "csrf" = [])), request_body = CreateCompany,
    responses((status = 201, body = CompanyView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_company(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    JsonBody(body): JsonBody<CreateCompany>,
) -> ApiResult<Response> {
    let c = state.app.add_company(&s.actor, &body.code, &body.name).await?;
    Ok((StatusCode::CREATED, Json(CompanyView::from(c))).into_response())
}

// ------------------------------------------------------------------ partners

/// Business partners of a company, ordered by id, cursor-paginated.
#[utoipa::path(get, path = "/api/v1/companies/{code}/partners", tag = "partners", security(("session" = [])),
    params(("code" = String, Path, description = "Company code"), PageQuery),
    responses((status = 200, body = PartnerPage), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_partners(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PartnerPage>> {
    let company = state.app.company(&s.actor, &code).await?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = state.app.list_partners(&s.actor, &company, after, q.limit).await?;
    Ok(Json(PartnerPage {
        items: page.items.into_iter().map(PartnerView::from).collect(),
        next_cursor: page.next.map(encode_cursor),
    }))
}

/// Create a business partner.
#[utoipa::path(post, path = "/api/v1/companies/{code}/partners", tag = "partners", security(("session" = [], "csrf" = [])),
    params(("code" = String, Path, description = "Company code")), request_body = PartnerBody,
    responses((status = 201, body = PartnerView, headers(("ETag" = String))), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_partner(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<PartnerBody>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let account = body.account_text();
    let p = state
        .app
        .create_partner(&s.actor, &company, &body.input(&account))
        .await?;
    Ok(with_etag(p.version, (StatusCode::CREATED, Json(PartnerView::from(p)))))
}

fn parse_partner_id(id: &str) -> ApiResult<PartnerId> {
    id.parse().map_err(|_| ApiError {
        code: "not_found",
        detail: Some((
            format!("Geschäftspartner '{id}' wurde nicht gefunden."),
            format!("partner '{id}' was not found."),
        )),
        fields: vec![],
    })
}

/// One business partner; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/companies/{code}/partners/{id}", tag = "partners", security(("session" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Partner id")),
    responses((status = 200, body = PartnerView, headers(("ETag" = String))), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_partner(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let p = state.app.partner(&s.actor, &company, parse_partner_id(&id)?).await?;
    Ok(with_etag(p.version, Json(PartnerView::from(p))))
}

/// Replace a business partner's data. Needs `If-Match` with the current ETag;
/// 412 if someone changed it meanwhile, 428 without the header.
#[utoipa::path(put, path = "/api/v1/companies/{code}/partners/{id}", tag = "partners", security(("session" = [], "csrf" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Partner id"),
        ("If-Match" = String, Header, description = "ETag from the last read")),
    request_body = PartnerBody,
    responses((status = 200, body = PartnerView, headers(("ETag" = String))), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json")))]
async fn update_partner(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PartnerBody>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let account = body.account_text();
    let p = state
        .app
        .update_partner(
            &s.actor,
            &company,
            parse_partner_id(&id)?,
            if_match(&headers),
            &body.input(&account),
        )
        .await?;
    Ok(with_etag(p.version, Json(PartnerView::from(p))))
}

/// Confirm a partner's bank account (four-eyes). Refused with
/// `separation_of_duties` for whoever created the partner or entered the
/// account. Needs `If-Match` with the current ETag.
#[utoipa::path(post, path = "/api/v1/companies/{code}/partners/{id}/confirm-bank", tag = "partners", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Partner id"),
        ("If-Match" = String, Header, description = "ETag from the last read")),
    responses((status = 200, body = PartnerView, headers(("ETag" = String))), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json")))]
async fn confirm_partner_bank(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let p = state
        .app
        .confirm_partner_bank(&s.actor, &company, parse_partner_id(&id)?, if_match(&headers))
        .await?;
    Ok(with_etag(p.version, Json(PartnerView::from(p))))
}

// ------------------------------------------------------------------ audit

#[derive(Deserialize, utoipa::IntoParams)]
struct AuditQuery {
    /// Actor contains this text (e.g. `user:erika`).
    actor: Option<String>,
    /// Action starts with this text (e.g. `partner.`).
    action: Option<String>,
    object_type: Option<String>,
    subject: Option<String>,
    /// First day, `YYYY-MM-DD`.
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    to: Option<String>,
    /// Only entries before this sequence number (next page).
    before: Option<i64>,
    limit: Option<u32>,
}

fn audit_filter(q: &AuditQuery) -> ApiResult<kontor_app::records::AuditFilter> {
    let day = |s: &Option<String>, field: &str| -> ApiResult<Option<Timestamp>> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(d) => kontor_core::period::date_start(d).map(Some).ok_or_else(|| ApiError {
                code: "invalid_input",
                detail: None,
                fields: vec![(
                    field.to_string(),
                    format!("'{d}' ist kein Datum wie 2026-01-31."),
                    format!("'{d}' is not a date like 2026-01-31."),
                )],
            }),
        }
    };
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(kontor_app::records::AuditFilter {
        company: None,
        object_type: nonempty(&q.object_type),
        subject: nonempty(&q.subject),
        actor: nonempty(&q.actor),
        action: nonempty(&q.action),
        from: day(&q.from, "from")?,
        to: day(&q.to, "to")?.map(|t| Timestamp::from_millis(t.millis() + 86_400_000)),
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    })
}

/// The audit trail of a company, newest first, with filters (`audit:read`:
/// administrators, auditors within their granted period). Reading it is recorded.
#[utoipa::path(get, path = "/api/v1/companies/{code}/audit", tag = "audit", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), AuditQuery),
    responses((status = 200, body = Vec<AuditView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_audit(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let filter = audit_filter(&q)?;
    Ok(Json(
        state
            .app
            .audit_trail(&s.actor, &company, &filter)
            .await?
            .into_iter()
            .map(AuditView::from)
            .collect(),
    ))
}

/// The trail of one object (e.g. `partner`, `employee`), for whoever may see the object.
#[utoipa::path(get, path = "/api/v1/companies/{code}/audit/{object_type}/{id}", tag = "audit", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("object_type" = String, Path, description = "partner, employee, …"),
        ("id" = String, Path, description = "Object id")),
    responses((status = 200, body = Vec<AuditView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn object_audit(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, object_type, id)): Path<(String, String, String)>,
) -> ApiResult<Json<Vec<AuditView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    Ok(Json(
        state
            .app
            .object_trail(&s.actor, &company, &object_type, &id)
            .await?
            .into_iter()
            .map(AuditView::from)
            .collect(),
    ))
}

// ------------------------------------------------------------------ admin

/// All users with their companies and roles (installation administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_users(State(state): State<HttpState>, ApiSession(s): ApiSession) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(
        state
            .app
            .list_users(&s.actor)
            .await?
            .iter()
            .map(|(u, m)| user_view(u, m))
            .collect(),
    ))
}

/// Create a user (installation administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", security(("session" = [], "csrf" = [])), request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_user(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<Response> {
    let u = state
        .app
        .add_user(
            &s.actor,
            &body.username,
            &body.display_name,
            &body.password,
            body.system_admin,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user_view(&u, &[]))).into_response())
}

/// Background jobs, newest first (installation administrators).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", security(("session" = [])), params(JobQuery),
    responses((status = 200, body = Vec<JobView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_jobs(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> ApiResult<Json<Vec<JobView>>> {
    let st = match q.state.as_deref() {
        None | Some("") => None,
        Some(x) => Some(JobState::parse(x).ok_or_else(|| ApiError {
            code: "bad_request",
            detail: Some((
                format!("Unbekannter Zustand '{x}'; möglich sind queued, running, done, dead."),
                format!("Unknown state '{x}'; use queued, running, done or dead."),
            )),
            fields: vec![],
        })?),
    };
    Ok(Json(
        state
            .app
            .list_jobs(&s.actor, st, 200)
            .await?
            .into_iter()
            .map(JobView::from)
            .collect(),
    ))
}

/// Retry a dead job with a fresh set of attempts.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/requeue", tag = "admin", security(("session" = [], "csrf" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn requeue_job(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = id.parse().map_err(|_| ApiError::code("not_found"))?;
    state.app.requeue_job(&s.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct LoginLockView {
    /// `user:NAME` or `addr:IP`.
    key: String,
    failures: i64,
    locked_until: String,
}

/// Accounts and client addresses locked after repeated failed sign-ins.
#[utoipa::path(get, path = "/api/v1/admin/login-locks", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Vec<LoginLockView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_login_locks(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
) -> ApiResult<Json<Vec<LoginLockView>>> {
    let locks = state.app.locked_logins(&s.actor).await?;
    Ok(Json(
        locks
            .into_iter()
            .map(|t| LoginLockView {
                key: t.key,
                failures: t.failures,
                locked_until: rfc3339(t.locked_until),
            })
            .collect(),
    ))
}

/// Lift a sign-in lock and forget its failures.
#[utoipa::path(delete, path = "/api/v1/admin/login-locks/{key}", tag = "admin", security(("session" = [], "csrf" = [])),
    params(("key" = String, Path, description = "`user:NAME` or `addr:IP`")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unlock_login(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.unlock_login(&s.actor, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct TokenView {
    id: String,
    name: String,
    company: String,
    permissions: Vec<String>,
    created_at: String,
    expires_at: String,
    last_used_at: Option<String>,
    revoked: bool,
}

#[derive(Serialize, ToSchema)]
struct NewTokenView {
    /// The token: send as `Authorization: Bearer TOKEN`. Shown only in this response.
    token: String,
    #[serde(flatten)]
    details: TokenView,
}

#[derive(Deserialize, ToSchema)]
struct CreateToken {
    /// Company code the token is valid for.
    company: String,
    name: String,
    /// `module:action`, e.g. `partners:read`; each must be yours in that company.
    permissions: Vec<String>,
    /// 1–365 days.
    valid_days: i64,
}

fn token_view(t: kontor_app::records::ApiTokenRecord, companies: &[Membership]) -> TokenView {
    TokenView {
        id: t.id.to_string(),
        name: t.name,
        company: companies
            .iter()
            .find(|m| m.company_id == t.company_id)
            .map(|m| m.company_code.to_string())
            .unwrap_or_default(),
        permissions: t.permissions.iter().map(|p| p.to_string()).collect(),
        created_at: rfc3339(t.created_at),
        expires_at: rfc3339(t.expires_at),
        last_used_at: t.last_used_at.map(rfc3339),
        revoked: t.revoked_at.is_some(),
    }
}

/// Your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", security(("session" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_tokens(State(state): State<HttpState>, ApiSession(s): ApiSession) -> ApiResult<Json<Vec<TokenView>>> {
    let tokens = state.app.api_tokens(&s).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| token_view(t, &s.actor.memberships))
            .collect(),
    ))
}

/// Create an API token for one company and some of your permissions there.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", security(("session" = [], "csrf" = [])), request_body = CreateToken,
    responses((status = 201, body = NewTokenView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_token(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    JsonBody(body): JsonBody<CreateToken>,
) -> ApiResult<Response> {
    let (token, record) = state
        .app
        .create_api_token(&s, &body.company, &body.name, &body.permissions, body.valid_days)
        .await?;
    let details = token_view(record, &s.actor.memberships);
    Ok((StatusCode::CREATED, Json(NewTokenView { token, details })).into_response())
}

/// Revoke one of your API tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", security(("session" = [], "csrf" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_token(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = id.parse().map_err(|_| ApiError::code("not_found"))?;
    state.app.revoke_api_token(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct SensitiveView {
    tax_id: Option<String>,
    sv_number: Option<String>,
    iban: Option<String>,
    health_insurance: Option<String>,
    denomination: Option<String>,
    disability: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct EmployeeView {
    id: String,
    personnel_number: String,
    first_name: String,
    last_name: String,
    street: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    entry_date: String,
    steuerklasse: i64,
    /// Kinderfreibeträge, e.g. "1.5".
    children: String,
    /// Present only for those allowed to see sensitive HR data (`payroll:manage`).
    sensitive: Option<SensitiveView>,
    version: i64,
}

impl From<kontor_app::employees::EmployeeView> for EmployeeView {
    fn from(v: kontor_app::employees::EmployeeView) -> Self {
        let r = v.record;
        Self {
            id: r.id.to_string(),
            personnel_number: r.personnel_number,
            first_name: r.first_name,
            last_name: r.last_name,
            street: r.street,
            postcode: r.postcode,
            city: r.city,
            entry_date: r.entry_date,
            steuerklasse: r.steuerklasse,
            children: format!("{}.{}", r.children_tenths / 10, r.children_tenths % 10)
                .trim_end_matches(".0")
                .to_string(),
            sensitive: v.sensitive.map(|s| SensitiveView {
                tax_id: s.tax_id.map(|x| x.as_str().to_string()),
                sv_number: s.sv_number.map(|x| x.as_str().to_string()),
                iban: s.iban.map(|x| x.as_str().to_string()),
                health_insurance: s.health_insurance,
                denomination: s.denomination,
                disability: s.disability,
            }),
            version: r.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
struct EmployeeBody {
    personnel_number: String,
    first_name: String,
    last_name: String,
    street: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    /// YYYY-MM-DD
    entry_date: String,
    /// 1–6 or I–VI
    steuerklasse: String,
    /// Kinderfreibeträge in halves, e.g. "1.5"
    children: Option<String>,
    tax_id: Option<String>,
    sv_number: Option<String>,
    iban: Option<String>,
    health_insurance: Option<String>,
    denomination: Option<String>,
    disability: Option<String>,
}

impl EmployeeBody {
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
}

fn parse_employee_id(id: &str) -> ApiResult<kontor_core::EmployeeId> {
    id.parse().map_err(|_| ApiError::code("not_found"))
}

/// Employees of a company; sensitive fields only for `payroll:manage`.
#[utoipa::path(get, path = "/api/v1/companies/{code}/employees", tag = "employees", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    responses((status = 200, body = Vec<EmployeeView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_employees(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<EmployeeView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    Ok(Json(
        state
            .app
            .list_employees(&s.actor, &company)
            .await?
            .into_iter()
            .map(EmployeeView::from)
            .collect(),
    ))
}

/// Create an employee; sensitive fields need `payroll:manage`.
#[utoipa::path(post, path = "/api/v1/companies/{code}/employees", tag = "employees", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")), request_body = EmployeeBody,
    responses((status = 201, body = EmployeeView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_employee(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<EmployeeBody>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let e = state.app.create_employee(&s.actor, &company, &body.input()).await?;
    Ok(with_etag(
        e.record.version,
        (StatusCode::CREATED, Json(EmployeeView::from(e))),
    ))
}

/// One employee; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/companies/{code}/employees/{id}", tag = "employees", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    responses((status = 200, body = EmployeeView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_employee(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let e = state.app.employee(&s.actor, &company, parse_employee_id(&id)?).await?;
    Ok(with_etag(e.record.version, Json(EmployeeView::from(e))))
}

/// Replace an employee's data (If-Match with the ETag).
#[utoipa::path(put, path = "/api/v1/companies/{code}/employees/{id}", tag = "employees", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id"),
        ("If-Match" = String, Header, description = "ETag from the last read")),
    request_body = EmployeeBody,
    responses((status = 200, body = EmployeeView), (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json")))]
async fn update_employee(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<EmployeeBody>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let e = state
        .app
        .update_employee(
            &s.actor,
            &company,
            parse_employee_id(&id)?,
            if_match(&headers),
            &body.input(),
        )
        .await?;
    Ok(with_etag(e.record.version, Json(EmployeeView::from(e))))
}

// ------------------------------------------------------------------ partner access

#[derive(Serialize, ToSchema)]
struct PartnerAccessView {
    id: String,
    /// `steuerberater`, `lohnbuero` or `pruefer`.
    role: String,
    firm: String,
    email: Option<String>,
    /// `invited`, `pending` (accepted, window not begun), `active`, `expired` or `revoked`.
    state: String,
    /// The account that accepted the invitation.
    username: Option<String>,
    valid_from: String,
    valid_until: String,
    period: Option<String>,
    invitation_expires_at: String,
    created_by: String,
    created_at: String,
}

fn partner_access_view(
    g: &kontor_app::records::PartnerGrantRecord,
    user: Option<&kontor_app::records::UserRecord>,
    now: Timestamp,
) -> PartnerAccessView {
    PartnerAccessView {
        id: g.id.to_string(),
        role: g.role.key().into(),
        firm: g.firm.clone(),
        email: g.email.clone(),
        state: g.state_at(now).into(),
        username: user.map(|u| u.username.to_string()),
        valid_from: rfc3339(g.valid_from),
        valid_until: rfc3339(g.valid_until),
        period: g.period.map(|p| p.to_string()),
        invitation_expires_at: rfc3339(g.invite_expires_at),
        created_by: g.created_by.clone(),
        created_at: rfc3339(g.created_at),
    }
}

#[derive(Deserialize, ToSchema)]
struct InviteBody {
    /// `steuerberater`, `lohnbuero` or `pruefer`.
    role: String,
    /// The partner's firm.
    firm: String,
    email: Option<String>,
    /// First day of access, `YYYY-MM-DD`; today when absent.
    valid_from: Option<String>,
    /// Last day of access, `YYYY-MM-DD`.
    valid_until: String,
    /// Months the partner may see: `2026` or `2025-07..2026-06`; required for
    /// `steuerberater` and `pruefer`.
    period: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct InvitationCreated {
    access: PartnerAccessView,
    /// The one-time link path (prefix the server's address); shown only now,
    /// and only when it was not mailed to the partner.
    invitation_path: Option<String>,
    /// The address the link was mailed to (SMTP configured and e-mail given).
    mailed_to: Option<String>,
    /// Why mailing failed, if it did.
    mail_error: Option<String>,
}

/// External partner access of a company (tax advisor, payroll provider, auditor).
#[utoipa::path(get, path = "/api/v1/companies/{code}/partner-access", tag = "partner access", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    responses((status = 200, body = Vec<PartnerAccessView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_partner_access(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<PartnerAccessView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let now = state.app.now();
    Ok(Json(
        state
            .app
            .partner_accesses(&s.actor, &company)
            .await?
            .iter()
            .map(|(g, u)| partner_access_view(g, u.as_ref(), now))
            .collect(),
    ))
}

/// Invite an external partner: returns the one-time invitation link, once.
#[utoipa::path(post, path = "/api/v1/companies/{code}/partner-access", tag = "partner access", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")), request_body = InviteBody,
    responses((status = 201, body = InvitationCreated), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn invite_partner(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<InviteBody>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let inv = state
        .app
        .invite_partner(
            &s.actor,
            &company,
            &kontor_app::partner_access::InviteInput {
                role: &b.role,
                firm: &b.firm,
                email: b.email.as_deref(),
                valid_from: b.valid_from.as_deref(),
                valid_until: &b.valid_until,
                period: b.period.as_deref(),
            },
        )
        .await?;
    let body = InvitationCreated {
        access: partner_access_view(&inv.grant, None, state.app.now()),
        invitation_path: inv.mailed_to.is_none().then(|| inv.path()),
        mailed_to: inv.mailed_to.clone(),
        mail_error: inv.mail_error.clone(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Revoke a partner's access (or withdraw an invitation); it ends with the partner's next request.
#[utoipa::path(delete, path = "/api/v1/companies/{code}/partner-access/{id}", tag = "partner access", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Access id")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_partner_access(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let company = state.app.company(&s.actor, &code).await?;
    let id = id.parse().map_err(|_| ApiError::code("not_found"))?;
    state.app.revoke_partner_access(&s.actor, &company, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct AcceptBody {
    /// The token from the invitation link.
    token: String,
    username: String,
    password: String,
    /// Set to create a new account with this full name; absent to accept
    /// with an existing account.
    display_name: Option<String>,
    totp: Option<String>,
}

/// Accept an invitation (new or existing account); signs in like `/auth/login`.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "partner access", request_body = AcceptBody,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 410, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn accept_invitation(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    JsonBody(b): JsonBody<AcceptBody>,
) -> ApiResult<Response> {
    let out = state
        .app
        .accept_invitation(&kontor_app::partner_access::Acceptance {
            token: &b.token,
            new_account: b.display_name.as_deref(),
            username: &b.username,
            password: &b.password,
            second_factor: b.totp.as_deref(),
            client: client.as_deref(),
        })
        .await?;
    let session = state.app.session(&out.token).await?;
    let cookie = set_cookie(SESSION_COOKIE, &out.token, state.options.secure_cookies, None);
    let body = LoginResponse {
        user: MeView::from(&session),
        csrf_token: session.csrf_token.clone(),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// The upload was not sent as `multipart/form-data`.
fn not_multipart() -> ApiError {
    ApiError {
        code: "bad_request",
        detail: Some((
            "Senden Sie das Dokument als multipart/form-data.".into(),
            "Send the document as multipart/form-data.".into(),
        )),
        fields: vec![],
    }
}

// ------------------------------------------------------------------ document archive

#[derive(Serialize, ToSchema)]
struct DocumentView {
    id: String,
    /// The file name it came with, made safe.
    name: String,
    /// Told from the content, not the name.
    media_type: String,
    size: i64,
    /// SHA-256 of the original.
    sha256: String,
    /// `invoice`, `credit_note`, `contract`, `payslip`, `bank_statement`, `letter`, `other`.
    doc_type: String,
    /// `upload`, `api`, `cli`, `folder`, `email`.
    source: String,
    status: String,
    /// Years kept after the end of `document_year` (GoBD).
    retention_years: i32,
    document_year: i32,
    legal_hold: bool,
    created_by: String,
    created_at: String,
    /// True when the company had this content already; the document is the first one.
    duplicate: bool,
    correspondent: Option<String>,
    /// The document's own date (`YYYY-MM-DD`).
    date: Option<String>,
    /// The total in cents.
    amount_cents: Option<i64>,
    currency: Option<String>,
    invoice_number: Option<String>,
    iban: Option<String>,
    vat_id: Option<String>,
    tags: Vec<String>,
    /// `ubl`, `cii` or `zugferd` for e-invoices.
    einvoice: Option<String>,
    /// Why processing failed (status `failed`).
    failure: Option<String>,
    version: i32,
    /// The first version's id.
    version_of: Option<String>,
    confirmed_by: Option<String>,
}

impl DocumentView {
    fn of(d: kontor_app::records::DocumentRecord, duplicate: bool) -> Self {
        Self {
            id: d.id,
            name: d.name,
            media_type: d.media_type,
            size: d.size,
            sha256: d.blob,
            doc_type: d.doc_type,
            source: d.source,
            status: d.status,
            retention_years: d.retention_years,
            document_year: d.document_year,
            legal_hold: d.legal_hold,
            created_by: d.created_by,
            created_at: rfc3339(d.created_at),
            duplicate,
            correspondent: d.correspondent,
            date: d.doc_date,
            amount_cents: d.amount_cents,
            currency: d.currency,
            invoice_number: d.invoice_number,
            iban: d.iban,
            vat_id: d.vat_id,
            tags: d.tags,
            einvoice: d.einvoice,
            failure: d.failure,
            version: d.version,
            version_of: d.version_of,
            confirmed_by: d.confirmed_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct DocumentPage {
    items: Vec<DocumentView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
struct DocumentQuery {
    cursor: Option<String>,
    /// At most 500.
    limit: Option<u32>,
}

/// The archive's documents in arrival order.
#[utoipa::path(get, path = "/api/v1/companies/{code}/documents", tag = "documents", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), DocumentQuery),
    responses((status = 200, body = DocumentPage), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_documents(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> ApiResult<Json<DocumentPage>> {
    let company = state.app.company(&s.actor, &code).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let docs = state
        .app
        .documents(&s.actor, &company, q.cursor.as_deref().unwrap_or(""), limit)
        .await?;
    let next_cursor = (docs.len() == limit as usize)
        .then(|| docs.last().map(|d| d.id.clone()))
        .flatten();
    Ok(Json(DocumentPage {
        items: docs.into_iter().map(|d| DocumentView::of(d, false)).collect(),
        next_cursor,
    }))
}

/// Put a file (up to 50 MB, `multipart/form-data` field `file`) into the
/// archive. 201 for a new document; 200 with `duplicate: true` and the
/// existing document when the company has this content already.
#[utoipa::path(post, path = "/api/v1/companies/{code}/documents", tag = "documents", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    request_body(content_type = "multipart/form-data", description = "Field file"),
    responses((status = 201, body = DocumentView), (status = 200, body = DocumentView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn upload_document(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    // Refuse before reading the upload when the permission is missing.
    s.actor
        .require(
            company.id,
            kontor_core::Permission::new(kontor_core::Module::Documents, kontor_core::Action::Write),
        )
        .map_err(ApiError::from)?;
    let multipart = multipart.map_err(|_| not_multipart())?;
    let f = crate::upload::read_upload(multipart).await?;
    let r = state
        .app
        .ingest_document(
            &s.actor,
            &company,
            &f.filename,
            f.content,
            kontor_app::documents::Source::Api,
        )
        .await?;
    let status = if r.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(DocumentView::of(r.document, r.duplicate))).into_response())
}

/// Download a document's original, byte for byte; recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/companies/{code}/documents/{id}", tag = "documents", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Document id")),
    responses((status = 200, description = "The original", content_type = "application/octet-stream"),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn download_document(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let (d, content) = state.app.open_document(&s.actor, &company, &id).await?;
    Ok(document_response(&d.media_type, &d.name, content))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct DocumentSearchQuery {
    /// Search terms (each a prefix; umlauts and case do not matter).
    q: Option<String>,
    /// `invoice`, `credit_note`, `contract`, `payslip`, `bank_statement`, `letter`, `other`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    doc_type: Option<String>,
    correspondent: Option<String>,
    tag: Option<String>,
    /// `stored`, `processed`, `confirmed`, `failed`.
    status: Option<String>,
    /// Document date from (`YYYY-MM-DD`).
    from: Option<String>,
    to: Option<String>,
    min_cents: Option<i64>,
    max_cents: Option<i64>,
    /// `relevance` (default), `date_desc`, `date_asc`.
    sort: Option<String>,
    page: Option<u32>,
    /// At most 200.
    per_page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
struct DocumentSearchPage {
    items: Vec<DocumentView>,
    /// All matches the caller may see.
    total: i64,
    page: u32,
    per_page: u32,
}

/// Full-text search with filters; only documents the caller may open are
/// found or counted.
#[utoipa::path(get, path = "/api/v1/companies/{code}/documents/search", tag = "documents", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), DocumentSearchQuery),
    responses((status = 200, body = DocumentSearchPage), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn search_documents(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<DocumentSearchQuery>,
) -> ApiResult<Json<DocumentSearchPage>> {
    let company = state.app.company(&s.actor, &code).await?;
    let doc_type = match q.doc_type.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(kontor_documents::DocType::parse(t).ok_or_else(|| {
            ApiError::from(kontor_app::AppError::invalid(kontor_core::ParseError::new(
                "type",
                format!("'{t}' is not a document type; use invoice, credit_note, contract, payslip, bank_statement, letter or other."),
                format!("'{t}' ist keine Dokumentart; möglich: invoice, credit_note, contract, payslip, bank_statement, letter, other."),
            )))
        })?),
    };
    let sort = match q.sort.as_deref() {
        Some("date_desc") => kontor_app::records::DocumentSort::DateDesc,
        Some("date_asc") => kontor_app::records::DocumentSort::DateAsc,
        _ => kontor_app::records::DocumentSort::Relevance,
    };
    let r = state
        .app
        .search_documents(
            &s.actor,
            &company,
            &kontor_app::documents::SearchParams {
                text: q.q.unwrap_or_default(),
                doc_type,
                correspondent: q.correspondent,
                tag: q.tag,
                statuses: q.status.into_iter().filter(|s| !s.is_empty()).collect(),
                date_from: q.from,
                date_to: q.to,
                amount_min: q.min_cents,
                amount_max: q.max_cents,
                sort,
                page: q.page.unwrap_or(1),
                per_page: q.per_page.unwrap_or(50),
            },
        )
        .await?;
    Ok(Json(DocumentSearchPage {
        items: r.documents.into_iter().map(|d| DocumentView::of(d, false)).collect(),
        total: r.total,
        page: r.page,
        per_page: r.per_page,
    }))
}

#[derive(Deserialize, ToSchema)]
struct ConfirmBody {
    /// `invoice`, `credit_note`, `contract`, `payslip`, `bank_statement`, `letter`, `other`.
    #[serde(default)]
    doc_type: String,
    correspondent: Option<String>,
    /// `YYYY-MM-DD`
    date: Option<String>,
    amount_cents: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Confirm (or correct) what kontor recognised; corrections teach the
/// suggestions for the next documents of that sender.
#[utoipa::path(post, path = "/api/v1/companies/{code}/documents/{id}/confirm", tag = "documents", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Document id")),
    request_body = ConfirmBody,
    responses((status = 200, body = DocumentView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn confirm_document(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<ConfirmBody>,
) -> ApiResult<Json<DocumentView>> {
    let company = state.app.company(&s.actor, &code).await?;
    s.actor
        .require(
            company.id,
            kontor_core::Permission::new(kontor_core::Module::Documents, kontor_core::Action::Write),
        )
        .map_err(ApiError::from)?;
    let doc_type = kontor_documents::DocType::parse(&b.doc_type).ok_or_else(|| {
        ApiError::from(kontor_app::AppError::invalid(kontor_core::ParseError::new(
            "type",
            format!("'{}' is not a document type.", b.doc_type),
            format!("'{}' ist keine Dokumentart.", b.doc_type),
        )))
    })?;
    let d = state
        .app
        .confirm_document(
            &s.actor,
            &company,
            &id,
            &kontor_app::documents::Confirmation {
                doc_type,
                correspondent: b.correspondent,
                doc_date: b.date,
                amount_cents: b.amount_cents,
                tags: b.tags,
            },
        )
        .await?;
    Ok(Json(DocumentView::of(d, false)))
}

/// Run the processing (text, OCR, recognition) again, e.g. after a failure.
#[utoipa::path(post, path = "/api/v1/companies/{code}/documents/{id}/reprocess", tag = "documents", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Document id")),
    responses((status = 202, description = "Queued"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn reprocess_document(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let company = state.app.company(&s.actor, &code).await?;
    state.app.reprocess_document(&s.actor, &company, &id).await?;
    Ok(StatusCode::ACCEPTED)
}

// ------------------------------------------------------------------ personnel file

#[derive(Serialize, ToSchema)]
struct EmployeeDocumentView {
    id: String,
    employee_id: String,
    /// `payslip`, `contract`, `certificate` or `other`.
    kind: String,
    /// The month a payslip is for (`2026-10`).
    period: Option<String>,
    title: String,
    filename: String,
    content_type: String,
    size: i64,
    /// SHA-256 of the content.
    sha256: String,
    uploaded_by: String,
    uploaded_at: String,
}

impl From<&kontor_app::records::EmployeeDocumentRecord> for EmployeeDocumentView {
    fn from(d: &kontor_app::records::EmployeeDocumentRecord) -> Self {
        Self {
            id: d.id.to_string(),
            employee_id: d.employee_id.to_string(),
            kind: d.kind.key().into(),
            period: d.period.map(|p| p.to_string()),
            title: d.title.clone(),
            filename: d.filename.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: d.blob.clone(),
            uploaded_by: d.uploaded_by.clone(),
            uploaded_at: rfc3339(d.uploaded_at),
        }
    }
}

/// The personnel file of an employee: HR and the payroll provider
/// (`payroll:manage`), or the employee themself.
#[utoipa::path(get, path = "/api/v1/companies/{code}/employees/{id}/documents", tag = "employees", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    responses((status = 200, body = Vec<EmployeeDocumentView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_employee_documents(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<EmployeeDocumentView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let docs = state
        .app
        .employee_documents(&s.actor, &company, parse_employee_id(&id)?)
        .await?;
    Ok(Json(docs.iter().map(EmployeeDocumentView::from).collect()))
}

/// Add a document (PDF, PNG, JPEG up to 20 MB) to a personnel file, as
/// `multipart/form-data` with the fields `kind`, `period` (payslips),
/// `title` (optional) and `file`.
#[utoipa::path(post, path = "/api/v1/companies/{code}/employees/{id}/documents", tag = "employees", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    request_body(content_type = "multipart/form-data", description = "Fields kind, period, title, file"),
    responses((status = 201, body = EmployeeDocumentView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn upload_employee_document(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let employee = parse_employee_id(&id)?;
    // Refuse before reading the upload when the permission is missing.
    s.actor
        .require(company.id, kontor_app::employees::SENSITIVE)
        .map_err(ApiError::from)?;
    let multipart = multipart.map_err(|_| not_multipart())?;
    let f = crate::upload::read_upload(multipart).await?;
    let doc = state
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
        .await?;
    Ok((StatusCode::CREATED, Json(EmployeeDocumentView::from(&doc))).into_response())
}

/// Download one document of a personnel file; recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/companies/{code}/employees/{id}/documents/{doc}", tag = "employees", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id"),
        ("doc" = String, Path, description = "Document id")),
    responses((status = 200, description = "The document", content_type = "application/octet-stream"),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn download_employee_document(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id, doc)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let doc_id = doc.parse().map_err(|_| ApiError::code("not_found"))?;
    let (d, content) = state
        .app
        .open_employee_document(&s.actor, &company, parse_employee_id(&id)?, doc_id)
        .await?;
    Ok(document_response(&d.content_type, &d.filename, content))
}

/// The bytes of a stored document as a download.
pub(crate) fn document_response(content_type: &str, filename: &str, content: bytes::Bytes) -> Response {
    let mut r = axum::body::Body::from(content).into_response();
    let h = r.headers_mut();
    if let Ok(v) = content_type.parse() {
        h.insert(header::CONTENT_TYPE, v);
    }
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = format!("attachment; filename=\"{ascii}\"").parse() {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = "private, no-store".parse() {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

#[derive(Deserialize, ToSchema)]
struct AccountBody {
    /// The employee's kontor account; `null` to unlink.
    username: Option<String>,
}

/// Link an employee to the account they sign in with (own data, own payslips).
#[utoipa::path(put, path = "/api/v1/companies/{code}/employees/{id}/account", tag = "employees", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    request_body = AccountBody,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn link_employee_account(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<AccountBody>,
) -> ApiResult<StatusCode> {
    let company = state.app.company(&s.actor, &code).await?;
    state
        .app
        .link_employee_account(&s.actor, &company, parse_employee_id(&id)?, b.username.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your own employee record in a company, with your own protected data.
#[utoipa::path(get, path = "/api/v1/companies/{code}/me/employee", tag = "employees", security(("session" = [])),
    params(("code" = String, Path, description = "Company code")),
    responses((status = 200, body = EmployeeView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn my_employee(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
) -> ApiResult<Json<EmployeeView>> {
    let company = state.app.company(&s.actor, &code).await?;
    Ok(Json(EmployeeView::from(
        state.app.my_employee(&s.actor, &company).await?,
    )))
}

// ------------------------------------------------------------------ roles

#[derive(Serialize, ToSchema)]
struct RoleView {
    /// `buchhaltung`, or `custom:<key>` for a company's own roles.
    key: String,
    name: String,
    /// `module:action` each.
    permissions: Vec<String>,
    builtin: bool,
    external: bool,
    require_2fa: Option<bool>,
}

/// The roles of a company: the built-in ones and the company's own.
#[utoipa::path(get, path = "/api/v1/companies/{code}/roles", tag = "roles", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    responses((status = 200, body = Vec<RoleView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_roles(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<RoleView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let custom = state.app.custom_roles(&s.actor, &company).await?;
    let all: Vec<kontor_core::Permission> = kontor_core::Module::ALL
        .into_iter()
        .flat_map(|m| kontor_core::Action::ALL.map(|a| kontor_core::Permission::new(m, a)))
        .collect();
    let mut out: Vec<RoleView> = kontor_core::Role::ALL
        .into_iter()
        .map(|r| RoleView {
            key: r.key().into(),
            name: r.key().into(),
            permissions: all.iter().filter(|p| r.grants(**p)).map(|p| p.to_string()).collect(),
            builtin: true,
            external: r.is_external(),
            require_2fa: None,
        })
        .collect();
    out.extend(custom.into_iter().map(|c| RoleView {
        key: format!("custom:{}", c.key),
        name: c.name,
        permissions: c.permissions.iter().map(|p| p.to_string()).collect(),
        builtin: false,
        external: false,
        require_2fa: Some(c.require_2fa),
    }));
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
struct RoleBody {
    name: String,
    /// `module:action` each, e.g. `partners:read`.
    permissions: Vec<String>,
    /// Default: required when the role holds `payroll:manage` or `admin:manage`.
    require_2fa: Option<bool>,
}

/// Define (or redefine) a company's own role; holders get the change with their next request.
#[utoipa::path(put, path = "/api/v1/companies/{code}/roles/{key}", tag = "roles", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("key" = String, Path, description = "Role key (without custom:)")),
    request_body = RoleBody,
    responses((status = 200, body = RoleView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn define_role(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, key)): Path<(String, String)>,
    JsonBody(b): JsonBody<RoleBody>,
) -> ApiResult<Json<RoleView>> {
    let company = state.app.company(&s.actor, &code).await?;
    let r = state
        .app
        .define_role(
            &s.actor,
            &company,
            &kontor_app::roles::RoleInput {
                key: key.trim_start_matches("custom:"),
                name: &b.name,
                permissions: b.permissions.iter().map(String::as_str).collect(),
                require_2fa: b.require_2fa,
            },
        )
        .await?;
    Ok(Json(RoleView {
        key: format!("custom:{}", r.key),
        name: r.name,
        permissions: r.permissions.iter().map(|p| p.to_string()).collect(),
        builtin: false,
        external: false,
        require_2fa: Some(r.require_2fa),
    }))
}

// ------------------------------------------------------------------ DSGVO

/// Art. 15 DSGVO: all personal data kontor holds about an employee, as JSON
/// (HR, or the employee themself). Recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/companies/{code}/employees/{id}/dsgvo-export", tag = "dsgvo", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    responses((status = 200, description = "The export", content_type = "application/json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn dsgvo_export(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let export = state
        .app
        .dsgvo_export(&s.actor, &company, parse_employee_id(&id)?)
        .await?;
    let mut r = Json(export).into_response();
    if let Ok(v) = format!("attachment; filename=\"dsgvo-auskunft-{id}.json\"").parse() {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = "private, no-store".parse() {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    Ok(r)
}

#[derive(Deserialize, ToSchema)]
struct RestrictBody {
    /// Last day of employment, `YYYY-MM-DD`.
    exit_date: String,
    /// Last day of the retention duty; default: end of the 8th calendar year after leaving.
    retention_until: Option<String>,
    /// Legal basis of the retention (default: § 147 AO, § 41 EStG).
    basis: Option<String>,
}

/// Restrict a leaver's record (Art. 18 DSGVO): out of normal use, kept for the retention duty.
#[utoipa::path(post, path = "/api/v1/companies/{code}/employees/{id}/restrict", tag = "dsgvo", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    request_body = RestrictBody,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn restrict_employee(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<RestrictBody>,
) -> ApiResult<StatusCode> {
    let company = state.app.company(&s.actor, &code).await?;
    state
        .app
        .restrict_employee(
            &s.actor,
            &company,
            parse_employee_id(&id)?,
            &kontor_app::dsgvo::Restriction {
                exit_date: &b.exit_date,
                retention_until: b.retention_until.as_deref(),
                basis: b.basis.as_deref(),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct EraseBody {
    /// Legal basis recorded in the audit trail (default: Art. 17 Abs. 1 lit. a DSGVO).
    basis: Option<String>,
}

/// Anonymise a restricted record after its retention ended (Art. 17 DSGVO);
/// 409 while a retention duty runs.
#[utoipa::path(post, path = "/api/v1/companies/{code}/employees/{id}/erase", tag = "dsgvo", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Employee id")),
    request_body = EraseBody,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn erase_employee(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<EraseBody>,
) -> ApiResult<StatusCode> {
    let company = state.app.company(&s.actor, &code).await?;
    state
        .app
        .erase_employee(
            &s.actor,
            &company,
            parse_employee_id(&id)?,
            b.basis.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------ tasks

/// An open task as the API shows it.
#[derive(Serialize, ToSchema)]
struct TaskView {
    id: String,
    /// `approve`, `review`, `confirm`, `manual`, `clarify`, `incident`, `todo`.
    kind: String,
    step: String,
    title_de: String,
    title_en: String,
    /// 1 (high) … 3 (low).
    priority: u8,
    document_id: Option<String>,
    amount_cents: Option<i64>,
    /// Why a person sees it (`sampled`, `low_confidence`, `high_amount`, …).
    reason: Option<String>,
    /// RFC 3339.
    due: Option<String>,
    assignee: Option<String>,
    candidate_role: Option<String>,
    approvals_needed: u8,
    approvals_given: usize,
    /// kontor's proposal (booking, supplier, prepared reply).
    #[schema(value_type = Object)]
    proposal: serde_json::Value,
}

impl TaskView {
    fn of(t: kontor_app::records::TaskRecord) -> Self {
        Self {
            id: t.id,
            kind: t.data.kind,
            step: t.data.step,
            title_de: t.data.title_de,
            title_en: t.data.title_en,
            priority: t.data.priority,
            document_id: t.data.document_id,
            amount_cents: t.data.amount_cents,
            reason: t.data.reason,
            due: t.data.deadline.map(|d| rfc3339(Timestamp::from_millis(d))),
            assignee: t.assignee,
            candidate_role: t.candidate_role,
            approvals_needed: t.data.approvals_needed,
            approvals_given: t.data.approved_by.len(),
            proposal: t.data.proposal,
        }
    }
}

/// My open tasks in the company: assigned to me, or unassigned for one of my roles.
#[utoipa::path(get, path = "/api/v1/companies/{code}/tasks", tag = "tasks", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    responses((status = 200, body = [TaskView]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_tasks(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<TaskView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let tasks = state.app.my_tasks(&s.actor, &company).await?;
    Ok(Json(tasks.into_iter().map(TaskView::of).collect()))
}

#[derive(Deserialize, ToSchema)]
struct CompleteBody {
    /// `approved`, `rejected`, `confirmed`, `corrected`, `accepted`, `retry`, `skip`, `cancel`, `done`.
    outcome: String,
    comment: Option<String>,
    /// Corrections of kontor's proposal: `account`, `tax_code`, `cost_center`, `partner_id`, `create`.
    #[serde(default)]
    changes: std::collections::BTreeMap<String, String>,
}

/// Complete a task (for approvals: give one approval). Four eyes and
/// separation of duties are enforced; a refusal is a 409.
#[utoipa::path(post, path = "/api/v1/companies/{code}/tasks/{id}/complete", tag = "tasks", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Task id")),
    request_body = CompleteBody,
    responses((status = 200, body = TaskView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn complete_task(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<CompleteBody>,
) -> ApiResult<Json<TaskView>> {
    let company = state.app.company(&s.actor, &code).await?;
    let t = state
        .app
        .complete_task(
            &s.actor,
            &company,
            &id,
            kontor_app::workflow::TaskDecision {
                outcome: b.outcome,
                comment: b.comment,
                changes: b.changes,
            },
        )
        .await?;
    Ok(Json(TaskView::of(t)))
}

/// The company's process event log as OCEL 2.0 JSON (object-centric event log).
#[utoipa::path(get, path = "/api/v1/companies/{code}/processes/{key}/ocel", tag = "tasks", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("key" = String, Path, description = "Process key, e.g. incoming_invoice")),
    responses((status = 200, description = "OCEL 2.0 JSON", content_type = "application/json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn process_ocel(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, key)): Path<(String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    let company = state.app.company(&s.actor, &code).await?;
    Ok(Json(state.app.export_ocel(&s.actor, &company, Some(&key)).await?))
}

// ------------------------------------------------------------------ banking

#[derive(Serialize, ToSchema)]
struct BankAccountView {
    id: String,
    name: String,
    iban: String,
    bic: Option<String>,
    ledger_account: u32,
    /// Cents: the ledger account's balance.
    ledger_balance_cents: i64,
    /// Cents: the last statement's closing balance.
    statement_balance_cents: Option<i64>,
    statement_date: Option<String>,
    open_lines: usize,
}

/// The company's bank accounts with ledger balance, last statement balance
/// and the number of lines not yet booked.
#[utoipa::path(get, path = "/api/v1/companies/{code}/bank/accounts", tag = "banking", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    responses((status = 200, body = [BankAccountView]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_bank_accounts(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<BankAccountView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let views = state.app.bank_accounts(&s.actor, &company).await?;
    Ok(Json(
        views
            .into_iter()
            .map(|v| BankAccountView {
                id: v.account.id,
                name: v.account.data.name,
                iban: v.account.iban,
                bic: v.account.data.bic,
                ledger_account: v.account.ledger_account,
                ledger_balance_cents: v.ledger_balance,
                statement_balance_cents: v.statement_balance.as_ref().map(|b| b.0),
                statement_date: v.statement_balance.map(|b| b.1),
                open_lines: v.open_lines,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
struct ImportView {
    statements: Vec<StatementOutcomeView>,
    /// Lines kontor booked without a person.
    booked: usize,
    /// Lines waiting for a person.
    open: usize,
}

#[derive(Serialize, ToSchema)]
struct StatementOutcomeView {
    statement_id: Option<String>,
    account: String,
    format: String,
    already_imported: bool,
    new_lines: usize,
    skipped_lines: usize,
    pending_lines: usize,
}

/// Import a bank statement file (CAMT.052/053/054 or MT940/942,
/// `multipart/form-data` field `file`). Balances are checked; a statement
/// imported before is recognised and nothing is booked twice; a file that
/// fails is a 409 with the reason and nothing is stored.
#[utoipa::path(post, path = "/api/v1/companies/{code}/bank/statements", tag = "banking", security(("session" = [], "csrf" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code")),
    request_body(content_type = "multipart/form-data", description = "Field file"),
    responses((status = 201, body = ImportView), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json")))]
async fn import_bank_statement(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    s.actor
        .require(
            company.id,
            kontor_core::Permission::new(kontor_core::Module::Finance, kontor_core::Action::Write),
        )
        .map_err(ApiError::from)?;
    let multipart = multipart.map_err(|_| not_multipart())?;
    let f = crate::upload::read_upload(multipart).await?;
    let r = state
        .app
        .import_bank_file(&s.actor, &company, &f.filename, &f.content)
        .await?;
    let view = ImportView {
        statements: r
            .statements
            .into_iter()
            .map(|o| StatementOutcomeView {
                statement_id: o.statement_id,
                account: o.account,
                format: o.format,
                already_imported: o.already_imported,
                new_lines: o.new_lines,
                skipped_lines: o.skipped_lines,
                pending_lines: o.pending_lines,
            })
            .collect(),
        booked: r.booked,
        open: r.open,
    };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BankLinesQuery {
    /// `open` (default), `booked`.
    state: Option<String>,
    /// A bank account id.
    account: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct BankLineView {
    id: String,
    account_id: String,
    booking_date: String,
    amount_cents: i64,
    state: String,
    counterparty: Option<String>,
    counterparty_iban: Option<String>,
    remittance: String,
    /// kontor's suggestion: reason, confidence, items.
    #[schema(value_type = Object)]
    proposal: serde_json::Value,
    booked_as: Option<String>,
}

/// Bank lines, by default those still open, with kontor's suggestion.
#[utoipa::path(get, path = "/api/v1/companies/{code}/bank/lines", tag = "banking", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), BankLinesQuery),
    responses((status = 200, body = [BankLineView]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_bank_lines(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<BankLinesQuery>,
) -> ApiResult<Json<Vec<BankLineView>>> {
    let company = state.app.company(&s.actor, &code).await?;
    let lines = state
        .app
        .bank_lines(
            &s.actor,
            &company,
            q.account.as_deref(),
            Some(q.state.as_deref().unwrap_or("open")),
            5_000,
        )
        .await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| BankLineView {
                counterparty: l.data.line.counterparty_name().map(str::to_string),
                counterparty_iban: l.data.line.counterparty_iban().map(str::to_string),
                remittance: l.data.line.remittance(),
                proposal: serde_json::to_value(&l.data.proposal).unwrap_or_default(),
                booked_as: l.data.booked_as,
                id: l.id,
                account_id: l.bank_account_id,
                booking_date: l.booking_date,
                amount_cents: l.amount_cents,
                state: l.state,
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PainQuery {
    /// `09` (pain.001.001.09, default) or `03` (pain.001.001.03).
    version: Option<String>,
}

/// The SEPA credit transfer file of a released payment run; the same
/// bytes on every download.
#[utoipa::path(get, path = "/api/v1/companies/{code}/payment-runs/{id}/pain", tag = "banking", security(("session" = []), ("token" = [])),
    params(("code" = String, Path, description = "Company code"), ("id" = String, Path, description = "Payment run id"), PainQuery),
    responses((status = 200, description = "pain.001 XML", content_type = "application/xml"),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn payment_run_file(
    State(state): State<HttpState>,
    ApiSession(s): ApiSession,
    Path((code, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PainQuery>,
) -> ApiResult<Response> {
    let company = state.app.company(&s.actor, &code).await?;
    let v = kontor_banking::sepa::PainVersion::parse(q.version.as_deref().unwrap_or("09"))
        .unwrap_or(kontor_banking::sepa::PainVersion::V09);
    let (name, bytes) = state.app.payment_file(&s.actor, &company, &id, v).await?;
    Ok(document_response("application/xml", &name, bytes::Bytes::from(bytes)))
}
