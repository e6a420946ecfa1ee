//! Test harness: a real server on a random port over a fresh database
//! (an SQLite file, or a fresh PostgreSQL database when
//! CIAO_TEST_POSTGRES_URL is set), and helpers to talk to it.

#![allow(dead_code)]

pub mod web;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::collections::HashMap;

use ciao::{RunningServer, start_server};
use ciao_auth::client::{KeyKind, KeyUsageBit, SigningKey, client_assertion, generate_key, self_signed_certificate};
use ciao_domain::{EnterpriseNumber, RealTimePolicy};
use ciao_service::{Caller, Config, Service, SystemClock};
use serde_json::{Value, json};
use sqlx::Connection;
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};
use tokio::sync::Mutex;

pub const API: &str = "/REST/presenceRegistration/v1";
pub const TOKEN_PATH: &str = "/REST/oauth/v5/token";

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos % 1_000_000_000)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL URL for tests; None when they must be skipped. In CI
/// (CI=true) the PostgreSQL half is mandatory.
pub fn postgres_url() -> Option<String> {
    match std::env::var("CIAO_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI is set but CIAO_TEST_POSTGRES_URL is not: the PostgreSQL tests are mandatory in CI"
            );
            None
        }
    }
}

/// A fresh database URL for one test.
pub async fn fresh_database(backend: Backend) -> Option<(String, Option<(String, String)>)> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("ciao-test-{}", unique()));
            std::fs::create_dir_all(&dir).ok()?;
            Some((format!("sqlite://{}", dir.join("ciao.db").display()), None))
        }
        Backend::Postgres => {
            let base = postgres_url()?;
            let name = format!("ciao_test_{}", unique());
            let mut conn = sqlx::PgConnection::connect(&base).await.expect("CIAO_TEST_POSTGRES_URL does not answer");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("cannot create a test database");
            let (prefix, _) = base.rsplit_once('/').expect("a database URL has a path");
            Some((format!("{prefix}/{name}"), Some((base, name))))
        }
    }
}

/// A clock that can be moved forward.
#[derive(Debug, Default)]
pub struct MovableClock {
    offset: std::sync::Mutex<Duration>,
}

impl MovableClock {
    pub fn advance(&self, by: Duration) {
        if let Ok(mut o) = self.offset.lock() {
            *o += by;
        }
    }
}

impl ciao_service::Clock for MovableClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset.lock().map(|o| *o).unwrap_or_default()
    }
}

/// A REST account of the tests, with its key and a cached access token.
#[derive(Clone)]
pub struct TestClient {
    pub client_id: String,
    pub key_pem: String,
    pub certificate_pem: String,
    pub token: String,
}

pub struct TestApp {
    pub backend: Backend,
    /// `http://127.0.0.1:PORT`
    pub root: String,
    /// `root` + the API base path.
    pub base: String,
    pub url: String,
    pub client: reqwest::Client,
    pub service: Service,
    server: Option<RunningServer>,
    drop_db: Option<(String, String)>,
    clients: Mutex<HashMap<String, TestClient>>,
}

pub fn config(max_past: Duration) -> Config {
    Config {
        real_time: RealTimePolicy { max_past, max_future: Duration::minutes(2) },
        secrets: Some(test_secrets_key()),
        ..Config::default()
    }
}

/// The secrets key of the tests: one fixed key, so that a test may stop a
/// server and start another on the same database (as `ciao serve` does with
/// its key file).
pub fn test_secrets_key() -> Arc<ciao_auth::secretbox::SecretBox> {
    Arc::new(ciao_auth::secretbox::SecretBox::new(&[0x42; 32]).expect("a 32-byte key"))
}

pub fn operator() -> Caller {
    Caller::Operator { name: "test".into() }
}

