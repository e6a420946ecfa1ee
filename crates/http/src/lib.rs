//! The HTTP doors of ciao: REST presenceRegistration v1 (and its OpenAPI
//! document), health. Handlers are thin: they parse, call the service, and
//! shape the answer.

// Handlers return `Result<_, Problem>`; a problem is built once per failed
// request, so its size does not matter.
#![allow(clippy::result_large_err)]

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use ciao_domain::channel::Permission;
use ciao_service::Service;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};

pub mod auth;
pub mod channel_pages;
pub mod chart;
pub mod declaration_pages;
pub mod employer;
pub mod employer_security;
pub mod export;
pub mod home;
pub mod i18n;
pub mod metrics;
pub mod oauth;
pub mod openapi30;
pub mod problem;
pub mod qr;
pub mod registrations;
mod server;
pub mod sessions_page;
pub mod simulation;
pub mod worker;
pub mod workplace;

pub use server::{
    MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES, Timeouts, refuse_oversized_head, serve, serve_router,
    serve_with,
};

use problem::Problem;

/// Base path of the REST API.
pub const API_BASE: &str = "/REST/presenceRegistration/v1";

/// What every handler and middleware gets. axum clones the state several
/// times per request (each layer with state, each `State` extractor): it is
/// one `Arc`, so a clone is one reference count, not one per shared part
/// (`perf` on `ciao bench registrations`: cloning and dropping the state
/// field by field was 2–3 % of the request threads' time).
#[derive(Clone)]
pub struct AppState(std::sync::Arc<AppStateInner>);

pub struct AppStateInner {
    pub service: Service,
    pub http_metrics: metrics::HttpMetrics,
    /// Failed worker sign-ins per client address (this node).
    pub sign_in_throttle: worker::Throttle,
    /// The OpenAPI documents (3.0.3, 3.1) as served, built on their first
    /// request: they depend only on the configuration.
    openapi_documents: [std::sync::OnceLock<axum::body::Bytes>; 2],
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

impl AppState {
    pub fn new(service: Service) -> Self {
        Self(std::sync::Arc::new(AppStateInner {
            service,
            http_metrics: Default::default(),
            sign_in_throttle: Default::default(),
            openapi_documents: Default::default(),
        }))
    }
}

impl AppState {
    /// Absolute base URL, without trailing slash (`https://ciao.example.be`).
    pub fn public_url(&self) -> &str {
        &self.service.config().public_url
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ciao presenceRegistration",
        version = "1.2.0",
        description = "Check In and Out at Work: register presences (IN/OUT) on declared workplaces in real time, \
                       consult and cancel them. Errors are application/problem+json (belgif). Modelled on the \
                       social security's presenceRegistration API, version 1.2.0: the server is the API's base \
                       (…/REST/presenceRegistration/v1) and the paths are relative to it; the token endpoint \
                       has its own server."
    ),
    paths(
        oauth::token,
        registrations::register_in_bulk,
        registrations::search,
        registrations::get_registration,
        registrations::cancel
    ),
    components(schemas(problem::Problem, problem::InputIssue)),
    tags(
        (name = "presenceRegistrations", description = "Presence registrations"),
        (name = "oauth", description = "Access tokens (OAuth 2.0 client credentials with a signed JWT client assertion)")
    )
)]
struct ApiDoc;

/// The OAuth 2.0 scheme, with the token endpoint's absolute URL.
fn security_scheme(token_url: String) -> SecurityScheme {
    SecurityScheme::OAuth2(OAuth2::with_description(
        [Flow::ClientCredentials(ClientCredentials::new(
            token_url,
            Scopes::from_iter([
                (Permission::Register.scope(), "register presences and cancel the ones you sent"),
                (Permission::Consult.scope(), "consult and search presences"),
            ]),
        ))],
        "Client credentials; the client authenticates with a JWT client assertion (RFC 7523) \
         signed with the key of a certificate of its REST account. Client secrets are not supported.",
    ))
}

