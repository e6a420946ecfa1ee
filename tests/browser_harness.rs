//! Self-tests of the WebDriver harness (tests/common/webdriver.rs) against a
//! real server: the workplace page and the poster in headless Chromium, their
//! accessibility (axe-core), and a WebAuthn virtual authenticator.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use base64::Engine as _;
use common::{Backend, TestApp, seed};
use serde_json::json;
use webdriver::{Browser, axe_core_path, format_violations};

/// A server with the example data; the technical number of declaration D1.
async fn app_and_workplace() -> (TestApp, String) {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("an SQLite test server");
    let w = seed(&app).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    (app, d.technical_number.to_string())
}

/// The harness: navigation, finding elements, text, attributes, scripts,
/// window size, screenshots, cookies, back and refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_drives_the_workplace_page_and_the_poster() {
    let Some(browser) = Browser::start("harness_drives_the_workplace_page_and_the_poster").await else { return };
    let (app, technical) = app_and_workplace().await;
    let page = format!("{}/r/{technical}?lang=en", app.root);
    browser.goto(&page).await;
    assert_eq!(browser.current_url().await, page);
    assert!(!browser.title().await.is_empty());
    browser.find("h1").await;
    browser.wait_for_text("body", "Tour Nord").await;
    assert!(browser.text("body").await.contains("Tour Nord"));
    assert_eq!(browser.attribute("html", "lang").await.as_deref(), Some("en"));
    assert_eq!(browser.attribute("html", "no-such-attribute").await, None);
    assert!(browser.page_source().await.contains("Tour Nord"));
    assert!(!browser.find_all("body *").await.is_empty());
    assert!(browser.find_all("#no-such-element").await.is_empty());
    // A phone: 412 x 915 CSS pixels, touch input.
    let viewport = "return [window.innerWidth, window.innerHeight, matchMedia('(pointer: coarse)').matches]";
    assert_eq!(browser.execute(viewport, vec![]).await, json!([412, 915, true]));
    assert_eq!(browser.execute("return arguments[0] + arguments[1]", vec![json!(40), json!(2)]).await, json!(42));
    let async_result = browser.execute_async("arguments[arguments.length - 1]('done')", vec![]).await;
    assert_eq!(async_result, json!("done"));
    browser.execute("document.cookie = 'harness=works; path=/; SameSite=Lax'", vec![]).await;
    // Chromium's cookie store takes a script's cookie asynchronously: the
    // driver's list may lag it by a moment (seen once in CI).
    let mut cookies = browser.cookies().await;
    for _ in 0..50 {
        if cookies.iter().any(|c| c["name"] == "harness") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        cookies = browser.cookies().await;
    }
    println!("cookies on the workplace page: {cookies:?}");
    assert!(cookies.iter().any(|c| c["name"] == "harness" && c["value"] == "works"), "{cookies:?}");
    let shot = browser.screenshot("workplace").await;
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000, "{}", shot.display());

    browser.goto(&format!("{}/r/{technical}/poster", app.root)).await;
    browser.wait_for_text("body", "Tour Nord").await;
    browser.wait_for_text("body", "Scan this QR code").await;
    assert!(!browser.find_all("svg").await.is_empty(), "the poster shows the QR code");
    browser.set_window_size(1240, 1754).await;
    assert_eq!(browser.execute(viewport, vec![]).await, json!([1240, 1754, false]));
    browser.screenshot("poster").await;
    browser.back().await;
    browser.wait_for_text("body", "Tour Nord").await;
    assert_eq!(browser.current_url().await, page);
    browser.refresh().await;
    browser.find("h1").await;

    // The accessibility check runs (the pages' verdict is the next test's),
    // and it does find violations: an image without text, an unlabelled field.
    let violations = browser.axe().await;
    println!("axe-core on the workplace page: {} violation(s)\n{}", violations.len(), format_violations(&violations));
    if axe_core_path().is_file() {
        browser
            .execute(
                "document.querySelector('h1').insertAdjacentHTML('afterend', \
                 '<img id=\"bad-image\" src=\"/r/' + arguments[0] + '/qr.svg\"><input id=\"bad-field\">')",
                vec![json!(technical)],
            )
            .await;
        let found = browser.axe().await;
        let ids: Vec<&str> = found.iter().filter_map(|v| v["id"].as_str()).collect();
        assert!(ids.contains(&"image-alt") && ids.contains(&"label"), "{}", format_violations(&found));
        let image = found.iter().find(|v| v["id"] == "image-alt").unwrap();
        assert_eq!(image["nodes"][0]["target"], json!(["#bad-image"]));
        let report = format_violations(&found);
        assert!(report.contains("- image-alt (critical): ") && report.contains("    #bad-image  <img"), "{report}");
        browser.refresh().await;
        browser.find("h1").await;
    }
    browser.close().await;
    app.finish().await;
}

/// WCAG 2.2 AA (axe-core) on the workplace page, in the four languages, and
/// on the poster, at phone and desktop width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workplace_page_and_poster_are_accessible() {
    let Some(browser) = Browser::start("workplace_page_and_poster_are_accessible").await else { return };
    let (app, technical) = app_and_workplace().await;
    for (width, height) in [(412, 915), (1280, 900)] {
        browser.set_window_size(width, height).await;
        for lang in ["nl", "fr", "de", "en"] {
            browser.goto(&format!("{}/r/{technical}?lang={lang}", app.root)).await;
            browser.wait_for_text("body", "Tour Nord").await;
            browser.assert_accessible(&format!("the workplace page ({lang}, {width}px)")).await;
        }
        browser.goto(&format!("{}/r/{technical}/poster", app.root)).await;
        browser.wait_for_text("body", "Tour Nord").await;
        browser.screenshot(&format!("poster-{width}")).await;
        browser.assert_accessible(&format!("the poster ({width}px)")).await;
    }
    browser.close().await;
    app.finish().await;
}

