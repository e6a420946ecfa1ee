//! The simulation environment for integrators (issue #7): every recipe of
//! docs/simulation.md run against a simulation server over HTTP with a real
//! access token (so the documentation cannot drift), the seed as documented,
//! environments that refuse each other's databases, the header and the
//! banner, the simulation-only operations refused in production, and the
//! README's three commands from nothing to a first simulated registration.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use ciao::simulation::SimulationCommand;
use ciao_domain::remarks::RemarkKind;
use ciao_service::simulation::{
    DECLARING_CONTRACTOR, EXAMPLE_DECLARATION, EXAMPLE_WORKER, SEED, USER_PASSWORD, USER_SSIN, USER_TOTP_SECRET,
};
use ciao_service::{Config, ServiceError, SystemClock};
use common::{Backend, MovableClock, TestApp, operator, rfc3339};
use serde_json::{Value, json};
use time::Duration;

const SIMULATION_RESET: &str = "/simulation/reset";
const SIMULATION_SWEEP: &str = "/simulation/sweep";

fn docs() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/simulation.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fenced blocks of a Markdown text: (info string, content).
fn fenced_blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "docs/simulation.md has an unclosed code block");
    out
}

/// The recipes: every `json` block of the section "Recipes".
fn recipes() -> Vec<Value> {
    let text = docs();
    let start = text.find("\n## Recipes").expect("docs/simulation.md has a section ## Recipes");
    let section = &text[start + 1..];
    let section = section[3..].find("\n## ").map_or(section, |end| &section[..end + 3]);
    let recipes: Vec<Value> = fenced_blocks(section)
        .into_iter()
        .filter(|(info, _)| info == "json")
        .map(|(_, body)| serde_json::from_str(&body).unwrap_or_else(|e| panic!("a recipe is not JSON ({e}):\n{body}")))
        .collect();
    for r in &recipes {
        assert!(r.get("remark").is_some(), "a recipe without \"remark\": {r}");
        assert!(r["remarks"].is_array(), "a recipe without \"remarks\": {r}");
        assert!(matches!(r["validity"].as_str(), Some("valid" | "invalid")), "a recipe without validity: {r}");
        if let Some(code) = r["remark"].as_str() {
            assert!(RemarkKind::parse(code).is_some_and(|k| k.code() == code), "unknown remark code {code}");
            assert!(r["remarks"].as_array().unwrap().iter().any(|c| c == code), "{code} is not in its remarks: {r}");
        }
    }
    recipes
}

#[test]
fn every_remark_has_a_recipe() {
    let recipes = recipes();
    for kind in RemarkKind::ALL {
        assert!(
            recipes.iter().any(|r| r["remark"] == kind.code()),
            "docs/simulation.md has no recipe for {}",
            kind.code()
        );
    }
    assert!(recipes.iter().any(|r| r["remark"].is_null()), "no recipe of a valid registration");
}

#[test]
fn the_documented_seed_is_the_seed() {
    let text = docs();
    let blocks = fenced_blocks(&text);
    for (kind, csv) in SEED {
        let info = format!("csv {kind}");
        let documented = blocks.iter().find(|(i, _)| *i == info).unwrap_or_else(|| panic!("no ```{info} block"));
        assert_eq!(documented.1, csv, "docs/simulation.md lists another {kind} than the seed");
    }
    for value in [USER_SSIN, USER_PASSWORD, USER_TOTP_SECRET, DECLARING_CONTRACTOR, EXAMPLE_DECLARATION, EXAMPLE_WORKER]
    {
        assert!(text.contains(value), "docs/simulation.md does not mention {value}");
    }
}

fn simulation_config() -> Config {
    Config { simulation: true, ..common::config(Duration::minutes(10)) }
}

/// A REST account made by `ciao simulation account` (in process) and a
/// token got with its key by the reference client.
struct Integrator {
    client_id: String,
    key: PathBuf,
    http: reqwest::Client,
}

