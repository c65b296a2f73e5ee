//! Errors as RFC 9457 problem details. One table maps each stable error code
//! to its HTTP status; the message is chosen by `Accept-Language` in a
//! middleware, because the error is built before the language is known.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kontor_app::AppError;
use kontor_core::Lang;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::t;

/// The status for each error code. Part of the API contract.
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "unauthenticated" | "bad_credentials" | "totp_required" | "bad_second_factor" => StatusCode::UNAUTHORIZED,
        "totp_enrollment_required" | "two_factor_required_by_role" => StatusCode::FORBIDDEN,
        "forbidden" | "admin_only" | "csrf_mismatch" | "token_not_allowed" | "separation_of_duties" => {
            StatusCode::FORBIDDEN
        }
        "not_found" | "unknown_route" => StatusCode::NOT_FOUND,
        "invalid_input" => StatusCode::UNPROCESSABLE_ENTITY,
        "bad_request" => StatusCode::BAD_REQUEST,
        "already_exists" | "conflict" => StatusCode::CONFLICT,
        "invitation_unusable" => StatusCode::GONE,
        "version_conflict" => StatusCode::PRECONDITION_FAILED,
        "precondition_required" => StatusCode::PRECONDITION_REQUIRED,
        "payload_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "throttled" => StatusCode::TOO_MANY_REQUESTS,
        "store_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// One invalid field.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's key as in the request body.
    pub field: String,
    pub message: String,
}

/// RFC 9457 problem details, with kontor's stable `code`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:kontor:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do, in the requested language.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request id, to quote when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

/// An error on its way out; rendered in the client's language by
/// [`localize`].
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: &'static str,
    /// Specific detail in (German, English), if the code's text is too general.
    pub detail: Option<(String, String)>,
    pub fields: Vec<(String, String, String)>,
}

impl ApiError {
    pub fn code(code: &'static str) -> Self {
        Self {
            code,
            detail: None,
            fields: vec![],
        }
    }

    pub fn render(&self, lang: Lang, request_id: Option<String>) -> Problem {
        let status = status_of(self.code);
        let detail = match (&self.detail, lang) {
            (Some((de, _)), Lang::De) => de.clone(),
            (Some((_, en)), Lang::En) => en.clone(),
            (None, _) => t(lang, &format!("error.{}", self.code)).to_string(),
        };
        Problem {
            type_: format!("urn:kontor:problem:{}", self.code),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            code: self.code.to_string(),
            errors: self
                .fields
                .iter()
                .map(|(f, de, en)| FieldError {
                    field: f.clone(),
                    message: if lang == Lang::De { de.clone() } else { en.clone() },
                })
                .collect(),
            instance: request_id,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let code = e.code();
        match &e {
            AppError::Invalid(errs) => Self {
                code,
                detail: None,
                fields: errs
                    .iter()
                    .map(|p| (p.field.to_string(), p.de.clone(), p.en.clone()))
                    .collect(),
            },
            AppError::NotFound { what, key } => Self {
                code,
                detail: Some((
                    format!("{} '{key}' wurde nicht gefunden.", german_noun(what)),
                    format!("{what} '{key}' was not found."),
                )),
                fields: vec![],
            },
            AppError::AlreadyExists { what, key } => Self {
                code,
                detail: Some((
                    format!("{} '{key}' gibt es bereits.", german_noun(what)),
                    format!("{what} '{key}' already exists."),
                )),
                fields: vec![],
            },
            AppError::Forbidden { permission } => Self {
                code,
                detail: Some((
                    format!("Dafür fehlt Ihnen in dieser Firma die Berechtigung {permission}."),
                    format!("You lack the permission {permission} in this company."),
                )),
                fields: vec![],
            },
            AppError::Throttled { retry_after_secs } => Self {
                code,
                detail: Some((
                    format!("Zu viele fehlgeschlagene Anmeldungen. Bitte in {retry_after_secs} Sekunden erneut versuchen oder die Administration um Entsperrung bitten."),
                    format!("Too many failed sign-ins. Try again in {retry_after_secs} seconds or ask an administrator to unlock the account."),
                )),
                fields: vec![],
            },
            AppError::SeparationOfDuties { rule } => Self {
                code,
                detail: Some((
                    format!("Funktionstrennung ({}): {}", rule.code, rule.de),
                    format!("Separation of duties ({}): {}", rule.code, rule.en),
                )),
                fields: vec![],
            },
            AppError::Conflict { en, de } => Self {
                code,
                detail: Some((de.clone(), en.clone())),
                fields: vec![],
            },
            AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_) => {
                tracing::error!(error = %e, "request failed");
                Self::code(code)
            }
            _ => Self::code(code),
        }
    }
}

fn german_noun(what: &str) -> &str {
    match what {
        "company" => "Firma",
        "user" => "Benutzer",
        "partner" => "Geschäftspartner",
        "dead job" => "Gescheiterter Auftrag",
        "sign-in lock" => "Anmeldesperre",
        "API token" => "API-Token",
        "employee" => "Mitarbeiter/in",
        "personnel number" => "Personalnummer",
        "two-factor sign-in" => "Zwei-Faktor-Anmeldung",
        "two-factor set-up" => "Einrichtung der Zwei-Faktor-Anmeldung",
        "job" => "Auftrag",
        "partner access" => "Partnerzugang",
        other => other,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = status_of(self.code).into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// Renders an [`ApiError`] left in a response's extensions as problem+json
/// in the language the request asked for.
pub fn localize(request_headers: &HeaderMap, mut resp: Response) -> Response {
    let Some(err) = resp.extensions_mut().remove::<ApiError>() else {
        return resp;
    };
    let lang = request_headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default();
    let request_id = request_headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let problem = err.render(lang, request_id);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut out = Response::new(axum::body::Body::from(body));
    *out.status_mut() = status_of(err.code);
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    out.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    out
}

fn bad_request(status: StatusCode, de: String, en: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::code("payload_too_large");
    }
    ApiError {
        code: "bad_request",
        detail: Some((de, en)),
        fields: vec![],
    }
}

/// `axum::Json` whose rejections are problem details.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(bad_request(
                rej.status(),
                format!("Der JSON-Inhalt der Anfrage ist ungültig: {}", rej.body_text()),
                format!("The request's JSON body is invalid: {}", rej.body_text()),
            )),
        }
    }
}

/// `axum::extract::Query` whose rejections are problem details.
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => Err(bad_request(
                rej.status(),
                format!("Die Abfrageparameter sind ungültig: {}", rej.body_text()),
                format!("The query parameters are invalid: {}", rej.body_text()),
            )),
        }
    }
}
