//! A passkey as the second factor of the employers' online service (`/e`),
//! over HTTP on a real server, on SQLite and PostgreSQL, with a small
//! software authenticator (a real ECDSA P-256 key, ES256, attestation
//! "none", a signature counter): adding a passkey on the security page
//! (confirmed with the password), signing in with SSIN + password + passkey
//! instead of the authenticator app's code, the audit of both and the stored
//! counter; the refusals (a wrong password, another person's ceremony or
//! passkey, a tampered signature, a ceremony of the other kind, an expired
//! one, the lock after five failures even with the right passkey); removing
//! a passkey (one's own only); and that the authenticator app keeps working
//! next to a passkey.

mod common;

use std::sync::Arc;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciao_auth::webauthn::ES256;
use ciao_domain::channel::Role;
use ciao_domain::{EnterpriseNumber, Ssin};
use ciao_service::Service;
use ciao_store::AuditEntry;
use common::web::{EMPLOYER_COOKIE, Page, WebClient, code_now, csrf, enrol_employer as enrol, unescape};
use common::{Backend, MovableClock, TestApp, operator, seed, ssin};
use serde_json::json;
use sqlx::Connection;
use time::Duration;

const PASSWORD_A: &str = "correct horse battery staple";
const PASSWORD_B: &str = "purple elephants drink green tea";

/// Authenticator data flags: user present, user verified, attested credential data.
const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;

/// The form fields a page's script fills with a WebAuthn answer.
type Answer = Vec<(&'static str, String)>;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a page hands the browser for a WebAuthn ceremony (its `data-*` attributes).
struct Ceremony {
    state: String,
    challenge: String,
    rp_id: String,
}

/// The value of the first attribute `name` of a page.
fn attr(body: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    let start = body.find(&needle).unwrap_or_else(|| panic!("no {name} in {body}")) + needle.len();
    unescape(&body[start..start + body[start..].find('"').unwrap()])
}

fn ceremony(body: &str) -> Ceremony {
    Ceremony { state: attr(body, "data-state"), challenge: attr(body, "data-challenge"), rp_id: attr(body, "data-rp") }
}

/// A platform authenticator holding one discoverable ES256 credential.
struct Authenticator {
    key: EcdsaKeyPair,
    credential_id: Vec<u8>,
    sign_count: u32,
    /// False for a passkey that keeps no signature counter (synced
    /// passkeys report 0 every time).
    counts: bool,
    /// The origin the browser reports in clientDataJSON.
    origin: String,
}

impl Authenticator {
    fn new(origin: &str) -> Self {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("a P-256 key");
        let mut credential_id = vec![0; 32];
        aws_lc_rs::rand::fill(&mut credential_id).expect("random bytes");
        Self { key, credential_id, sign_count: 0, counts: true, origin: origin.to_string() }
    }

    /// The same, keeping no signature counter.
    fn without_counter(origin: &str) -> Self {
        Self { counts: false, ..Self::new(origin) }
    }

    /// The credential id, base64url without padding (as the server stores it).
    fn id(&self) -> String {
        b64(&self.credential_id)
    }

    fn client_data(&self, typ: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({ "type": typ, "challenge": challenge, "origin": self.origin })).unwrap()
    }

    /// RP id hash, flags, signature counter.
    fn authenticator_data(&self, rp_id: &str, flags: u8) -> Vec<u8> {
        let mut ad = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        ad.push(flags);
        ad.extend_from_slice(&self.sign_count.to_be_bytes());
        ad
    }

    /// The public key as a COSE_Key (EC2, ES256, P-256, x, y).
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let mut key = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        key.extend_from_slice(&point[1..33]);
        key.extend_from_slice(&[0x22, 0x58, 0x20]);
        key.extend_from_slice(&point[33..65]);
        key
    }

    /// The answer to `navigator.credentials.create()` for a ceremony.
    fn create(&self, c: &Ceremony) -> Answer {
        let mut ad = self.authenticator_data(&c.rp_id, FLAG_UP | FLAG_UV | FLAG_AT);
        ad.extend_from_slice(&[0; 16]);
        ad.extend_from_slice(&u16::try_from(self.credential_id.len()).unwrap().to_be_bytes());
        ad.extend_from_slice(&self.credential_id);
        ad.extend_from_slice(&self.cose_key());
        let spki = self.key.public_key().as_der().expect("SPKI").as_ref().to_vec();
        vec![
            ("passkeyState", c.state.clone()),
            ("credentialId", self.id()),
            ("clientDataJSON", b64(&self.client_data("webauthn.create", &c.challenge))),
            ("authenticatorData", b64(&ad)),
            ("publicKey", b64(&spki)),
            ("algorithm", ES256.to_string()),
        ]
    }

    /// The answer to `navigator.credentials.get()`: the counter goes up, and
    /// authenticatorData ‖ SHA-256(clientDataJSON) is signed.
    fn get(&mut self, c: &Ceremony) -> Answer {
        if self.counts {
            self.sign_count += 1;
        }
        let ad = self.authenticator_data(&c.rp_id, FLAG_UP | FLAG_UV);
        let cd = self.client_data("webauthn.get", &c.challenge);
        let mut signed = ad.clone();
        signed.extend_from_slice(digest(&SHA256, &cd).as_ref());
        let signature = self.key.sign(&SystemRandom::new(), &signed).expect("signing");
        vec![
            ("passkeyState", c.state.clone()),
            ("credentialId", self.id()),
            ("clientDataJSON", b64(&cd)),
            ("authenticatorData", b64(&ad)),
            ("signature", b64(signature.as_ref())),
        ]
    }
}

