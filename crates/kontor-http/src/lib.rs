//! kontor-http: the HTTP adapter.
//!
//! Main design decision: handlers are thin. Each parses its input, calls one
//! use-case of `kontor_app::App` with the signed-in actor, and renders the
//! result: JSON under `/api/v1` (documented by an OpenAPI 3.1 document
//! generated from the same handler annotations), server-rendered HTML for
//! people. Permission checks live in the application layer, never here
//! alone. Errors leave as RFC 9457 problem details in the client's language.

mod api;
mod assets;
pub mod i18n;
pub mod metrics;
pub mod permissions;
pub mod problem;
mod session;
mod ui;
mod upload;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kontor_app::{Actor, App};
use kontor_core::limits::REQUEST_BODY_MAX;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use metrics::Metrics;

/// Settings of the HTTP adapter.
#[derive(Clone, Debug, Default)]
pub struct HttpOptions {
    /// Mark cookies `Secure` (set when kontor is served over TLS).
    pub secure_cookies: bool,
    /// Shown on the login page when the demo data is loaded.
    pub demo: bool,
    /// The bearer token /metrics requires; `None`: local requests only.
    pub metrics_token: Option<String>,
}

#[derive(Clone)]
pub struct HttpState {
    pub app: App,
    pub metrics: Arc<Metrics>,
    pub options: HttpOptions,
}

/// The whole HTTP surface of kontor.
pub fn router(state: HttpState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = Arc::new(openapi.to_pretty_json().unwrap_or_default());
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(api_router)
        .route("/api/v1/openapi.json", get(move || serve_openapi(openapi_json.clone())))
        .fallback(fallback)
        .layer(middleware::from_fn(localize_api_errors))
        .merge(ui::router())
        .merge(assets::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_endpoint))
        .layer(middleware::from_fn_with_state(state.clone(), track_metrics))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(limit_body))
        // Extractors would cap bodies at 2 MB on their own; `limit_body`
        // sets the limit per route instead.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The OpenAPI document as JSON (also used by `kontor` to print it).
pub fn openapi_json() -> String {
    api::router().split_for_parts().1.to_pretty_json().unwrap_or_default()
}

async fn serve_openapi(doc: Arc<String>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], doc.as_ref().clone()).into_response()
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        problem::ApiError::code("unknown_route").into_response()
    } else {
        ui::not_found_page(&req).into_response()
    }
}

/// Whether a request uploads a document (larger bodies allowed).
fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST && path.ends_with("/documents")
}

/// Caps every request body: documents up to their own limit, everything
/// else at `REQUEST_BODY_MAX`. Larger bodies are refused with 413 before
/// they are read to the end.
async fn limit_body(req: Request, next: Next) -> Response {
    let limit = if is_upload(req.method(), req.uri().path()) {
        kontor_app::documents::DOCUMENT_MAX.max(kontor_app::personnel::DOCUMENT_MAX) + 256 * 1024
    } else {
        REQUEST_BODY_MAX
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return if req.uri().path().starts_with("/api/") {
            problem::localize(
                req.headers(),
                problem::ApiError::code("payload_too_large").into_response(),
            )
        } else {
            (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response()
        };
    }
    let req = req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, limit)));
    next.run(req).await
}

/// Content-Security-Policy: only kontor's own scripts and styles, no inline
/// script or style, no framing, forms post only to kontor.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        if let Ok(v) = axum::http::HeaderValue::from_str(value) {
            h.entry(name).or_insert(v);
        }
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
    resp
}

async fn localize_api_errors(req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let resp = next.run(req).await;
    problem::localize(&headers, resp)
}

async fn readyz(State(state): State<HttpState>) -> Response {
    match state.app.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}")).into_response(),
    }
}