/// A CTAP2 virtual authenticator creates a passkey (ES256, resident, user
/// verified) and signs in with it, on http://localhost (a secure context).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_authenticator_creates_and_uses_a_passkey() {
    let Some(browser) = Browser::start("virtual_authenticator_creates_and_uses_a_passkey").await else { return };
    let (app, technical) = app_and_workplace().await;
    let authenticator = browser.add_virtual_authenticator().await;
    assert_eq!(browser.authenticator_credentials(&authenticator).await, 0);
    let localhost = app.root.replace("127.0.0.1", "localhost");
    browser.goto(&format!("{localhost}/r/{technical}")).await;
    assert_eq!(browser.execute("return window.isSecureContext", vec![]).await, json!(true));

    let created = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const b64 = buf => btoa(String.fromCharCode(...new Uint8Array(buf)));
             navigator.credentials.create({publicKey: {
                 challenge: crypto.getRandomValues(new Uint8Array(32)),
                 rp: {name: 'ciao', id: 'localhost'},
                 user: {id: new TextEncoder().encode('worker-1'), name: 'worker-1', displayName: 'Worker One'},
                 pubKeyCredParams: [{type: 'public-key', alg: -7}],
                 authenticatorSelection: {residentKey: 'required', userVerification: 'required'},
                 attestation: 'none',
             }}).then(c => done({
                 id: c.id,
                 type: c.type,
                 publicKey: b64(c.response.getPublicKey()),
                 alg: c.response.getPublicKeyAlgorithm(),
                 transports: c.response.getTransports(),
             })).catch(e => done({error: e.name + ': ' + e.message}));",
            vec![],
        )
        .await;
    assert!(created.get("error").is_none(), "navigator.credentials.create failed: {created}");
    assert_eq!(created["type"], "public-key");
    assert_eq!(created["alg"], json!(-7), "{created}");
    let spki = base64::engine::general_purpose::STANDARD.decode(created["publicKey"].as_str().unwrap()).unwrap();
    assert_eq!(spki.len(), 91, "a P-256 SubjectPublicKeyInfo: {created}");
    // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 04 || x || y }
    assert!(spki.starts_with(&[0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]));
    assert_eq!(spki[26], 0x04, "an uncompressed point");
    assert_eq!(browser.authenticator_credentials(&authenticator).await, 1);

    // A discoverable sign-in finds it without a credential list.
    let signed_in = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.credentials.get({publicKey: {
                 challenge: crypto.getRandomValues(new Uint8Array(32)),
                 rpId: 'localhost',
                 userVerification: 'required',
             }}).then(c => done({
                 id: c.id,
                 userHandle: new TextDecoder().decode(c.response.userHandle),
                 signatureBytes: c.response.signature.byteLength,
             })).catch(e => done({error: e.name + ': ' + e.message}));",
            vec![],
        )
        .await;
    assert!(signed_in.get("error").is_none(), "navigator.credentials.get failed: {signed_in}");
    assert_eq!(signed_in["id"], created["id"]);
    assert_eq!(signed_in["userHandle"], "worker-1");
    assert!(signed_in["signatureBytes"].as_u64().unwrap() >= 8);
    browser.close().await;
    app.finish().await;
}

/// Whether any process runs Chromium on this profile directory.
fn chromium_running(profile: &std::path::Path) -> bool {
    let marker = format!("--user-data-dir={}", profile.join("user-data").display());
    std::fs::read_dir("/proc").into_iter().flatten().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .map(|c| c.split(|&b| b == 0).any(|arg| arg == marker.as_bytes()))
            .unwrap_or(false)
    })
}

/// Chromium and chromedriver go away when a test panics, and also when
/// chromedriver died first (Chromium would be orphaned otherwise).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_are_cleaned_up_after_a_panic_or_a_dead_driver() {
    let Some(browser) = Browser::start("browsers_are_cleaned_up_after_a_panic_or_a_dead_driver").await else {
        return;
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let panicking = tokio::spawn(async move {
        let _ = tx.send((browser.profile_dir().to_path_buf(), browser.chromium_pids().len()));
        browser.goto("about:blank").await;
        panic!("an expected panic: a failing browser test (the harness cleans up after it)");
    });
    let (profile, processes) = rx.await.unwrap();
    assert!(processes > 0 && chromium_running(&profile));
    assert!(panicking.await.unwrap_err().is_panic());
    assert!(!chromium_running(&profile), "Chromium outlived the panicking test");
    assert!(!profile.exists(), "{} is left behind", profile.display());

    let browser = Browser::start("browsers_are_cleaned_up_after_a_panic_or_a_dead_driver").await.unwrap();
    let profile = browser.profile_dir().to_path_buf();
    assert!(chromium_running(&profile));
    let killed = std::process::Command::new("kill").arg("-KILL").arg(browser.driver_pid().to_string()).status();
    assert!(killed.unwrap().success());
    drop(browser);
    assert!(!chromium_running(&profile), "Chromium outlived its chromedriver");
    assert!(!profile.exists(), "{} is left behind", profile.display());
}
