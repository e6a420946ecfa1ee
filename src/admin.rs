//! Operator commands for enterprises' users and REST channels. They call the
//! same service layer as the web pages will; `--as SSIN` acts as that person
//! (the rules then apply: only access managers and the technical
//! administrators they appointed manage an enterprise's channels).

use std::path::PathBuf;

use anyhow::Context;
use ciao_domain::channel::{Account, EnterpriseUser, Role};
use ciao_domain::{EnterpriseNumber, Ssin, format_utc};
use ciao_service::{Caller, Service};
use clap::Subcommand;
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub enum EnterpriseCommand {
    /// People who act for an enterprise.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Give a person a role: access-manager (by the operator) or
    /// technical-administrator (appointed by an access manager, with --as).
    Add {
        /// The enterprise number (KBO/BCE).
        #[arg(long)]
        enterprise: String,
        /// The person's SSIN (INSZ/NISS).
        #[arg(long)]
        ssin: String,
        /// The person's name, as shown in the online service and the audit log.
        #[arg(long)]
        name: String,
        /// access-manager or inspector (registered by the operator); technical-administrator or consultant
        /// (appointed by an access manager with --as, or by the operator for them, recorded as appointed by the operator)
        #[arg(long)]
        role: String,
        /// Act as this person (SSIN): an access manager of the enterprise;
        /// default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// Withdraw a person's role: any role by the operator (an access manager
    /// who left); technical-administrator or consultant by an access manager (--as).
    Remove {
        /// The enterprise number (KBO/BCE).
        #[arg(long)]
        enterprise: String,
        /// The person's SSIN (INSZ/NISS).
        #[arg(long)]
        ssin: String,
        /// access-manager, technical-administrator, consultant or inspector
        #[arg(long)]
        role: String,
        /// Act as this person (SSIN): an access manager of the enterprise;
        /// default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// A one-time invitation code with which the person sets a password and
    /// an authenticator app for the online service (/e). Printed once; 14 days.
    Invite {
        /// The SSIN (INSZ/NISS) of a person with a role.
        #[arg(long)]
        ssin: String,
        /// Act as this person (SSIN): an access manager of the person's
        /// enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// After a lost secrets key: shows whose TOTP secret does not open with
    /// the current key file; with --yes forgets their sign-in (audited) and
    /// makes the database take this key, so that the service starts again.
    /// Invite them again.
    ForgetUnreadable {
        /// Forget them (without it, only show what would be forgotten).
        #[arg(long)]
        yes: bool,
    },
    /// The people with a role for an enterprise. SSINs are masked
    /// (85*******28) unless --full-ssin is given.
    List {
        /// The enterprise number (KBO/BCE).
        #[arg(long)]
        enterprise: String,
        /// Print each SSIN in full (personal data: for the invitation or a
        /// change of role of a person the operator must name).
        #[arg(long)]
        full_ssin: bool,
        /// Act as this person (SSIN): an access manager of the enterprise;
        /// default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// REST accounts (webservice accounts).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Certificates of a REST account.
    Certificate {
        #[command(subcommand)]
        command: CertificateCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a REST account; prints it as JSON with its client_id.
    Create {
        /// The enterprise number (KBO/BCE) the account registers and consults for.
        #[arg(long)]
        enterprise: String,
        /// The account's name (e.g. the registration system's).
        #[arg(long)]
        name: String,
        /// register and/or consult (repeat the flag for both)
        #[arg(long = "permission", required = true)]
        permissions: Vec<String>,
        /// X.509 certificate file, PEM or DER (repeat for several)
        #[arg(long = "certificate", required = true)]
        certificates: Vec<PathBuf>,
        /// A name for each certificate, in the same order (default: the file name)
        #[arg(long = "certificate-name")]
        certificate_names: Vec<String>,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the account's enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// List REST accounts (all, or of one enterprise).
    List {
        /// Only this enterprise's accounts (enterprise number).
        #[arg(long)]
        enterprise: Option<String>,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// Disable an account: no new token, and its tokens stop working.
    Disable {
        /// The account's client id, self_service_expeditor_N.
        client_id: String,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the account's enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// Enable a disabled account.
    Enable {
        /// The account's client id, self_service_expeditor_N.
        client_id: String,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the account's enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// Replace the permissions of an account.
    Permissions {
        /// The account's client id, self_service_expeditor_N.
        client_id: String,
        /// register and/or consult (repeat the flag for both): replaces the account's.
        #[arg(long = "permission", required = true)]
        permissions: Vec<String>,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the account's enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Attach another certificate to an account.
    Add {
        /// The account's client id, self_service_expeditor_N.
        client_id: String,
        /// X.509 certificate file, PEM or DER.
        #[arg(long)]
        certificate: PathBuf,
        /// A name for the certificate (unique in the account; the assertion's `kid`).
        #[arg(long)]
        name: String,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the account's enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
    /// Revoke a certificate of an account (by name or SHA-256 fingerprint).
    Revoke {
        /// The account's client id, self_service_expeditor_N.
        client_id: String,
        /// The certificate's name or SHA-256 fingerprint.
        #[arg(long)]
        name: String,
        /// Act as this person (SSIN): an access manager or technical
        /// administrator of the account's enterprise; default: the operator.
        #[arg(long = "as", value_name = "SSIN")]
        acting: Option<String>,
    },
}

fn caller(acting: &Option<String>) -> anyhow::Result<Caller> {
    match acting {
        None => Ok(crate::operator()),
        Some(s) => {
            Ok(Caller::Person { ssin: Ssin::parse(s).map_err(|e| anyhow::anyhow!("--as: {e}"))?, name: String::new() })
        }
    }
}

fn enterprise(s: &str) -> anyhow::Result<EnterpriseNumber> {
    EnterpriseNumber::parse(s).map_err(|e| anyhow::anyhow!("--enterprise: {e}"))
}

pub fn account_json(a: &Account) -> Value {
    json!({
        "client_id": a.client_id,
        "sender_number": a.sender_number,
        "enterprise": a.enterprise.as_str(),
        "name": a.name,
        "permissions": a.permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "scopes": a.permissions.scopes(),
        "state": a.state.as_str(),
        "created_at": format_utc(a.created_at),
        "certificates": a.certificates.iter().map(|c| json!({
            "name": c.name,
            "fingerprint_sha256": c.fingerprint,
            "subject": c.subject,
            "not_after": format_utc(c.not_after),
            "added_at": format_utc(c.added_at),
            "revoked_at": c.revoked_at.map(format_utc),
        })).collect::<Vec<_>>(),
    })
}

/// A person with a role, as printed: the SSIN masked unless `full_ssin`
/// (an SSIN is personal data; the operator's terminal and its scrollback are
/// not the place for a list of them).
fn user_json(u: &EnterpriseUser, full_ssin: bool) -> Value {
    json!({
        "enterprise": u.enterprise.as_str(),
        "ssin": if full_ssin { u.ssin.as_str().to_string() } else { u.ssin.masked() },
        "name": u.name,
        "role": u.role.as_str(),
        // An SSIN (an access manager) or `operator:…`.
        "appointed_by": match Ssin::parse(&u.appointed_by) {
            Ok(by) if !full_ssin => by.masked(),
            _ => u.appointed_by.clone(),
        },
        "created_at": format_utc(u.created_at),
    })
}

fn print(v: &Value) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub async fn enterprise_command(service: &Service, command: &EnterpriseCommand) -> anyhow::Result<()> {
    let EnterpriseCommand::User { command } = command;
    match command {
        UserCommand::Add { enterprise: e, ssin, name, role, acting } => {
            let role = Role::parse(role).ok_or_else(|| {
                anyhow::anyhow!("--role: use access-manager, technical-administrator, consultant or inspector")
            })?;
            let ssin = Ssin::parse(ssin).map_err(|e| anyhow::anyhow!("--ssin: {e}"))?;
            let u = service.add_enterprise_user(&caller(acting)?, &enterprise(e)?, &ssin, name, role).await?;
            print(&user_json(&u, false))
        }
        UserCommand::Remove { enterprise: e, ssin, role, acting } => {
            let role = Role::parse(role).ok_or_else(|| {
                anyhow::anyhow!("--role: use access-manager, technical-administrator, consultant or inspector")
            })?;
            let ssin = Ssin::parse(ssin).map_err(|e| anyhow::anyhow!("--ssin: {e}"))?;
            let e = enterprise(e)?;
            service.remove_enterprise_user(&caller(acting)?, &e, &ssin, role).await?;
            outln!("{} is no longer {} of {}", ssin.masked(), role.as_str(), e.as_str());
            Ok(())
        }
        UserCommand::Invite { ssin, acting } => {
            let code = service.issue_employer_invitation(&caller(acting)?, ssin).await?;
            outln!("invitation code for {}: {}", code.ssin.masked(), code.code);
            outln!(
                "valid until {}; the person enters it at /e/activate, sets a password and an authenticator app",
                ciao_domain::clock::format_brussels(code.expires_at)
            );
            Ok(())
        }
        // Run before a service is opened (`crate::run`): it may refuse to
        // start with the key this command is about.
        UserCommand::ForgetUnreadable { .. } => anyhow::bail!("forget-unreadable does not run on an opened service"),
        UserCommand::List { enterprise: e, full_ssin, acting } => {
            let users = service.enterprise_users(&caller(acting)?, &enterprise(e)?).await?;
            print(&Value::Array(users.iter().map(|u| user_json(u, *full_ssin)).collect()))
        }
    }
}

pub async fn channel_command(service: &Service, command: &ChannelCommand) -> anyhow::Result<()> {
    match command {
        ChannelCommand::Account { command } => match command {
            AccountCommand::Create { enterprise: e, name, permissions, certificates, certificate_names, acting } => {
                let mut certs = Vec::new();
                for (i, path) in certificates.iter().enumerate() {
                    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                    let label = certificate_names.get(i).cloned().unwrap_or_else(|| {
                        path.file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_else(|| format!("certificate-{}", i + 1))
                    });
                    certs.push((label, bytes));
                }
                let a = service.create_account(&caller(acting)?, &enterprise(e)?, name, permissions, &certs).await?;
                print(&account_json(&a))
            }
            AccountCommand::List { enterprise: e, acting } => {
                let e = e.as_deref().map(enterprise).transpose()?;
                let list = service.accounts(&caller(acting)?, e.as_ref()).await?;
                print(&Value::Array(list.iter().map(account_json).collect()))
            }
            AccountCommand::Disable { client_id, acting } => {
                print(&account_json(&service.disable_account(&caller(acting)?, client_id).await?))
            }
            AccountCommand::Enable { client_id, acting } => {
                print(&account_json(&service.enable_account(&caller(acting)?, client_id).await?))
            }
            AccountCommand::Permissions { client_id, permissions, acting } => {
                print(&account_json(&service.set_permissions(&caller(acting)?, client_id, permissions).await?))
            }
        },
        ChannelCommand::Certificate { command } => match command {
            CertificateCommand::Add { client_id, certificate, name, acting } => {
                let bytes =
                    std::fs::read(certificate).with_context(|| format!("cannot read {}", certificate.display()))?;
                print(&account_json(&service.add_certificate(&caller(acting)?, client_id, name, &bytes).await?))
            }
            CertificateCommand::Revoke { client_id, name, acting } => {
                print(&account_json(&service.revoke_certificate(&caller(acting)?, client_id, name).await?))
            }
        },
    }
}
