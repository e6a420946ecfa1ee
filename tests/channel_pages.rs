//! The REST channel pages of the employers' online service (Chaman), over
//! HTTP, on SQLite and PostgreSQL: an access manager enrolled through the
//! pages creates a REST account with a real certificate and the client gets
//! a token with its key at the real OAuth endpoint; refused certificates say
//! which rule failed and how to fix it, and create nothing; rotation (add a
//! second certificate, revoke the first); permissions; disable and enable;
//! a consultant is refused; CSRF; uploads over 64 KiB. And the pages in
//! headless Chromium with axe-core (skipped without Chromium, outside CI).

mod common;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ciao_auth::client::{KeyKind, KeyUsageBit, generate_key, self_signed_certificate};
use ciao_domain::channel::Role;
use ciao_domain::{EnterpriseNumber, Ssin};
use common::web::{BOUNDARY, WebClient as Browser, csrf, enrol_employer, multipart};
use common::{Backend, TestApp, TestClient, key_and_certificate, now, operator, seed, ssin};
use time::Duration;

// ---------------------------------------------------------------- a cookie-keeping client (as in tests/employer.rs)

const PASSWORD: &str = "correct horse battery staple";

/// Invites a person (the operator) and sets up their sign-in through the
/// pages (`common::web::enrol_employer`).
async fn enrol(app: &TestApp, b: &mut Browser, person: &str) {
    enrol_employer(&app.service, b, person, PASSWORD).await;
}

// ---------------------------------------------------------------- certificates

/// A certificate of the policy's kind but with these key usages.
fn certificate_with_usage(kind: KeyKind, usage: &[KeyUsageBit]) -> (String, String) {
    let key = generate_key(kind).unwrap();
    let cert = self_signed_certificate(
        &key,
        "CN=test system,O=ciao tests,C=BE",
        now() - Duration::hours(1),
        now() + Duration::days(30),
        usage,
    )
    .unwrap();
    (key, cert)
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

fn utc_time(t: time::OffsetDateTime) -> Vec<u8> {
    let s = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    der(0x17, s.as_bytes())
}

/// A self-signed EC P-256 certificate with digitalSignature, built by hand
/// (the crates make no P-256 certificate: the policy refuses that curve).
fn p256_certificate_pem() -> String {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let ecdsa_sha256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
    let ec_public_key = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
    let p256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
    let algorithm = seq(&[&ecdsa_sha256]);
    let cn = seq(&[&[0x06, 0x03, 0x55, 0x04, 0x03], &der(0x0C, b"p256 system")]);
    let name = seq(&[&der(0x31, &cn)]);
    let validity = seq(&[&utc_time(now() - Duration::hours(1)), &utc_time(now() + Duration::days(30))]);
    let mut point = vec![0u8];
    point.extend_from_slice(key.public_key().as_ref());
    let spki = seq(&[&seq(&[&ec_public_key, &p256]), &der(0x03, &point)]);
    let key_usage = seq(&[&[0x06, 0x03, 0x55, 0x1D, 0x0F], &[0x01, 0x01, 0xFF], &der(0x04, &[0x03, 0x02, 0x07, 0x80])]);
    let extensions = der(0xA3, &seq(&[&key_usage]));
    let tbs = seq(&[
        &[0xA0, 0x03, 0x02, 0x01, 0x02],
        &[0x02, 0x02, 0x12, 0x34],
        &algorithm,
        &name,
        &validity,
        &name,
        &spki,
        &extensions,
    ]);
    let signature = key.sign(&SystemRandom::new(), &tbs).unwrap();
    let mut bits = vec![0u8];
    bits.extend_from_slice(signature.as_ref());
    let cert = seq(&[&tbs, &algorithm, &der(0x03, &bits)]);
    let b64 = STANDARD.encode(cert);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).unwrap()
}

fn fingerprint(pem: &str) -> String {
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &pem_to_der(pem));
    hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------- tokens

fn client(client_id: &str, key_pem: &str, certificate_pem: &str) -> TestClient {
    TestClient {
        client_id: client_id.to_string(),
        key_pem: key_pem.to_string(),
        certificate_pem: certificate_pem.to_string(),
        token: String::new(),
    }
}