impl Integrator {
    async fn new(app: &TestApp, name: &str) -> Self {
        let out = std::env::temp_dir().join(format!("ciao-sim-account-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let command = SimulationCommand::Account {
            name: name.to_string(),
            enterprise: DECLARING_CONTRACTOR.to_string(),
            out: out.clone(),
            kind: "ec-p384".into(),
            public_url: app.root.clone(),
        };
        ciao::simulation::run(&app.service, &command).await.expect("ciao simulation account");
        let d = ciao_domain::EnterpriseNumber::parse(DECLARING_CONTRACTOR).unwrap();
        let accounts = app.service.accounts(&operator(), Some(&d)).await.unwrap();
        let account = accounts.iter().find(|a| a.name == name).expect("the account exists");
        assert!(account.certificates[0].subject.contains(name), "{:?}", account.certificates[0].subject);
        Self { client_id: account.client_id.clone(), key: out.join("key.pem"), http: reqwest::Client::new() }
    }

    /// A token from the token endpoint, with a client assertion signed by
    /// the key `ciao simulation account` wrote; the assertion's times are the
    /// server's (its clock may have been moved).
    async fn token(&self, app: &TestApp) -> String {
        let pem = std::fs::read_to_string(&self.key).unwrap();
        let key = ciao_auth::client::SigningKey::from_pem(&pem).unwrap();
        let jti = format!("{}-{}", self.client_id, app.service.now().unix_timestamp_nanos());
        let assertion = ciao_auth::client::client_assertion(
            &key,
            &self.client_id,
            &app.token_url(),
            app.service.now(),
            Duration::minutes(4),
            &jti,
        )
        .unwrap();
        let (status, answer) = app.token_request(&assertion, None).await;
        assert_eq!(status, 200, "{answer}");
        answer["access_token"].as_str().unwrap().to_string()
    }

    async fn post(
        &self,
        app: &TestApp,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.post(format!("{}{path}", app.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, app: &TestApp, path: &str, token: &str) -> (u16, Value) {
        let res = self.http.get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// `NOW` or `NOW-360s`, against the server's clock.
fn registration_date(placeholder: &str, now: time::OffsetDateTime) -> String {
    let at = match placeholder.strip_prefix("NOW") {
        Some("") => now,
        Some(rest) => {
            let seconds: i64 = rest
                .strip_prefix('-')
                .and_then(|s| s.strip_suffix('s'))
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("registrationDate {placeholder:?}: use NOW or NOW-<seconds>s"));
            now - Duration::seconds(seconds)
        }
        None => panic!("registrationDate {placeholder:?}: use NOW or NOW-<seconds>s"),
    };
    rfc3339(at)
}

/// A phone of the smartphone channel: cookies kept, redirects not followed.
struct Phone {
    http: reqwest::Client,
    root: String,
    cookies: Vec<(String, String)>,
}

impl Phone {
    fn new(app: &TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, root: app.root.clone(), cookies: Vec::new() }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> (u16, String) {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let res = req.header("cookie", cookie).send().await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if let Some((k, val)) = v.split(';').next().and_then(|p| p.split_once('=')) {
                self.cookies.retain(|(n, _)| n != k);
                if !val.is_empty() && !v.contains("Max-Age=0") {
                    self.cookies.push((k.to_string(), val.to_string()));
                }
            }
        }
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let req = self.http.get(format!("{}{path}", self.root));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let req = self.http.post(format!("{}{path}", self.root)).form(form);
        self.send(req).await
    }
}

fn between<'a>(body: &'a str, before: &str, after: &str) -> &'a str {
    let start = body.find(before).unwrap_or_else(|| panic!("no {before:?} in {body}")) + before.len();
    &body[start..start + body[start..].find(after).unwrap()]
}

fn input(body: &str, name: &str) -> String {
    between(body, &format!("name=\"{name}\" value=\""), "\"").to_string()
}

/// The smartphone recipe: activation with a PIN, the site display's code,
/// the wait, one tap. Returns the receipt number.
async fn phone_recipe(app: &TestApp, clock: &MovableClock, phone_recipe: &Value) -> i64 {
    let ssin = phone_recipe["ssin"].as_str().unwrap();
    let number = ciao_domain::DeclarationNumber::parse(phone_recipe["declaration"].as_str().unwrap()).unwrap();
    let d = app.service.declaration(&number).await.unwrap();
    let here = format!("/r/{}", d.technical_number);
    let mut phone = Phone::new(app);
    // `ciao --simulation person activation-code SSIN`, then the phone.
    let code = app.service.issue_activation_code(&operator(), ssin).await.unwrap();
    let (status, page) = phone.post("/w/activate", &[("code", &code.code), ("next", &here)]).await;
    assert_eq!(status, 200, "{page}");
    let ticket = input(&page, "ticket");
    let (status, page) = phone
        .post(
            "/w/activate/pin",
            &[("ticket", &ticket), ("pin", "730418"), ("pin2", "730418"), ("next", &here), ("remember", "1")],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (status, display) = phone.get(&format!("{here}/display")).await;
    assert_eq!(status, 200);
    let url = between(&display, "data-url=\"", "\"").to_string();
    let site_code = url.split("?c=").nth(1).expect("the display's URL carries its code").to_string();
    clock.advance(Duration::seconds(phone_recipe["siteCodeAgeSeconds"].as_i64().unwrap()));
    let (_, page) = phone.get(&format!("{here}?c={site_code}")).await;
    let key = input(&page, "key");
    let c = input(&page, "c");
    let (status, page) = phone
        .post(
            &format!("{here}/register"),
            &[
                ("kind", phone_recipe["type"].as_str().unwrap()),
                ("employer", phone_recipe["employer"].as_str().unwrap()),
                ("key", &key),
                ("c", &c),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    between(&page, "id=\"receipt\">", "<").parse().unwrap()
}

/// Every recipe of docs/simulation.md, each from a fresh seed (the REST
/// reset), sent with a token of an account made by `ciao simulation account`.
async fn every_recipe_gives_its_remark(backend: Backend) {
    let clock = Arc::new(MovableClock::default());
    // The recipes mean "now" within one day: near midnight (Brussels), the
    // server's clock moves to a quarter past (its "now" is the recipes').
    let time = ciao_domain::to_brussels(time::OffsetDateTime::now_utc()).time();
    if time.hour() == 23 && time.minute() >= 55 {
        clock.advance(Duration::minutes(20));
    } else if time.hour() == 0 && time.minute() < 15 {
        clock.advance(Duration::minutes(15));
    }
    let Some(app) = TestApp::spawn_with_clock(backend, simulation_config(), clock.clone()).await else { return };
    let integrator = Integrator::new(&app, &format!("recipes-{backend:?}")).await;
    let mut failures = Vec::new();
    let recipes = recipes();
    for recipe in &recipes {
        let token = integrator.token(&app).await;
        let (status, headers, body) = integrator.post(&app, SIMULATION_RESET, &token, None).await;
        assert_eq!(status, 200, "reset: {body}");
        assert_eq!(headers.get("x-ciao-environment").unwrap(), "simulation");
        let id = if recipe["channel"] == "smartphone" {
            phone_recipe(&app, &clock, &recipe["phone"]).await
        } else {
            let now = app.service.now();
            let mut items = recipe["items"].as_array().expect("items").clone();
            for item in &mut items {
                let date = registration_date(item["registrationDate"].as_str().unwrap(), now);
                item["registrationDate"] = json!(date);
            }
            let (status, _, body) = integrator
                .post(&app, "/presenceRegistrations/registerInBulk", &token, Some(json!({ "items": items })))
                .await;
            assert_eq!(status, 200, "{body}");
            let results = body["items"].as_array().unwrap();
            assert!(
                results.iter().all(|r| r["createdPresenceRegistration"].is_object()),
                "recipe {}: an item was not created: {body}",
                recipe["remark"]
            );
            results.last().unwrap()["createdPresenceRegistration"]["id"].as_i64().unwrap()
        };
        match recipe.get("after").and_then(Value::as_str) {
            None => {}
            Some("sweep") => {
                app.service.validate_all().await.unwrap();
                let (status, _, body) = integrator.post(&app, SIMULATION_SWEEP, &token, None).await;
                assert_eq!(status, 200, "sweep: {body}");
                assert!(body["queued"].as_u64().unwrap() >= 1, "{body}");
            }
            Some(other) => panic!("unknown \"after\": {other}"),
        }
        app.service.validate_all().await.unwrap();
        let (status, r) = integrator.get(&app, &format!("/presenceRegistrations/{id}"), &token).await;
        assert_eq!(status, 200, "{r}");
        let got: BTreeSet<&str> =
            r["remarks"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap()).collect();
        let want: BTreeSet<&str> = recipe["remarks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        if got != want || r["validity"] != recipe["validity"] {
            failures.push(format!(
                "recipe for {}: got {got:?} ({}), docs say {want:?} ({})",
                recipe["remark"], r["validity"], recipe["validity"]
            ));
        }
    }
    assert!(failures.is_empty(), "docs/simulation.md is wrong:\n{}", failures.join("\n"));
    assert!(recipes.len() >= RemarkKind::ALL.len());
    app.finish().await;
}
both_backends!(every_recipe_gives_its_remark_t, every_recipe_gives_its_remark);

/// The seed after creation and after a reset; reset keeps REST accounts and
/// removes registrations; the documented employer user signs in.
async fn seed_reset_and_the_employer_user(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, simulation_config()).await else { return };
    let d = ciao_domain::DeclarationNumber::parse(EXAMPLE_DECLARATION).unwrap();
    let decl = app.service.declaration(&d).await.expect("the seed is loaded when the database is created");
    assert_eq!(decl.subcontractors.len(), 6);
    let integrator = Integrator::new(&app, &format!("reset-{backend:?}")).await;
    let token = integrator.token(&app).await;
    let item = common::item(EXAMPLE_WORKER, DECLARING_CONTRACTOR, EXAMPLE_DECLARATION, "IN");
    let (status, _, body) =
        integrator.post(&app, "/presenceRegistrations/registerInBulk", &token, Some(json!({ "items": [item] }))).await;
    assert_eq!(status, 200);
    let id = body["items"][0]["createdPresenceRegistration"]["id"].as_i64().expect("created");
    app.service.validate_all().await.unwrap();
    let (_, r) = integrator.get(&app, &format!("/presenceRegistrations/{id}"), &token).await;
    assert_eq!((r["validity"].as_str(), r["remarks"].as_array().map(Vec::len)), (Some("valid"), Some(0)), "{r}");

    // The employer user signs in with the published credentials.
    let secret = ciao_auth::totp::base32_decode(USER_TOTP_SECRET).unwrap();
    let now = app.service.now().unix_timestamp();
    let totp = ciao_auth::totp::code_at_step(&secret, ciao_auth::totp::step_of(now));
    let session =
        app.service.employer_sign_in(USER_SSIN, USER_PASSWORD, &totp).await.expect("the seed's user signs in");
    assert!(session.user.roles.iter().any(|r| r.enterprise.as_str() == DECLARING_CONTRACTOR));

    // A declaration of the integrator's own, made in the simulation, goes
    // at the reset; the seed's keep their technical numbers (printed on
    // posters and QR codes).
    let own = "9SMXYZ2500099";
    app.import(
        "declarations",
        &format!(
            "{}\n{own},cleaning,Own test site,Rue du Test,9,1000,Bruxelles,50.85,4.35,2025-01-06,,100000,,{DECLARING_CONTRACTOR},true\n",
            ciao_service::simulation::DECLARATIONS.lines().next().unwrap()
        ),
    )
    .await;
    let own = ciao_domain::DeclarationNumber::parse(own).unwrap();
    assert!(app.service.store().declaration(&own).await.unwrap().is_some());
    let technical = app.service.store().declaration(&d).await.unwrap().unwrap().technical_number;
    let (status, _, body) = integrator.post(&app, SIMULATION_RESET, &token, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(app.service.store().declaration(&own).await.unwrap().is_none(), "the integrator's own declaration went");
    let after = app.service.store().declaration(&d).await.unwrap().unwrap();
    assert_eq!(after.technical_number, technical, "the seed's technical number is kept");
    // Every seed declaration has its access grants again (its declaring
    // contractor's at least), not only those the seed's import changed.
    for line in ciao_service::simulation::DECLARATIONS.lines().skip(1) {
        let columns: Vec<&str> = line.split(',').collect();
        let n = ciao_domain::DeclarationNumber::parse(columns[0]).unwrap();
        let declarer = ciao_domain::EnterpriseNumber::parse(columns[columns.len() - 2]).unwrap();
        let grants = app.service.store().grants(&n, &declarer).await.unwrap();
        assert!(!grants.is_empty(), "{n}: no grant after the reset");
    }
    let workplace = app.client.get(format!("{}/r/{technical}", app.root)).send().await.unwrap();
    assert_eq!(workplace.status().as_u16(), 200, "the printed QR code still opens its workplace");
    let rows: Vec<(String, u64)> = body["seed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["registry"].as_str().unwrap().to_string(), s["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("enterprises", 8),
            ("persons", 13),
            ("employments", 7),
            ("limosa", 2),
            ("declarations", 7),
            ("subcontractors", 6)
        ]
        .map(|(k, n)| (k.to_string(), n))
    );
    assert!(body["seededAt"].is_string());
    // The registration is gone; the account and its token are not.
    let (status, _) = integrator.get(&app, &format!("/presenceRegistrations/{id}"), &token).await;
    assert_eq!(status, 404);
    let again = app.service.declaration(&d).await.expect("the seed is back");
    assert_eq!(again.subcontractors.len(), 6);
    // The user is back too, with the same credentials.
    let now = app.service.now().unix_timestamp();
    let totp = ciao_auth::totp::code_at_step(&secret, ciao_auth::totp::step_of(now));
    app.service.employer_sign_in(USER_SSIN, USER_PASSWORD, &totp).await.expect("the user after a reset");
    // Only a registration system with the register scope drives the simulation.
    let (status, _, body) = integrator.post(&app, SIMULATION_SWEEP, "not-a-token", None).await;
    assert_eq!(status, 401, "{body}");
    let consult = app.create_client(DECLARING_CONTRACTOR, "consult-only", &["consult"]).await;
    let (status, _, body) = integrator.post(&app, SIMULATION_RESET, &consult.token, None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["type"], "urn:problem-type:belgif:missingScope");
    // The operator's reset from the CLI does the same.
    ciao::simulation::run(&app.service, &SimulationCommand::Reset).await.unwrap();
    let entries = app.service.store().audit_entries(5).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "simulation.reset"), "{entries:?}");
    app.finish().await;
}
both_backends!(seed_reset_and_the_employer_user_t, seed_reset_and_the_employer_user);

/// Ending the day now: an IN left open gets DAY_LEFT_OPEN at once; an IN of
/// the same person after the sweep does not.
async fn ending_the_day_now(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, simulation_config()).await else { return };
    let sender = format!("sweep@{DECLARING_CONTRACTOR}");
    let before =
        app.register_one(&sender, common::item(EXAMPLE_WORKER, DECLARING_CONTRACTOR, EXAMPLE_DECLARATION, "IN")).await;
    // Another person, whose IN is closed by an OUT: not left open.
    let closed_in =
        app.register_one(&sender, common::item("88072290343", "0990003081", EXAMPLE_DECLARATION, "IN")).await;
    let closed_out =
        app.register_one(&sender, common::item("88072290343", "0990003081", EXAMPLE_DECLARATION, "OUT")).await;
    app.service.validate_all().await.unwrap();
    let queued = app.service.simulation_sweep(&operator()).await.unwrap();
    assert_eq!(queued, 1, "only the IN left open");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let after = app.register_one(&sender, common::item("95021090528", "0990004071", EXAMPLE_DECLARATION, "IN")).await;
    app.service.validate_all().await.unwrap();
    let remarks = |id: i64| {
        let app = &app;
        async move {
            let r = app.service.registration(&operator(), ciao_domain::RegistrationId::new(id).unwrap()).await.unwrap();
            r.remarks.iter().map(|m| m.code.clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(remarks(before).await, vec!["DAY_LEFT_OPEN"]);
    assert_eq!(remarks(closed_in).await, Vec::<String>::new());
    assert_eq!(remarks(closed_out).await, Vec::<String>::new());
    assert_eq!(remarks(after).await, Vec::<String>::new(), "registered after the day was ended");
    // A second sweep does not queue what already has the remark.
    assert_eq!(app.service.simulation_sweep(&operator()).await.unwrap(), 1, "only the later IN");
    app.finish().await;
}
both_backends!(ending_the_day_now_t, ending_the_day_now);

fn has_banner(body: &str) -> bool {
    body.contains("class=\"simulation-banner\"")
}

/// The header on every response, the banner on every page, the
/// simulation's OpenAPI paths; none of them in production, where the
/// simulation-only operations are refused.
async fn header_banner_and_refusals(backend: Backend) {
    let Some(sim) = TestApp::spawn_with(backend, simulation_config()).await else { return };
    let d =
        sim.service.declaration(&ciao_domain::DeclarationNumber::parse(EXAMPLE_DECLARATION).unwrap()).await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let pages = [
        format!("/r/{}", d.technical_number),
        format!("/r/{}/poster", d.technical_number),
        format!("/r/{}/display", d.technical_number),
        "/r/AAAAAAAAAAAAAAAAAAAAAAAAAA".to_string(),
        "/w/sign-in".to_string(),
        "/e/sign-in".to_string(),
        "/e/activate".to_string(),
    ];
    let texts = [
        ("nl", "Simulatieomgeving"),
        ("fr", "Environnement de simulation"),
        ("de", "Simulationsumgebung"),
        ("en", "Simulation environment"),
    ];
    for page in &pages {
        for (lang, title) in texts {
            let res = http.get(format!("{}{page}?lang={lang}", sim.root)).send().await.unwrap();
            assert_eq!(
                res.headers().get("x-ciao-environment").map(|v| v.to_str().unwrap()),
                Some("simulation"),
                "{page}"
            );
            let body = res.text().await.unwrap();
            assert!(has_banner(&body) && body.contains(title), "{page}?lang={lang} has no banner: {body}");
        }
    }
    for path in ["/health", "/metrics", "/REST/presenceRegistration/v1/openapi.json", "/nowhere"] {
        let res = http.get(format!("{}{path}", sim.root)).send().await.unwrap();
        assert_eq!(res.headers().get("x-ciao-environment").map(|v| v.to_str().unwrap()), Some("simulation"), "{path}");
    }
    let doc: Value = http
        .get(format!("{}/REST/presenceRegistration/v1/openapi.json", sim.root))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/simulation/reset"]["post"].is_object(), "{}", doc["paths"]);
    assert!(doc["paths"]["/simulation/sweep"]["post"].is_object());
    sim.finish().await;

    let Some(prod) = TestApp::spawn(backend).await else { return };
    for path in ["/health", "/e/sign-in", "/w/sign-in", "/nowhere"] {
        let res = http.get(format!("{}{path}", prod.root)).send().await.unwrap();
        assert!(res.headers().get("x-ciao-environment").is_none(), "{path}");
        assert!(!has_banner(&res.text().await.unwrap()), "{path}");
    }
    let doc: Value = http
        .get(format!("{}/REST/presenceRegistration/v1/openapi.json", prod.root))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/simulation/reset"].is_null());
    assert!(doc["paths"]["/presenceRegistrations"].is_object());
    // Refused with a problem, with a token or without.
    let token = prod.sender(DECLARING_CONTRACTOR).await.token;
    for (path, auth) in [
        (SIMULATION_RESET, None),
        (SIMULATION_SWEEP, None),
        (SIMULATION_RESET, Some(&token)),
        (SIMULATION_SWEEP, Some(&token)),
    ] {
        let mut req = http.post(format!("{}{path}", prod.base));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), 403, "{path}");
        assert_eq!(res.headers().get("content-type").unwrap(), "application/problem+json");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["type"], "urn:problem-type:ciao:simulationOnly", "{body}");
        assert!(body["detail"].as_str().unwrap().contains("simulation"), "{body}");
    }
    assert!(matches!(prod.service.simulation_reset(&operator()).await, Err(ServiceError::Forbidden(_))));
    assert!(matches!(prod.service.simulation_sweep(&operator()).await, Err(ServiceError::Forbidden(_))));
    let err = prod.service.store().simulation_reset(&[]).await.unwrap_err();
    assert!(err.to_string().contains("only in the simulation"), "{err}");
    assert!(ciao::simulation::run(&prod.service, &SimulationCommand::Sweep).await.is_err());
    prod.finish().await;
}
both_backends!(header_banner_and_refusals_t, header_banner_and_refusals);

