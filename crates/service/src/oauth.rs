//! OAuth 2.0 client credentials with a signed JWT client assertion
//! (RFC 6749 §4.4, RFC 7523), and the bearer tokens ciao issues.
//!
//! Access tokens are HMAC-signed and self-contained: checking one costs a
//! MAC and a look-up in the in-memory account cache, never a database round
//! trip nor an asymmetric signature. Disabling an account, changing its
//! permissions or revoking one of its certificates moves its
//! `tokens_valid_after`: tokens issued before are refused as soon as the node
//! has refreshed its cache (at once on the node that made the change, within
//! the refresh interval — 2 seconds by default — on the others).

use ciao_auth::assertion::{AssertionRules, check_claims, peek_client_id};
use ciao_auth::certificate::check_policy;
use ciao_auth::jws::{Alg, parse_compact};
use ciao_auth::token::AccessTokenClaims;
use ciao_domain::channel::{AccountState, Permission, Permissions};
use time::Duration;

use crate::channels::account_usable;
use crate::{Caller, Service, ServiceError};

pub const GRANT_TYPE: &str = "client_credentials";
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const TOKEN_PATH: &str = "/REST/oauth/v5/token";
/// A client assertion is valid at most this long (from `iat`, and `exp` at
/// most this far ahead). Clients of the real service sign for 300, 3,600
/// and 5,000 seconds (reference/ciao-domain.md §6.3); each assertion is
/// used once (its `jti` is remembered until it expires), so a longer life
/// only keeps an unused, intercepted one usable longer.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::hours(2);
pub const CLOCK_SKEW: Duration = Duration::seconds(30);

/// The form of a token request.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_assertion_type: Option<String>,
    pub client_assertion: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

/// A refusal of the token endpoint (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidClient(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidScope(_) => "invalid_scope",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::Service(_) => "server_error",
        }
    }
}

impl From<ciao_store::StoreError> for OAuthError {
    fn from(e: ciao_store::StoreError) -> Self {
        match ServiceError::from(e) {
            ServiceError::Invalid(errors) => {
                Self::InvalidRequest(errors.into_iter().map(|e| e.description).collect::<Vec<_>>().join("; "))
            }
            e => Self::Service(e),
        }
    }
}

/// Why a bearer token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the access token is not valid: {0}")]
    Invalid(String),
    #[error("the access token has expired; get a new one at {TOKEN_PATH}")]
    Expired,
}

/// The one message for every failure that could tell whether an account
/// exists: unknown client, disabled account, no certificate that verifies.
const CLIENT_AUTH_FAILED: &str = "client authentication failed: the client is unknown or disabled, or no active \
     certificate of the client verifies the assertion's signature";

