//! A passkey as the employer user's second factor, in headless Chromium with
//! a virtual authenticator (CTAP2, resident keys, user verification) on a
//! real server: set up sign-in with the authenticator app, add a passkey on
//! the security page (confirmed with the password), sign out, sign in with
//! password and passkey instead of the code, a wrong password refused even
//! with the passkey, remove the passkey. Pages checked with axe-core and
//! photographed into target/screenshots/employer_passkey/.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use ciao_auth::totp;
use ciao_domain::channel::Role;
use ciao_domain::{EnterpriseNumber, Ssin};
use common::{Backend, TestApp, operator, seed};
use serde_json::json;
use webdriver::Browser;

const PASSWORD: &str = "correct horse battery staple";

fn code(secret: &str) -> String {
    let secret = totp::base32_decode(secret).unwrap();
    totp::code_at_step(&secret, totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp()))
}

/// The audit actions of the enterprise, newest first, as the store has them.
async fn audit_actions(app: &TestApp, enterprise: &EnterpriseNumber) -> Vec<(String, serde_json::Value)> {
    let entries = app.service.store().enterprise_audit_page(enterprise, 0, 100).await.unwrap().0;
    entries.into_iter().map(|e| (e.action, e.detail)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employer_signs_in_with_a_passkey() {
    let Some(browser) = Browser::start("employer_passkey").await else { return };
    let app = TestApp::spawn_on_localhost(Backend::Sqlite).await.expect("an SQLite test server");
    let w = seed(&app).await;
    let (e1, manager) = common::appoint(&app, &w.e1, 700_202_002, "Paula Passkey", Role::AccessManager).await;
    let invitation = app.service.issue_employer_invitation(&operator(), &manager).await.unwrap();
    let authenticator = browser.add_virtual_authenticator().await;
    browser.set_window_size(1280, 900).await;

    // Sign-in set up with the authenticator app, as before.
    browser.goto(&format!("{}/e/activate", app.root)).await;
    browser.type_into("#code", &invitation.code).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h2", "Authenticator app").await;
    let secret = browser.text("#secret").await;
    browser.type_into("#password", PASSWORD).await;
    browser.type_into("#password2", PASSWORD).await;
    browser.type_into("#totp", &code(&secret)).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h1", "Online service for employers").await;

    // The security page: no passkey yet.
    browser.click("a[href='/e/security']").await;
    browser.wait_for_text("h1", "Your account's security").await;
    browser.wait_for_text("main", "You have no passkey yet.").await;
    browser.find("#pk-add").await;
    browser.screenshot("security-empty").await;
    browser.assert_accessible("security page").await;

    // A wrong password adds nothing (the authenticator makes a credential,
    // the server refuses it).
    browser.type_into("#password", "not my password").await;
    browser.click("#pk-add button[type=submit]").await;
    browser.wait_for_text(".alert", "The password is wrong.").await;
    browser.wait_for_text("main", "You have no passkey yet.").await;
    browser.screenshot("security-wrong-password").await;

    // Added with the password.
    browser.type_into("#password", PASSWORD).await;
    browser.click("#pk-add button[type=submit]").await;
    browser.wait_for_text("main", "The passkey was added.").await;
    assert!(browser.current_url().await.ends_with("/e/security?added=1"), "{}", browser.current_url().await);
    let rows = browser.find_all("#passkeys tbody tr").await;
    assert_eq!(rows.len(), 1, "one passkey listed");
    browser.wait_for_text("#passkeys", "not yet").await;
    browser.screenshot("security-one-passkey").await;
    browser.assert_accessible("security page with a passkey").await;
    let manager_ssin = Ssin::parse(&manager).unwrap();
    let stored = app.service.store().employer_passkeys(&manager_ssin).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(browser.authenticator_credentials(&authenticator).await >= 1);

    // Sign out; sign in with password and passkey, no code.
    browser.click("header button.link").await;
    browser.wait_for_text("h1", "Employer sign-in").await;
    browser.find("#pk-sign-in").await;
    browser.assert_accessible("sign-in with passkey").await;
    browser.type_into("#ssin", &manager).await;
    browser.type_into("#password", PASSWORD).await;
    browser.screenshot("sign-in").await;
    browser.click("#pk-sign-in").await;
    browser.wait_for_text("h1", "Online service for employers").await;
    let cookies = browser.cookies().await;
    assert!(cookies.iter().any(|c| c["name"] == "ciao_employer"), "a session: {cookies:?}");
    let actions = audit_actions(&app, &e1).await;
    let (action, detail) = &actions[0];
    assert_eq!((action.as_str(), &detail["secondFactor"]), ("employer.sign_in", &json!("passkey")), "{actions:?}");
    assert!(actions.iter().any(|(a, _)| a == "employer.passkey_added"), "{actions:?}");
    let used = app.service.store().employer_passkeys(&manager_ssin).await.unwrap();
    assert!(used[0].last_used_at.is_some(), "the sign-in is remembered on the passkey");

    // The passkey does not stand in for the password.
    browser.click("header button.link").await;
    browser.wait_for_text("h1", "Employer sign-in").await;
    browser.type_into("#ssin", &manager).await;
    browser.type_into("#password", "not my password").await;
    browser.click("#pk-sign-in").await;
    browser.wait_for_text(".alert", "is wrong").await;
    assert!(browser.current_url().await.contains("/e/sign-in"), "{}", browser.current_url().await);
    browser.screenshot("sign-in-refused").await;

    // Signed in with the app's code, the passkey is removed.
    browser.goto(&format!("{}/e/sign-in", app.root)).await;
    browser.type_into("#ssin", &manager).await;
    browser.type_into("#password", PASSWORD).await;
    // A code of the next step: the one used at enrolment may still be current.
    let next = {
        let secret = totp::base32_decode(&secret).unwrap();
        totp::code_at_step(&secret, totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp()) + 1)
    };
    browser.type_into("#totp", &next).await;
    browser.click("form#sign-in button[type=submit]").await;
    browser.wait_for_text("h1", "Online service for employers").await;
    browser.goto(&format!("{}/e/security", app.root)).await;
    browser.click("#passkeys form button[type=submit]").await;
    browser.wait_for_text("main", "The passkey was removed.").await;
    browser.wait_for_text("main", "You have no passkey yet.").await;
    assert!(app.service.store().employer_passkeys(&manager_ssin).await.unwrap().is_empty());
    assert!(audit_actions(&app, &e1).await.iter().any(|(a, _)| a == "employer.passkey_removed"));

    // A passkey the device does not have (the authenticator emptied): the
    // browser's own error is not shown (its wording, its language) but the
    // page's, in the page's language; nothing is sent.
    browser
        .command(reqwest::Method::DELETE, &format!("/webauthn/authenticator/{authenticator}/credentials"), None)
        .await;
    browser.click("header button.link").await;
    browser.wait_for_text("h1", "Employer sign-in").await;
    browser.type_into("#ssin", &manager).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#pk-sign-in").await;
    browser.wait_for_text("#pk-error", "The passkey was not used").await;
    assert!(browser.current_url().await.contains("/e/sign-in"), "{}", browser.current_url().await);
    browser.screenshot("sign-in-no-passkey-on-device").await;

    browser.close().await;
    app.finish().await;
}
