//! REST channel security end to end: the token endpoint with real
//! certificates and signatures, bearer tokens, scopes, channel management.

mod common;

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciao_auth::client::{KeyKind, SigningKey};
use ciao_auth::jws::Alg;
use ciao_domain::channel::Role;
use ciao_domain::{EnterpriseNumber, Ssin};
use ciao_service::{Caller, ServiceError};
use common::{Backend, TestApp, TestClient, ent, item, key_and_certificate, now, operator, seed};
use serde_json::{Map, Value, json};
use time::Duration;

const REGISTER: &str = "scope:presenceregistration:register";
const CONSULT: &str = "scope:presenceregistration:consult";

fn claims(app: &TestApp, c: &TestClient) -> Value {
    let t = now().unix_timestamp();
    json!({
        "iss": c.client_id,
        "sub": c.client_id,
        "aud": app.token_url(),
        "iat": t,
        "exp": t + 120,
        "jti": format!("jti-{}-{}", t, rand_suffix()),
    })
}

fn rand_suffix() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sign(key_pem: &str, claims: &Value) -> String {
    let key = SigningKey::from_pem(key_pem).unwrap();
    key.sign_jws(key.default_alg(), &Map::new(), claims).unwrap()
}

fn unsigned(header: Value, claims: &Value) -> String {
    format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()))
}