/// The same answer with one bit of the signature flipped.
fn tampered(answer: &Answer) -> Answer {
    answer
        .iter()
        .map(|(k, v)| {
            if *k == "signature" {
                let mut sig = URL_SAFE_NO_PAD.decode(v).unwrap();
                let last = sig.len() - 1;
                sig[last] ^= 0x01;
                (*k, b64(&sig))
            } else {
                (*k, v.clone())
            }
        })
        .collect()
}

async fn post_answer(b: &mut WebClient, path: &str, fields: &[(&str, &str)], answer: &Answer) -> Page {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.extend(answer.iter().map(|(k, v)| (*k, v.as_str())));
    b.post(path, &form).await
}

/// The security page of the signed-in user: its CSRF token and a creation ceremony.
async fn security_ceremony(b: &mut WebClient) -> (String, Ceremony) {
    let page = b.get("/e/security").await;
    assert_eq!(page.status, 200, "{}", page.body);
    (csrf(&page.body), ceremony(&page.body))
}

/// Adds a passkey on the security page, as its script does.
async fn add_passkey(b: &mut WebClient, auth: &Authenticator, password: &str) -> Page {
    let (token, c) = security_ceremony(b).await;
    post_answer(b, "/e/security/passkeys", &[("csrf", &token), ("password", password)], &auth.create(&c)).await
}

/// The sign-in page's passkey ceremony.
async fn sign_in_ceremony(b: &mut WebClient) -> Ceremony {
    let page = b.get("/e/sign-in").await;
    assert_eq!(page.status, 200, "{}", page.body);
    ceremony(&page.body)
}

/// Signs in with SSIN, password and a passkey's answer, no code.
async fn sign_in_with(b: &mut WebClient, ssin: &str, password: &str, answer: &Answer) -> Page {
    post_answer(b, "/e/sign-in", &[("ssin", ssin), ("password", password)], answer).await
}