async fn start(url: &str, simulation: bool) -> anyhow::Result<ciao::RunningServer> {
    let config = Config { simulation, secrets: Some(common::test_secrets_key()), ..Config::default() };
    ciao::start_server(url, config, Arc::new(SystemClock), "127.0.0.1:0".parse().unwrap(), None).await
}

async fn drop_database(db: Option<(String, String)>) {
    use sqlx::Connection;
    if let Some((base, name)) = db
        && let Ok(mut conn) = sqlx::PgConnection::connect(&base).await
    {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut conn)
            .await;
    }
}

async fn schema_version(url: &str) -> i64 {
    use sqlx::Connection;
    let sql = "SELECT MAX(version) FROM ciao_migrations";
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// Runs SQL on a test database (to make it look like one from before environments).
async fn execute(url: &str, sql: &str) {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap();
    }
}

/// Production refuses a simulation database and the simulation a
/// production one, before changing anything; a database from before
/// environments counts as production.
/// The schema version a database of `backend` is at once migrated (each
/// backend has its own migrations).
fn latest_schema(backend: Backend) -> i64 {
    match backend {
        Backend::Sqlite => 13,
        Backend::Postgres => 14,
    }
}

async fn environments_refuse_each_other(backend: Backend) {
    let Some((sim_url, sim_db)) = common::fresh_database(backend).await else { return };
    let server = start(&sim_url, true).await.expect("a new simulation database");
    server.stop().await.unwrap();
    let err = start(&sim_url, false).await.err().expect("production refuses a simulation database");
    assert!(format!("{err:#}").contains("created for the simulation environment"), "{err:#}");
    let server = start(&sim_url, true).await.expect("the simulation opens its own database again");
    server.stop().await.unwrap();
    drop_database(sim_db).await;

    let Some((prod_url, prod_db)) = common::fresh_database(backend).await else { return };
    start(&prod_url, false).await.expect("a new production database").stop().await.unwrap();
    let err = start(&prod_url, true).await.err().expect("the simulation refuses a production database");
    assert!(format!("{err:#}").contains("created for production"), "{err:#}");
    // Nothing of the seed reached it.
    let store = ciao_service::ciao_store::open(&prod_url).await.unwrap();
    assert!(
        !store.enterprise_exists(&ciao_domain::EnterpriseNumber::parse(DECLARING_CONTRACTOR).unwrap()).await.unwrap()
    );
    drop(store);

    // A database from before environments (schema version 7, no marker).
    execute(
        &prod_url,
        "DROP TABLE ciao_environment; DROP TABLE employer_passkeys; DROP TABLE web_sessions; DROP TABLE pin_misses; DROP TABLE serving_nodes; \
         DELETE FROM ciao_migrations WHERE version >= 8",
    )
    .await;
    let err = start(&prod_url, true).await.err().expect("a database without marker counts as production");
    assert!(format!("{err:#}").contains("created for production"), "{err:#}");
    assert_eq!(schema_version(&prod_url).await, 7, "refused before any migration");
    let store =
        ciao_service::ciao_store::open_as(&prod_url, ciao_service::ciao_store::Environment::Production).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), latest_schema(backend), "production migrates it");
    assert_eq!(store.environment(), ciao_service::ciao_store::Environment::Production);
    drop(store);
    let err = start(&prod_url, true).await.err().expect("and it is marked production");
    assert!(format!("{err:#}").contains("created for production"), "{err:#}");
    drop_database(prod_db).await;
}
both_backends!(environments_refuse_each_other_t, environments_refuse_each_other);

