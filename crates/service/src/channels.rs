//! Channel management ("Chaman"): enterprise users and their roles, REST
//! accounts and their certificates. Every change is audited with who did it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use ciao_auth::certificate::{CertificateInfo, accept_certificate, check_policy, parse_certificate};
use ciao_domain::channel::{
    ACCOUNT_NAME_MAX, Account, AccountState, CERTIFICATE_NAME_MAX, EnterpriseUser, Permission, Permissions, Role,
    check_name, may_appoint, may_manage_channels,
};
use ciao_domain::{EnterpriseNumber, FieldError, Ssin};
use ciao_store::{AccountChange, CertificateOutcome, NewAccount, NewCertificate};
use serde_json::json;

use crate::{Caller, Result, Service, ServiceError};

/// An account as the caches keep it: with its active certificates parsed once.
#[derive(Debug, Clone)]
pub struct CachedAccount {
    pub account: Account,
    pub certificates: Vec<(String, CertificateInfo)>,
}

/// The in-memory view of every REST account, refreshed when the database's
/// channel version moves: authentication never queries the database.
#[derive(Debug, Default)]
pub struct ChannelCache {
    version: RwLock<i64>,
    accounts: RwLock<HashMap<String, Arc<CachedAccount>>>,
}

impl ChannelCache {
    pub fn get(&self, client_id: &str) -> Option<Arc<CachedAccount>> {
        self.accounts.read().ok().and_then(|m| m.get(client_id).cloned())
    }

    fn replace(&self, version: i64, accounts: Vec<Account>) {
        let mut map = HashMap::with_capacity(accounts.len());
        for account in accounts {
            let certificates = account
                .active_certificates()
                .filter_map(|c| match parse_certificate(&c.der) {
                    Ok(info) => Some((c.name.clone(), info)),
                    Err(e) => {
                        tracing::error!(client_id = %account.client_id, certificate = %c.name, error = %e, "stored certificate unreadable");
                        None
                    }
                })
                .collect();
            map.insert(account.client_id.clone(), Arc::new(CachedAccount { account, certificates }));
        }
        if let (Ok(mut a), Ok(mut v)) = (self.accounts.write(), self.version.write()) {
            *a = map;
            *v = version;
        }
    }

    fn version(&self) -> i64 {
        self.version.read().map(|v| *v).unwrap_or(-1)
    }
}

fn certificate_error(field: &str, e: ciao_auth::certificate::CertificateError) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(field, e.code(), e.to_string()).found(e.found())])
}

fn parse_permissions(list: &[String]) -> Result<Permissions> {
    let mut out = Vec::new();
    for p in list {
        match Permission::parse(p) {
            Some(x) => out.push(x),
            None => {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "permission",
                    "permission.value",
                    format!("unknown permission {p:?}: use register or consult"),
                )]));
            }
        }
    }
    let p = Permissions::new(out);
    if p.is_empty() {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "permission",
            "required",
            "choose at least one permission: register, consult",
        )]));
    }
    Ok(p)
}

impl Service {
    /// Reloads the accounts if they changed in the database (or always, with `force`).
    pub async fn refresh_channels(&self, force: bool) -> Result<()> {
        let version = self.store().channel_version().await?;
        if force || version != self.channels.version() {
            let accounts = self.store().accounts().await?;
            self.channels.replace(version, accounts);
        }
        Ok(())
    }