async fn sign_out(b: &mut WebClient) {
    let token = csrf(&b.get("/e").await.body);
    let page = b.post("/e/sign-out", &[("csrf", &token)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(!b.has_cookie(EMPLOYER_COOKIE));
    assert_eq!(b.get("/e").await.status, 303, "signed out");
}

/// Gives a person the access manager role of an enterprise.
async fn add_user(service: &Service, enterprise: &str, person: &str, name: &str) {
    service
        .add_enterprise_user(
            &operator(),
            &EnterpriseNumber::parse(enterprise).unwrap(),
            &Ssin::parse(person).unwrap(),
            name,
            Role::AccessManager,
        )
        .await
        .unwrap();
}

/// The audit entries of an action, newest first.
async fn audit(service: &Service, action: &str) -> Vec<AuditEntry> {
    let entries = service.store().audit_entries(1000).await.unwrap();
    entries.into_iter().filter(|e| e.action == action).collect()
}

/// The audit log's name of a person.
fn actor(person: &str) -> String {
    format!("person:{}", Ssin::parse(person).unwrap().masked())
}

async fn failed_attempts(service: &Service, person: &str) -> i64 {
    service.store().employer_credentials(&Ssin::parse(person).unwrap()).await.unwrap().unwrap().failed_attempts
}

/// The stored owner and signature counter of a passkey.
async fn stored(service: &Service, credential_id: &str) -> Option<(String, i64)> {
    let record = service.store().employer_passkey(credential_id).await.unwrap();
    record.map(|r| (r.ssin.as_str().to_string(), r.sign_count))
}

fn refused_without_session(page: &Page, b: &WebClient, status: u16, text: &str, what: &str) {
    assert_eq!(page.status, status, "{what}: {}", page.body);
    assert!(page.body.contains(text), "{what}: {text:?} expected in {}", page.body);
    assert!(!b.has_cookie(EMPLOYER_COOKIE), "{what}: no session");
}

/// Adding a passkey, signing in with it (the counter goes up, the audit
/// says which factor), the authenticator app next to it, and removing it.
async fn passkey_second_factor(backend: Backend) {
    let Some(app) = TestApp::spawn_on_localhost(backend).await else { return };
    let w = seed(&app).await;
    let (anna, bert) = (ssin(700_101_001), ssin(600_202_002));
    add_user(&app.service, &w.e1, &anna, "Anna Manager").await;
    add_user(&app.service, &w.e2, &bert, "Bert Manager").await;
    let mut a = WebClient::new(&app);
    let secret = enrol(&app.service, &mut a, &anna, PASSWORD_A).await;

    // The security page: no passkey yet, a ceremony for this person on this relying party.
    let page = a.get("/e/security").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("You have no passkey yet."), "{}", page.body);
    assert!(page.body.contains("href=\"/e/security\""), "in the navigation: {}", page.body);
    assert_eq!(attr(&page.body, "data-rp"), "localhost");
    assert_eq!(attr(&page.body, "data-name"), Ssin::parse(&anna).unwrap().formatted());

    // 1. Added with the password: back to the page, which lists it; audited.
    let mut key_a = Authenticator::new(&app.root);
    let page = add_passkey(&mut a, &key_a, PASSWORD_A).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security?added=1")), "{}", page.body);
    let page = a.get("/e/security?added=1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("The passkey was added."), "{}", page.body);
    assert!(page.body.contains(&format!("name=\"credentialId\" value=\"{}\"", key_a.id())), "{}", page.body);
    assert!(page.body.contains("not yet") && !page.body.contains("You have no passkey yet."), "{}", page.body);
    assert_eq!(stored(&app.service, &key_a.id()).await, Some((anna.clone(), 0)));
    let added = audit(&app.service, "employer.passkey_added").await;
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0].actor, actor(&anna));
    assert_eq!(added[0].enterprise.as_deref(), Some(w.e1.as_str()));
    assert_eq!(added[0].detail, json!({ "credentialId": key_a.id() }));

    // 2. Signed out, signed in with password and passkey, no code.
    sign_out(&mut a).await;
    let c = sign_in_ceremony(&mut a).await;
    assert_eq!(c.rp_id, "localhost");
    let answer = key_a.get(&c);
    let page = sign_in_with(&mut a, &anna, PASSWORD_A, &answer).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert!(a.has_cookie(EMPLOYER_COOKIE));
    let page = a.get("/e").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Anna Manager"), "{}", page.body);
    let signed_in = audit(&app.service, "employer.sign_in").await;
    assert_eq!(signed_in.len(), 1, "{signed_in:?}");
    assert_eq!(signed_in[0].actor, actor(&anna));
    assert_eq!(signed_in[0].detail, json!({ "secondFactor": "passkey" }));
    assert_eq!(stored(&app.service, &key_a.id()).await, Some((anna.clone(), 1)), "the counter is kept");
    let listed = app.service.store().employer_passkeys(&Ssin::parse(&anna).unwrap()).await.unwrap();
    assert!(listed.len() == 1 && listed[0].last_used_at.is_some(), "{listed:?}");
    // The same answer again (a replay): its counter is not above the stored one.
    let mut replay = WebClient::new(&app);
    let page = sign_in_with(&mut replay, &anna, PASSWORD_A, &answer).await;
    refused_without_session(&page, &replay, 422, "is wrong", "a replayed assertion");

    // Again from another browser, back to where it was going; the counter goes up again.
    let mut other = WebClient::new(&app);
    let c = sign_in_ceremony(&mut other).await;
    let page = post_answer(
        &mut other,
        "/e/sign-in",
        &[("ssin", &anna), ("password", PASSWORD_A), ("next", "/e/security")],
        &key_a.get(&c),
    )
    .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security")), "{}", page.body);
    assert_eq!(other.get("/e/security").await.status, 200);
    assert_eq!(stored(&app.service, &key_a.id()).await, Some((anna.clone(), 2)));

    // 5. The authenticator app still works for a person with a passkey.
    let mut app_user = WebClient::new(&app);
    let page = app_user
        .post("/e/sign-in", &[("ssin", &anna), ("password", PASSWORD_A), ("totp", &code_now(&secret, 1))])
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert!(app_user.has_cookie(EMPLOYER_COOKIE));
    let signed_in = audit(&app.service, "employer.sign_in").await;
    assert_eq!(signed_in.len(), 3, "{signed_in:?}");
    assert_eq!(signed_in[0].detail, json!({ "secondFactor": "totp" }));

    // 4. Removing: another person's passkey is refused, one's own is removed.
    let mut b = WebClient::new(&app);
    enrol(&app.service, &mut b, &bert, PASSWORD_B).await;
    let mut key_b = Authenticator::new(&app.root);
    let page = add_passkey(&mut b, &key_b, PASSWORD_B).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let token = csrf(&a.get("/e/security").await.body);
    let page = a.post("/e/security/passkeys/remove", &[("credentialId", &key_a.id())]).await;
    assert_eq!(page.status, 403, "no CSRF token: {}", page.body);
    let page = a.post("/e/security/passkeys/remove", &[("csrf", &token), ("credentialId", &key_b.id())]).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("not one of yours"), "{}", page.body);
    assert_eq!(stored(&app.service, &key_b.id()).await, Some((bert.clone(), 0)), "Bert's passkey stays");
    assert!(audit(&app.service, "employer.passkey_removed").await.is_empty());
    let page = a.post("/e/security/passkeys/remove", &[("csrf", &token), ("credentialId", &key_a.id())]).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security?removed=1")), "{}", page.body);
    let page = a.get("/e/security?removed=1").await;
    assert!(page.body.contains("The passkey was removed."), "{}", page.body);
    assert!(page.body.contains("You have no passkey yet."), "{}", page.body);
    assert_eq!(stored(&app.service, &key_a.id()).await, None);
    let removed = audit(&app.service, "employer.passkey_removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0].actor, actor(&anna));
    assert_eq!(removed[0].detail, json!({ "credentialId": key_a.id() }));

    // The removed passkey no longer signs in; Bert's still does.
    let mut x = WebClient::new(&app);
    let c = sign_in_ceremony(&mut x).await;
    let page = sign_in_with(&mut x, &anna, PASSWORD_A, &key_a.get(&c)).await;
    refused_without_session(&page, &x, 422, "is wrong", "a removed passkey");
    let c = sign_in_ceremony(&mut x).await;
    let page = sign_in_with(&mut x, &bert, PASSWORD_B, &key_b.get(&c)).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert!(x.has_cookie(EMPLOYER_COOKIE));
    app.finish().await;
}
both_backends!(passkey_second_factor_t, passkey_second_factor);

