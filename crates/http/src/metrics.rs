//! `/metrics` in the Prometheus text format: the validation queue, the
//! validation runs and remarks, and HTTP requests by route and status.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Requests counted by route template and status code.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    /// By route, then status: looked up with the borrowed route, so that
    /// counting a request allocates nothing once its route was seen.
    requests: Mutex<HashMap<String, HashMap<u16, u64>>>,
}

impl HttpMetrics {
    fn count(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.requests.lock() {
            match m.get_mut(route) {
                Some(by_status) => *by_status.entry(status).or_default() += 1,
                None => {
                    m.insert(route.to_string(), HashMap::from([(status, 1)]));
                }
            }
        }
    }

    fn snapshot(&self) -> Vec<((String, u16), u64)> {
        let mut v: Vec<_> = self
            .requests
            .lock()
            .map(|m| {
                m.iter()
                    .flat_map(|(route, by_status)| by_status.iter().map(|(s, n)| ((route.clone(), *s), *n)))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// Middleware that counts every request by its route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // `MatchedPath` is shared (`Arc<str>`): cloning it copies no text.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    state.http_metrics.count(route, response.status().as_u16());
    response
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !state.service.may_read_metrics(authorization) {
        use ciao_service::ciao_auth::bearer::{NotBearer, bearer_token};
        // No header, or other credentials, is no token (RFC 6750 §3.1).
        let (kind, title, detail) = match authorization.map(bearer_token) {
            None | Some(Err(NotBearer::OtherScheme)) => (
                "belgif:noAccessToken",
                "No Access Token",
                "/metrics needs the header Authorization: Bearer <the metrics token> (ciao serve --metrics-token)",
            ),
            Some(Ok(_) | Err(NotBearer::Empty)) => (
                "belgif:invalidAccessToken",
                "Invalid Access Token",
                "the Authorization header is not Bearer <the metrics token> (ciao serve --metrics-token)",
            ),
        };
        return crate::problem::Problem::unauthorized(kind, title, detail, "Bearer realm=\"ciao metrics\"".to_string())
            .into_response();
    }
    let mut out = String::new();
    let service = &state.service;
    match service.store().queue_stats().await {
        Ok(q) => {
            let age = q.oldest.map(|t| (service.now() - t).as_seconds_f64().max(0.0)).unwrap_or(0.0);
            let _ = writeln!(out, "# HELP ciao_validation_queue_length Registrations waiting for validation.");
            let _ = writeln!(out, "# TYPE ciao_validation_queue_length gauge");
            let _ = writeln!(out, "ciao_validation_queue_length {}", q.length);
            let _ =
                writeln!(out, "# HELP ciao_validation_queue_oldest_age_seconds Age of the oldest queued registration.");
            let _ = writeln!(out, "# TYPE ciao_validation_queue_oldest_age_seconds gauge");
            let _ = writeln!(out, "ciao_validation_queue_oldest_age_seconds {age:.3}");
        }
        Err(e) => tracing::warn!(error = %e, "metrics: queue stats failed"),
    }
    let m = &service.metrics;
    let _ = writeln!(out, "# HELP ciao_validation_runs_total Validations run by this process.");
    let _ = writeln!(out, "# TYPE ciao_validation_runs_total counter");
    let _ = writeln!(out, "ciao_validation_runs_total {}", m.runs.load(std::sync::atomic::Ordering::Relaxed));
    let _ = writeln!(out, "# HELP ciao_validations_total Validations by resulting validity.");
    let _ = writeln!(out, "# TYPE ciao_validations_total counter");
    let _ = writeln!(
        out,
        "ciao_validations_total{{validity=\"valid\"}} {}",
        m.valid.load(std::sync::atomic::Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "ciao_validations_total{{validity=\"invalid\"}} {}",
        m.invalid.load(std::sync::atomic::Ordering::Relaxed)
    );
    let _ = writeln!(out, "# HELP ciao_remarks_total Remarks given by this process, per code.");
    let _ = writeln!(out, "# TYPE ciao_remarks_total counter");
    for (code, n) in m.remarks() {
        let _ = writeln!(out, "ciao_remarks_total{{code=\"{}\"}} {n}", escape(code));
    }
    let _ = writeln!(out, "# HELP ciao_http_requests_total HTTP requests by route and status.");
    let _ = writeln!(out, "# TYPE ciao_http_requests_total counter");
    for ((route, status), n) in state.http_metrics.snapshot() {
        let _ = writeln!(out, "ciao_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}", escape(&route));
    }
    let mut res = out.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}