    /// Keeps the account cache fresh: polls the channel version every `every`.
    pub fn spawn_channel_refresher(&self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = service.refresh_channels(false).await {
                    tracing::warn!(error = %e, "channel refresh failed");
                }
            }
        })
    }

    pub(crate) fn cached_account(&self, client_id: &str) -> Option<Arc<CachedAccount>> {
        self.channels.get(client_id)
    }

    async fn ensure_manager(&self, caller: &Caller, enterprise: &EnterpriseNumber) -> Result<()> {
        match caller {
            Caller::Operator { .. } => Ok(()),
            Caller::Person { ssin, .. } => {
                let users = self.store().enterprise_users(enterprise).await?;
                if may_manage_channels(&users, enterprise, ssin) {
                    Ok(())
                } else {
                    Err(ServiceError::forbidden(
                        "denied.channelManagers",
                        format!(
                            "only the access managers of enterprise {enterprise} and the technical administrators they appointed manage its channels"
                        ),
                    ))
                }
            }
            Caller::Client { .. } => {
                Err(ServiceError::forbidden("denied.personOnlyTask", "a registration system cannot manage channels"))
            }
        }
    }

    async fn known_enterprise(&self, enterprise: &EnterpriseNumber) -> Result<()> {
        if self.store().enterprise_exists(enterprise).await? {
            Ok(())
        } else {
            Err(ServiceError::Invalid(vec![FieldError::new(
                "enterprise",
                "enterprise.unknown",
                format!("enterprise {enterprise} is not in the enterprise registry; import it first"),
            )]))
        }
    }

    /// Gives a person a role for an enterprise. The operator registers
    /// access managers and inspectors; an access manager appoints technical
    /// administrators and consultants.
    pub async fn add_enterprise_user(
        &self,
        caller: &Caller,
        enterprise: &EnterpriseNumber,
        ssin: &Ssin,
        name: &str,
        role: Role,
    ) -> Result<EnterpriseUser> {
        let name = check_name("name", name, ACCOUNT_NAME_MAX).map_err(|e| ServiceError::Invalid(vec![e]))?;
        self.known_enterprise(enterprise).await?;
        self.may_change_role(caller, enterprise, role, true).await?;
        let appointed_by = match caller {
            Caller::Person { ssin: me, .. } => me.as_str().to_string(),
            other => other.name(),
        };
        let user = EnterpriseUser {
            enterprise: enterprise.clone(),
            ssin: ssin.clone(),
            name,
            role,
            appointed_by,
            created_at: self.now(),
        };
        if !self.store().add_enterprise_user(&user).await? {
            return Err(ServiceError::conflict(
                "denied.roleHeld",
                format!("this person is already {role} of enterprise {enterprise}"),
            ));
        }
        self.audit(
            caller,
            "enterprise.user.add",
            Some(enterprise.as_str().to_string()),
            json!({"person": ssin.masked(), "role": role.as_str()}),
        )
        .await?;
        Ok(user)
    }

    /// Whether `caller` may give (`give`) or withdraw `role` for
    /// `enterprise`: the operator any role (access managers and social
    /// inspectors only the operator), an access manager of the enterprise
    /// technical administrators and consultants.
    async fn may_change_role(
        &self,
        caller: &Caller,
        enterprise: &EnterpriseNumber,
        role: Role,
        give: bool,
    ) -> Result<()> {
        let (registers, appoints) = if give { ("registers", "appoints") } else { ("withdraws", "withdraws") };
        match caller {
            Caller::Operator { .. } => Ok(()),
            Caller::Person { ssin: me, .. } => {
                let by_the_operator = match role {
                    Role::AccessManager => Some("access managers"),
                    Role::Inspector => Some("social inspectors"),
                    Role::TechnicalAdministrator | Role::Consultant => None,
                };
                if let Some(who) = by_the_operator {
                    return Err(ServiceError::forbidden(
                        "denied.operatorRegisters",
                        format!(
                            "only the operator {registers} {who}; an access manager {appoints} technical administrators and consultants"
                        ),
                    ));
                }
                let users = self.store().enterprise_users(enterprise).await?;
                if !may_appoint(&users, enterprise, me, role) {
                    return Err(ServiceError::forbidden(
                        "denied.managerAppoints",
                        format!(
                            "only an access manager of enterprise {enterprise} {appoints} technical administrators and consultants"
                        ),
                    ));
                }
                Ok(())
            }
            Caller::Client { .. } => {
                Err(ServiceError::forbidden("denied.personOnlyTask", "a registration system cannot manage users"))
            }
        }
    }

    /// Withdraws a person's role for an enterprise. The operator withdraws
    /// any role (an access manager who left the enterprise, an inspector);
    /// an access manager withdraws the technical administrators and
    /// consultants of its enterprise. Audited.
    pub async fn remove_enterprise_user(
        &self,
        caller: &Caller,
        enterprise: &EnterpriseNumber,
        ssin: &Ssin,
        role: Role,
    ) -> Result<()> {
        self.may_change_role(caller, enterprise, role, false).await?;
        if !self.store().remove_enterprise_user(enterprise, ssin, role).await? {
            return Err(ServiceError::not_found(
                "denied.roleNotHeld",
                format!("{} is not {role} of enterprise {enterprise}", ssin.masked()),
            ));
        }
        self.audit(
            caller,
            "enterprise.user.remove",
            Some(enterprise.as_str().to_string()),
            json!({"person": ssin.masked(), "role": role.as_str()}),
        )
        .await
    }

    pub async fn enterprise_users(
        &self,
        caller: &Caller,
        enterprise: &EnterpriseNumber,
    ) -> Result<Vec<EnterpriseUser>> {
        self.ensure_manager(caller, enterprise).await?;
        Ok(self.store().enterprise_users(enterprise).await?)
    }

    fn new_certificate(&self, name: &str, bytes: &[u8], field: &str) -> Result<NewCertificate> {
        let name =
            check_name("certificateName", name, CERTIFICATE_NAME_MAX).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let info = accept_certificate(bytes, self.now()).map_err(|e| certificate_error(field, e))?;
        Ok(NewCertificate {
            name,
            fingerprint: info.fingerprint_sha256.clone(),
            der: info.der.clone(),
            subject: info.subject.clone(),
            not_after: info.not_after,
        })
    }

    /// Creates a REST account with at least one certificate; the answer
    /// carries its client id `self_service_expeditor_N`.
    pub async fn create_account(
        &self,
        caller: &Caller,
        enterprise: &EnterpriseNumber,
        name: &str,
        permissions: &[String],
        certificates: &[(String, Vec<u8>)],
    ) -> Result<Account> {
        self.ensure_manager(caller, enterprise).await?;
        self.known_enterprise(enterprise).await?;
        let name = check_name("name", name, ACCOUNT_NAME_MAX).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let permissions = parse_permissions(permissions)?;
        if certificates.is_empty() {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "certificate",
                "required",
                "a REST account needs a certificate (X.509, PEM or DER)",
            )]));
        }
        let mut certs = Vec::new();
        for (i, (cname, bytes)) in certificates.iter().enumerate() {
            let field = if certificates.len() == 1 { "certificate".to_string() } else { format!("certificate[{i}]") };
            let c = self.new_certificate(cname, bytes, &field)?;
            if certs.iter().any(|x: &NewCertificate| x.fingerprint == c.fingerprint || x.name == c.name) {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    field,
                    "certificate.duplicate",
                    "the same certificate, or the same certificate name, is given twice",
                )]));
            }
            certs.push(c);
        }
        let new = NewAccount { enterprise: enterprise.clone(), name, permissions, certificates: certs, at: self.now() };
        let account = self.store().create_account(&new).await?.map_err(|taken| {
            ServiceError::conflict(
                "certificate.taken",
                format!(
                    "certificate {} is already attached to a REST account; a certificate identifies one account",
                    taken.fingerprint
                ),
            )
        })?;
        self.audit_in(
            caller,
            Some(account.enterprise.as_str().to_string()),
            "channel.account.create",
            Some(account.client_id.clone()),
            json!({
                "enterprise": enterprise.as_str(),
                "name": account.name,
                "permissions": account.permissions.to_csv(),
                "certificates": account.certificates.iter().map(|c| json!({"name": c.name, "fingerprint": c.fingerprint})).collect::<Vec<_>>(),
            }),
        )
        .await?;
        self.refresh_channels(true).await?;
        Ok(account)
    }

    /// The accounts the caller may manage (all of them for the operator).
    pub async fn accounts(&self, caller: &Caller, enterprise: Option<&EnterpriseNumber>) -> Result<Vec<Account>> {
        match (caller, enterprise) {
            (Caller::Operator { .. }, None) => Ok(self.store().accounts().await?),
            (_, Some(e)) => {
                self.ensure_manager(caller, e).await?;
                Ok(self.store().accounts().await?.into_iter().filter(|a| &a.enterprise == e).collect())
            }
            (_, None) => Err(ServiceError::Invalid(vec![FieldError::required("enterprise")])),
        }
    }

    async fn managed_account(&self, caller: &Caller, client_id: &str) -> Result<Account> {
        let not_found = || ServiceError::not_found("account.unknown", format!("there is no REST account {client_id}"));
        let account = self.store().account(client_id).await?.ok_or_else(not_found)?;
        match self.ensure_manager(caller, &account.enterprise).await {
            Ok(()) => Ok(account),
            Err(ServiceError::Forbidden(_)) => Err(not_found()),
            Err(e) => Err(e),
        }
    }

    async fn change_account(
        &self,
        caller: &Caller,
        client_id: &str,
        change: AccountChange,
        action: &str,
    ) -> Result<Account> {
        self.managed_account(caller, client_id).await?;
        let detail = match &change {
            AccountChange::Permissions(p) => json!({"permissions": p.to_csv()}),
            _ => json!({}),
        };
        let account = self.store().update_account(client_id, &change, self.now()).await?.ok_or_else(|| {
            ServiceError::not_found("account.unknown", format!("there is no REST account {client_id}"))
        })?;
        self.audit_in(
            caller,
            Some(account.enterprise.as_str().to_string()),
            action,
            Some(client_id.to_string()),
            detail,
        )
        .await?;
        self.refresh_channels(true).await?;
        Ok(account)
    }

    /// Disables an account: no new token at once, and the tokens it holds
    /// stop working as soon as every node has seen the change.
    pub async fn disable_account(&self, caller: &Caller, client_id: &str) -> Result<Account> {
        self.change_account(caller, client_id, AccountChange::Disable, "channel.account.disable").await
    }

    pub async fn enable_account(&self, caller: &Caller, client_id: &str) -> Result<Account> {
        self.change_account(caller, client_id, AccountChange::Enable, "channel.account.enable").await
    }

    pub async fn set_permissions(&self, caller: &Caller, client_id: &str, permissions: &[String]) -> Result<Account> {
        let p = parse_permissions(permissions)?;
        self.change_account(caller, client_id, AccountChange::Permissions(p), "channel.account.permissions").await
    }

    pub async fn add_certificate(&self, caller: &Caller, client_id: &str, name: &str, bytes: &[u8]) -> Result<Account> {
        let account = self.managed_account(caller, client_id).await?;
        let c = self.new_certificate(name, bytes, "certificate")?;
        if account.active_certificates().any(|x| x.name == c.name) {
            return Err(ServiceError::conflict(
                "certificateName.taken",
                format!("account {client_id} already has a certificate named {:?}", c.name),
            ));
        }
        let fingerprint = c.fingerprint.clone();
        let account = match self.store().add_certificate(client_id, &c, self.now()).await? {
            CertificateOutcome::Done(a) => a,
            CertificateOutcome::Taken => {
                return Err(ServiceError::conflict(
                    "certificate.taken",
                    format!(
                        "certificate {fingerprint} is already attached to a REST account; a certificate identifies one account"
                    ),
                ));
            }
            _ => {
                return Err(ServiceError::not_found(
                    "account.unknown",
                    format!("there is no REST account {client_id}"),
                ));
            }
        };
        self.audit_in(
            caller,
            Some(account.enterprise.as_str().to_string()),
            "channel.certificate.add",
            Some(client_id.to_string()),
            json!({"name": c.name, "fingerprint": fingerprint}),
        )
        .await?;
        self.refresh_channels(true).await?;
        Ok(account)
    }

    /// Revokes a certificate (by name or fingerprint): no token is issued for
    /// it any more, and the account's tokens issued before are refused.
    pub async fn revoke_certificate(&self, caller: &Caller, client_id: &str, name: &str) -> Result<Account> {
        self.managed_account(caller, client_id).await?;
        let account = match self.store().revoke_certificate(client_id, name, self.now()).await? {
            CertificateOutcome::Done(a) => a,
            CertificateOutcome::NoCertificate => {
                return Err(ServiceError::not_found(
                    "certificate.unknown",
                    format!("account {client_id} has no active certificate named {name:?}"),
                ));
            }
            _ => {
                return Err(ServiceError::not_found(
                    "account.unknown",
                    format!("there is no REST account {client_id}"),
                ));
            }
        };
        self.audit_in(
            caller,
            Some(account.enterprise.as_str().to_string()),
            "channel.certificate.revoke",
            Some(client_id.to_string()),
            json!({"certificate": name}),
        )
        .await?;
        self.refresh_channels(true).await?;
        Ok(account)
    }
}

/// Is this account usable to obtain or use tokens right now?
pub fn account_usable(a: &CachedAccount, now: time::OffsetDateTime) -> bool {
    a.account.state == AccountState::Active && a.certificates.iter().any(|(_, c)| check_policy(c, now).is_ok())
}
