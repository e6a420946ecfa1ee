//! The simulation environment over HTTP: every response of a simulation
//! server carries `X-Ciao-Environment: simulation` and every page a banner;
//! two REST calls, refused in production, reset the simulation to its seed
//! and end the day now.
//!
//! The REST calls need an access token of any REST account of the
//! simulation with the `register` scope (so that an anonymous caller cannot
//! wipe what integrators are trying); in production they answer 403 with a
//! problem that says why, whatever the token.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::post;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::auth::Authenticated;
use crate::i18n::{Lang, t};
use crate::problem::{In, Problem};

/// The header that says which environment answered.
pub const ENVIRONMENT_HEADER: HeaderName = HeaderName::from_static("x-ciao-environment");

tokio::task_local! {
    /// Set while a simulation server handles a request: the pages show the banner.
    static SIMULATION: bool;
}

/// Whether the request being handled is one of a simulation server.
pub fn active() -> bool {
    SIMULATION.try_with(|s| *s).unwrap_or(false)
}

/// The banner every page of the simulation shows (empty in production).
pub fn banner(lang: Lang) -> String {
    if !active() {
        return String::new();
    }
    format!(
        "<p class=\"simulation-banner\" role=\"note\"><strong>{}</strong> {}</p>",
        t(lang, "simulation.title"),
        t(lang, "simulation.banner")
    )
}

/// Middleware of a simulation server: marks the response and lets the pages
/// know (they add the banner).
pub async fn mark(request: Request, next: Next) -> Response {
    let mut response = SIMULATION.scope(true, next.run(request)).await;
    response.headers_mut().insert(ENVIRONMENT_HEADER, HeaderValue::from_static("simulation"));
    response
}

pub fn router() -> Router<AppState> {
    Router::new().route("/simulation/reset", post(reset)).route("/simulation/sweep", post(sweep))
}

fn production() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "ciao:simulationOnly",
        "Simulation Only",
        "this operation exists only in the simulation environment (ciao serve --simulation); this server is production",
    )
}

/// The caller of a simulation call: production is refused before the token
/// is even looked at.
///
/// Neither call takes parameters: after the scope, a query parameter (each
/// named) or a body other than nothing or `{}` is refused, so that a reset
/// sent with what its client believes are options wipes nothing.
async fn caller(state: &AppState, request: Request) -> Result<ciao_service::Caller, Problem> {
    if !state.service.is_simulation() {
        return Err(production());
    }
    let (mut parts, body) = request.into_parts();
    let Authenticated(caller) = Authenticated::from_request_parts(&mut parts, state).await?;
    caller.require(ciao_domain::channel::Permission::Register)?;
    crate::registrations::no_query(parts.uri.query())?;
    let unexpected = || {
        Problem::invalid_fields(
            In::Body,
            vec![ciao_domain::FieldError::new(
                "",
                "body.unexpected",
                "this operation takes no body (or an empty JSON object {})",
            )],
        )
    };
    let bytes = axum::body::to_bytes(body, 1024).await.map_err(|_| unexpected())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| unexpected())?;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if !compact.is_empty() && compact != "{}" {
        return Err(unexpected());
    }
    Ok(caller)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeedCount {
    /// `enterprises`, `persons`, `employments`, `limosa`, `declarations` or `subcontractors`.
    pub registry: String,
    pub rows: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetResponse {
    /// When the seed was loaded again (RFC 3339, UTC).
    pub seeded_at: String,
    /// Rows of the seed per registry.
    pub seed: Vec<SeedCount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SweepResponse {
    /// INs left open that were queued for validation (they get `DAY_LEFT_OPEN`).
    pub queued: u64,
}

/// Simulation only: reset to the seed.
///
/// Removes every registration and loads the documented seed again
/// (registries and the employer user); REST accounts and their certificates
/// are kept. Production answers 403.
#[utoipa::path(
    post,
    path = "/REST/presenceRegistration/v1/simulation/reset",
    tag = "simulation",
    responses(
        (status = 200, description = "The simulation is back at its seed", body = ResetResponse),
        (status = 400, description = "A query parameter, or a body other than nothing or {}", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Production, or the token lacks the register scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = ["scope:presenceregistration:register"]))
)]
pub async fn reset(State(state): State<AppState>, request: Request) -> Result<Json<ResetResponse>, Problem> {
    let caller = caller(&state, request).await?;
    let summary = state.service.simulation_reset(&caller).await?;
    Ok(Json(ResetResponse {
        seeded_at: ciao_domain::format_utc(summary.seeded_at),
        seed: summary.rows.into_iter().map(|(k, rows)| SeedCount { registry: k.to_string(), rows }).collect(),
    }))
}

/// Simulation only: end the day now.
///
/// Runs the end-of-day sweep as if the day ended now: the INs of today with
/// nothing after them are validated again and get `DAY_LEFT_OPEN`.
/// Registrations made afterwards are not affected. Production answers 403.
#[utoipa::path(
    post,
    path = "/REST/presenceRegistration/v1/simulation/sweep",
    tag = "simulation",
    responses(
        (status = 200, description = "The INs left open are queued for validation", body = SweepResponse),
        (status = 400, description = "A query parameter, or a body other than nothing or {}", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Production, or the token lacks the register scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = ["scope:presenceregistration:register"]))
)]
pub async fn sweep(State(state): State<AppState>, request: Request) -> Result<Json<SweepResponse>, Problem> {
    let caller = caller(&state, request).await?;
    let queued = state.service.simulation_sweep(&caller).await?;
    Ok(Json(SweepResponse { queued }))
}

/// The simulation's part of the OpenAPI document (served by simulation servers only).
#[derive(OpenApi)]
#[openapi(
    paths(reset, sweep),
    tags((name = "simulation", description = "Simulation environment only: reset to the seed, end the day now"))
)]
pub struct SimulationDoc;
