//! The worker's whole flow in headless Chromium on a real server: open the
//! workplace URL as a scanned QR code would, activate with a code, create a
//! passkey (virtual authenticator), register IN, see the receipt, register
//! OUT, switch language, see "My registrations", sign in again with the
//! passkey, and see the page tell the truth when the network fails. Every
//! page is checked with axe-core (WCAG 2.2 AA) and photographed into
//! target/screenshots/<test>/.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::{Backend, TestApp, operator, seed};
use webdriver::Browser;

/// The registrations of the worker, as the operator sees them.
async fn count(app: &TestApp, ssin: &str) -> usize {
    let criteria = ciao_domain::search::SearchCriteria {
        registration_from: app.service.now() - time::Duration::days(1),
        registration_to: app.service.now() + time::Duration::days(1),
        ssin: Some(ciao_domain::Ssin::parse(ssin).unwrap()),
        limosa_id: None,
        enterprise_number: None,
        declaration: None,
        validity: Vec::new(),
        remarks: Vec::new(),
        kind: None,
        created_from: None,
        created_to: None,
        sort: ciao_domain::search::Sort { key: ciao_domain::search::SortKey::Id, descending: false },
        page: 1,
        page_size: 50,
        after: None,
        count_limit: None,
    };
    app.service.search(&operator(), &criteria).await.unwrap().items.len()
}

