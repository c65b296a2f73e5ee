//! Session cookies and the extractors that turn them into a signed-in
//! `SessionContext`. Sessions live in the database, so any kontor instance
//! behind a load balancer can serve any request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use kontor_app::{AppError, SessionContext};

use crate::problem::ApiError;
use crate::HttpState;

pub const SESSION_COOKIE: &str = "kontor_session";
pub const LOGIN_CSRF_COOKIE: &str = "kontor_login_csrf";
pub const LANG_COOKIE: &str = "kontor_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with kontor's attributes.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", secure, Some(0))
}

/// The client's network address, when the server knows it.
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

fn client_addr(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// A signed-in person using the web UI; others are sent to the login page.
pub struct UiSession(pub SessionContext);

impl FromRequestParts<HttpState> for UiSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state.app.session(token).await {
            Ok(mut s) => {
                // Someone who must set up two-factor sign-in may do only that (or leave).
                let path = parts.uri.path();
                if s.enroll_only && !(path.starts_with("/settings/2fa") || path == "/logout") {
                    return Err(Redirect::to("/settings/2fa").into_response());
                }
                s.actor.client_addr = client_addr(parts);
                Ok(UiSession(s))
            }
            Err(AppError::Unauthenticated) => Err(to_login()),
            Err(e) => Err(crate::ui::error_page(kontor_core::Lang::De, &e.into())),
        }
    }
}

/// A signed-in API client: a session cookie (state-changing requests must
/// carry the session's CSRF token in `X-CSRF-Token`) or an API token in
/// `Authorization: Bearer`.
pub struct ApiSession(pub SessionContext);

impl FromRequestParts<HttpState> for ApiSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
        if let Some(t) = bearer {
            // A bearer token is not sent by browsers on their own: no CSRF check.
            let mut session = state.app.bearer(t.trim()).await.map_err(ApiError::from)?;
            session.actor.client_addr = client_addr(parts);
            return Ok(ApiSession(session));
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(ApiError::code("unauthenticated"))?;
        let mut session = state.app.session(token).await.map_err(ApiError::from)?;
        if session.enroll_only {
            return Err(ApiError::code("totp_enrollment_required"));
        }
        session.actor.client_addr = client_addr(parts);
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            state.app.verify_csrf(&session, presented).map_err(ApiError::from)?;
        }
        Ok(ApiSession(session))
    }
}
