//! `ciao simulation …`: the simulation environment for integrators. A REST
//! account with a fresh key and certificate in one command, reset to the
//! seed, and "end the day now" (see docs/simulation.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ciao_auth::client::{KeyKind, KeyUsageBit, generate_key, self_signed_certificate};
use ciao_domain::EnterpriseNumber;
use ciao_service::Service;
use ciao_service::simulation::{DECLARING_CONTRACTOR, EXAMPLE_DECLARATION, EXAMPLE_WORKER};
use clap::Subcommand;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Subcommand)]
pub enum SimulationCommand {
    /// Create a REST account in the simulation with a freshly generated key and
    /// certificate: writes key.pem and cert.pem, prints the client id and the token URL.
    Account {
        /// The account's name (as in the online service's REST channel page).
        #[arg(long)]
        name: String,
        /// The account's enterprise (default: the seed's declaring contractor).
        #[arg(long, default_value = DECLARING_CONTRACTOR)]
        enterprise: String,
        /// The directory to write key.pem and cert.pem to (created if missing; existing files are not overwritten).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// The key: rsa-2048, rsa-3072, rsa-4096, ec-p384 or ec-p521.
        #[arg(long, default_value = "ec-p384")]
        kind: String,
        /// The simulation server's public base URL (as `serve --public-url`), for the token URL.
        #[arg(long, env = "CIAO_PUBLIC_URL", default_value = "http://127.0.0.1:8080", value_parser = crate::parse_public_url)]
        public_url: String,
    },
    /// Reset the simulation to its seed: registrations, registries, users and
    /// workers' sign-ins go back to the seed; REST accounts and their certificates stay.
    Reset,
    /// End the day now: the INs of today with nothing after them get
    /// DAY_LEFT_OPEN (queued and validated at once), without waiting for midnight.
    Sweep,
}

/// Keeps only what is safe in a certificate's distinguished name.
fn dn_value(s: &str) -> String {
    let v: String =
        s.chars().filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')')).collect();
    let v = v.trim().to_string();
    if v.is_empty() { "ciao simulation".to_string() } else { v }
}

fn write_file(path: &Path, text: &str, private: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = private;
    let mut f = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub async fn run(service: &Service, command: &SimulationCommand) -> anyhow::Result<()> {
    match command {
        SimulationCommand::Account { name, enterprise, out, kind, public_url } => {
            let kind = KeyKind::parse(kind)
                .ok_or_else(|| anyhow::anyhow!("--kind: use rsa-2048, rsa-3072, rsa-4096, ec-p384 or ec-p521"))?;
            let enterprise = EnterpriseNumber::parse(enterprise).map_err(|e| anyhow::anyhow!("--enterprise: {e}"))?;
            let key_path = out.join("key.pem");
            let cert_path = out.join("cert.pem");
            for p in [&key_path, &cert_path] {
                if p.exists() {
                    bail!(
                        "--out: {} exists already (it may hold another account's key); choose another directory",
                        p.display()
                    );
                }
            }
            std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
            let key = generate_key(kind).map_err(|e| anyhow::anyhow!("{e}"))?;
            let now = OffsetDateTime::now_utc();
            let subject = format!("CN={},OU=ciao simulation,O={},C=BE", dn_value(name), enterprise.as_str());
            let cert = self_signed_certificate(
                &key,
                &subject,
                now - Duration::minutes(5),
                now + Duration::days(730),
                &[KeyUsageBit::DigitalSignature],
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            // The files first, so that an account never exists without its key;
            // they go again if the account is refused.
            write_file(&key_path, &key, true)?;
            if let Err(e) = write_file(&cert_path, &cert, false) {
                let _ = std::fs::remove_file(&key_path);
                return Err(e);
            }
            let permissions = ["register".to_string(), "consult".to_string()];
            let account = match service
                .create_account(
                    &crate::operator(),
                    &enterprise,
                    name,
                    &permissions,
                    &[("main".to_string(), cert.clone().into_bytes())],
                )
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    let _ = std::fs::remove_file(&key_path);
                    let _ = std::fs::remove_file(&cert_path);
                    return Err(e.into());
                }
            };
            // parse_public_url has dropped a trailing slash.
            let base = public_url.as_str();
            let names = service.store().enterprise_names(std::slice::from_ref(&enterprise)).await?;
            let enterprise_name = names.first().map(|(_, n)| format!(" ({n})")).unwrap_or_default();
            outln!("client id:   {}", account.client_id);
            outln!("token URL:   {base}{}", ciao_service::oauth::TOKEN_PATH);
            outln!("key:         {}", key_path.display());
            outln!("certificate: {}", cert_path.display());
            outln!("enterprise:  {}{enterprise_name}; permissions register and consult", enterprise.as_str());
            if enterprise.as_str() == DECLARING_CONTRACTOR {
                outln!();
                outln!("A first simulated registration, once `ciao serve --simulation` runs:");
                outln!(
                    "  ciao client register --client-id {} --key {} --url {base} --ssin {EXAMPLE_WORKER} --employer {DECLARING_CONTRACTOR} --declaration {EXAMPLE_DECLARATION} --type IN",
                    account.client_id,
                    key_path.display(),
                );
            }
            Ok(())
        }
        SimulationCommand::Reset => {
            let summary = service.simulation_reset(&crate::operator()).await?;
            let rows: Vec<String> = summary.rows.iter().map(|(k, n)| format!("{n} {k}")).collect();
            outln!("the simulation is back at its seed ({}); REST accounts are kept", rows.join(", "));
            Ok(())
        }
        SimulationCommand::Sweep => {
            let queued = service.simulation_sweep(&crate::operator()).await?;
            let validated = service.validate_all().await?;
            // An IN still waiting for its first validation is not queued
            // again (it is in the queue): it is counted among the validated.
            outln!(
                "the day is ended: {validated} registrations validated with the day closed \
                 ({queued} of them INs validated before and queued again; an IN left open gets DAY_LEFT_OPEN)"
            );
            Ok(())
        }
    }
}