/// Asks the real token endpoint for a token with this key.
async fn token(app: &TestApp, c: &TestClient, scope: Option<&str>) -> (u16, serde_json::Value) {
    app.token_request(&app.assertion(c, Duration::minutes(4)), scope).await
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

fn client_id_of(body: &str) -> String {
    let start = body.find("id=\"client-id\">").unwrap_or_else(|| panic!("no client id in {body}")) + 15;
    body[start..start + body[start..].find('<').unwrap()].to_string()
}

async fn account_count(app: &TestApp) -> usize {
    app.service.accounts(&operator(), None).await.unwrap().len()
}

// ---------------------------------------------------------------- the tests

async fn manage_rest_accounts(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = Browser::new(&app);

    // Not signed in: to the sign-in page.
    let page = b.get("/e/channel").await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("/e/sign-in?next="));

    enrol(&app, &mut b, &manager).await;
    let page = b.get("/e").await;
    assert!(page.body().contains("href=\"/e/channel\""), "the menu leads to the channel: {}", page.body());
    let page = b.get("/e/channel").await;
    assert_eq!(page.status, 200, "{}", page.body());
    let body = page.body();
    assert!(body.contains("Your enterprise has no REST account yet"), "{body}");
    // The guide: the commands and this server's token URL.
    assert!(body.contains(&format!("{}/REST/oauth/v5/token</code>", app.root)), "{body}");
    assert!(body.contains("ciao client keygen --kind ec-p384 --out key.pem"), "{body}");
    assert!(body.contains("ec_paramgen_curve:secp384r1"), "{body}");
    assert!(body.contains("client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), "{body}");
    // Accessible markup: a fieldset for the permissions, labels, a captioned table once there are accounts.
    assert!(body.contains("<fieldset><legend>Permissions</legend>"), "{body}");
    assert!(body.contains("<label for=\"new-cert-file\">") && body.contains("id=\"new-cert-file\""), "{body}");
    let token_csrf = csrf(&body);

    // Refused certificates: the rule that failed and how to fix it, 422, nothing created.
    let p256 = p256_certificate_pem();
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_csrf), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.pem", p256.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body());
    let body = page.body();
    assert!(body.contains("role=\"alert\""), "{body}");
    assert!(body.contains("Rule that failed:") && body.contains("P-256 and other curves are refused"), "{body}");
    assert!(body.contains("Found: EC P-256."), "what the certificate has: {body}");
    assert!(body.contains("How to fix it:") && body.contains("ciao client keygen --kind ec-p384"), "{body}");
    assert!(body.contains("value=\"badges\""), "the form is filled in again: {body}");

    let (_, no_signature) = certificate_with_usage(KeyKind::EcP384, &[KeyUsageBit::KeyCertSign]);
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[
                ("csrf", &token_csrf),
                ("name", "badges"),
                ("permission", "register"),
                ("certificateName", "main"),
                ("certificatePem", &no_signature),
            ],
            None,
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body());
    let body = page.body();
    assert!(body.contains("KeyUsage lacks digitalSignature"), "{body}");
    assert!(body.contains("-addext keyUsage=critical,digitalSignature"), "{body}");

    // RSA 1024, uploaded as DER, in French.
    let rsa1024 = pem_to_der(include_str!("fixtures/certs/rsa1024.pem"));
    let page = b
        .post_multipart(
            "/e/channel/accounts?lang=fr",
            &[("csrf", &token_csrf), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.der", &rsa1024)),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body());
    let body = page.body();
    assert!(body.contains("<html lang=\"fr\">"), "{body}");
    assert!(body.contains("Une clé RSA doit avoir 2048, 3072 ou 4096 bits."), "{body}");
    assert!(body.contains("Trouvé : RSA 1024 bits."), "what the certificate has, in French: {body}");
    assert!(!body.contains("<small lang=\"en\">"), "no English left: {body}");
    assert!(body.contains("rsa_keygen_bits:3072"), "{body}");
    // The choice is remembered: back to English.
    assert_eq!(b.get("/e/channel?lang=en").await.status, 200);

    // Not a certificate at all; no certificate; no permission; no name.
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_csrf), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("key.pem", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")),
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("The file is not an X.509 certificate"), "{}", page.body());
    let (key1, cert1) = key_and_certificate(KeyKind::EcP384);
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_csrf), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            None,
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("Choose the certificate file"), "{}", page.body());
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_csrf), ("name", "badges"), ("certificateName", "main")],
            Some(("cert.pem", cert1.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("Choose at least one permission"), "{}", page.body());
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_csrf), ("name", "  "), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.pem", cert1.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("Fill in: Account name."), "{}", page.body());
    assert_eq!(account_count(&app).await, 0, "a refused form creates nothing");

    // Created: the client id, prominently; the client gets a token with its key.
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[
                ("csrf", &token_csrf),
                ("name", "badges <north>"),
                ("permission", "register"),
                ("permission", "consult"),
                ("certificateName", "main"),
                ("certificatePem", ""),
            ],
            Some(("cert.pem", cert1.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body());
    let body = page.body();
    let client_id = client_id_of(&body);
    assert!(client_id.starts_with("self_service_expeditor_"), "{client_id}");
    assert!(body.contains("badges &lt;north&gt;") && !body.contains("badges <north>"), "escaped: {body}");
    assert!(body.contains(&fingerprint(&cert1)), "the fingerprint is shown: {body}");
    assert!(body.contains("CN=test system"), "the subject is shown: {body}");
    assert!(body.contains(&format!("--client-id {client_id} --key key.pem")), "the guide names the account: {body}");
    assert!(body.contains("<caption>REST accounts</caption>") && body.contains("scope=\"col\""), "{body}");
    let first = client(&client_id, &key1, &cert1);
    let (status, answer) = token(&app, &first, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["scope"], "scope:presenceregistration:register scope:presenceregistration:consult");
    let first_token = answer["access_token"].as_str().unwrap().to_string();
    assert_eq!(api_status(&app, &first_token).await, 200, "the token works on the API");
    let page = b.get("/e/channel").await;
    let body = page.body();
    assert!(body.contains(&format!("<code>{client_id}</code>")), "{body}");
    assert!(body.contains("in use"), "{body}");

    // The same certificate again: it identifies one account.
    let page = b
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_csrf), ("name", "again"), ("permission", "consult"), ("certificateName", "main")],
            Some(("cert.pem", cert1.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 409, "{}", page.body());
    assert!(page.body().contains("a certificate identifies one account"), "{}", page.body());
    assert_eq!(account_count(&app).await, 1);

    // Rotation: a second certificate (EC P-521), then the first revoked.
    let base = format!("/e/channel/accounts/{client_id}");
    let (key2, cert2) = key_and_certificate(KeyKind::EcP521);
    let page = b
        .post_multipart(
            &format!("{base}/certificates"),
            &[("csrf", &token_csrf), ("certificateName", "main")],
            Some(("new.pem", cert2.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 409, "the name is taken: {}", page.body());
    assert!(page.body().contains("already has a certificate with that name"), "{}", page.body());
    let (_, expired) = {
        let key = generate_key(KeyKind::EcP384).unwrap();
        let cert = self_signed_certificate(
            &key,
            "CN=old",
            now() - Duration::days(30),
            now() - Duration::days(1),
            &[KeyUsageBit::DigitalSignature],
        )
        .unwrap();
        (key, cert)
    };
    let page = b
        .post_multipart(
            &format!("{base}/certificates"),
            &[("csrf", &token_csrf), ("certificateName", "spare"), ("certificatePem", &expired)],
            None,
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body().contains("The certificate has expired.") && page.body().contains("--days 365"),
        "{}",
        page.body()
    );
    assert!(page.body().contains("This certificate expired on "), "when, in Brussels time: {}", page.body());
    let page = b
        .post_multipart(
            &format!("{base}/certificates"),
            &[("csrf", &token_csrf), ("certificateName", "spare")],
            Some(("new.pem", cert2.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body());
    assert!(page.body().contains("Certificate spare was added"), "{}", page.body());
    assert!(page.body().contains(&fingerprint(&cert2)), "{}", page.body());
    let second = client(&client_id, &key2, &cert2);
    assert_eq!(token(&app, &second, None).await.0, 200, "both keys work during the rotation");
    assert_eq!(token(&app, &first, None).await.0, 200);
    let page = b.post(&format!("{base}/certificates/revoke"), &[("csrf", &token_csrf), ("name", "nothing")]).await;
    assert_eq!(page.status, 404, "{}", page.body());
    assert!(page.body().contains("no active certificate with that name"), "{}", page.body());
    let page = b.post(&format!("{base}/certificates/revoke"), &[("csrf", &token_csrf), ("name", "main")]).await;
    assert_eq!(page.status, 200, "{}", page.body());
    assert!(page.body().contains("Certificate main of") && page.body().contains("revoked on"), "{}", page.body());
    assert_eq!(token(&app, &first, None).await.0, 401, "the revoked key gets no token");
    assert_eq!(api_status(&app, &first_token).await, 401, "and its tokens stop working");
    let (status, answer) = token(&app, &second, None).await;
    assert_eq!(status, 200, "the new key still works: {answer}");

    // Permissions: consult only.
    let page = b.post(&format!("{base}/permissions"), &[("csrf", &token_csrf)]).await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("Choose at least one permission"), "{}", page.body());
    let page = b.post(&format!("{base}/permissions"), &[("csrf", &token_csrf), ("permission", "consult")]).await;
    assert_eq!(page.status, 200, "{}", page.body());
    let (status, answer) = token(&app, &second, None).await;
    assert_eq!((status, answer["scope"].as_str()), (200, Some("scope:presenceregistration:consult")), "{answer}");

    // Disable: no token; enable: tokens again.
    let page = b.post(&format!("{base}/disable"), &[("csrf", &token_csrf)]).await;
    assert_eq!(page.status, 200, "{}", page.body());
    assert!(page.body().contains("is disabled: it gets no more tokens"), "{}", page.body());
    assert_eq!(token(&app, &second, None).await.0, 401, "a disabled account gets no token");
    let page = b.post(&format!("{base}/enable"), &[("csrf", &token_csrf)]).await;
    assert_eq!(page.status, 200, "{}", page.body());
    assert_eq!(token(&app, &second, None).await.0, 200);

    // Another enterprise's or an unknown account: not found, never a 500.
    let page = b.post("/e/channel/accounts/self_service_expeditor_999/disable", &[("csrf", &token_csrf)]).await;
    assert_eq!(page.status, 404, "{}", page.body());
    assert!(page.body().contains("Your enterprise has no such REST account"), "{}", page.body());

    // The page in Dutch and German; a GET on a form's address leads back.
    let page = b.get("/e/channel?lang=nl").await;
    assert!(page.body().contains("Handleiding voor de integrator"), "{}", page.body());
    let page = b.get("/e/channel?lang=de").await;
    assert!(page.body().contains("Leitfaden für Integratoren"), "{}", page.body());
    let page = b.get(&format!("{base}/disable?lang=de")).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/channel?lang=de")));

    // Every change is audited with who made it.
    let audit = app.service.store().audit_entries(100).await.unwrap();
    let masked = format!("person:{}", Ssin::parse(&manager).unwrap().masked());
    for action in [
        "channel.account.create",
        "channel.certificate.add",
        "channel.certificate.revoke",
        "channel.account.permissions",
        "channel.account.disable",
        "channel.account.enable",
    ] {
        let entry = audit.iter().find(|e| e.action == action).unwrap_or_else(|| panic!("{action} not audited"));
        assert_eq!(entry.actor, masked, "{action}");
        assert_eq!(entry.subject.as_deref(), Some(client_id.as_str()), "{action}");
    }
    app.finish().await;
}
both_backends!(manage_rest_accounts_t, manage_rest_accounts);

async fn who_and_what_is_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let e1 = EnterpriseNumber::parse(&w.e1).unwrap();
    let manager = ssin(700_101_001);
    let consultant = ssin(660_303_003);
    let technician = ssin(770_404_004);
    for (who, name, role) in [
        (&manager, "Anna Manager", Role::AccessManager),
        (&consultant, "Carl Consultant", Role::Consultant),
        (&technician, "Tom Technician", Role::TechnicalAdministrator),
    ] {
        app.service.add_enterprise_user(&operator(), &e1, &Ssin::parse(who).unwrap(), name, role).await.unwrap();
    }
    let (_, cert) = key_and_certificate(KeyKind::EcP384);

    // A consultant does not manage the channel: 403, and no menu entry.
    let mut c = Browser::new(&app);
    enrol(&app, &mut c, &consultant).await;
    let page = c.get("/e/registrations").await;
    assert_eq!(page.status, 200);
    assert!(!page.body().contains("href=\"/e/channel\""), "{}", page.body());
    let token_c = csrf(&page.body());
    let page = c.get("/e/channel").await;
    assert_eq!(page.status, 403, "{}", page.body());
    assert!(!page.body().contains("Create a REST account"), "{}", page.body());
    let page = c
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_c), ("name", "mine"), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.pem", cert.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body());
    assert_eq!(account_count(&app).await, 0);

    // A technical administrator does.
    let mut t = Browser::new(&app);
    enrol(&app, &mut t, &technician).await;
    let page = t.get("/e/channel").await;
    assert_eq!(page.status, 200, "{}", page.body());
    let token_t = csrf(&page.body());

    // Without the CSRF token, or with another session's: 403, nothing created.
    let page = t
        .post_multipart(
            "/e/channel/accounts",
            &[("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.pem", cert.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 403, "no CSRF token: {}", page.body());
    assert!(page.body().contains("This form expired or did not come from this site"), "{}", page.body());
    let page = t
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_c), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.pem", cert.as_bytes())),
        )
        .await;
    assert_eq!(page.status, 403, "another session's token: {}", page.body());
    // From another origin, even with the token.
    let r = t
        .http
        .post(format!("{}/e/channel/accounts", t.root))
        .header("cookie", t.cookie_header())
        .header("origin", "https://evil.example")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(
            &[("csrf", &token_t), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("cert.pem", cert.as_bytes())),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(account_count(&app).await, 0);

    // Over 64 KiB: refused with a clear message, never a 500.
    let mut big = cert.clone().into_bytes();
    big.resize(100 * 1024, b'\n');
    let page = t
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_t), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("bundle.pem", &big)),
        )
        .await;
    assert_eq!(page.status, 413, "{}", page.body());
    assert!(page.body().contains("The file is larger than 64 KiB"), "{}", page.body());
    let pasted = String::from_utf8(big.clone()).unwrap();
    let page = t
        .post_multipart(
            "/e/channel/accounts",
            &[
                ("csrf", &token_t),
                ("name", "badges"),
                ("permission", "register"),
                ("certificateName", "main"),
                ("certificatePem", &pasted),
            ],
            None,
        )
        .await;
    assert_eq!(page.status, 413, "{}", page.body());
    // Beyond the server's body limit (1 MiB).
    let mut huge = big.clone();
    huge.resize(1100 * 1024, b'A');
    let page = t
        .post_multipart(
            "/e/channel/accounts",
            &[("csrf", &token_t), ("name", "badges"), ("permission", "register"), ("certificateName", "main")],
            Some(("huge.bin", &huge)),
        )
        .await;
    assert_eq!(page.status, 413, "{}", page.body());
    assert!(page.body().contains("The file is larger than 64 KiB"), "{}", page.body());
    // A broken multipart body: 400, not a 500.
    let page = t
        .post_raw(
            "/e/channel/accounts",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc").into_bytes(),
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body());
    assert!(page.body().contains("The form could not be read"), "{}", page.body());
    let page = t.post_raw("/e/channel/accounts", "multipart/form-data", b"x".to_vec()).await;
    assert_eq!(page.status, 400, "{}", page.body());
    assert_eq!(account_count(&app).await, 0);

    // A plain urlencoded form with the PEM pasted works too.
    let page = t
        .post(
            "/e/channel/accounts",
            &[
                ("csrf", &token_t),
                ("name", "pasted"),
                ("permission", "consult"),
                ("certificateName", "main"),
                ("certificatePem", &cert),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body());
    let client_id = client_id_of(&page.body());
    let base = format!("/e/channel/accounts/{client_id}");

    // The simple forms refuse a missing token too, and change nothing.
    let page = t.post(&format!("{base}/disable"), &[]).await;
    assert_eq!(page.status, 403, "{}", page.body());
    let page = t.post(&format!("{base}/certificates/revoke"), &[("name", "main")]).await;
    assert_eq!(page.status, 403);
    let page = t.post(&format!("{base}/permissions"), &[("permission", "register")]).await;
    assert_eq!(page.status, 403);
    let account = app.service.accounts(&operator(), None).await.unwrap().remove(0);
    assert_eq!(account.state, ciao_domain::channel::AccountState::Active);
    assert_eq!(account.active_certificates().count(), 1);
    assert_eq!(account.permissions.to_csv(), "consult");
    // The consultant cannot touch the account either (it does not exist for them).
    let page = c.post(&format!("{base}/disable"), &[("csrf", &token_c)]).await;
    assert_eq!(page.status, 403, "{}", page.body());
    let page =
        c.post_multipart(&format!("{base}/certificates"), &[("csrf", &token_c), ("certificateName", "x")], None).await;
    assert_ne!(page.status, 200);
    assert_ne!(page.status, 500);
    app.finish().await;
}
both_backends!(who_and_what_is_refused_t, who_and_what_is_refused);

