//! The employer users' TOTP secrets are sealed at rest (AES-256-GCM, a key
//! outside the database), on SQLite and PostgreSQL: what is stored is not
//! the secret and sign-in works; a secret stored in plain by an earlier
//! version is sealed at the next start; a sealed secret moved to another
//! person does not open; a service with another key refuses to start.

mod common;

use std::sync::Arc;

use ciao_auth::secretbox::{OVERHEAD, SecretBox};
use ciao_auth::totp;
use ciao_domain::EnterpriseNumber;
use ciao_domain::Ssin;
use ciao_domain::channel::Role;
use ciao_service::{Config, Service, ServiceError, SystemClock};
use common::{Backend, TestApp, operator, seed, ssin};

const PASSWORD: &str = "correct horse battery staple";

fn config_with(key: u8) -> Config {
    let mut config = common::config(time::Duration::minutes(10));
    config.secrets = Some(Arc::new(SecretBox::new(&[key; 32]).unwrap()));
    config
}

fn code(secret: &[u8], ahead: i64) -> String {
    totp::code_at_step(secret, totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp()) + ahead)
}

/// An access manager who went through the invitation; their TOTP secret.
async fn enrolled(service: &Service, enterprise: &str, person: &str) -> Vec<u8> {
    let e = EnterpriseNumber::parse(enterprise).unwrap();
    let p = Ssin::parse(person).unwrap();
    service.add_enterprise_user(&operator(), &e, &p, "Sam Secret", Role::AccessManager).await.unwrap();
    let invitation = service.issue_employer_invitation(&operator(), person).await.unwrap();
    let enrolment = service.check_employer_invitation(&invitation.code).await.unwrap();
    let secret = totp::base32_decode(&enrolment.secret_base32).unwrap();
    service.finish_employer_enrolment(&enrolment.ticket, PASSWORD, PASSWORD, &code(&secret, 0)).await.unwrap();
    secret
}

async fn stored(service: &Service, person: &str) -> Vec<u8> {
    let all = service.store().employer_totp_secrets().await.unwrap();
    all.into_iter().find(|(s, _)| s.as_str() == person).map(|(_, v)| v).expect("a stored secret")
}

async fn secrets_are_sealed(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, config_with(1)).await else { return };
    let w = seed(&app).await;
    let (sam, tom) = (ssin(700_404_004), ssin(700_505_005));
    let secret = enrolled(&app.service, &w.e1, &sam).await;

    // Stored sealed: longer than the secret, and not containing it.
    let sealed = stored(&app.service, &sam).await;
    assert_eq!(sealed.len(), secret.len() + OVERHEAD, "{sealed:?}");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_slice()), "the secret is not in the database");
    app.service.employer_sign_in(&sam, PASSWORD, &code(&secret, 1)).await.expect("sign-in with the app's code");

    // A sealed secret copied to another person's row does not open there.
    let tom_secret = enrolled(&app.service, &w.e1, &tom).await;
    let tom_ssin = Ssin::parse(&tom).unwrap();
    let tom_sealed = stored(&app.service, &tom).await;
    app.service.store().set_employer_totp_secret(&tom_ssin, None, &sealed).await.unwrap();
    for code in [code(&secret, 1), code(&tom_secret, 1)] {
        match app.service.employer_sign_in(&tom, PASSWORD, &code).await {
            Err(ServiceError::Internal(m)) => assert!(m.contains("does not open"), "{m}"),
            other => panic!("a secret moved to another person must not open: {other:?}"),
        }
    }
    app.service.store().set_employer_totp_secret(&tom_ssin, None, &tom_sealed).await.unwrap();

    // A service with another key refuses the database at start, naming the reason.
    let store = app.service.store().clone();
    let err = Service::start(store.clone(), Arc::new(SystemClock), config_with(2)).await.err().expect("refused");
    assert!(format!("{err}").contains("secrets key"), "{err}");
    // Its own key starts, and signs in with a later code.
    let again = Service::start(store, Arc::new(SystemClock), config_with(1)).await.unwrap_or_else(|e| panic!("{e}"));
    again.employer_sign_in(&tom, PASSWORD, &code(&tom_secret, 1)).await.expect("tom signs in again");
    app.finish().await;
}
both_backends!(secrets_are_sealed_t, secrets_are_sealed);

async fn plain_secrets_are_sealed_at_start(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, config_with(3)).await else { return };
    let w = seed(&app).await;
    let sam = ssin(700_606_006);
    let secret = enrolled(&app.service, &w.e1, &sam).await;
    // As an earlier version stored it: in plain.
    let sam_ssin = Ssin::parse(&sam).unwrap();
    app.service.store().set_employer_totp_secret(&sam_ssin, None, &secret).await.unwrap();
    assert_eq!(stored(&app.service, &sam).await, secret);

    let service = Service::start(app.service.store().clone(), Arc::new(SystemClock), config_with(3)).await.unwrap();
    let now_sealed = stored(&service, &sam).await;
    assert_eq!(now_sealed.len(), secret.len() + OVERHEAD, "sealed at start");
    assert_eq!(
        SecretBox::new(&[3; 32]).unwrap().open(format!("ciao totp secret v1|{sam}").as_bytes(), &now_sealed).unwrap(),
        secret
    );
    service.employer_sign_in(&sam, PASSWORD, &code(&secret, 1)).await.expect("the same secret still signs in");
    app.finish().await;
}
both_backends!(plain_secrets_are_sealed_at_start_t, plain_secrets_are_sealed_at_start);