fn random_hex() -> String {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh EC P-384 key and a self-signed certificate that meets the policy.
pub fn key_and_certificate(kind: KeyKind) -> (String, String) {
    let key = generate_key(kind).unwrap();
    let now = now();
    let cert = self_signed_certificate(
        &key,
        "CN=test system,O=ciao tests,C=BE",
        now - Duration::hours(1),
        now + Duration::days(365),
        &[KeyUsageBit::DigitalSignature],
    )
    .unwrap();
    (key, cert)
}

impl TestApp {
    /// A server with the default real-time policy.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, config(Duration::minutes(10))).await
    }

    pub async fn spawn_with(backend: Backend, config: Config) -> Option<Self> {
        Self::spawn_with_clock(backend, config, Arc::new(SystemClock)).await
    }

    pub async fn spawn_with_clock(
        backend: Backend,
        config: Config,
        clock: Arc<dyn ciao_service::Clock>,
    ) -> Option<Self> {
        let (url, drop_db) = fresh_database(backend).await?;
        Some(Self::with_clock(backend, url, drop_db, config, None, clock).await)
    }

    /// A server whose public URL is `http://localhost:PORT` (WebAuthn needs a
    /// host name, not an IP address): what the browser tests use.
    pub async fn spawn_on_localhost(backend: Backend) -> Option<Self> {
        let (url, drop_db) = fresh_database(backend).await?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = start_server(
            &url,
            config(Duration::minutes(10)),
            Arc::new(SystemClock),
            format!("127.0.0.1:{port}").parse().unwrap(),
            Some(format!("http://localhost:{port}")),
        )
        .await
        .expect("start the server");
        let root = format!("http://localhost:{port}");
        Some(Self {
            backend,
            base: format!("{root}{API}"),
            root,
            url,
            client: reqwest::Client::new(),
            service: server.service.clone(),
            server: Some(server),
            drop_db,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// Another server (node) on an existing database; `public_url` as with `--public-url`.
    pub async fn on_database(
        backend: Backend,
        url: String,
        drop_db: Option<(String, String)>,
        config: Config,
        public_url: Option<&str>,
    ) -> Self {
        Self::with_clock(backend, url, drop_db, config, public_url, Arc::new(SystemClock)).await
    }

    async fn with_clock(
        backend: Backend,
        url: String,
        drop_db: Option<(String, String)>,
        config: Config,
        public_url: Option<&str>,
        clock: Arc<dyn ciao_service::Clock>,
    ) -> Self {
        let server = start_server(&url, config, clock, "127.0.0.1:0".parse().unwrap(), public_url.map(str::to_string))
            .await
            .expect("start the server");
        Self {
            backend,
            root: format!("http://{}", server.addr),
            base: format!("http://{}{API}", server.addr),
            url,
            client: reqwest::Client::new(),
            service: server.service.clone(),
            server: Some(server),
            drop_db,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The token endpoint as clients reach it (this node's address).
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.root)
    }

    /// Makes sure an enterprise is in the registry.
    pub async fn ensure_enterprise(&self, e: &EnterpriseNumber) {
        if !self.service.store().enterprise_exists(e).await.unwrap() {
            self.import(
                "enterprises",
                &format!(
                    "enterprise_number,name,active_from,active_to\n{},Test {},2000-01-01,\n",
                    e.as_str(),
                    e.as_str()
                ),
            )
            .await;
        }
    }

    /// Creates a REST account with the given permissions and a fresh EC key.
    pub async fn create_client(&self, enterprise: &str, name: &str, permissions: &[&str]) -> TestClient {
        let e = EnterpriseNumber::parse(enterprise).expect("a valid enterprise number");
        self.ensure_enterprise(&e).await;
        let (key_pem, certificate_pem) = key_and_certificate(KeyKind::EcP384);
        let perms: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
        let account = self
            .service
            .create_account(&operator(), &e, name, &perms, &[("main".into(), certificate_pem.clone().into_bytes())])
            .await
            .expect("create the account");
        let mut c = TestClient { client_id: account.client_id, key_pem, certificate_pem, token: String::new() };
        let (status, body) = self.token_request(&self.assertion(&c, Duration::minutes(4)), None).await;
        assert_eq!(status, 200, "{body}");
        c.token = body["access_token"].as_str().unwrap().to_string();
        c
    }

    /// A fresh, valid client assertion for this client.
    pub fn assertion(&self, c: &TestClient, lifetime: Duration) -> String {
        let key = SigningKey::from_pem(&c.key_pem).unwrap();
        client_assertion(&key, &c.client_id, &self.token_url(), now(), lifetime, &random_hex()).unwrap()
    }

    /// POST /REST/oauth/v5/token with a client assertion.
    pub async fn token_request(&self, assertion: &str, scope: Option<&str>) -> (u16, Value) {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        self.form(&form).await
    }

    pub async fn form(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let res = self.client.post(self.token_url()).form(form).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The client behind a sender name `[name@]enterprise`, created on first use
    /// with both permissions.
    pub async fn sender(&self, sender: &str) -> TestClient {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(sender) {
            return c.clone();
        }
        let (name, enterprise) = match sender.rsplit_once('@') {
            Some((n, e)) => (n.to_string(), e.to_string()),
            None => ("main".to_string(), sender.to_string()),
        };
        let c = self.create_client(&enterprise, &name, &["register", "consult"]).await;
        clients.insert(sender.to_string(), c.clone());
        c
    }

    pub async fn client_id(&self, sender: &str) -> String {
        self.sender(sender).await.client_id
    }

    pub async fn bearer(&self, sender: &str) -> String {
        format!("Bearer {}", self.sender(sender).await.token)
    }

    /// Stops the server and removes a PostgreSQL test database.
    pub async fn finish(mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.expect("server stops cleanly");
        }
        drop(self.service);
        if let Some((base, name)) = self.drop_db.take()
            && let Ok(mut conn) = sqlx::PgConnection::connect(&base).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut conn)
                .await;
        }
    }

    pub async fn stop_server(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.expect("server stops cleanly");
        }
    }

    pub async fn import(&self, kind: &str, csv: &str) {
        self.service
            .import(
                &Caller::Operator { name: "test".into() },
                kind,
                std::io::Cursor::new(csv.to_string()),
                &mut |_, _| {},
            )
            .await
            .unwrap_or_else(|e| panic!("import {kind}: {e}"));
    }

    pub async fn register(&self, sender: &str, items: Value) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/presenceRegistrations/registerInBulk", self.base))
            .header("authorization", self.bearer(sender).await)
            .json(&json!({ "items": items }))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Registers one item that must be created; returns its id.
    pub async fn register_one(&self, sender: &str, item: Value) -> i64 {
        let (status, body) = self.register(sender, json!([item])).await;
        assert_eq!(status, 200, "{body}");
        body["items"][0]["createdPresenceRegistration"]["id"].as_i64().unwrap_or_else(|| panic!("not created: {body}"))
    }

    pub async fn get(&self, sender: &str, path: &str) -> (u16, Value) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("authorization", self.bearer(sender).await)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn cancel(&self, sender: &str, id: i64, body: Value) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/presenceRegistrations/{id}/cancel", self.base))
            .header("authorization", self.bearer(sender).await)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// A valid enterprise number from 8 digits.
pub fn ent(base: u64) -> String {
    format!("{base:08}{:02}", 97 - base % 97)
}

/// A valid SSIN (born before 2000) from 9 digits.
/// The world's worker, An Peeters, in the persons registry and employed by
/// E2 (a subcontractor on D1) and by E4 (not in D1's chain) since 2020.
pub async fn worker_of_e2_and_e4(app: &TestApp, w: &World) {
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    app.import(
        "employments",
        &format!("ssin,employer,from,to\n{s},{},2020-01-01,\n{s},{},2020-01-01,\n", w.e2, w.e4, s = w.worker),
    )
    .await;
}

/// Gives the person `ssin(base)` a role in `enterprise` (as the operator
/// does); returns the enterprise and the person's SSIN.
pub async fn appoint(
    app: &TestApp,
    enterprise: &str,
    base: u64,
    name: &str,
    role: ciao_domain::channel::Role,
) -> (ciao_domain::EnterpriseNumber, String) {
    let enterprise = ciao_domain::EnterpriseNumber::parse(enterprise).unwrap();
    let person = ssin(base);
    let parsed = ciao_domain::Ssin::parse(&person).unwrap();
    app.service.add_enterprise_user(&operator(), &enterprise, &parsed, name, role).await.unwrap();
    (enterprise, person)
}

pub fn ssin(base: u64) -> String {
    format!("{base:09}{:02}", 97 - base % 97)
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Today in Brussels, the day a date in a search means.
pub fn today() -> time::Date {
    ciao_domain::to_brussels(now()).date()
}

/// Registers one presence of `ssin` for `employer` on `declaration` at
/// `at` through the service, as the operator (an access token lives on the
/// server's clock, which some tests move): its id.
pub async fn register_at(
    app: &TestApp,
    ssin: &str,
    employer: &str,
    declaration: &str,
    kind: &str,
    at: OffsetDateTime,
) -> i64 {
    let input = ciao_domain::RegistrationInput {
        registration_date: Some(rfc3339(at)),
        kind: Some(kind.into()),
        ssin: Some(ssin.to_string()),
        employer_enterprise_number: Some(employer.to_string()),
        declaration: Some(declaration.to_string()),
        ..Default::default()
    };
    let results = app.service.register(&operator(), ciao_domain::Channel::Rest, vec![Ok(input)]).await.unwrap();
    match &results[0] {
        ciao_service::ItemResult::Created(r) => r.id.get(),
        other => panic!("not registered: {other:?}"),
    }
}

/// An item registered now.
pub fn item(ssin: &str, employer: &str, declaration: &str, kind: &str) -> Value {
    json!({
        "registrationDate": rfc3339(now()),
        "type": kind,
        "ssin": ssin,
        "employer": {"enterpriseNumber": employer},
        "contractualRelationshipReference": declaration,
    })
}

/// Reference data of the tests: declaration D1 of declaring contractor E1
/// for principal P, with the chain E1 -> E2 -> E3; E4 is unrelated.
pub struct World {
    pub p: String,
    pub e1: String,
    pub e2: String,
    pub e3: String,
    pub e4: String,
    pub d1: String,
    pub d2: String,
    pub worker: String,
}

pub fn world() -> World {
    World {
        p: ent(1_000_001),
        e1: ent(2_000_002),
        e2: ent(3_000_003),
        e3: ent(4_000_004),
        e4: ent(5_000_005),
        d1: "1Y1003SQ5VSSZ".into(),
        d2: "2B2004TR6WTTA".into(),
        worker: ssin(850_730_033),
    }
}

pub async fn seed(app: &TestApp) -> World {
    let w = world();
    app.import(
        "enterprises",
        &format!(
            "enterprise_number,name,active_from,active_to\n{},Principal NV,2000-01-01,\n{},Clean One BV,2000-01-01,\n{},Sub Two BV,2000-01-01,\n{},Sub Three SRL,2000-01-01,\n{},Other SA,2000-01-01,\n",
            w.p, w.e1, w.e2, w.e3, w.e4
        ),
    )
    .await;
    app.import(
        "declarations",
        &format!(
            "number,sector,site_name,street,house_number,post_code,municipality,latitude,longitude,start_date,end_date,amount_excl_vat,principal,declaring_contractor,subject_to_registration\n\
             {},cleaning,Tour Nord,Rue du Progrès,1,1000,Bruxelles,50.8600,4.3600,2020-01-01,,525000,{},{},true\n\
             {},construction,Chantier Sud,Quai de Rome,25,4000,Liège,,,2020-01-01,2030-12-31,900000.50,,{},true\n",
            w.d1, w.p, w.e1, w.d2, w.e4
        ),
    )
    .await;
    app.import(
        "subcontractors",
        &format!(
            "declaration,enterprise_number,parent,from,to\n{d},{e2},{e1},2020-01-01,\n{d},{e3},{e2},2020-01-01,\n",
            d = w.d1,
            e1 = w.e1,
            e2 = w.e2,
            e3 = w.e3
        ),
    )
    .await;
    w
}

/// Runs a test body against SQLite, and against PostgreSQL when configured.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(common::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if common::postgres_url().is_none() {
                    eprintln!("CIAO_TEST_POSTGRES_URL is not set: PostgreSQL half skipped");
                    return;
                }
                $body(common::Backend::Postgres).await;
            }
        }
    };
}