/// One key pressed and released (a WebDriver key code: "\u{E004}" is Tab,
/// "\u{E007}" Enter) on the page's focused element.
async fn press(browser: &Browser, key: &str) {
    let actions = serde_json::json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
        {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
    browser.command(reqwest::Method::POST, "/actions", Some(actions)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_registers_by_phone() {
    let Some(browser) = Browser::start("a_worker_registers_by_phone").await else { return };
    let app = TestApp::spawn_on_localhost(Backend::Sqlite).await.expect("an SQLite test server");
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e2)).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let url = app.service.registration_url(&d);
    assert!(url.starts_with("http://localhost:"), "{url}");
    let authenticator = browser.add_virtual_authenticator().await;
    let code = app.service.issue_activation_code(&operator(), &w.worker).await.unwrap();

    // 0. The front page, where someone who typed the service's address lands.
    browser.goto(&format!("{}/?lang=en", app.root)).await;
    browser.wait_for_text("h1", "Checkinatwork").await;
    browser.screenshot("front-page").await;
    browser.assert_accessible("the front page").await;

    // 0. The printable poster of the workplace fits one A4 page in every
    // language (printed by Chromium, with the page's own @page size).
    for lang in ["nl", "fr", "de", "en"] {
        browser.goto(&format!("{url}/poster?lang={lang}")).await;
        let pdf = browser.cdp("Page.printToPDF", serde_json::json!({"preferCSSPageSize": true})).await;
        let pdf = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(pdf["data"].as_str().expect("a PDF")).unwrap()
        };
        let page_objects =
            |key: &[u8]| pdf.windows(key.len() + 1).filter(|w| w.starts_with(key) && w[key.len()] != b's').count();
        let pages = page_objects(b"/Type /Page") + page_objects(b"/Type/Page");
        assert_eq!(pages, 1, "the {lang} poster prints on {pages} pages");
    }
    browser.screenshot("poster").await;

    // 1. The QR code is scanned: the workplace, and sign-in.
    browser.goto(&url).await;
    browser.wait_for_text("h1", "Tour Nord").await;
    browser.screenshot("scanned").await;
    browser.assert_accessible("the workplace with sign-in").await;

    // 1b. The first Tab reaches "Skip to content", shown while focused;
    // Enter leads past the language switch to the page's content.
    press(&browser, "\u{E004}").await;
    let focused = browser
        .execute(
            "var a = document.activeElement, r = a.getBoundingClientRect(); \
             return [a.className, a.getAttribute('href'), a.textContent, r.left >= 0 && r.top >= 0 && r.width > 0 \
             && r.right <= innerWidth];",
            vec![],
        )
        .await;
    assert_eq!(focused, serde_json::json!(["skip", "#main", "Skip to content", true]), "the first Tab");
    browser.screenshot("skip-link").await;
    press(&browser, "\u{E007}").await;
    let active = browser.execute("return document.activeElement.id;", vec![]).await;
    assert_eq!(active, "main", "Enter on the skip link focuses the content");

    // 2. The activation code, once.
    browser.type_into("#code", &code.code).await;
    browser.click("form[action='/w/activate'] button").await;
    browser.wait_for_text("h1", "Set up sign-in").await;
    browser.find("#pk-create").await;
    browser.screenshot("activate").await;
    browser.assert_accessible("setting up sign-in").await;

    // 3. A passkey with the phone's screen lock (the virtual authenticator).
    browser.click("#pk-create").await;
    browser.wait_for_text("button.big", "Register IN").await;
    assert_eq!(browser.authenticator_credentials(&authenticator).await, 1);
    let cookies = browser.cookies().await;
    let session = cookies.iter().find(|c| c["name"] == "ciao_worker").expect("a session cookie");
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Lax");
    assert!(session["expiry"].as_i64().unwrap() > time::OffsetDateTime::now_utc().unix_timestamp() + 89 * 86_400);
    let body = browser.text("body").await;
    assert!(body.contains("No registration here today yet") && body.contains("An Peeters"), "{body}");
    browser.screenshot("registration-page").await;
    browser.assert_accessible("the registration page").await;
    let weight: i64 = browser
        .execute("return performance.getEntriesByType('navigation')[0].transferSize || document.documentElement.outerHTML.length", vec![])
        .await
        .as_i64()
        .unwrap();
    assert!(weight < 50_000, "the registration page weighs {weight} bytes");

    // 4. One tap: IN, and the receipt.
    browser.click("button.big").await;
    browser.wait_for_text("h1", "IN registered").await;
    let receipt = browser.text("#receipt").await;
    assert!(receipt.trim().parse::<i64>().is_ok(), "{receipt}");
    assert!(browser.text("#validity").await.contains("pending"));
    browser.screenshot("confirmation-in").await;
    browser.assert_accessible("the confirmation").await;
    assert_eq!(count(&app, &w.worker).await, 1);

    // 5. Back, and OUT.
    browser.click("a.button").await;
    browser.wait_for_text(".state", "You are IN since").await;
    browser.click("button.big").await;
    browser.wait_for_text("h1", "OUT registered").await;
    browser.screenshot("confirmation-out").await;
    assert_eq!(count(&app, &w.worker).await, 2);

    // 5b. A page the back/forward cache shows again (as a phone's browser
    // does after Back) is fetched anew at its GET address: the receipt
    // becomes the workplace now, OUT, with IN offered. chromedriver runs
    // Chromium without that cache, so its "pageshow" is the page's own.
    browser.execute("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}));", vec![]).await;
    browser.wait_for_text("button.big", "Register IN").await;
    browser.wait_for_text(".state", "You are OUT since").await;
    assert_eq!(browser.current_url().await, url, "the workplace's address, not a form sent again");
    // And Back (to the IN's receipt, or the workplace before the OUT):
    // the state of now, not of then.
    browser.back().await;
    browser.wait_for_text("button.big", "Register IN").await;
    browser.wait_for_text(".state", "You are OUT since").await;
    browser.screenshot("back-after-out").await;

    // 6. Another language, remembered.
    browser.click("a[hreflang='nl']").await;
    browser.wait_for_text("button.big", "IN registreren").await;
    browser.screenshot("dutch").await;
    browser.assert_accessible("the registration page in Dutch").await;

    // 7. My registrations, newest first, in Dutch without asking again.
    browser.click("a[href='/w/registrations']").await;
    browser.wait_for_text("h1", "Mijn registraties").await;
    let list = browser.text(".regs").await;
    let out = list.find("OUT").expect("the OUT");
    let in_ = list.rfind("IN").expect("the IN");
    assert!(out < in_, "newest first: {list}");
    assert!(list.contains(receipt.trim()), "{list}");
    browser.screenshot("my-registrations").await;
    browser.assert_accessible("my registrations").await;

    // 7b. Where the worker is signed in: this phone, with its browser.
    browser.click("a[href='/w/sessions']").await;
    browser.wait_for_text("h1", "Waar je aangemeld bent").await;
    browser.wait_for_text("#sessions", "(dit toestel)").await;
    browser.wait_for_text("#sessions", "Chrome").await;
    assert_eq!(browser.find_all("#sessions li").await.len(), 1, "one phone");
    browser.screenshot("sessions").await;
    browser.assert_accessible("where you are signed in").await;
    browser.click("a[href='/w/registrations']").await;
    browser.wait_for_text("h1", "Mijn registraties").await;

    // 8. Signed out, then in again with the passkey: scan, one tap.
    browser.click("header button.link").await;
    browser.wait_for_text("h2", "Aanmelden").await;
    browser.goto(&url).await;
    browser.click("#pk-sign-in").await;
    browser.wait_for_text("button.big", "IN registreren").await;
    browser.screenshot("signed-in-again").await;

    // 9. The network fails: the page says nothing was registered, and the
    // retry uses the same key.
    browser.execute("document.getElementById('reg').action = 'http://localhost:9/unreachable'", vec![]).await;
    browser.click("button.big").await;
    browser.wait_for_text("#netfail", "NIETS geregistreerd").await;
    browser.screenshot("network-failure").await;
    browser.assert_accessible("the network failure").await;
    assert_eq!(count(&app, &w.worker).await, 2, "nothing was registered");
    let key = browser.attribute("input[name='key']", "value").await.unwrap();
    browser
        .execute(&format!("document.getElementById('reg').action = '/r/{}/register'", d.technical_number), vec![])
        .await;
    browser.click("#retry").await;
    browser.wait_for_text("h1", "IN geregistreerd").await;
    assert_eq!(count(&app, &w.worker).await, 3);
    let r = app
        .service
        .registration(
            &operator(),
            ciao_domain::RegistrationId::new(browser.text("#receipt").await.trim().parse().unwrap()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.data.client_reference.as_deref(), Some(key.as_str()));

    // 10. The site display for a tablet.
    browser.set_window_size(1280, 800).await;
    browser.goto(&format!("{url}/display")).await;
    browser.find("#site-qr svg").await;
    browser.screenshot("site-display").await;
    browser.assert_accessible("the site display").await;

    browser.close().await;
    app.finish().await;
}