async fn refused(app: &TestApp, assertion: &str) -> String {
    let (status, body) = app.token_request(assertion, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client", "{body}");
    body["error_description"].as_str().unwrap().to_string()
}

async fn api_status(app: &TestApp, token: &str) -> u16 {
    let day = common::today();
    app.client
        .get(format!("{}/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}", app.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn tokens_and_scopes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let c = app.create_client(&w.e1, "badges", &["register", "consult"]).await;
    assert!(c.client_id.starts_with("self_service_expeditor_"), "{}", c.client_id);

    let res = app
        .client
        .post(app.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", app.assertion(&c, Duration::minutes(4)).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 600);
    assert_eq!(t["scope"], format!("{REGISTER} {CONSULT}"));
    let token = t["access_token"].as_str().unwrap();
    assert_eq!(api_status(&app, token).await, 200);

    // A token with the consult scope only cannot register.
    let (status, t) = app.token_request(&app.assertion(&c, Duration::minutes(1)), Some(CONSULT)).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["scope"], CONSULT);
    let consult_only = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(api_status(&app, &consult_only).await, 200);
    let res = app
        .client
        .post(format!("{}/presenceRegistrations/registerInBulk", app.base))
        .header("authorization", format!("Bearer {consult_only}"))
        .json(&json!({"items": [item(&w.worker, &w.e1, &w.d1, "IN")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "urn:problem-type:belgif:missingScope");

    // Nor cancel what its account sent with a token that had the register
    // scope: cancelling is a write.
    let res = app
        .client
        .post(format!("{}/presenceRegistrations/registerInBulk", app.base))
        .header("authorization", format!("Bearer {token}"))
        .json(&json!({"items": [item(&w.worker, &w.e1, &w.d1, "IN")]}))
        .send()
        .await
        .unwrap();
    let sent: Value = res.json().await.unwrap();
    let id = sent["items"][0]["createdPresenceRegistration"]["id"].as_i64().expect("created");
    let cancel = |token: String| {
        app.client
            .post(format!("{}/presenceRegistrations/{id}/cancel", app.base))
            .header("authorization", format!("Bearer {token}"))
            .json(&json!({"reason": "PLANNING"}))
            .send()
    };
    let res = cancel(consult_only.clone()).await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "urn:problem-type:belgif:missingScope", "{body}");
    let res = cancel(token.to_string()).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // Scopes beyond the account's permissions, or unknown, are refused.
    let reader = app.create_client(&w.e1, "reader", &["consult"]).await;
    let (status, body) = app.token_request(&app.assertion(&reader, Duration::minutes(1)), Some(REGISTER)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{body}");
    let (status, body) = app
        .token_request(&app.assertion(&reader, Duration::minutes(1)), Some("scope:dimona:declaration:consult"))
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{body}");
    // A scope given but malformed (RFC 6749 §3.3: tokens of visible
    // characters, one space between them) is refused, not read as "every
    // scope the client holds", which is what leaving it out means.
    let tab = format!("{CONSULT}\t{CONSULT}");
    let double = format!("{CONSULT}  {CONSULT}");
    let (leading, trailing) = (format!(" {CONSULT}"), format!("{CONSULT} "));
    for bad in ["", "   ", &tab, &double, &leading, &trailing] {
        let (status, body) = app.token_request(&app.assertion(&reader, Duration::minutes(1)), Some(bad)).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{bad:?}: {body}");
        assert!(body["error_description"].as_str().unwrap_or_default().contains("one space"), "{body}");
    }
    let (status, body) = app.token_request(&app.assertion(&reader, Duration::minutes(1)), Some(CONSULT)).await;
    assert_eq!((status, body["scope"].as_str()), (200, Some(CONSULT)), "{body}");
    app.finish().await;
}
both_backends!(tokens_and_scopes_t, tokens_and_scopes);

async fn token_request_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let c = app.create_client(&w.e1, "badges", &["register"]).await;
    let a = app.assertion(&c, Duration::minutes(1));
    let jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("client_assertion_type", jwt_bearer), ("client_assertion", &a)], "invalid_request"),
        (
            vec![("grant_type", "password"), ("client_assertion_type", jwt_bearer), ("client_assertion", &a)],
            "unsupported_grant_type",
        ),
        // RFC 6749 §5.2: an unsupported authentication method, or none, is
        // invalid_client.
        (
            vec![("grant_type", "client_credentials"), ("client_id", &c.client_id), ("client_secret", "s3cret")],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_assertion_type", "urn:other"),
                ("client_assertion", &a),
            ],
            "invalid_client",
        ),
        (vec![("grant_type", "client_credentials"), ("client_assertion_type", jwt_bearer)], "invalid_client"),
        (vec![("grant_type", "client_credentials")], "invalid_client"),
        (vec![("grant_type", "client_credentials"), ("client_assertion", &a)], "invalid_request"),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
                ("client_assertion_type", jwt_bearer),
                ("client_assertion", &a),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_assertion_type", jwt_bearer),
                ("client_assertion", "not.a.jwt"),
            ],
            "invalid_client",
        ),
    ];
    for (form, want) in cases {
        let (status, body) = app.form(&form).await;
        assert_eq!(body["error"], want, "{form:?}: {body}");
        assert_eq!(status, if want == "invalid_client" { 401 } else { 400 }, "{form:?}");
        assert!(body["error_description"].as_str().unwrap().len() > 10);
    }
    // The client authenticated in the form: no challenge (Bearer is the
    // API's scheme, not a client's).
    let res = app
        .client
        .post(app.token_url())
        .form(&[("grant_type", "client_credentials"), ("client_secret", "s3cret")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.headers().get("www-authenticate").is_none());
    // By the Authorization header: 401 with a challenge of its scheme.
    let res = app
        .client
        .post(app.token_url())
        .basic_auth(&c.client_id, Some("s3cret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Basic realm=\"ciao\"");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client", "{body}");
    let res = app.client.post(app.token_url()).json(&json!({"grant_type": "client_credentials"})).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    // The assertion was never used: it still works once.
    let (status, _) = app.token_request(&a, None).await;
    assert_eq!(status, 200);
    app.finish().await;
}
both_backends!(token_request_errors_t, token_request_errors);

async fn assertion_refusals(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let c = app.create_client(&w.e1, "badges", &["register", "consult"]).await;
    let other = app.create_client(&w.e2, "other", &["consult"]).await;

    let mut x = claims(&app, &c);
    x["aud"] = json!("https://services.socialsecurity.be/REST/oauth/v5/token");
    assert!(refused(&app, &sign(&c.key_pem, &x)).await.contains("aud"));
    let mut x = claims(&app, &c);
    x["aud"] = json!([app.token_url(), "https://elsewhere.example"]);
    assert!(refused(&app, &sign(&c.key_pem, &x)).await.contains("aud"));
    let mut x = claims(&app, &c);
    x["sub"] = json!(other.client_id);
    refused(&app, &sign(&c.key_pem, &x)).await;
    let mut x = claims(&app, &c);
    x["exp"] = json!(now().unix_timestamp() - 120);
    x["iat"] = json!(now().unix_timestamp() - 200);
    refused(&app, &sign(&c.key_pem, &x)).await;
    // Lifetimes that clients of the real service use (an hour, 5,000 s)
    // are accepted; longer than two hours, from iat or from now, not.
    for lifetime in [3_600, 5_000] {
        let mut x = claims(&app, &c);
        x["exp"] = json!(now().unix_timestamp() + lifetime);
        let (status, body) = app.token_request(&sign(&c.key_pem, &x), None).await;
        assert_eq!(status, 200, "{lifetime}: {body}");
    }
    let mut x = claims(&app, &c);
    x["exp"] = json!(now().unix_timestamp() + 3 * 3600);
    assert!(refused(&app, &sign(&c.key_pem, &x)).await.contains("at most 7200 seconds"));
    let mut x = claims(&app, &c);
    x["iat"] = json!(now().unix_timestamp() - 7_000);
    x["exp"] = json!(now().unix_timestamp() + 300);
    assert!(refused(&app, &sign(&c.key_pem, &x)).await.contains("valid for 7300 seconds"));
    // Header members a library adds on its own (x5t, cty) are ignored;
    // crit, which would need them understood, is refused.
    let key = SigningKey::from_pem(&c.key_pem).unwrap();
    let mut extra = Map::new();
    extra.insert("x5t".into(), json!("q1mW8Ox6HN5fW2nGdW2r2QHjTjs"));
    extra.insert("cty".into(), json!("JWT"));
    let (status, body) =
        app.token_request(&key.sign_jws(key.default_alg(), &extra, &claims(&app, &c)).unwrap(), None).await;
    assert_eq!(status, 200, "{body}");
    extra.insert("crit".into(), json!(["x5t"]));
    let crit = key.sign_jws(key.default_alg(), &extra, &claims(&app, &c)).unwrap();
    assert!(refused(&app, &crit).await.contains("crit"));
    let mut x = claims(&app, &c);
    x["exp"] = json!((now().unix_timestamp() + 60).to_string());
    refused(&app, &sign(&c.key_pem, &x)).await;
    let mut x = claims(&app, &c);
    x.as_object_mut().unwrap().remove("jti");
    assert!(refused(&app, &sign(&c.key_pem, &x)).await.contains("jti"));

    // Replay: the same assertion twice.
    let once = sign(&c.key_pem, &claims(&app, &c));
    let (status, _) = app.token_request(&once, None).await;
    assert_eq!(status, 200);
    assert!(refused(&app, &once).await.contains("already used"));

    // alg none, and HS256 with the certificate as the HMAC key.
    let x = claims(&app, &c);
    refused(&app, &unsigned(json!({"alg": "none", "typ": "JWT"}), &x)).await;
    let head = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(x.to_string());
    let input = format!("{head}.{body}");
    let key = hmac::Key::new(hmac::HMAC_SHA256, c.certificate_pem.as_bytes());
    let mac = URL_SAFE_NO_PAD.encode(hmac::sign(&key, input.as_bytes()).as_ref());
    refused(&app, &format!("{input}.{mac}")).await;

    // Another key, and an unknown client: the same answer, which tells
    // nothing about which accounts exist.
    let (stranger_key, _) = key_and_certificate(KeyKind::EcP384);
    let by_stranger = refused(&app, &sign(&stranger_key, &claims(&app, &c))).await;
    let mut x = claims(&app, &c);
    x["iss"] = json!("self_service_expeditor_999999");
    x["sub"] = json!("self_service_expeditor_999999");
    let unknown = refused(&app, &sign(&c.key_pem, &x)).await;
    assert_eq!(by_stranger, unknown);
    // ES512 announced, P-384 key: refused before any crypto.
    let key = SigningKey::from_pem(&c.key_pem).unwrap();
    if let Ok(mismatch) = key.sign_jws(Alg::ES512, &Map::new(), &claims(&app, &c)) {
        refused(&app, &mismatch).await;
    }
    // Still fine with a proper assertion.
    let (status, _) = app.token_request(&app.assertion(&c, Duration::minutes(1)), None).await;
    assert_eq!(status, 200);
    app.finish().await;
}
both_backends!(assertion_refusals_t, assertion_refusals);

async fn every_key_kind_gets_a_token(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let e = EnterpriseNumber::parse(&w.e1).unwrap();
    for kind in [KeyKind::Rsa2048, KeyKind::Rsa3072, KeyKind::EcP384, KeyKind::EcP521] {
        let (key_pem, cert) = key_and_certificate(kind);
        let account = app
            .service
            .create_account(&operator(), &e, "kinds", &["consult".to_string()], &[("c".into(), cert.into_bytes())])
            .await
            .unwrap();
        let c =
            TestClient { client_id: account.client_id, key_pem, certificate_pem: String::new(), token: String::new() };
        let (status, body) = app.token_request(&app.assertion(&c, Duration::minutes(1)), None).await;
        assert_eq!(status, 200, "{body}");
        // RSA keys may also use PSS.
        let key = SigningKey::from_pem(&c.key_pem).unwrap();
        if matches!(kind, KeyKind::Rsa2048) {
            for alg in [Alg::RS384, Alg::RS512, Alg::PS256, Alg::PS512] {
                let signed = key.sign_jws(alg, &Map::new(), &claims(&app, &c)).unwrap();
                let (status, body) = app.token_request(&signed, None).await;
                assert_eq!(status, 200, "{alg:?}: {body}");
            }
        }
    }
    app.finish().await;
}
both_backends!(every_key_kind_gets_a_token_t, every_key_kind_gets_a_token);

async fn disable_and_revoke(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let c = app.create_client(&w.e1, "badges", &["register", "consult"]).await;
    let op = operator();
    assert_eq!(api_status(&app, &c.token).await, 200);

    app.service.disable_account(&op, &c.client_id).await.unwrap();
    assert_eq!(api_status(&app, &c.token).await, 401, "a token of a disabled account");
    refused(&app, &app.assertion(&c, Duration::minutes(1))).await;
    app.service.enable_account(&op, &c.client_id).await.unwrap();
    assert_eq!(api_status(&app, &c.token).await, 401, "tokens issued before the disabling stay refused");
    // A token issued in the same second as the change may be refused: wait for the next.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, t) = app.token_request(&app.assertion(&c, Duration::minutes(1)), None).await;
    assert_eq!(status, 200, "{t}");
    let fresh = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(api_status(&app, &fresh).await, 200);

    // A second certificate; revoking the first refuses its signatures and the tokens issued so far.
    let (key2, cert2) = key_and_certificate(KeyKind::EcP521);
    app.service.add_certificate(&op, &c.client_id, "spare", cert2.as_bytes()).await.unwrap();
    let c2 = TestClient { key_pem: key2, ..c.clone() };
    let (status, _) = app.token_request(&app.assertion(&c2, Duration::minutes(1)), None).await;
    assert_eq!(status, 200);
    let revoked = app.service.revoke_certificate(&op, &c.client_id, "main").await.unwrap();
    assert!(revoked.certificates.iter().any(|x| x.name == "main" && x.revoked_at.is_some()));
    refused(&app, &app.assertion(&c, Duration::minutes(1))).await;
    assert_eq!(api_status(&app, &fresh).await, 401);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _) = app.token_request(&app.assertion(&c2, Duration::minutes(1)), None).await;
    assert_eq!(status, 200);
    // Selecting the certificate by name (kid) or thumbprint works; a wrong one is refused.
    let key = SigningKey::from_pem(&c2.key_pem).unwrap();
    let mut h = Map::new();
    h.insert("kid".into(), json!("spare"));
    let (status, _) = app.token_request(&key.sign_jws(key.default_alg(), &h, &claims(&app, &c)).unwrap(), None).await;
    assert_eq!(status, 200);
    h.insert("kid".into(), json!("main"));
    refused(&app, &key.sign_jws(key.default_alg(), &h, &claims(&app, &c)).unwrap()).await;

    let entries = app.service.store().audit_entries(50).await.unwrap();
    for action in [
        "channel.account.create",
        "channel.account.disable",
        "channel.account.enable",
        "channel.certificate.add",
        "channel.certificate.revoke",
    ] {
        let e = entries.iter().find(|e| e.action == action).unwrap_or_else(|| panic!("{action} not audited"));
        assert_eq!(e.actor, "operator:test");
    }
    app.finish().await;
}
both_backends!(disable_and_revoke_t, disable_and_revoke);