/// Every refusal: clear, without a session, counted where it must be, and
/// the lock after five failures holds even with the right passkey.
async fn passkey_refusals(backend: Backend) {
    let Some(app) = TestApp::spawn_on_localhost(backend).await else { return };
    let w = seed(&app).await;
    let (anna, bert) = (ssin(700_101_001), ssin(600_202_002));
    add_user(&app.service, &w.e1, &anna, "Anna Manager").await;
    add_user(&app.service, &w.e2, &bert, "Bert Manager").await;
    let mut a = WebClient::new(&app);
    let secret = enrol(&app.service, &mut a, &anna, PASSWORD_A).await;
    let mut b = WebClient::new(&app);
    enrol(&app.service, &mut b, &bert, PASSWORD_B).await;
    let mut key_a = Authenticator::new(&app.root);

    // Adding with a wrong password: refused, and counted as a failed sign-in.
    let page = add_passkey(&mut a, &key_a, "not the password at all").await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("The password is wrong."), "{}", page.body);
    assert_eq!(stored(&app.service, &key_a.id()).await, None);
    assert_eq!(failed_attempts(&app.service, &anna).await, 1);
    let failed = audit(&app.service, "employer.sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((failed[0].actor.as_str(), &failed[0].detail), (actor(&anna).as_str(), &json!({ "attempts": 1 })));

    // Bert's ceremony answered in Anna's session (with Anna's password): refused.
    let (_, bert_ceremony) = security_ceremony(&mut b).await;
    let (token, _) = security_ceremony(&mut a).await;
    let intruder = Authenticator::new(&app.root);
    let page = post_answer(
        &mut a,
        "/e/security/passkeys",
        &[("csrf", &token), ("password", PASSWORD_A)],
        &intruder.create(&bert_ceremony),
    )
    .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("data-code=\"passkey.expired\"") && page.body.contains("from another session"),
        "{}",
        page.body
    );
    assert_eq!(stored(&app.service, &intruder.id()).await, None);
    // A sign-in ceremony used to add a passkey: refused (another purpose).
    let mut x = WebClient::new(&app);
    let sign_in = sign_in_ceremony(&mut x).await;
    let page = post_answer(
        &mut a,
        "/e/security/passkeys",
        &[("csrf", &token), ("password", PASSWORD_A)],
        &intruder.create(&sign_in),
    )
    .await;
    assert_eq!(page.status, 422, "{}", page.body);
    // A ceremony of the other kind is not this server's state for it: not
    // valid (rather than "expired").
    assert!(page.body.contains("not valid"), "{}", page.body);
    assert_eq!(stored(&app.service, &intruder.id()).await, None);

    // Anna's passkey, added; it cannot be registered again, not even by Bert.
    let page = add_passkey(&mut a, &key_a, PASSWORD_A).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security?added=1")), "{}", page.body);
    let page = add_passkey(&mut b, &key_a, PASSWORD_B).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("already registered"), "{}", page.body);
    assert_eq!(stored(&app.service, &key_a.id()).await, Some((anna.clone(), 0)));
    assert_eq!(audit(&app.service, "employer.passkey_added").await.len(), 1);
    assert_eq!(failed_attempts(&app.service, &anna).await, 1);

    // The right passkey with a wrong password.
    let c = sign_in_ceremony(&mut x).await;
    let page = sign_in_with(&mut x, &anna, "not the password at all", &key_a.get(&c)).await;
    refused_without_session(&page, &x, 422, "is wrong", "a wrong password");
    assert_eq!(failed_attempts(&app.service, &anna).await, 2);

    // Anna's passkey as Bert's second factor, with Bert's SSIN and password.
    let c = sign_in_ceremony(&mut x).await;
    let page = sign_in_with(&mut x, &bert, PASSWORD_B, &key_a.get(&c)).await;
    refused_without_session(&page, &x, 422, "is wrong", "another person's passkey");
    assert_eq!(failed_attempts(&app.service, &bert).await, 1);
    let failed = audit(&app.service, "employer.sign_in_failed").await;
    assert_eq!((failed[0].actor.as_str(), &failed[0].detail), (actor(&bert).as_str(), &json!({ "attempts": 1 })));

    // A tampered signature.
    let c = sign_in_ceremony(&mut x).await;
    let page = sign_in_with(&mut x, &anna, PASSWORD_A, &tampered(&key_a.get(&c))).await;
    refused_without_session(&page, &x, 422, "is wrong", "a tampered signature");
    assert_eq!(failed_attempts(&app.service, &anna).await, 3);

    // The creation ceremony's state used to sign in (another purpose).
    let (_, creation) = security_ceremony(&mut a).await;
    let page = sign_in_with(&mut x, &anna, PASSWORD_A, &key_a.get(&creation)).await;
    refused_without_session(&page, &x, 422, "data-code=\"passkey.state\"", "a creation state to sign in");

    // Nothing above signed anyone in or moved the stored counter.
    assert!(audit(&app.service, "employer.sign_in").await.is_empty());
    assert_eq!(stored(&app.service, &key_a.id()).await, Some((anna.clone(), 0)));

    // The right password and passkey sign in and forget the failures ...
    let c = sign_in_ceremony(&mut x).await;
    let page = sign_in_with(&mut x, &anna, PASSWORD_A, &key_a.get(&c)).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert_eq!(failed_attempts(&app.service, &anna).await, 0);

    // ... then five failures lock the account (the fifth says so, and until
    // when), even for the right passkey and password.
    let mut y = WebClient::new(&app);
    for attempt in 1..=5 {
        let c = sign_in_ceremony(&mut y).await;
        let answer = key_a.get(&c);
        let answer = if attempt % 2 == 0 { tampered(&answer) } else { answer };
        let password = if attempt % 2 == 0 { PASSWORD_A } else { "not the password at all" };
        let page = sign_in_with(&mut y, &anna, password, &answer).await;
        let (status, text) = if attempt < 5 { (422, "is wrong") } else { (403, "locked until ") };
        refused_without_session(&page, &y, status, text, &format!("failure {attempt}"));
        let failed = audit(&app.service, "employer.sign_in_failed").await;
        assert_eq!(failed[0].detail, json!({ "attempts": attempt }), "{failed:?}");
    }
    let c = sign_in_ceremony(&mut y).await;
    let page = sign_in_with(&mut y, &anna, PASSWORD_A, &key_a.get(&c)).await;
    refused_without_session(&page, &y, 403, "locked until ", "locked, with the passkey");
    let until = page.body.split("locked until <time datetime=\"").nth(1).and_then(|s| s.split_once("\">"));
    let until = until.map(|(_, s)| s[..5].to_string()).unwrap_or_default();
    assert!(until.as_bytes().get(2) == Some(&b':') && until.replace(':', "").parse::<u32>().is_ok(), "{until}");
    let page =
        y.post("/e/sign-in", &[("ssin", &anna), ("password", PASSWORD_A), ("totp", &code_now(&secret, 1))]).await;
    refused_without_session(&page, &y, 403, &format!(">{until} <small>(UTC+0"), "locked, with the code");
    // Nor is a passkey added while locked.
    let other = Authenticator::new(&app.root);
    let page = add_passkey(&mut a, &other, PASSWORD_A).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("locked"), "{}", page.body);
    assert_eq!(stored(&app.service, &other.id()).await, None);
    assert_eq!(audit(&app.service, "employer.sign_in").await.len(), 1, "only the one sign-in");
    app.finish().await;
}
both_backends!(passkey_refusals_t, passkey_refusals);