/// The OpenAPI document, laid out as the social security's are: the
/// server is the API's base (`PUBLIC_URL/REST/presenceRegistration/v1`) and
/// the paths are relative to it, so that a client generated from it and
/// pointed at another base does not repeat the prefix; the token endpoint,
/// on a base of its own, carries its own server; the token URL is absolute.
/// With `simulation`, the simulation environment's calls too.
pub fn openapi(public_url: &str, simulation: bool) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::Server;
    let mut doc = ApiDoc::openapi();
    if simulation {
        doc.merge(simulation::SimulationDoc::openapi());
    }
    doc.servers = Some(vec![Server::new(format!("{public_url}{API_BASE}"))]);
    for (path, mut item) in std::mem::take(&mut doc.paths.paths) {
        match path.strip_prefix(API_BASE) {
            Some(relative) => {
                doc.paths.paths.insert(relative.to_string(), item);
            }
            None => {
                item.servers = Some(vec![Server::new(public_url)]);
                doc.paths.paths.insert(path, item);
            }
        }
    }
    if let Some(components) = doc.components.as_mut() {
        components
            .add_security_scheme("oauth2", security_scheme(format!("{public_url}{}", ciao_service::oauth::TOKEN_PATH)));
    }
    doc
}

/// The OpenAPI document as JSON, in the platform's version (3.0.3, see
/// [`openapi30`]).
pub fn openapi_30_json(public_url: &str, simulation: bool) -> serde_json::Result<serde_json::Value> {
    Ok(openapi30::downgrade(serde_json::to_value(openapi(public_url, simulation))?))
}

/// `openapi.json`: OpenAPI 3.0.3, as the social security publishes its
/// APIs and as most code generators read.
async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    openapi_document(&state, 0, |url, simulation| serde_json::to_vec(&openapi_30_json(url, simulation)?))
}

/// `openapi-3.1.json`: the document as generated (OpenAPI 3.1).
async fn openapi_31_json(State(state): State<AppState>) -> impl IntoResponse {
    openapi_document(&state, 1, |url, simulation| serde_json::to_vec(&openapi(url, simulation)))
}

/// The OpenAPI document `which` as a JSON answer, serialised once per
/// process by `build` (public URL, simulation).
fn openapi_document(
    state: &AppState,
    which: usize,
    build: fn(&str, bool) -> serde_json::Result<Vec<u8>>,
) -> axum::response::Response {
    let body = state.openapi_documents[which].get_or_init(|| {
        build(state.public_url(), state.service.is_simulation()).map(Into::into).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            axum::body::Bytes::from_static(b"{}")
        })
    });
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Health {
    status: &'static str,
    database: &'static str,
    schema_version: i64,
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, Problem> {
    let store = state.service.store();
    let schema_version = store.schema_version().await.map_err(|e| {
        tracing::error!(error = %e, "health check failed");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "belgif:serviceUnavailable",
            "Service Unavailable",
            "the database does not answer",
        )
    })?;
    Ok(Json(Health { status: "UP", database: store.backend(), schema_version }))
}

/// An unknown address: a page in the web areas (`/`, `/e`, `/w`, `/r`),
/// the REST API's problem elsewhere.
async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> axum::response::Response {
    if workplace::is_page_path(uri.path()) {
        return workplace::not_found_page(&headers, &uri);
    }
    Problem::not_found("there is no such resource; the API is described at /REST/presenceRegistration/v1/openapi.json")
        .into_response()
}

/// A method a route does not take: a page in the web areas, the problem elsewhere.
async fn method_not_allowed(
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if workplace::is_page_path(uri.path()) {
        return workplace::method_not_allowed_page(&headers, &uri, &method);
    }
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "belgif:methodNotAllowed",
        "Method Not Allowed",
        "this resource does not support this method",
    )
    .into_response()
}

