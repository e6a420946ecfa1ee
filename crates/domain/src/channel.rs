//! Channel management ("Chaman"): the REST accounts through which an
//! enterprise's registration systems call ciao, their certificates, and who
//! may manage them.

use std::fmt;

use time::OffsetDateTime;

use crate::ids::{EnterpriseNumber, Ssin};
use crate::registration::FieldError;

/// What a REST account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Register presences, and cancel the ones it sent.
    Register,
    /// Consult and search registrations.
    Consult,
}

impl Permission {
    pub const ALL: [Permission; 2] = [Self::Register, Self::Consult];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Consult => "consult",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The OAuth scope that carries this permission.
    pub fn scope(self) -> &'static str {
        match self {
            Self::Register => "scope:presenceregistration:register",
            Self::Consult => "scope:presenceregistration:consult",
        }
    }

    pub fn from_scope(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.scope() == s)
    }
}

/// A set of permissions, kept sorted and without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Permissions(Vec<Permission>);

impl Permissions {
    pub fn new(mut list: Vec<Permission>) -> Self {
        list.sort();
        list.dedup();
        Self(list)
    }

    pub fn all() -> Self {
        Self::new(Permission::ALL.to_vec())
    }

    pub fn contains(&self, p: Permission) -> bool {
        self.0.contains(&p)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    /// `register,consult`: how the stores keep it.
    pub fn to_csv(&self) -> String {
        self.0.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn from_csv(s: &str) -> Option<Self> {
        if s.is_empty() {
            return Some(Self::default());
        }
        s.split(',').map(Permission::parse).collect::<Option<Vec<_>>>().map(Self::new)
    }

    /// Space-separated OAuth scopes.
    pub fn scopes(&self) -> String {
        self.0.iter().map(|p| p.scope()).collect::<Vec<_>>().join(" ")
    }

    /// Parses a space-separated `scope` request.
    pub fn from_scopes(s: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in s.split_whitespace() {
            match Permission::from_scope(part) {
                Some(p) => out.push(p),
                None => return Err(part.to_string()),
            }
        }
        Ok(Self::new(out))
    }

    pub fn is_subset_of(&self, other: &Permissions) -> bool {
        self.0.iter().all(|p| other.contains(*p))
    }
}

/// The roles a person can hold for an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages the enterprise's accesses (and its channels).
    AccessManager,
    /// Appointed by an access manager to manage the channels in Chaman.
    TechnicalAdministrator,
    /// Appointed by an access manager to consult the registrations (read only).
    Consultant,
    /// A social inspector (a user of the inspection services' enterprise,
    /// registered by the operator): sees who is on any workplace now.
    Inspector,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessManager => "access-manager",
            Self::TechnicalAdministrator => "technical-administrator",
            Self::Consultant => "consultant",
            Self::Inspector => "inspector",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "access-manager" => Some(Self::AccessManager),
            "technical-administrator" => Some(Self::TechnicalAdministrator),
            "consultant" => Some(Self::Consultant),
            "inspector" => Some(Self::Inspector),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person with a role for an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseUser {
    pub enterprise: EnterpriseNumber,
    pub ssin: Ssin,
    pub name: String,
    pub role: Role,
    /// Who appointed them: an access manager's SSIN, or `operator:NAME`.
    pub appointed_by: String,
    pub created_at: OffsetDateTime,
}

/// May this person manage the REST channels of this enterprise?
pub fn may_manage_channels(users: &[EnterpriseUser], enterprise: &EnterpriseNumber, person: &Ssin) -> bool {
    users.iter().any(|u| {
        &u.enterprise == enterprise
            && &u.ssin == person
            && matches!(u.role, Role::AccessManager | Role::TechnicalAdministrator)
    })
}

/// May this person consult the enterprise's registrations (any role)?
pub fn may_consult(users: &[EnterpriseUser], enterprise: &EnterpriseNumber, person: &Ssin) -> bool {
    users.iter().any(|u| &u.enterprise == enterprise && &u.ssin == person)
}

/// May this person manage the enterprise's users (access managers only)?
pub fn may_manage_users(users: &[EnterpriseUser], enterprise: &EnterpriseNumber, person: &Ssin) -> bool {
    users.iter().any(|u| &u.enterprise == enterprise && &u.ssin == person && u.role == Role::AccessManager)
}

/// May this person appoint someone to `role` for this enterprise? Access
/// managers appoint technical administrators and consultants; access managers themselves are
/// registered by the operator (the portal's enrolment).
pub fn may_appoint(users: &[EnterpriseUser], enterprise: &EnterpriseNumber, person: &Ssin, role: Role) -> bool {
    matches!(role, Role::TechnicalAdministrator | Role::Consultant)
        && users.iter().any(|u| &u.enterprise == enterprise && &u.ssin == person && u.role == Role::AccessManager)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    Active,
    Disabled,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// The prefix of every OAuth client id: `self_service_expeditor_<sender number>`.
pub const CLIENT_ID_PREFIX: &str = "self_service_expeditor_";

pub fn client_id(sender_number: i64) -> String {
    format!("{CLIENT_ID_PREFIX}{sender_number}")
}

/// A certificate attached to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    pub id: i64,
    pub name: String,
    /// Lowercase hex SHA-256 of the DER.
    pub fingerprint: String,
    pub der: Vec<u8>,
    pub subject: String,
    pub not_after: OffsetDateTime,
    pub added_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A REST account (webservice account) of an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub sender_number: i64,
    pub client_id: String,
    pub enterprise: EnterpriseNumber,
    pub name: String,
    pub permissions: Permissions,
    pub state: AccountState,
    /// Access tokens issued before this instant are no longer accepted
    /// (moved when the account is disabled or a certificate revoked).
    pub tokens_valid_after: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub certificates: Vec<CertificateRecord>,
}

impl Account {
    pub fn active_certificates(&self) -> impl Iterator<Item = &CertificateRecord> {
        self.certificates.iter().filter(|c| c.revoked_at.is_none())
    }
}

pub const ACCOUNT_NAME_MAX: usize = 100;
pub const CERTIFICATE_NAME_MAX: usize = 100;

/// Checks the name of an account or certificate.
pub fn check_name(field: &str, name: &str, max: usize) -> Result<String, FieldError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(FieldError::new(field, "text.empty", format!("{field} may not be empty")));
    }
    if n.chars().count() > max {
        return Err(FieldError::too_long(field, max));
    }
    if let Some(fault) = crate::text::text_fault(field, n, false) {
        return Err(fault);
    }
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(e: &str, s: &str, role: Role) -> EnterpriseUser {
        EnterpriseUser {
            enterprise: EnterpriseNumber::parse(e).unwrap(),
            ssin: Ssin::parse(s).unwrap(),
            name: "x".into(),
            role,
            appointed_by: "operator:test".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn permissions_and_scopes() {
        let p = Permissions::from_csv("consult,register,consult").unwrap();
        assert_eq!(p.to_csv(), "register,consult");
        assert_eq!(p.scopes(), "scope:presenceregistration:register scope:presenceregistration:consult");
        assert_eq!(Permissions::from_scopes(&p.scopes()).unwrap(), p);
        assert_eq!(Permissions::from_scopes("scope:dimona:consult").unwrap_err(), "scope:dimona:consult");
        let c = Permissions::new(vec![Permission::Consult]);
        assert!(c.is_subset_of(&p));
        assert!(!p.is_subset_of(&c));
        assert!(Permissions::from_csv("admin").is_none());
    }

    #[test]
    fn who_manages_channels() {
        let e = EnterpriseNumber::parse("0123456749").unwrap();
        let other = EnterpriseNumber::parse("0203456708").unwrap();
        let am = Ssin::parse("85073003328").unwrap();
        let ta = Ssin::parse("90010100123").unwrap();
        let users = vec![
            user("0123456749", "85073003328", Role::AccessManager),
            user("0123456749", "90010100123", Role::TechnicalAdministrator),
        ];
        assert!(may_manage_channels(&users, &e, &am));
        assert!(may_manage_channels(&users, &e, &ta));
        assert!(!may_manage_channels(&users, &other, &am));
        assert!(may_appoint(&users, &e, &am, Role::TechnicalAdministrator));
        assert!(!may_appoint(&users, &e, &am, Role::AccessManager));
        assert!(!may_appoint(&users, &e, &ta, Role::TechnicalAdministrator));
    }

    #[test]
    fn client_ids() {
        assert_eq!(client_id(42), "self_service_expeditor_42");
        assert_eq!(check_name("name", "  Badges  ", 100).unwrap(), "Badges");
        assert_eq!(check_name("name", " ", 100).unwrap_err().code, "text.empty");
    }
}