/// A server on `http://localhost:PORT` (a relying party id) with a clock the test moves.
struct ClockedServer {
    server: ciao::RunningServer,
    root: String,
    drop_db: Option<(String, String)>,
}

impl ClockedServer {
    async fn spawn(backend: Backend, clock: Arc<MovableClock>) -> Option<Self> {
        let (url, drop_db) = common::fresh_database(backend).await?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let root = format!("http://localhost:{port}");
        let server = ciao::start_server(
            &url,
            common::config(Duration::minutes(10)),
            clock,
            format!("127.0.0.1:{port}").parse().unwrap(),
            Some(root.clone()),
        )
        .await
        .expect("start the server");
        Some(Self { server, root, drop_db })
    }

    fn browser(&self) -> WebClient {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        WebClient { http, root: self.root.clone(), cookies: Vec::new() }
    }

    async fn finish(self) {
        self.server.stop().await.expect("server stops cleanly");
        if let Some((base, name)) = self.drop_db
            && let Ok(mut conn) = sqlx::PgConnection::connect(&base).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut conn)
                .await;
        }
    }
}

/// A ceremony lasts five minutes: later, neither adding nor signing in.
async fn expired_ceremonies(backend: Backend) {
    let clock = Arc::new(MovableClock::default());
    let Some(server) = ClockedServer::spawn(backend, clock.clone()).await else { return };
    let service = &server.server.service;
    let enterprise = common::ent(2_000_002);
    let csv = format!("enterprise_number,name,active_from,active_to\n{enterprise},Clean One BV,2000-01-01,\n");
    service.import(&operator(), "enterprises", std::io::Cursor::new(csv), &mut |_, _| {}).await.unwrap();
    let anna = ssin(700_101_001);
    add_user(service, &enterprise, &anna, "Anna Manager").await;
    let mut a = server.browser();
    enrol(service, &mut a, &anna, PASSWORD_A).await;
    let mut key_a = Authenticator::new(&server.root);
    let page = add_passkey(&mut a, &key_a, PASSWORD_A).await;
    assert_eq!(page.status, 303, "{}", page.body);

    // A creation ceremony answered after five minutes.
    let (token, c) = security_ceremony(&mut a).await;
    clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let late = Authenticator::new(&server.root);
    let page =
        post_answer(&mut a, "/e/security/passkeys", &[("csrf", &token), ("password", PASSWORD_A)], &late.create(&c))
            .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("expired"), "{}", page.body);
    assert_eq!(stored(service, &late.id()).await, None);

    // A sign-in ceremony: still good just before five minutes ...
    let mut x = server.browser();
    let c = sign_in_ceremony(&mut x).await;
    clock.advance(Duration::minutes(4) + Duration::seconds(50));
    let page = sign_in_with(&mut x, &anna, PASSWORD_A, &key_a.get(&c)).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    // ... refused after them, with the right password and passkey.
    let mut y = server.browser();
    let c = sign_in_ceremony(&mut y).await;
    clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let page = sign_in_with(&mut y, &anna, PASSWORD_A, &key_a.get(&c)).await;
    refused_without_session(&page, &y, 422, "expired", "an expired sign-in ceremony");
    assert_eq!(audit(service, "employer.sign_in").await.len(), 1, "only the sign-in in time");
    server.finish().await;
}
both_backends!(expired_ceremonies_t, expired_ceremonies);