async fn tokens_expire_and_cannot_be_forged(backend: Backend) {
    let mut config = common::config(Duration::minutes(10));
    config.token_lifetime = Duration::seconds(1);
    let Some(app) = TestApp::spawn_with(backend, config).await else { return };
    let w = seed(&app).await;
    let c = app.create_client(&w.e1, "badges", &["consult"]).await;
    let mut tampered = c.token.clone().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    assert_eq!(api_status(&app, &String::from_utf8(tampered).unwrap()).await, 401);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let res = app
        .client
        .get(format!("{}/presenceRegistrations/1", app.base))
        .header("authorization", format!("Bearer {}", c.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "urn:problem-type:belgif:expiredAccessToken");
    app.finish().await;
}
both_backends!(tokens_expire_t, tokens_expire_and_cannot_be_forged);

async fn nodes_share_tokens_replay_memory_and_revocations(backend: Backend) {
    let Some(node1) = TestApp::spawn(backend).await else { return };
    let w = seed(&node1).await;
    let node2 =
        TestApp::on_database(backend, node1.url.clone(), None, common::config(Duration::minutes(10)), None).await;
    let c = node1.create_client(&w.e1, "badges", &["register", "consult"]).await;
    // A token of one node works on the other.
    assert_eq!(api_status(&node2, &c.token).await, 200);
    // An assertion used on one node is refused on the other (its audience is node 1's URL).
    let a = node1.assertion(&c, Duration::minutes(1));
    let (status, _) = node1.token_request(&a, None).await;
    assert_eq!(status, 200);
    let res = node2
        .client
        .post(node1.token_url().replace(&node1.root, &node2.root))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", a.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // Same audience on both nodes (one public URL behind a load balancer): replay refused across nodes.
    let shared = Some("https://ciao.example.be");
    let n3 =
        TestApp::on_database(backend, node1.url.clone(), None, common::config(Duration::minutes(10)), shared).await;
    let n4 =
        TestApp::on_database(backend, node1.url.clone(), None, common::config(Duration::minutes(10)), shared).await;
    let key = SigningKey::from_pem(&c.key_pem).unwrap();
    let t = now().unix_timestamp();
    let assertion = key
        .sign_jws(
            key.default_alg(),
            &Map::new(),
            &json!({"iss": c.client_id, "sub": c.client_id, "aud": "https://ciao.example.be/REST/oauth/v5/token", "iat": t, "exp": t + 60, "jti": rand_suffix()}),
        )
        .unwrap();
    let (status, body) = n3.token_request(&assertion, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = n4.token_request(&assertion, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error_description"].as_str().unwrap().contains("already used"));
    // Disabling on node 1 reaches node 2 within its refresh interval.
    node1.service.disable_account(&operator(), &c.client_id).await.unwrap();
    // A new token is refused at once on the other node too (its token
    // endpoint reads the accounts' change counter), not after its refresh.
    let (status, body) = node2.token_request(&node2.assertion(&c, Duration::minutes(1)), None).await;
    assert_eq!(status, 401, "{body}");
    let mut refused_on_2 = false;
    for _ in 0..40 {
        if api_status(&node2, &c.token).await == 401 {
            refused_on_2 = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(refused_on_2, "node 2 still accepts a disabled account's token");
    n4.finish().await;
    n3.finish().await;
    node2.finish().await;
    node1.finish().await;
}
both_backends!(nodes_t, nodes_share_tokens_replay_memory_and_revocations);

async fn who_manages_channels(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let e1 = EnterpriseNumber::parse(&w.e1).unwrap();
    let e2 = EnterpriseNumber::parse(&w.e2).unwrap();
    let am = Ssin::parse(&common::ssin(700_101_001)).unwrap();
    let ta = Ssin::parse(&common::ssin(700_101_002)).unwrap();
    let nobody = Ssin::parse(&common::ssin(700_101_003)).unwrap();
    let person = |s: &Ssin| Caller::Person { ssin: s.clone(), name: String::new() };
    let svc = &app.service;
    svc.add_enterprise_user(&operator(), &e1, &am, "Anna Manager", Role::AccessManager).await.unwrap();
    // An access manager appoints a technical administrator; nobody else appoints.
    svc.add_enterprise_user(&person(&am), &e1, &ta, "Tom Tech", Role::TechnicalAdministrator).await.unwrap();
    assert!(matches!(
        svc.add_enterprise_user(&person(&ta), &e1, &nobody, "X", Role::TechnicalAdministrator).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        svc.add_enterprise_user(&person(&am), &e1, &nobody, "X", Role::AccessManager).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        svc.add_enterprise_user(&operator(), &e1, &am, "Anna Manager", Role::AccessManager).await,
        Err(ServiceError::Conflict(_))
    ));
    let (_, cert) = key_and_certificate(KeyKind::EcP384);
    let perms = vec!["register".to_string()];
    let certs = vec![("c".to_string(), cert.clone().into_bytes())];
    let by_ta = svc.create_account(&person(&ta), &e1, "by tech admin", &perms, &certs).await.unwrap();
    assert!(matches!(
        svc.create_account(&person(&nobody), &e1, "x", &perms, &certs).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        svc.create_account(&person(&am), &e2, "x", &perms, &certs).await,
        Err(ServiceError::Forbidden(_))
    ));
    // The same certificate cannot identify two accounts.
    assert!(matches!(
        svc.create_account(&person(&am), &e1, "again", &perms, &certs).await,
        Err(ServiceError::Conflict(_))
    ));
    // A person of another enterprise does not see the account at all.
    assert!(matches!(svc.disable_account(&person(&nobody), &by_ta.client_id).await, Err(ServiceError::NotFound(_))));
    svc.disable_account(&person(&am), &by_ta.client_id).await.unwrap();
    let audit = svc.store().audit_entries(20).await.unwrap();
    let created = audit.iter().find(|e| e.action == "channel.account.create").unwrap();
    assert_eq!(created.actor, format!("person:{}", ta.masked()));
    assert_eq!(created.subject.as_deref(), Some(by_ta.client_id.as_str()));
    // Unknown enterprise, no permission, no certificate, a refused certificate: each says why.
    let unknown = EnterpriseNumber::parse(&ent(9_999_999)).unwrap();
    let err = svc.create_account(&operator(), &unknown, "x", &perms, &certs).await.unwrap_err();
    assert!(err.to_string().contains("enterprise.unknown"), "{err}");
    let err = svc.create_account(&operator(), &e1, "x", &[], &certs).await.unwrap_err();
    assert!(err.to_string().contains("permission"), "{err}");
    let err = svc.create_account(&operator(), &e1, "x", &perms, &[]).await.unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    let rsa1024 = include_bytes!("fixtures/certs/rsa1024.pem");
    let err = svc.create_account(&operator(), &e1, "x", &perms, &[("old".into(), rsa1024.to_vec())]).await.unwrap_err();
    assert!(err.to_string().contains("certificate.keySize"), "{err}");
    let sha1 = include_bytes!("fixtures/certs/sha1.pem");
    let err = svc.create_account(&operator(), &e1, "x", &perms, &[("old".into(), sha1.to_vec())]).await.unwrap_err();
    assert!(err.to_string().contains("certificate.signatureDigest"), "{err}");
    app.finish().await;
}
both_backends!(who_manages_channels_t, who_manages_channels);
