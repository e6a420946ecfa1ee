//! The reference client: what an integrator needs to go from nothing to a
//! first registration (key, certificate, token, register, search).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ciao_auth::client::{KeyKind, KeyUsageBit, SigningKey, client_assertion, generate_key, self_signed_certificate};
use clap::Subcommand;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Generate a private key (PKCS#8 PEM).
    Keygen {
        /// rsa-2048, rsa-3072, rsa-4096, ec-p384 or ec-p521
        #[arg(long, default_value = "ec-p384")]
        kind: String,
        /// Write it here (readable by its owner only) instead of standard
        /// output; an existing file is refused unless --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite the --out file if it exists (its key is lost: a
        /// certificate registered for it stops working).
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Make a self-signed certificate that meets the policy, for a key.
    Certificate {
        /// The private key (PKCS#8 PEM, as `client keygen` writes it).
        #[arg(long)]
        key: PathBuf,
        /// e.g. "CN=badge system,O=Clean One BV,C=BE"
        #[arg(long)]
        subject: String,
        /// Validity in days from now.
        #[arg(long, default_value_t = 730)]
        days: u32,
        /// Write it here instead of standard output; an existing file is
        /// refused unless --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite the --out file if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Get an access token (prints the token response as JSON).
    Token(TokenArgs),
    /// Register one presence now (or the items of a JSON file).
    Register {
        #[command(flatten)]
        auth: TokenArgs,
        /// The person's SSIN (INSZ/NISS); or --limosa-id.
        #[arg(long)]
        ssin: Option<String>,
        /// The Limosa declaration id of a posted worker, instead of --ssin.
        #[arg(long)]
        limosa_id: Option<String>,
        /// The employer's enterprise number.
        #[arg(long)]
        employer: Option<String>,
        /// The declaration of works number (contractualRelationshipReference).
        #[arg(long)]
        declaration: Option<String>,
        /// IN or OUT
        #[arg(long = "type", default_value = "IN")]
        kind: String,
        /// Your reference of the registration (at most 24 characters): a
        /// retry with the same one gets the first registration back.
        #[arg(long)]
        client_reference: Option<String>,
        /// A JSON file with {"items": [...]} to send instead.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Search registrations (prints the answer as JSON).
    Search {
        #[command(flatten)]
        auth: TokenArgs,
        /// registrationDateFrom (YYYY-MM-DD or RFC 3339)
        #[arg(long)]
        from: String,
        /// registrationDateTo
        #[arg(long)]
        to: String,
        /// More criteria, name=value (e.g. ssin=85073003328)
        #[arg(long = "param")]
        params: Vec<String>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:8080 (the token
    /// endpoint is URL/REST/oauth/v5/token).
    #[arg(long)]
    pub url: Option<String>,
    /// Your client id, self_service_expeditor_N.
    #[arg(long)]
    pub client_id: String,
    /// The private key of a certificate of the account.
    #[arg(long)]
    pub key: PathBuf,
    /// The token endpoint (default: URL + /REST/oauth/v5/token).
    #[arg(long)]
    pub token_url: Option<String>,
    /// Space-separated scopes (default: all the account's).
    #[arg(long)]
    pub scope: Option<String>,
}

/// Writes `text` to `out`, or to standard output. An existing file is
/// refused unless `force` (a key file may be the only copy of the key of a
/// registered certificate); a private file is readable by its owner only
/// from the moment it exists, also when it is overwritten.
fn write_out(out: &Option<PathBuf>, text: &str, private: bool, force: bool) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let Some(path) = out else {
        out!("{text}");
        return Ok(());
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    if private {
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "--out: {} exists already (it may hold the key or certificate of a registered account); \
             choose another file, or give --force to overwrite it",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    };
    // An existing file keeps its mode when overwritten: a key is made
    // private before it is written.
    if private && file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} readable by its owner only", path.display()))?;
    }
    file.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn read_key(path: &Path) -> anyhow::Result<SigningKey> {
    let pem = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    SigningKey::from_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn random_jti() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn token_url(args: &TokenArgs) -> anyhow::Result<String> {
    match (&args.token_url, &args.url) {
        (Some(u), _) => Ok(u.clone()),
        (None, Some(b)) => Ok(format!("{}{}", b.trim_end_matches('/'), ciao_service::oauth::TOKEN_PATH)),
        (None, None) => bail!("give --url, the server's base URL (or --token-url, the token endpoint itself)"),
    }
}

/// Gets an access token; returns the token response.
pub async fn get_token(http: &reqwest::Client, args: &TokenArgs) -> anyhow::Result<Value> {
    let key = read_key(&args.key)?;
    let url = token_url(args)?;
    let assertion =
        client_assertion(&key, &args.client_id, &url, OffsetDateTime::now_utc(), Duration::minutes(4), &random_jti())
            .map_err(|e| anyhow::anyhow!("cannot sign the client assertion: {e}"))?;
    let mut form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
        ("client_assertion", assertion),
    ];
    if let Some(s) = &args.scope {
        form.push(("scope", s.clone()));
    }
    let body = serde_urlencoded_form(&form);
    let res = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = res.status();
    let body = res.text().await.with_context(|| format!("cannot read the answer of {url} ({status})"))?;
    let v: Value = serde_json::from_str(&body).map_err(|_| {
        anyhow::anyhow!(
            "{url} answered {status} with something that is not JSON: {:?}; is it the token endpoint? \
             The token URL ends in {} (or give --url, the server's base URL)",
            first_line(&body, 200),
            ciao_service::oauth::TOKEN_PATH
        )
    })?;
    if !status.is_success() {
        bail!("token refused ({status}): {} — {}", v["error"], v["error_description"]);
    }
    Ok(v)
}

/// The first line of `text`, at most `max` characters (an ellipsis marks
/// what was cut).
fn first_line(text: &str, max: usize) -> String {
    let line = text.trim_start().lines().next().unwrap_or("").trim_end();
    let mut out: String = line.chars().take(max).collect();
    if out.len() < line.len() || text.trim().lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

fn serde_urlencoded_form(pairs: &[(&str, String)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

async fn show(res: reqwest::Response) -> anyhow::Result<()> {
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    outln!("{}", serde_json::to_string_pretty(&v)?);
    if !status.is_success() {
        bail!("the server answered {status}");
    }
    Ok(())
}

pub async fn run(command: &ClientCommand) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    match command {
        ClientCommand::Keygen { kind, out, force } => {
            let kind = KeyKind::parse(kind)
                .ok_or_else(|| anyhow::anyhow!("--kind: use rsa-2048, rsa-3072, rsa-4096, ec-p384 or ec-p521"))?;
            let pem = generate_key(kind).map_err(|e| anyhow::anyhow!("{e}"))?;
            write_out(out, &pem, true, *force)
        }
        ClientCommand::Certificate { key, subject, days, out, force } => {
            let pem = std::fs::read_to_string(key).with_context(|| format!("cannot read {}", key.display()))?;
            let now = OffsetDateTime::now_utc();
            let cert = self_signed_certificate(
                &pem,
                subject,
                now - Duration::minutes(5),
                now + Duration::days(i64::from(*days)),
                &[KeyUsageBit::DigitalSignature],
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            write_out(out, &cert, false, *force)
        }
        ClientCommand::Token(args) => {
            let v = get_token(&http, args).await?;
            outln!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        ClientCommand::Register { auth, ssin, limosa_id, employer, declaration, kind, client_reference, file } => {
            let base = base_url(auth)?;
            let token = get_token(&http, auth).await?;
            let body = match file {
                Some(f) => {
                    let text = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
                    serde_json::from_str::<Value>(&text).with_context(|| format!("{} is not JSON", f.display()))?
                }
                None => {
                    let mut item = json!({
                        "registrationDate": ciao_domain::format_utc(OffsetDateTime::now_utc()),
                        "type": kind,
                        "employer": {"enterpriseNumber": employer.clone().ok_or_else(|| anyhow::anyhow!("give --employer"))?},
                        "contractualRelationshipReference": declaration.clone().ok_or_else(|| anyhow::anyhow!("give --declaration"))?,
                    });
                    match (ssin, limosa_id) {
                        (Some(s), _) => item["ssin"] = json!(s),
                        (None, Some(l)) => item["limosaId"] = json!(l),
                        (None, None) => bail!("give --ssin or --limosa-id"),
                    }
                    if let Some(r) = client_reference {
                        item["clientReference"] = json!(r);
                    }
                    json!({"items": [item]})
                }
            };
            let res = http
                .post(format!("{base}/REST/presenceRegistration/v1/presenceRegistrations/registerInBulk"))
                .bearer_auth(token["access_token"].as_str().unwrap_or_default())
                .json(&body)
                .send()
                .await?;
            let status = res.status();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            outln!("{}", serde_json::to_string_pretty(&v)?);
            if !status.is_success() {
                bail!("the server answered {status}");
            }
            // The answer is 200 whatever became of each item: a script
            // must still learn that one was refused.
            let refused = v["items"]
                .as_array()
                .map(|items| items.iter().filter(|i| i["notCreatedPresenceRegistration"].is_object()).count())
                .unwrap_or(0);
            if refused > 0 {
                bail!("{refused} item(s) not created: see notCreatedPresenceRegistration above");
            }
            Ok(())
        }
        ClientCommand::Search { auth, from, to, params } => {
            let base = base_url(auth)?;
            let token = get_token(&http, auth).await?;
            let mut query = vec![
                ("registrationDateFrom".to_string(), from.clone()),
                ("registrationDateTo".to_string(), to.clone()),
            ];
            for p in params {
                let (k, v) = p.split_once('=').ok_or_else(|| anyhow::anyhow!("--param {p:?}: use name=value"))?;
                query.push((k.to_string(), v.to_string()));
            }
            let res = http
                .get(format!("{base}/REST/presenceRegistration/v1/presenceRegistrations"))
                .query(&query)
                .bearer_auth(token["access_token"].as_str().unwrap_or_default())
                .send()
                .await?;
            show(res).await
        }
    }
}

fn base_url(auth: &TokenArgs) -> anyhow::Result<String> {
    if let Some(u) = &auth.url {
        return Ok(u.trim_end_matches('/').to_string());
    }
    if let Some(t) = &auth.token_url
        && let Some(b) = t.strip_suffix(ciao_service::oauth::TOKEN_PATH)
    {
        return Ok(b.to_string());
    }
    bail!("give --url, the server's base URL")
}