/// `person`, a user of `enterprise` enrolled with password A, who added
/// `key` as a passkey and signed out again: their browser.
async fn user_with_passkey(
    app: &TestApp,
    enterprise: &str,
    person: &str,
    name: &str,
    key: &Authenticator,
) -> WebClient {
    add_user(&app.service, enterprise, person, name).await;
    let mut b = WebClient::new(app);
    enrol(&app.service, &mut b, person, PASSWORD_A).await;
    let page = add_passkey(&mut b, key, PASSWORD_A).await;
    assert_eq!(page.status, 303, "{}", page.body);
    sign_out(&mut b).await;
    b
}

/// A passkey without signature counter (a synced one): the counter cannot
/// tell a replay, the single-use challenge does. The same answer signs in
/// once; a fresh ceremony signs in again.
async fn counterless_passkey_signs_in_once_per_challenge(backend: Backend) {
    let Some(app) = TestApp::spawn_on_localhost(backend).await else { return };
    let w = seed(&app).await;
    let anna = ssin(700_303_003);
    let mut key = Authenticator::without_counter(&app.root);
    let mut a = user_with_passkey(&app, &w.e1, &anna, "Anna Synced", &key).await;

    let c = sign_in_ceremony(&mut a).await;
    let answer = key.get(&c);
    let page = sign_in_with(&mut a, &anna, PASSWORD_A, &answer).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert_eq!(stored(&app.service, &key.id()).await, Some((anna.clone(), 0)), "no counter");

    let mut replay = WebClient::new(&app);
    let page = sign_in_with(&mut replay, &anna, PASSWORD_A, &answer).await;
    refused_without_session(&page, &replay, 422, "is wrong", "a replayed counter-less assertion");

    let mut again = WebClient::new(&app);
    let c = sign_in_ceremony(&mut again).await;
    let answer = key.get(&c);
    let page = sign_in_with(&mut again, &anna, PASSWORD_A, &answer).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "a fresh challenge: {}", page.body);
    app.finish().await;
}
both_backends!(counterless_passkey_signs_in_once_per_challenge_t, counterless_passkey_signs_in_once_per_challenge);

