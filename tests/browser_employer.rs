//! The employers' online service in headless Chromium on a real server:
//! invitation, password and authenticator app, consultation with filters,
//! CSV and XLSX export (fetched by the browser and read back), the live view
//! of a site with its chart, remarks, access management and the audit log;
//! every page checked with axe-core and photographed into
//! target/screenshots/employer_pages/.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use base64::Engine as _;
use ciao_auth::totp;
use ciao_domain::EnterpriseNumber;
use ciao_domain::channel::Role;
use common::{Backend, TestApp, item, now, operator, rfc3339, seed, ssin};
use serde_json::json;
use time::Duration;
use webdriver::Browser;

fn code(secret: &str, ahead: i64) -> String {
    let secret = totp::base32_decode(secret).unwrap();
    totp::code_at_step(&secret, totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp()) + ahead)
}

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employer_pages() {
    let Some(browser) = Browser::start("employer_pages").await else { return };
    let app = TestApp::spawn_on_localhost(Backend::Sqlite).await.expect("an SQLite test server");
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let worker2 = ssin(900_101_001);
    let mut first_in = item(&w.worker, &w.e1, &w.d1, "IN");
    first_in["registrationDate"] = json!(rfc3339(now() - Duration::minutes(5)));
    app.register_one(&w.e1, first_in).await;
    app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "OUT")).await;
    app.register_one(&w.e2, item(&worker2, &w.e2, &w.d1, "IN")).await;
    app.service.validate_all().await.unwrap();
    let invitation = app.service.issue_employer_invitation(&operator(), &manager).await.unwrap();
    browser.set_window_size(1280, 900).await;

    // Invitation: password and authenticator app.
    browser.goto(&format!("{}/e/activate", app.root)).await;
    browser.wait_for_text("h1", "Set up sign-in").await;
    browser.assert_accessible("activation").await;
    browser.type_into("#code", &invitation.code).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h2", "Authenticator app").await;
    let secret = browser.text("#secret").await;
    browser.type_into("#password", PASSWORD).await;
    browser.type_into("#password2", PASSWORD).await;
    browser.type_into("#totp", &code(&secret, 0)).await;
    browser.screenshot("enrolment").await;
    browser.assert_accessible("enrolment").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h1", "Online service for employers").await;
    browser.screenshot("home").await;
    browser.assert_accessible("home").await;
    let cookies = browser.cookies().await;
    let session = cookies.iter().find(|c| c["name"] == "ciao_employer").expect("a session cookie");
    assert_eq!((session["httpOnly"].clone(), session["sameSite"].clone()), (json!(true), json!("Strict")));

    // Consult, with a filter.
    browser.click("a[href='/e/registrations']").await;
    browser.wait_for_text("h1", "Consult registrations").await;
    browser.wait_for_text("table", "IN/OUT pair incomplete").await;
    browser.screenshot("registrations").await;
    browser.assert_accessible("registrations").await;
    browser.type_into("#f-ssin", &worker2).await;
    browser.click("form.filters button").await;
    browser.wait_for_text("#count", "1 registrations").await;
    browser.screenshot("registrations-filtered").await;

    // Export what the filter shows, as the browser downloads it.
    let fetch = "var done = arguments[arguments.length - 1]; fetch(arguments[0], {credentials: 'same-origin'})\
                 .then(r => r.arrayBuffer()).then(b => { var s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); done(btoa(s)); })\
                 .catch(e => done('error: ' + e));";
    let href = browser.attribute("a[href^='/e/registrations.csv']", "href").await.unwrap();
    let csv = browser.execute_async(fetch, vec![json!(href)]).await;
    let csv = base64::engine::general_purpose::STANDARD.decode(csv.as_str().unwrap()).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "the filter's one row: {csv}");
    assert!(lines[1].contains(&worker2), "{csv}");
    let href = browser.attribute("a[href^='/e/registrations.xlsx']", "href").await.unwrap();
    let xlsx = browser.execute_async(fetch, vec![json!(href)]).await;
    let xlsx = base64::engine::general_purpose::STANDARD.decode(xlsx.as_str().unwrap()).unwrap();
    let rows = ciao_http::export::read_xlsx_rows(&xlsx).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][3], worker2);

    // A registration's history.
    browser.click("table a").await;
    browser.wait_for_text("h2", "History").await;
    browser.screenshot("history").await;
    browser.assert_accessible("history").await;

    // The live view of the site, with its chart.
    browser.goto(&format!("{}/e/on-site?declaration={}", app.root, w.d1)).await;
    browser.wait_for_text("h2", "On site now (IN) (1)").await;
    browser.find(".chart svg").await;
    browser.screenshot("on-site").await;
    browser.assert_accessible("on site").await;

    // Remarks, access management, audit log.
    browser.click("a[href='/e/remarks']").await;
    browser.wait_for_text("table", "RELATED_DIMONA_NOT_OK").await;
    browser.screenshot("remarks").await;
    browser.assert_accessible("remarks").await;
    browser.click("a[href='/e/users']").await;
    browser.type_into("#u-ssin", &ssin(660_303_003)).await;
    browser.type_into("#u-name", "Carl Consultant").await;
    browser.click("form.narrow button[type=submit]").await;
    browser.find("#invitation").await;
    browser.screenshot("users").await;
    browser.assert_accessible("users").await;
    browser.click("a[href='/e/audit']").await;
    browser.wait_for_text("table", "registration.export").await;
    browser.screenshot("audit").await;
    browser.assert_accessible("audit").await;

    // A declaration of works, and a subcontractor in its chain.
    browser.goto(&format!("{}/e/declarations/new", app.root)).await;
    browser.find("#f-site_name").await;
    browser.assert_accessible("new declaration").await;
    for (field, value) in [
        ("#f-site_name", "Résidence Parc"),
        ("#f-street", "Avenue Louise"),
        ("#f-house_number", "54"),
        ("#f-post_code", "1050"),
        ("#f-municipality", "Ixelles"),
        ("#f-latitude", "50.8337"),
        ("#f-longitude", "4.3662"),
        ("#f-amount_excl_vat", "125000"),
    ] {
        browser.type_into(field, value).await;
    }
    browser.screenshot("declaration-new").await;
    browser.click("form[action='/e/declarations'] button[type=submit]").await;
    browser.wait_for_text("h1", "Declaration of works").await;
    browser.wait_for_text("main", "Résidence Parc").await;
    browser.type_into("#s-enterprise_number", &w.e2).await;
    browser.click("form[action$='/subcontractors'] button[type=submit]").await;
    let e2_formatted = EnterpriseNumber::parse(&w.e2).unwrap().formatted();
    browser.wait_for_text("main", &e2_formatted).await;
    browser.find("img[src$='/qr.svg']").await;
    browser.screenshot("declaration").await;
    browser.assert_accessible("declaration").await;

    // Nothing wider than a 360 px phone: the declaration (its selects hold
    // numbers and names), access management and the REST channel (their
    // tables' visually hidden headers stay inside the scrolling box), and
    // the registrations, whose rows become cards: the table itself fits,
    // nothing scrolls sideways, and each value has its column's label.
    app.create_client(&w.e1, "Badge reader of the main entrance", &["consult"]).await;
    let declaration = browser.current_url().await;
    let declaration = declaration.split('?').next().unwrap().to_string();
    browser.set_window_size(360, 740).await;
    for (name, url) in [
        ("declaration-360", declaration.clone()),
        ("users-360", format!("{}/e/users", app.root)),
        ("channel-360", format!("{}/e/channel", app.root)),
        ("registrations-360", format!("{}/e/registrations", app.root)),
    ] {
        browser.goto(&url).await;
        browser.find("h1").await;
        let widths = browser
            .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];", vec![])
            .await;
        browser.screenshot(name).await;
        let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert!(client <= 360 && scroll <= 360, "{name}: the page is {scroll} px wide in a {client} px viewport");
    }
    let table = browser
        .execute(
            "var t = document.getElementById('registrations'), b = t.getBoundingClientRect(), \
             c = t.querySelector('tbody td'); \
             return [t.scrollWidth, Math.ceil(b.right), t.querySelectorAll('tbody tr').length, \
             getComputedStyle(c, '::before').content, getComputedStyle(t.querySelector('thead')).position];",
            vec![],
        )
        .await;
    let (scroll, right) = (table[0].as_u64().unwrap(), table[1].as_u64().unwrap());
    assert!(scroll <= 360 && right <= 360, "the registrations table is {scroll} px wide, to {right} px, in 360 px");
    assert!(table[2].as_u64().unwrap() > 0, "rows: {table}");
    assert_eq!(table[3], "\"Receipt number\"", "a card labels its values with the column headers: {table}");
    assert_eq!(table[4], "absolute", "the headers are there for screen readers only: {table}");
    browser.assert_accessible("registrations on a phone").await;
    browser.set_window_size(1280, 900).await;
    browser.goto(&format!("{}/e/registrations", app.root)).await;
    let wide = browser
        .execute(
            "var t = document.getElementById('registrations'); \
             return [getComputedStyle(t).display, getComputedStyle(t.querySelector('tbody td'), '::before').content];",
            vec![],
        )
        .await;
    assert_eq!(wide, json!(["table", "none"]), "a table on a wide screen");
    browser.set_window_size(1280, 900).await;
    browser.goto(&declaration).await;
    browser.find("img[src$='/qr.svg']").await;

    // Another language, then sign out and in again.
    browser.click("a[hreflang='nl']").await;
    browser.wait_for_text("h1", "Aangifte van werken").await;
    browser.click("header button.link").await;
    browser.wait_for_text("h1", "Aanmelden als werkgever").await;
    browser.assert_accessible("sign-in").await;
    browser.type_into("#ssin", &manager).await;
    browser.type_into("#password", PASSWORD).await;
    browser.type_into("#totp", &code(&secret, 1)).await;
    browser.screenshot("sign-in").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h1", "Onlinedienst voor werkgevers").await;

    browser.close().await;
    app.finish().await;
}