// ---------------------------------------------------------------- in a real browser

#[path = "common/webdriver.rs"]
mod webdriver;

/// The pages in headless Chromium, checked with axe-core: the page, a
/// refused certificate (pasted) and a created account (a real file upload
/// from the browser's form, multipart).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_pages_in_a_browser() {
    let Some(chromium) = webdriver::Browser::start("channel_pages_in_a_browser").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("an SQLite test server");
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = Browser::new(&app);
    enrol(&app, &mut b, &manager).await;
    let session = b.cookies.iter().find(|(k, _)| k == "ciao_employer").unwrap().1.clone();
    chromium.goto(&format!("{}/e/sign-in", app.root)).await;
    chromium
        .command(
            reqwest::Method::POST,
            "/cookie",
            Some(serde_json::json!({"cookie": {"name": "ciao_employer", "value": session, "path": "/", "httpOnly": true}})),
        )
        .await;

    chromium.goto(&format!("{}/e/channel?lang=en", app.root)).await;
    chromium.wait_for_text("h1", "REST channel").await;
    chromium.screenshot("empty").await;
    chromium.assert_accessible("the channel page without accounts").await;

    // A refused certificate, pasted.
    chromium.type_into("#new-name", "badges").await;
    chromium
        .execute("document.getElementById('new-cert-pem').value = arguments[0];", vec![p256_certificate_pem().into()])
        .await;
    chromium.click("form[action=\"/e/channel/accounts\"] button[type=submit]").await;
    chromium.wait_for_text("[role=alert]", "How to fix it:").await;
    chromium.screenshot("refused").await;
    chromium.assert_accessible("a refused certificate").await;

    // A real upload from the form.
    let (key, cert) = key_and_certificate(KeyKind::EcP384);
    let dir = std::env::temp_dir().join(format!("ciao-channel-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cert.pem");
    std::fs::write(&file, &cert).unwrap();
    chromium.execute("document.getElementById('new-cert-pem').value = '';", vec![]).await;
    let input = chromium.find("#new-cert-file").await;
    chromium
        .command(
            reqwest::Method::POST,
            &format!("/element/{input}/value"),
            Some(serde_json::json!({"text": file.to_str().unwrap()})),
        )
        .await;
    chromium.click("#new-perm-consult").await;
    chromium.click("form[action=\"/e/channel/accounts\"] button[type=submit]").await;
    chromium.wait_for_text("#client-id", "self_service_expeditor_").await;
    let client_id = chromium.text("#client-id").await;
    chromium.screenshot("created").await;
    chromium.assert_accessible("a created account").await;
    let (status, answer) = token(&app, &client(&client_id, &key, &cert), None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["scope"], "scope:presenceregistration:register scope:presenceregistration:consult");
    let _ = std::fs::remove_dir_all(&dir);
    chromium.close().await;
    app.finish().await;
}