/// An answer without counter (0) from a passkey that counted signs in (the
/// signature is good), but does not reset the stored counter to 0: an
/// answer counting from 1 again is still refused as a possible copy.
async fn a_zero_counter_does_not_reset_the_stored_one(backend: Backend) {
    let Some(app) = TestApp::spawn_on_localhost(backend).await else { return };
    let w = seed(&app).await;
    let anna = ssin(700_404_004);
    let mut key = Authenticator::new(&app.root);
    user_with_passkey(&app, &w.e1, &anna, "Anna Counting", &key).await;
    for _ in 0..2 {
        let mut b = WebClient::new(&app);
        let c = sign_in_ceremony(&mut b).await;
        let page = sign_in_with(&mut b, &anna, PASSWORD_A, &key.get(&c)).await;
        assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    }
    assert_eq!(stored(&app.service, &key.id()).await, Some((anna.clone(), 2)));

    (key.counts, key.sign_count) = (false, 0);
    let mut zero = WebClient::new(&app);
    let c = sign_in_ceremony(&mut zero).await;
    let page = sign_in_with(&mut zero, &anna, PASSWORD_A, &key.get(&c)).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    assert_eq!(stored(&app.service, &key.id()).await, Some((anna.clone(), 2)), "the counter does not go back to 0");

    key.counts = true;
    let mut low = WebClient::new(&app);
    let c = sign_in_ceremony(&mut low).await;
    let page = sign_in_with(&mut low, &anna, PASSWORD_A, &key.get(&c)).await;
    refused_without_session(&page, &low, 422, "is wrong", "a counter below the stored one");
    app.finish().await;
}
both_backends!(a_zero_counter_does_not_reset_the_stored_one_t, a_zero_counter_does_not_reset_the_stored_one);