/// Who may read /metrics: with a token configured, whoever sends it as
/// `Authorization: Bearer …`; without one, only a client on this machine
/// that is not a reverse proxy passing someone else's request on (the
/// numbers tell about jobs, load and routes, not business data).
fn metrics_access(
    token: Option<&str>,
    peer: Option<std::net::SocketAddr>,
    headers: &axum::http::HeaderMap,
) -> Result<(), (StatusCode, &'static str)> {
    match token {
        Some(expected) => {
            let sent = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            if kontor_app::security::constant_time_eq(sent, expected) {
                Ok(())
            } else {
                Err((
                    StatusCode::UNAUTHORIZED,
                    "metrics: send the configured token as 'Authorization: Bearer <KONTOR_METRICS_TOKEN>'\n",
                ))
            }
        }
        None => {
            let local = peer.is_some_and(|p| p.ip().is_loopback());
            let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|h| headers.contains_key(*h));
            if local && !proxied {
                Ok(())
            } else {
                Err((
                    StatusCode::FORBIDDEN,
                    "metrics: only local requests may read /metrics unless KONTOR_METRICS_TOKEN is set\n",
                ))
            }
        }
    }
}

async fn metrics_endpoint(State(state): State<HttpState>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    if let Err(refused) = metrics_access(state.options.metrics_token.as_deref(), peer, req.headers()) {
        return refused.into_response();
    }
    let m = &state.metrics;
    if let Ok(c) = state.app.job_counts(&Actor::system("metrics")).await {
        for (s, n) in [
            ("queued", c.queued),
            ("running", c.running),
            ("done", c.done),
            ("dead", c.dead),
        ] {
            m.jobs_by_state
                .get_or_create(&metrics::StateLabels { state: s.into() })
                .set(n);
        }
    }
    let pool = state.app.store().pool_stats();
    m.db_pool_size.set(i64::from(pool.size));
    m.db_pool_idle.set(i64::from(pool.idle));
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.encode(),
    )
        .into_response()
}

async fn track_metrics(State(state): State<HttpState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    state
        .metrics
        .requests
        .get_or_create(&metrics::RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&metrics::LatencyLabels { method, route })
        .observe(start.elapsed().as_secs_f64());
    resp
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn peer(ip: &str) -> Option<std::net::SocketAddr> {
        Some(std::net::SocketAddr::new(ip.parse().unwrap(), 50_000))
    }

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn without_a_token_only_local_unproxied_requests_read_metrics() {
        let none = HeaderMap::new();
        assert!(metrics_access(None, peer("127.0.0.1"), &none).is_ok());
        assert!(metrics_access(None, peer("::1"), &none).is_ok());
        for refused in [
            metrics_access(None, peer("192.0.2.10"), &none),
            metrics_access(None, None, &none),
            metrics_access(None, peer("127.0.0.1"), &with("x-forwarded-for", "203.0.113.7")),
            metrics_access(None, peer("127.0.0.1"), &with("forwarded", "for=203.0.113.7")),
            metrics_access(None, peer("127.0.0.1"), &with("x-real-ip", "203.0.113.7")),
        ] {
            assert_eq!(refused.unwrap_err().0, StatusCode::FORBIDDEN);
        }
    }

    #[test]
    fn with_a_token_whoever_sends_it_reads_metrics_and_nobody_else() {
        let token = Some("0123456789abcdef0123");
        let auth = |v: &str| with("authorization", v);
        assert!(metrics_access(token, peer("192.0.2.10"), &auth("Bearer 0123456789abcdef0123")).is_ok());
        for refused in [
            metrics_access(token, peer("127.0.0.1"), &HeaderMap::new()),
            metrics_access(token, peer("127.0.0.1"), &auth("Bearer 0123456789abcdef012")),
            metrics_access(token, peer("127.0.0.1"), &auth("Bearer 0123456789abcdef01234")),
            metrics_access(token, peer("127.0.0.1"), &auth("Basic 0123456789abcdef0123")),
        ] {
            assert_eq!(refused.unwrap_err().0, StatusCode::UNAUTHORIZED);
        }
    }
}
