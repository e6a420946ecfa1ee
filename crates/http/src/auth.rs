//! Who is calling the REST API: `Authorization: Bearer <access token>`, a
//! token from `POST /REST/oauth/v5/token`. Checking it costs a MAC and a
//! look-up in the in-memory account cache (no database round trip).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use ciao_service::Caller;
use ciao_service::oauth::AuthError;

use crate::AppState;
use crate::problem::Problem;

/// The authenticated caller of a request.
pub struct Authenticated(pub Caller);

fn challenge(extra: &str) -> String {
    if extra.is_empty() { "Bearer realm=\"ciao\"".to_string() } else { format!("Bearer realm=\"ciao\", {extra}") }
}

/// Quotes a value for a `WWW-Authenticate` parameter.
fn quoted(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect()
}

use ciao_service::ciao_auth::bearer::NotBearer;

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Problem::unauthorized(
                "belgif:noAccessToken",
                "No Access Token",
                "this API needs an access token: Authorization: Bearer <token>, from POST /REST/oauth/v5/token",
                challenge(""),
            ));
        };
        // One token, by one header (RFC 6750 section 3.1: more than one
        // way of sending it is invalid_request), of visible ASCII.
        let malformed = |detail: &str| {
            Problem::unauthorized(
                "belgif:invalidAccessToken",
                "Invalid Access Token",
                detail,
                challenge("error=\"invalid_request\""),
            )
        };
        if parts.headers.get_all(header::AUTHORIZATION).iter().nth(1).is_some() {
            return Err(malformed("send one Authorization header, not several"));
        }
        let Ok(value) = value.to_str() else {
            return Err(malformed("the Authorization header holds characters other than visible ASCII"));
        };
        let token = match ciao_service::ciao_auth::bearer::bearer_token(value) {
            Ok(token) => token,
            // Another scheme (Basic…) is no token at all: no error code in
            // the challenge (RFC 6750 §3.1).
            Err(NotBearer::OtherScheme) => {
                return Err(Problem::unauthorized(
                    "belgif:noAccessToken",
                    "No Access Token",
                    "this API takes an access token, not other credentials: Authorization: Bearer <token>, \
                     from POST /REST/oauth/v5/token",
                    challenge(""),
                ));
            }
            Err(NotBearer::Empty) => {
                return Err(Problem::unauthorized(
                    "belgif:invalidAccessToken",
                    "Invalid Access Token",
                    "the Authorization header's token is empty: send Authorization: Bearer <access token>, \
                     the access_token of POST /REST/oauth/v5/token",
                    challenge("error=\"invalid_request\""),
                ));
            }
        };
        state.service.authenticate(token).await.map(Authenticated).map_err(|e| {
            let description = match &e {
                AuthError::Expired => "The access token has expired".to_string(),
                AuthError::Invalid(_) => "The access token is invalid".to_string(),
            };
            let mut p = Problem::unauthorized(
                if matches!(e, AuthError::Expired) { "belgif:expiredAccessToken" } else { "belgif:invalidAccessToken" },
                if matches!(e, AuthError::Expired) { "Expired Access Token" } else { "Invalid Access Token" },
                e.to_string(),
                challenge(&format!("error=\"invalid_token\", error_description=\"{}\"", quoted(&description))),
            );
            p.status = StatusCode::UNAUTHORIZED.as_u16();
            p
        })
    }
}
