//! Errors as `application/problem+json` (RFC 9457), in the style of the
//! Belgian federal REST guide (belgif.be): a `type` URN, `title`, `status`,
//! `detail`, and for input errors a list of `issues`, one per bad field.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ciao_domain::FieldError;
use ciao_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Where a bad value was.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum In {
    Body,
    Query,
    Path,
    Header,
}

/// One bad input value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InputIssue {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    #[serde(rename = "in")]
    pub location: In,
    /// The field or parameter, e.g. `items[3].ssin`.
    pub name: String,
    /// The rule that failed, e.g. `ssin.checkDigit`.
    pub code: String,
    pub detail: String,
}

impl InputIssue {
    pub fn from_field(location: In, e: FieldError) -> Self {
        Self {
            kind: "urn:problem-type:belgif:input-validation:schemaViolation".into(),
            title: "Input isn't valid with respect to schema".into(),
            location,
            name: e.field,
            code: e.code,
            detail: e.description,
        }
    }
}

/// A problem report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<InputIssue>,
    /// Which rule refused the request, where the type alone does not say
    /// (a 403 for another sender's registration, or for one older than the
    /// cancellation window): a stable code, e.g. `denied.otherSender`,
    /// `denied.cancelWindow`, `denied.alreadyCancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip)]
    pub www_authenticate: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:problem-type:{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            issues: Vec::new(),
            code: None,
            www_authenticate: None,
        }
    }

    /// The same problem, with the code of the rule that refused.
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = Some(code.to_string());
        self
    }

    pub fn bad_request(detail: impl Into<String>, issues: Vec<InputIssue>) -> Self {
        let mut p = Self::new(StatusCode::BAD_REQUEST, "belgif:badRequest", "Bad Request", detail);
        p.issues = issues;
        p
    }

    pub fn invalid_fields(location: In, errors: Vec<FieldError>) -> Self {
        let issues = errors.into_iter().map(|e| InputIssue::from_field(location, e)).collect();
        Self::bad_request("The input message is incorrect", issues)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "belgif:resourceNotFound", "Resource Not Found", detail)
    }

    pub fn unauthorized(kind: &str, title: &str, detail: impl Into<String>, challenge: String) -> Self {
        let mut p = Self::new(StatusCode::UNAUTHORIZED, kind, title, detail);
        p.www_authenticate = Some(challenge);
        p
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "belgif:internalServerError",
            "Internal Server Error",
            "the server could not complete the request; it has been logged",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(c) = self.www_authenticate.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        res
    }
}

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errors) => Problem::invalid_fields(In::Body, errors),
            ServiceError::NotFound(d) => Problem::not_found(d.message).with_code(d.code),
            ServiceError::Forbidden(d) => {
                Problem::new(StatusCode::FORBIDDEN, "belgif:permissionDenied", "Permission Denied", d.message)
                    .with_code(d.code)
            }
            ServiceError::Conflict(d) => {
                Problem::new(StatusCode::CONFLICT, "ciao:conflict", "Conflict", d.message).with_code(d.code)
            }
            ServiceError::InsufficientScope(p) => {
                let mut problem = Problem::new(
                    StatusCode::FORBIDDEN,
                    "belgif:missingScope",
                    "Missing Scope",
                    format!("the access token lacks the scope {}", p.scope()),
                );
                problem.www_authenticate =
                    Some(format!("Bearer realm=\"ciao\", error=\"insufficient_scope\", scope=\"{}\"", p.scope()));
                problem
            }
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                Problem::internal()
            }
            ServiceError::Internal(e) => {
                tracing::error!(error = %e, "internal failure");
                Problem::internal()
            }
        }
    }
}
