//! The reference data and the REST account of the registration scenarios:
//! an enterprise with its persons (valid SSINs, employed by it) and its
//! declarations of works; a REST account of that enterprise with a real
//! certificate; access tokens from the real OAuth endpoint.

use anyhow::Context;
use ciao_auth::client::{KeyKind, KeyUsageBit, SigningKey, client_assertion, generate_key, self_signed_certificate};
use ciao_domain::reference::{Declaration, Employment, EnterprisePeriod, LegalForm, PersonRecord, Principal, Sector};
use ciao_domain::{EnterpriseNumber, Ssin};
use ciao_service::Service;
use ciao_service::ciao_store::DeclarationImport;
use time::{Duration, OffsetDateTime};

use super::validation::{date, declaration, enterprise, person};

pub struct World {
    /// The enterprise of the REST account: declaring contractor of every
    /// declaration, employer of every person.
    pub enterprise: EnterpriseNumber,
    /// SSINs, as sent.
    pub persons: Vec<String>,
    /// Declaration numbers, as sent.
    pub declarations: Vec<String>,
}

/// An enterprise of the benchmarks: a legal entity, active since 2000.
pub fn enterprise_period(e: &EnterpriseNumber, name: &str) -> EnterprisePeriod {
    EnterprisePeriod {
        enterprise_number: e.clone(),
        name: name.into(),
        active_from: date("2000-01-01"),
        active_to: None,
        legal_form: LegalForm::LegalEntity,
        founders: Vec::new(),
    }
}

/// A declaration row of the benchmarks.
pub fn declaration_row(j: u64, declaring: &EnterpriseNumber, principal: &EnterpriseNumber) -> DeclarationImport {
    DeclarationImport {
        declaration: Declaration {
            number: declaration(j),
            sector: Sector::Construction,
            site_name: format!("Site {j}"),
            street: "Rue de la Loi".into(),
            house_number: "16".into(),
            post_code: "1000".into(),
            municipality: "Bruxelles".into(),
            coordinates: Some((50.846, 4.367)),
            start_date: date("2020-01-01"),
            end_date: None,
            amount_excl_vat_cents: 100_000_000,
            principal: Some(Principal::Enterprise(principal.clone())),
            declaring_contractor: declaring.clone(),
            subject_to_registration: true,
        },
        technical_number: format!("B{j:025}"),
    }
}

/// Fills the registries: two enterprises (the account's and a principal),
/// `persons` persons employed by the first, `declarations` declarations.
pub async fn seed(service: &Service, persons: u64, declarations: u64) -> anyhow::Result<World> {
    let store = service.store();
    let own = enterprise(0);
    let principal = enterprise(1);
    let periods = [enterprise_period(&own, "Bench Clean BV"), enterprise_period(&principal, "Bench Principal NV")];
    store.import_enterprises(&periods, ciao_service::ciao_store::ImportMode::Merge).await?;
    let ssins: Vec<Ssin> = (0..persons.max(1)).map(person).collect();
    for chunk in ssins.chunks(50_000) {
        let rows: Vec<PersonRecord> = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| PersonRecord {
                ssin: s.clone(),
                last_name: format!("Person {i}"),
                first_name: "Bench".into(),
            })
            .collect();
        store.import_persons(&rows).await?;
        let rows: Vec<Employment> = chunk
            .iter()
            .map(|s| Employment { ssin: s.clone(), employer: own.clone(), from: date("2020-01-01"), to: None })
            .collect();
        store.import_employments(&rows, ciao_service::ciao_store::ImportMode::Merge).await?;
    }
    let decls: Vec<DeclarationImport> =
        (0..declarations.max(1)).map(|j| declaration_row(j, &own, &principal)).collect();
    for chunk in decls.chunks(10_000) {
        store.import_declarations(chunk).await?;
    }
    store.refresh_statistics().await?;
    Ok(World {
        enterprise: own,
        persons: ssins.iter().map(|s| s.as_str().to_string()).collect(),
        declarations: decls.iter().map(|d| d.declaration.number.as_str().to_string()).collect(),
    })
}

/// A REST account with its private key.
pub struct BenchAccount {
    pub client_id: String,
    pub key: SigningKey,
    pub kind: KeyKind,
}

/// Creates a REST account of `enterprise` with a fresh key of `kind` and a
/// self-signed certificate that meets the policy (as `ciao client keygen`
/// and `ciao client certificate` make them).
pub async fn account(
    service: &Service,
    enterprise: &EnterpriseNumber,
    name: &str,
    kind: KeyKind,
) -> anyhow::Result<BenchAccount> {
    let key_pem = generate_key(kind).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = OffsetDateTime::now_utc();
    let cert = self_signed_certificate(
        &key_pem,
        &format!("CN={name},O=ciao bench,C=BE"),
        now - Duration::hours(1),
        now + Duration::days(30),
        &[KeyUsageBit::DigitalSignature],
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let account = service
        .create_account(
            &crate::operator(),
            enterprise,
            name,
            &["register".to_string(), "consult".to_string()],
            &[("main".to_string(), cert.into_bytes())],
        )
        .await
        .context("create the REST account")?;
    let key = SigningKey::from_pem(&key_pem).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(BenchAccount { client_id: account.client_id, key, kind })
}

fn random_jti() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh client assertion for the token endpoint at `token_url`.
pub fn assertion(account: &BenchAccount, token_url: &str) -> anyhow::Result<String> {
    client_assertion(
        &account.key,
        &account.client_id,
        token_url,
        OffsetDateTime::now_utc(),
        Duration::minutes(4),
        &random_jti(),
    )
    .map_err(|e| anyhow::anyhow!("cannot sign the client assertion: {e}"))
}

/// The URL-encoded form of a token request with this assertion.
pub fn token_form(assertion: &str) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion={}",
        enc(ciao_service::oauth::ASSERTION_TYPE),
        enc(assertion)
    )
}

/// An access token from the server's real token endpoint.
pub async fn token(http: &reqwest::Client, base: &str, account: &BenchAccount) -> anyhow::Result<String> {
    let url = format!("{base}{}", ciao_service::oauth::TOKEN_PATH);
    let res = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&assertion(account, &url)?))
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = res.status();
    let v: serde_json::Value = res.json().await.context("the token endpoint did not answer JSON")?;
    if !status.is_success() {
        anyhow::bail!("token refused ({status}): {v}");
    }
    v["access_token"].as_str().map(str::to_string).context("no access_token in the answer")
}
