//! Who is calling the REST API.
//!
//! Until OAuth2 client credentials land, a sender is named by a
//! development-only header, `X-Ciao-Dev-Sender: [client-id@]enterprise-number`,
//! accepted only when the server was started with `--insecure-dev-auth`.
//! Without that flag every protected call is 401.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use ciao_domain::EnterpriseNumber;
use ciao_service::Caller;

use crate::AppState;
use crate::problem::Problem;

pub const DEV_SENDER_HEADER: &str = "x-ciao-dev-sender";
const CHALLENGE: &str = "Bearer realm=\"ciao\"";

/// The authenticated caller of a request.
pub struct Authenticated(pub Caller);

fn client_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// Parses `[client-id@]enterprise-number`.
pub fn parse_dev_sender(value: &str) -> Result<Caller, String> {
    let (client, enterprise) = match value.rsplit_once('@') {
        Some((c, e)) => (Some(c.trim()), e),
        None => (None, value),
    };
    let enterprise = EnterpriseNumber::parse(enterprise)
        .map_err(|e| format!("enterprise number: {}", e.message))?;
    let client_id = match client {
        Some(c) if client_id_ok(c) => c.to_string(),
        Some(_) => return Err("client id: use 1 to 100 letters, digits, _ - . or :".into()),
        None => format!("dev_{}", enterprise.as_str()),
    };
    Ok(Caller::Client {
        client_id,
        enterprise,
    })
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !state.insecure_dev_auth {
            return Err(Problem::unauthorized(
                "belgif:noAccessToken",
                "No Access Token",
                "this API needs an access token; this server accepts none yet (OAuth2 client credentials are not enabled)",
                CHALLENGE.into(),
            ));
        }
        let Some(value) = parts.headers.get(DEV_SENDER_HEADER) else {
            return Err(Problem::unauthorized(
                "belgif:noAccessToken",
                "No Access Token",
                "development mode: name the sender with the header X-Ciao-Dev-Sender: [client-id@]enterprise-number",
                CHALLENGE.into(),
            ));
        };
        let value = value.to_str().map_err(|_| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "belgif:invalidAccessToken",
                "Invalid Access Token",
                "X-Ciao-Dev-Sender is not text",
            )
        })?;
        parse_dev_sender(value).map(Authenticated).map_err(|why| {
            Problem::unauthorized(
                "belgif:invalidAccessToken",
                "Invalid Access Token",
                format!("X-Ciao-Dev-Sender: {why}"),
                CHALLENGE.into(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_sender_values() {
        let c = parse_dev_sender("badge-system@0123.456.749").unwrap();
        assert_eq!(
            c,
            Caller::Client {
                client_id: "badge-system".into(),
                enterprise: EnterpriseNumber::parse("0123456749").unwrap()
            }
        );
        assert!(
            matches!(parse_dev_sender("0123456749").unwrap(), Caller::Client { client_id, .. } if client_id == "dev_0123456749")
        );
        assert!(
            parse_dev_sender("x@0123456748")
                .unwrap_err()
                .contains("check digits")
        );
        assert!(parse_dev_sender("a b@0123456749").is_err());
    }
}