/// After a lost key: started with `forget_unreadable_secrets`, the service
/// forgets the sign-in of the users whose secret does not open (audited),
/// keeps the others, and the forgotten ones set up sign-in again from a new
/// invitation.
async fn a_lost_key_forgets_unreadable_sign_ins(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, config_with(4)).await else { return };
    let w = seed(&app).await;
    let (old, new) = (ssin(700_707_007), ssin(700_808_008));
    enrolled(&app.service, &w.e1, &old).await;
    let store = app.service.store().clone();

    let mut forgetting = config_with(5);
    forgetting.forget_unreadable_secrets = true;
    let service = Service::start(store.clone(), Arc::new(SystemClock), forgetting).await.unwrap();
    assert!(service.store().employer_credentials(&Ssin::parse(&old).unwrap()).await.unwrap().is_none());
    let audit = service.store().audit_entries(50).await.unwrap();
    let forgotten: Vec<_> = audit.iter().filter(|a| a.action == "employer.sign_in_forgotten").collect();
    assert_eq!(forgotten.len(), 1, "{audit:?}");
    assert_eq!(forgotten[0].subject.as_deref(), Some(Ssin::parse(&old).unwrap().masked().as_str()));

    // Under the new key: a new user, and the old one invited again.
    let new_secret = enrolled(&service, &w.e1, &new).await;
    let invitation = service.issue_employer_invitation(&operator(), &old).await.unwrap();
    let enrolment = service.check_employer_invitation(&invitation.code).await.unwrap();
    let old_secret = totp::base32_decode(&enrolment.secret_base32).unwrap();
    service.finish_employer_enrolment(&enrolment.ticket, PASSWORD, PASSWORD, &code(&old_secret, 0)).await.unwrap();
    // A normal start with the new key: everything opens.
    let service = Service::start(store, Arc::new(SystemClock), config_with(5)).await.unwrap();
    service.employer_sign_in(&old, PASSWORD, &code(&old_secret, 1)).await.expect("the old user again");
    service.employer_sign_in(&new, PASSWORD, &code(&new_secret, 1)).await.expect("the new user");
    app.finish().await;
}
both_backends!(a_lost_key_forgets_unreadable_sign_ins_t, a_lost_key_forgets_unreadable_sign_ins);

/// The database records its key's fingerprint at the first start with a
/// key, and refuses another key afterwards, even with no secret sealed yet
/// (a second node with another key file).
async fn another_key_is_refused_before_any_secret(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, config_with(6)).await else { return };
    let store = app.service.store().clone();
    assert!(store.employer_totp_secrets().await.unwrap().is_empty(), "no employer user");
    let err = Service::start(store.clone(), Arc::new(SystemClock), config_with(7)).await.err().expect("refused");
    let text = format!("{err}");
    let fingerprint = |k: u8| SecretBox::new(&[k; 32]).unwrap().fingerprint().to_string();
    assert!(text.contains(&fingerprint(6)) && text.contains(&fingerprint(7)), "both keys named: {text}");
    // A process without a key (benchmarks) neither checks nor changes anything.
    let mut keyless = common::config(time::Duration::minutes(10));
    keyless.secrets = None;
    Service::start(store.clone(), Arc::new(SystemClock), keyless).await.expect("a keyless process starts");
    Service::start(store, Arc::new(SystemClock), config_with(6)).await.expect("its own key still starts");
    app.finish().await;
}
both_backends!(another_key_is_refused_before_any_secret_t, another_key_is_refused_before_any_secret);

/// A rotation seals every secret again with the new key and the database
/// takes it; the old key is refused from then on. An interrupted rotation
/// (some secrets already sealed with the new key) starts again and ends.
async fn the_key_rotates(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, config_with(8)).await else { return };
    let w = seed(&app).await;
    let (ann, bob) = (ssin(700_909_009), ssin(701_010_010));
    let ann_secret = enrolled(&app.service, &w.e1, &ann).await;
    let bob_secret = enrolled(&app.service, &w.e1, &bob).await;
    let store = app.service.store().clone();

    // Interrupted: Bob's secret is already sealed with the new key.
    let new = Arc::new(SecretBox::new(&[9; 32]).unwrap());
    let bob_ssin = Ssin::parse(&bob).unwrap();
    let resealed = new.seal(format!("ciao totp secret v1|{bob}").as_bytes(), &bob_secret).unwrap();
    store.set_employer_totp_secret(&bob_ssin, None, &resealed).await.unwrap();
    assert!(Service::start(store.clone(), Arc::new(SystemClock), config_with(8)).await.is_err(), "a mixed database");

    let mut rotating = config_with(8);
    rotating.rotating_to = Some(new.clone());
    let service = Service::start(store.clone(), Arc::new(SystemClock), rotating).await.expect("the rotation starts");
    assert_eq!(service.rotate_secrets_key(&new).await.unwrap(), 1, "Ann's secret; Bob's was done");
    let audit = service.store().audit_entries(20).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "secrets.key_rotated"), "{audit:?}");

    let err =
        Service::start(store.clone(), Arc::new(SystemClock), config_with(8)).await.err().expect("old key refused");
    assert!(format!("{err}").contains("secrets key"), "{err}");
    let service = Service::start(store, Arc::new(SystemClock), config_with(9)).await.expect("the new key");
    service.employer_sign_in(&ann, PASSWORD, &code(&ann_secret, 1)).await.expect("Ann signs in");
    service.employer_sign_in(&bob, PASSWORD, &code(&bob_secret, 1)).await.expect("Bob signs in");
    app.finish().await;
}
both_backends!(the_key_rotates_t, the_key_rotates);