// ------------------------------------------------------------ the binary

fn ciao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ciao"))
        .args(args)
        .current_dir(dir)
        .env("CIAO_DATA_DIR", dir)
        .env_remove("CIAO_DATABASE_URL")
        .env_remove("CIAO_SIMULATION")
        .env_remove("CIAO_PUBLIC_URL")
        .env("CIAO_LOG", "warn")
        .output()
        .expect("run ciao")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = ciao(dir, args);
    assert!(o.status.success(), "ciao {args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn refused(dir: &Path, args: &[&str], why: &str) {
    let o = ciao(dir, args);
    assert!(!o.status.success(), "ciao {args:?} should be refused: {}", text(&o.stdout));
    assert!(text(&o.stderr).contains(why), "ciao {args:?}: {}", text(&o.stderr));
}

/// Kills the server it holds when dropped, also when an assertion fails.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The README's three commands, with the real binary and the default
/// database files; the environments refuse each other's files.
#[test]
fn from_nothing_to_a_first_simulated_registration() {
    let dir = std::env::temp_dir().join(format!("ciao-sim-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // 1. The account, its key and certificate, in a directory of their own
    // (a walk-through's key.pem may be in the current one). A key.pem there
    // already does not stop it.
    std::fs::write(dir.join("key.pem"), "another account's key").unwrap();
    let out = ok(&dir, &["simulation", "account", "--name", "badges", "--out", "simulation"]);
    assert!(out.contains("client id:   self_service_expeditor_1\n"), "{out}");
    assert!(out.contains("token URL:   http://127.0.0.1:8080/REST/oauth/v5/token\n"), "{out}");
    assert!(out.contains("--ssin 92031590120 --employer 0990002091 --declaration 9SMBUW2500001"), "{out}");
    assert!(out.contains("--key simulation/key.pem --url"), "{out}");
    let sim = dir.join("simulation");
    assert!(std::fs::read_to_string(sim.join("key.pem")).unwrap().contains("PRIVATE KEY"));
    assert!(std::fs::read_to_string(sim.join("cert.pem")).unwrap().contains("CERTIFICATE"));
    assert_eq!(std::fs::read_to_string(dir.join("key.pem")).unwrap(), "another account's key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(sim.join("key.pem")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(dir.join("ciao-simulation.db").exists(), "the simulation's own default file");
    assert!(!dir.join("ciao.db").exists());
    refused(&dir, &["simulation", "account", "--name", "again", "--out", "simulation"], "exists already");
    refused(&dir, &["simulation", "account", "--name", "again"], "exists already");
    let other = dir.join("other");
    refused(&dir, &["simulation", "account", "--name", "", "--out", other.to_str().unwrap()], "name");
    assert!(!other.join("key.pem").exists(), "a refused account leaves no key behind");
    refused(
        &dir,
        &["simulation", "account", "--name", "x", "--enterprise", "0990002092", "--out", other.to_str().unwrap()],
        "--enterprise",
    );

    // 2. The simulation server.
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_ciao"))
            .args(["serve", "--simulation", "--listen", "127.0.0.1:0"])
            .env("CIAO_DATA_DIR", &dir)
            .env_remove("CIAO_DATABASE_URL")
            .env_remove("CIAO_PUBLIC_URL")
            .env("CIAO_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut reader = std::io::BufReader::new(server.0.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while std::io::BufRead::read_line(&mut reader, &mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    assert!(line.contains("ciao-simulation.db"), "{line}");
    let addr = line.trim_start_matches("ciao listening on ").split_whitespace().next().unwrap().to_string();

    // 3. A first simulated registration.
    let key = sim.join("key.pem");
    let key = key.to_str().unwrap();
    let register = [
        "client",
        "register",
        "--client-id",
        "self_service_expeditor_1",
        "--key",
        key,
        "--url",
        addr.as_str(),
        "--ssin",
        "92031590120",
        "--employer",
        "0990002091",
        "--declaration",
        "9SMBUW2500001",
        "--type",
        "IN",
    ];
    let answer: Value = serde_json::from_str(&ok(&dir, &register)).unwrap();
    let id = answer["items"][0]["createdPresenceRegistration"]["id"].as_i64().unwrap_or_else(|| panic!("{answer}"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let health = rt.block_on(async { reqwest::get(format!("{addr}/health")).await.unwrap() });
    assert_eq!(health.headers().get("x-ciao-environment").unwrap(), "simulation");

    // End the day now, from the CLI; the register says DAY_LEFT_OPEN.
    let out = ok(&dir, &["simulation", "sweep"]);
    assert!(out.contains("the day is ended"), "{out}");
    // The registration's own day (in Brussels), not the clock's after it:
    // around midnight the two differ.
    let today = answer["items"][0]["createdPresenceRegistration"]["registrationDateBrussels"]
        .as_str()
        .map(|d| d[..10].to_string())
        .unwrap_or_else(|| panic!("{answer}"));
    let search = [
        "client",
        "search",
        "--client-id",
        "self_service_expeditor_1",
        "--key",
        key,
        "--url",
        addr.as_str(),
        "--from",
        today.as_str(),
        "--to",
        today.as_str(),
        "--param",
        "remark=DAY_LEFT_OPEN",
    ];
    // The CLI validated what it queued, unless the server's workers took it first.
    let mut found = Value::Null;
    for _ in 0..50 {
        found = serde_json::from_str(&ok(&dir, &search)).unwrap();
        if found["total"] == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(found["items"][0]["id"], id, "{found}");

    // Production refuses the simulation's file, and the simulation production's.
    let sim_db = format!("sqlite://{}", dir.join("ciao-simulation.db").display());
    refused(&dir, &["migrate", "--database", &sim_db], "created for the simulation environment");
    refused(&dir, &["import", "persons", "--database", &sim_db, "/dev/null"], "created for the simulation environment");
    ok(&dir, &["migrate"]);
    assert!(dir.join("ciao.db").exists());
    let prod_db = format!("sqlite://{}", dir.join("ciao.db").display());
    refused(&dir, &["--simulation", "migrate", "--database", &prod_db], "created for production");
    refused(&dir, &["simulation", "reset", "--database", &prod_db], "created for production");
    refused(&dir, &["simulation", "sweep", "--database", &prod_db], "created for production");
    let out = ok(&dir, &["migrate", "--simulation"]);
    assert!(out.contains("ciao-simulation.db"), "{out}");

    // Back to the seed: the registration is gone.
    let out = ok(&dir, &["simulation", "reset"]);
    assert!(out.contains("back at its seed (8 enterprises, 13 persons"), "{out}");
    let mut args = search.to_vec();
    args.truncate(args.len() - 2);
    let found: Value = serde_json::from_str(&ok(&dir, &args)).unwrap();
    drop(server);
    assert_eq!(found["total"], 0, "{found}");
}

/// PostgreSQL compares every text column byte by byte (migration 9,
/// collation "C"), on a new database and on one migrated from version 8;
/// the migration can run again without changing anything.
#[tokio::test]
async fn postgres_text_columns_compare_bytes() {
    use sqlx::Connection;
    let Some((url, db)) = common::fresh_database(Backend::Postgres).await else { return };
    let not_c = |url: String| async move {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar::<_, String>(
            "SELECT table_name || '.' || column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C' \
             ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
    };
    let store = ciao_service::ciao_store::open(&url).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), latest_schema(Backend::Postgres));
    drop(store);
    assert_eq!(not_c(url.clone()).await, Vec::<String>::new());

    // A database of version 8: its text columns in the database's collation.
    execute(
        &url,
        "ALTER TABLE registrations ALTER COLUMN ssin TYPE text COLLATE \"default\", \
         ALTER COLUMN declaration TYPE text COLLATE \"default\"; \
         ALTER TABLE access_grants ALTER COLUMN viewer TYPE text COLLATE \"default\"; \
         DROP TABLE employer_passkeys; DROP TABLE web_sessions; DROP TABLE pin_misses; DROP TABLE serving_nodes; DELETE FROM ciao_migrations WHERE version >= 9",
    )
    .await;
    assert_eq!(not_c(url.clone()).await, ["access_grants.viewer", "registrations.declaration", "registrations.ssin"]);
    let store = ciao_service::ciao_store::open(&url).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), latest_schema(Backend::Postgres), "migrated again");
    drop(store);
    assert_eq!(not_c(url.clone()).await, Vec::<String>::new());
    // The person indexes cover the access rule's count (migration 14), run
    // again too.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let defs: Vec<String> = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'registrations' \
         AND indexname IN ('registrations_ssin', 'registrations_limosa') ORDER BY indexname",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(defs.len(), 2, "{defs:?}");
    assert!(defs.iter().all(|d| d.contains("INCLUDE (declaration, employer_enterprise)")), "{defs:?}");
    drop(conn);
    drop_database(db).await;
}
