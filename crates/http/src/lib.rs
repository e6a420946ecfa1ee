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
use ciao_service::Service;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

pub mod auth;
pub mod problem;
pub mod registrations;

use problem::Problem;

/// Base path of the REST API.
pub const API_BASE: &str = "/REST/presenceRegistration/v1";

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    /// Absolute base URL, without trailing slash (`https://ciao.example.be`).
    pub public_url: String,
    /// Accept the development-only sender header (never in production).
    pub insecure_dev_auth: bool,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ciao presenceRegistration",
        version = "1.0.0",
        description = "Check In and Out at Work: register presences (IN/OUT) on declared workplaces in real time, \
                       consult and cancel them. Errors are application/problem+json (belgif)."
    ),
    paths(
        registrations::register_in_bulk,
        registrations::search,
        registrations::get_registration,
        registrations::cancel
    ),
    components(schemas(problem::Problem, problem::InputIssue)),
    modifiers(&SecurityAddon),
    tags((name = "presenceRegistrations", description = "Presence registrations"))
)]
struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "devSender",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "X-Ciao-Dev-Sender",
                    "Development only (server started with --insecure-dev-auth): [client-id@]enterprise-number",
                ))),
            );
        }
    }
}

/// The OpenAPI document, with the server URL built from the public URL.
pub fn openapi(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.servers = Some(vec![utoipa::openapi::Server::new(format!(
        "{public_url}{API_BASE}"
    ))]);
    doc
}

async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    Json(openapi(&state.public_url))
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
    Ok(Json(Health {
        status: "UP",
        database: store.backend(),
        schema_version,
    }))
}

async fn not_found() -> Problem {
    Problem::not_found(
        "there is no such resource; the API is described at /REST/presenceRegistration/v1/openapi.json",
    )
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "belgif:methodNotAllowed",
        "Method Not Allowed",
        "this resource does not support this method",
    )
}

pub fn router(state: AppState) -> Router {
    let api = registrations::router().route("/openapi.json", get(openapi_json));
    Router::new()
        .nest(API_BASE, api)
        .route("/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Bodies are read with their own 1 MiB limit and a problem answer.
        .layer(DefaultBodyLimit::max(registrations::MAX_BODY))
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