fn random_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        return String::new();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Service {
    /// The absolute URL of the token endpoint: the audience of client assertions.
    pub fn token_endpoint(&self) -> String {
        format!("{}{TOKEN_PATH}", self.config().public_url)
    }

    /// The token endpoint: checks the client assertion and issues an access
    /// token (audited; the HTTP layer logs the refusals, its own included).
    pub async fn issue_token(&self, req: TokenRequest) -> Result<TokenResponse, OAuthError> {
        match req.grant_type.as_deref() {
            None => return Err(OAuthError::InvalidRequest("grant_type is required (client_credentials)".into())),
            Some(GRANT_TYPE) => {}
            Some(other) => {
                return Err(OAuthError::UnsupportedGrantType(format!(
                    "grant_type {other:?} is not supported: use client_credentials"
                )));
            }
        }
        // RFC 6749 §5.2: an unsupported authentication method, or none, is
        // invalid_client; a malformed request is invalid_request.
        if req.client_secret.is_some() {
            return Err(OAuthError::InvalidClient(
                "client secrets are not supported: authenticate with a client assertion (a JWT signed with your certificate's key)"
                    .into(),
            ));
        }
        let assertion = req.client_assertion.as_deref().filter(|a| !a.is_empty());
        match (req.client_assertion_type.as_deref(), assertion) {
            (Some(ASSERTION_TYPE), Some(_)) => {}
            (None, None) => {
                return Err(OAuthError::InvalidClient(format!(
                    "no client authentication: send client_assertion_type={ASSERTION_TYPE} and client_assertion, \
                     a JWT signed with your certificate's key"
                )));
            }
            (Some(ASSERTION_TYPE), None) => {
                return Err(OAuthError::InvalidClient("client_assertion is required".into()));
            }
            (None, Some(_)) => {
                return Err(OAuthError::InvalidRequest(format!("client_assertion_type is required: {ASSERTION_TYPE}")));
            }
            (Some(other), _) => {
                return Err(OAuthError::InvalidClient(format!(
                    "client_assertion_type {other:?} is not supported: use {ASSERTION_TYPE}"
                )));
            }
        }
        let Some(assertion) = assertion else {
            return Err(OAuthError::InvalidClient("client_assertion is required".into()));
        };
        let jws = parse_compact(assertion)
            .map_err(|e| OAuthError::InvalidClient(format!("the client assertion is not a valid signed JWT: {e}")))?;
        if Alg::parse(&jws.header.alg).is_none() {
            return Err(OAuthError::InvalidClient(format!(
                "the client assertion's alg {:?} is not accepted: use RS256, RS384, RS512, PS256, PS384, PS512 (RSA keys), ES384 (P-384) or ES512 (P-521)",
                jws.header.alg
            )));
        }
        let Some(client_id) = peek_client_id(&jws.claims).map(str::to_string) else {
            return Err(OAuthError::InvalidClient("the client assertion has no iss naming the client".into()));
        };
        if let Some(form_id) = &req.client_id
            && form_id != &client_id
        {
            return Err(OAuthError::InvalidClient("client_id differs from the client assertion's iss".into()));
        }
        let now = self.now();
        // The accounts as the database has them now (one read of their
        // change counter; reloaded only when it moved): an account, a
        // certificate or a permission changed on another node or by the CLI
        // a moment ago counts for this token already. The authenticated API
        // calls themselves keep reading the in-memory copy only.
        self.refresh_channels(false).await?;
        let Some(account) = self.cached_account(&client_id).filter(|a| account_usable(a, now)) else {
            return Err(OAuthError::InvalidClient(CLIENT_AUTH_FAILED.into()));
        };
        let candidates = account.certificates.iter().filter(|(name, info)| {
            check_policy(info, now).is_ok()
                && match (&jws.header.x5t_s256, &jws.header.kid) {
                    (Some(t), _) => &info.x5t_s256 == t,
                    (None, Some(k)) => k == name || k == &info.fingerprint_sha256,
                    (None, None) => true,
                }
        });
        let mut verified = false;
        for (_, info) in candidates {
            if jws.verify(&info.key, &info.public_key).is_ok() {
                verified = true;
                break;
            }
        }
        if !verified {
            return Err(OAuthError::InvalidClient(CLIENT_AUTH_FAILED.into()));
        }
        let rules = AssertionRules {
            client_id: client_id.clone(),
            audience: self.token_endpoint(),
            now,
            max_lifetime: MAX_ASSERTION_LIFETIME,
            clock_skew: CLOCK_SKEW,
        };
        let checked = check_claims(&jws.claims, &rules)
            .map_err(|e| OAuthError::InvalidClient(format!("the client assertion is refused: {e}")))?;
        if !self.store().remember_jti(&client_id, &checked.jti, checked.expires_at + CLOCK_SKEW, now).await? {
            return Err(OAuthError::InvalidClient(
                "this client assertion was already used (same jti): sign a new one for each token request".into(),
            ));
        }
        let granted = match req.scope.as_deref() {
            None => account.account.permissions.clone(),
            Some(s) if !scope_syntax_ok(s) => {
                return Err(OAuthError::InvalidScope(
                    "scope is a list of scope tokens (visible ASCII characters) with one space between them, \
                     none before or after, and not empty (RFC 6749 section 3.3); leave it out to be granted every \
                     scope this client holds"
                        .into(),
                ));
            }
            Some(s) => {
                let asked = Permissions::from_scopes(s).map_err(|unknown| {
                    OAuthError::InvalidScope(format!(
                        "unknown scope {unknown:?}: the scopes are {} and {}",
                        Permission::Register.scope(),
                        Permission::Consult.scope()
                    ))
                })?;
                if !asked.is_subset_of(&account.account.permissions) {
                    return Err(OAuthError::InvalidScope(format!(
                        "this client may ask only for: {}",
                        account.account.permissions.scopes()
                    )));
                }
                asked
            }
        };
        if granted.is_empty() {
            return Err(OAuthError::InvalidScope("this client holds no scope".into()));
        }
        let lifetime = self.config().token_lifetime;
        let claims = AccessTokenClaims {
            client_id: client_id.clone(),
            enterprise: account.account.enterprise.as_str().to_string(),
            scopes: granted.iter().map(|p| p.scope().to_string()).collect(),
            issued_at: now.unix_timestamp(),
            expires_at: (now + lifetime).unix_timestamp(),
            token_id: random_id(),
        };
        let access_token = self.token_key.issue(&claims);
        self.audit(
            &Caller::Client {
                client_id: client_id.clone(),
                enterprise: account.account.enterprise.clone(),
                permissions: granted.clone(),
            },
            "oauth.token",
            Some(client_id),
            serde_json::json!({"scope": granted.scopes(), "tokenId": claims.token_id}),
        )
        .await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: lifetime.whole_seconds(),
            scope: granted.scopes(),
        })
    }

    /// Checks a bearer token: a MAC, the expiry, and the cached account. A
    /// genuine token of an account this node has not seen yet (created on
    /// another node a moment ago) makes it look for changes once.
    pub async fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        let now = self.now();
        let claims = self.token_key.verify(token, now).map_err(|e| {
            if matches!(e, ciao_auth::token::TokenError::Expired) {
                AuthError::Expired
            } else {
                AuthError::Invalid(e.to_string())
            }
        })?;
        let mut account = self.cached_account(&claims.client_id);
        if account.is_none() {
            if let Err(e) = self.refresh_channels(false).await {
                tracing::warn!(error = %e, "channel refresh failed");
            }
            account = self.cached_account(&claims.client_id);
        }
        let account = account.ok_or_else(|| AuthError::Invalid("the client is unknown".into()))?;
        if account.account.state != AccountState::Active {
            return Err(AuthError::Invalid("the client's account is disabled".into()));
        }
        if claims.issued_at < account.account.tokens_valid_after.unix_timestamp() {
            return Err(AuthError::Invalid(
                "the token was issued before a change of the client's account (disabled, certificate revoked or permissions changed); get a new one"
                    .into(),
            ));
        }
        let mut permissions = Vec::new();
        for s in &claims.scopes {
            if let Some(p) = Permission::from_scope(s) {
                permissions.push(p);
            }
        }
        Ok(Caller::Client {
            client_id: claims.client_id,
            enterprise: account.account.enterprise.clone(),
            permissions: Permissions::new(permissions),
        })
    }
}

/// RFC 6749 section 3.3: `scope = scope-token *( SP scope-token )`, each
/// token one or more of %x21 / %x23-5B / %x5D-7E.
fn scope_syntax_ok(scope: &str) -> bool {
    let token_char = |b: u8| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b);
    !scope.is_empty() && scope.split(' ').all(|t| !t.is_empty() && t.bytes().all(token_char))
}
