//! The OAuth 2.0 token endpoint, `POST /REST/oauth/v5/token`:
//! client credentials with a JWT client assertion (RFC 7523).
//! Errors follow RFC 6749 §5.2.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ciao_service::oauth::{OAuthError, TokenRequest};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

const MAX_FORM: usize = 64 * 1024;

/// An issued access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponseDto {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

/// The token request's form (`application/x-www-form-urlencoded`).
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // described in the OpenAPI document; the form is read field by field
pub struct TokenRequestForm {
    /// `client_credentials`.
    pub grant_type: String,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    pub client_assertion_type: String,
    /// A JWT signed with the key of one of the account's certificates.
    pub client_assertion: String,
    /// Optional: fewer scopes than the account holds, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A refusal (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthErrorDto {
    /// `invalid_request`, `invalid_client`, `invalid_scope`, `unsupported_grant_type` or `server_error`.
    pub error: String,
    pub error_description: String,
}

fn no_store(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn error(code: &str, description: impl Into<String>) -> Response {
    let status = match code {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    // No WWW-Authenticate: the client authenticates in the form, by an
    // assertion, for which HTTP has no scheme (Bearer is the API's).
    no_store(
        (status, Json(OAuthErrorDto { error: code.into(), error_description: description.into() })).into_response(),
    )
}

/// A refused token request: in the security log (target `ciao::audit`,
/// with the client id it named or its assertion claims, an SSIN there
/// masked), and answered as
/// RFC 6749 §5.2 says.
fn refused(code: &str, description: impl Into<String>, client: Option<&str>) -> Response {
    let description = description.into();
    let client: Option<String> = client.map(|c| ciao_domain::mask_ssins(&c.chars().take(64).collect::<String>()));
    tracing::info!(
        target: "ciao::audit",
        error = code,
        client_id = client.as_deref().unwrap_or("-"),
        reason = ?description,
        "token refused"
    );
    error(code, description)
}

/// Get an access token with the client credentials grant.
///
/// Form parameters (`application/x-www-form-urlencoded`): `grant_type=client_credentials`,
/// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
/// `client_assertion` (a JWT signed with the key of one of the account's
/// certificates: `iss` = `sub` = the client id, `aud` = this endpoint's
/// absolute URL, `exp` at most 2 hours ahead, a fresh `jti`), and optional
/// `scope`. Client secrets are not supported.
#[utoipa::path(
    post,
    path = "/REST/oauth/v5/token",
    tag = "oauth",
    request_body(content = TokenRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenResponseDto),
        (status = 400, body = OAuthErrorDto),
        (status = 401, description = "invalid_client", body = OAuthErrorDto),
    )
)]
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        .unwrap_or(false);
    if !form_type {
        return refused("invalid_request", "send the parameters as application/x-www-form-urlencoded", None);
    }
    if let Some(given) = headers.get(header::AUTHORIZATION) {
        // RFC 6749 §5.2: 401 with a challenge of the scheme the client used.
        let scheme = given
            .to_str()
            .ok()
            .and_then(|v| v.split_whitespace().next())
            .filter(|s| s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .unwrap_or("Basic");
        let mut res = refused(
            "invalid_client",
            format!(
                "client authentication by the Authorization header ({scheme}) is not supported: \
                 authenticate with a client assertion in the form (RFC 7523)"
            ),
            None,
        );
        if let Ok(challenge) = HeaderValue::from_str(&format!("{scheme} realm=\"ciao\"")) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        }
        return res;
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return refused("invalid_request", format!("the form is larger than {MAX_FORM} bytes"), None);
    };
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
        return refused("invalid_request", "the form cannot be read", None);
    };
    let mut req = TokenRequest::default();
    for (k, v) in params {
        let slot = match k.as_str() {
            "grant_type" => &mut req.grant_type,
            "client_assertion_type" => &mut req.client_assertion_type,
            "client_assertion" => &mut req.client_assertion,
            "scope" => &mut req.scope,
            "client_id" => &mut req.client_id,
            "client_secret" => &mut req.client_secret,
            _ => continue, // RFC 6749 §3.2: unrecognised parameters are ignored
        };
        if slot.is_some() {
            return refused("invalid_request", format!("the parameter {k} is given more than once"), None);
        }
        *slot = Some(v);
    }
    let client = req.client_id.clone();
    let assertion = req.client_assertion.clone();
    match state.service.issue_token(req).await {
        Ok(t) => no_store(
            Json(TokenResponseDto {
                access_token: t.access_token,
                token_type: t.token_type.into(),
                expires_in: t.expires_in,
                scope: t.scope,
            })
            .into_response(),
        ),
        Err(OAuthError::Service(e)) => {
            tracing::error!(error = %e, "token endpoint failure");
            error("server_error", "the server could not issue a token; it has been logged")
        }
        Err(e) => {
            // The log names the client the request claims to be: the form's
            // client_id, or else the (unverified) assertion's.
            let claimed = client.or_else(|| {
                let jws = ciao_service::ciao_auth::jws::parse_compact(assertion.as_deref()?).ok()?;
                ciao_service::ciao_auth::assertion::peek_client_id(&jws.claims).map(str::to_string)
            });
            refused(e.code(), e.to_string(), claimed.as_deref())
        }
    }
}