pub fn router(state: AppState) -> Router {
    let api = registrations::router()
        .merge(simulation::router())
        .route("/openapi.json", get(openapi_json))
        .route("/openapi-3.1.json", get(openapi_31_json));
    let router = Router::new()
        .nest(API_BASE, api)
        .merge(home::router())
        .merge(workplace::router())
        .merge(worker::router())
        .merge(employer::router())
        .merge(employer_security::router())
        .merge(channel_pages::router())
        .merge(declaration_pages::router())
        .route(ciao_service::oauth::TOKEN_PATH, axum::routing::post(oauth::token))
        .route("/health", get(health))
        .route("/metrics", get(metrics::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Bodies are read with their own 1 MiB limit and a problem answer.
        .layer(DefaultBodyLimit::max(registrations::MAX_BODY))
        .layer(axum::middleware::from_fn(server::refuse_oversized_head))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track));
    // The simulation marks every response, and its pages show a banner.
    let router =
        if state.service.is_simulation() { router.layer(axum::middleware::from_fn(simulation::mark)) } else { router };
    router.with_state(state)
}

/// The address of the client a request comes from, what the sign-in
/// throttle counts by: the connection's peer, or, when the peer is a
/// trusted reverse proxy (`--trusted-proxy`), the client it forwards
/// (`X-Forwarded-For`, [`client_address`]). Addresses are compared in their
/// canonical form (an IPv4 peer of a dual-stack socket is `::ffff:a.b.c.d`).
pub(crate) struct ClientIp(pub std::net::IpAddr);

impl axum::extract::FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::ConnectInfo;
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| c.0.ip().to_canonical());
        let trusted = &state.service.config().trusted_proxies;
        let client = if is_trusted(trusted, peer) { client_address(&parts.headers, trusted) } else { None };
        Ok(ClientIp(client.unwrap_or(peer)))
    }
}

/// The client's address in `X-Forwarded-For` (every such header, in order):
/// the right-most address that is not a trusted proxy (addresses further
/// left were written by the client itself and prove nothing); the left-most
/// when all are trusted. None without a readable address.
pub fn client_address(headers: &axum::http::HeaderMap, trusted: &[std::net::IpAddr]) -> Option<std::net::IpAddr> {
    let chain: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .map(|a| a.to_canonical())
        .collect();
    chain.iter().rev().find(|a| !is_trusted(trusted, **a)).or(chain.first()).copied()
}

/// Whether `ip` (canonical) is one of the trusted proxies, however written.
fn is_trusted(trusted: &[std::net::IpAddr], ip: std::net::IpAddr) -> bool {
    trusted.iter().any(|t| t.to_canonical() == ip)
}

#[cfg(test)]
mod forwarded_tests {
    use super::client_address;
    use axum::http::HeaderMap;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_address() {
        let proxy = "10.0.0.2".parse().unwrap();
        let trusted = [proxy, "10.0.0.3".parse().unwrap()];
        assert_eq!(client_address(&headers(&["203.0.113.7"]), &trusted), Some("203.0.113.7".parse().unwrap()));
        // What the client wrote itself, left of what the proxies saw, is not believed.
        assert_eq!(
            client_address(&headers(&["198.51.100.1, 203.0.113.7, 10.0.0.3"]), &trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            client_address(&headers(&["198.51.100.1", "203.0.113.7"]), &trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(client_address(&headers(&["2001:db8::1"]), &trusted), Some("2001:db8::1".parse().unwrap()));
        // An IPv4 address written as IPv6 (a dual-stack socket) is the same address.
        assert_eq!(
            client_address(&headers(&["::ffff:203.0.113.7, ::ffff:10.0.0.3"]), &trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(client_address(&headers(&["10.0.0.3"]), &trusted), Some("10.0.0.3".parse().unwrap()));
        assert_eq!(client_address(&headers(&["nonsense"]), &trusted), None);
        assert_eq!(client_address(&HeaderMap::new(), &trusted), None);
    }
}
