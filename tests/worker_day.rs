//! The worker's registration page through a working day and night, on a
//! running server with the service's clock, on SQLite and PostgreSQL: a
//! night shift's IN stays open after midnight, an IN still open on another
//! workplace is said and can be closed first, an employer outside the
//! declaration's chain and a declaration not running today are warned
//! about, and the sign-in and activation pages keep what was typed.

mod common;

use std::sync::Arc;

use ciao_service::Config;
use common::web::{WebClient as Phone, input, unescape};
use common::{Backend, MovableClock, TestApp, operator, seed};
use time::Duration;

/// Activates `person` on a phone with a PIN, as the worker would.
async fn activate(app: &TestApp, phone: &mut Phone, person: &str, next: &str) {
    let code = app.service.issue_activation_code(&operator(), person).await.unwrap();
    let page = phone.post("/w/activate", &[("code", &code.code), ("next", next)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ticket = input(&page.body, "ticket");
    let page = phone
        .post("/w/activate/pin", &[("ticket", &ticket), ("pin", "482915"), ("pin2", "482915"), ("next", next)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// The value of the main form's `key` (the last one of the page).
/// The page's text without the markup of its times (`<time>`, the offset's
/// `<small>`): "You are IN since yesterday 22:00 (UTC+01:00)".
fn plain(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let end = tag.find('>').map_or(tag.len(), |e| e + 1);
        let name = &tag[..end];
        if !(name.starts_with("<time") || name == "</time>" || name == "<small>" || name == "</small>") {
            out.push_str(name);
        }
        rest = &tag[end..];
    }
    out.push_str(rest);
    out
}

fn tap_key(body: &str) -> String {
    let needle = "name=\"key\" value=\"";
    let start = body.rfind(needle).unwrap() + needle.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

async fn technical(app: &TestApp, number: &str) -> String {
    app.service.declaration(&ciao_domain::DeclarationNumber::parse(number).unwrap()).await.unwrap().technical_number
}

async fn night_shift_and_other_workplace(backend: Backend) {
    let clock = Arc::new(MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, Config::default(), clock.clone()).await else { return };
    let w = seed(&app).await;
    common::worker_of_e2_and_e4(&app, &w).await;
    let d1 = format!("/r/{}", technical(&app, &w.d1).await);
    let d2 = format!("/r/{}", technical(&app, &w.d2).await);
    // To the next 22:00 in Brussels.
    let now = ciao_domain::clock::to_brussels(app.service.now());
    let mut evening = now.replace_time(time::Time::from_hms(22, 0, 0).unwrap());
    if evening <= now {
        evening += Duration::days(1);
    }
    clock.advance(evening - now);
    let mut phone = Phone::new(&app);
    activate(&app, &mut phone, &w.worker, &d1).await;
    let page = phone.get(&d1).await;
    let key = tap_key(&page.body);
    let page = phone.post(&format!("{d1}/register"), &[("kind", "IN"), ("employer", &w.e2), ("key", &key)]).await;
    assert_eq!(page.status, 200, "{}", page.body);

    // 01:00 the next day: still IN since yesterday 22:00, and OUT offered.
    clock.advance(Duration::hours(3));
    let page = phone.get(&d1).await;
    assert!(plain(&page.body).contains("You are IN since yesterday 22:00 (UTC+0"), "{}", page.body);
    assert!(page.body.contains("Register OUT") && page.body.contains("name=\"kind\" value=\"OUT\""), "{}", page.body);
    let page = phone.get(&format!("{d1}?lang=nl")).await;
    assert!(plain(&page.body).contains("Je bent IN sinds gisteren 22:00 (UTC+0"), "{}", page.body);
    assert!(page.body.contains("OUT registreren") && !page.body.contains("UIT "), "Dutch says OUT: {}", page.body);

    // On another workplace meanwhile: said, with the OUT there first.
    let page = phone.get(&format!("{d2}?lang=en")).await;
    assert!(plain(&page.body).contains("You are still IN at Tour Nord since yesterday 22:00 (UTC+0"), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"{d1}/register\"")), "{}", page.body);
    let out_key = input(&page.body, "key");
    let page = phone
        .post(&format!("{d1}/register"), &[("kind", "OUT"), ("employer", &w.e2), ("key", &out_key), ("then", &d2)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("OUT registered"), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"{d2}\"")) && page.body.contains("Continue to Chantier Sud"));
    let page = phone.get(&d2).await;
    assert!(!page.body.contains("still IN"), "{}", page.body);
    assert!(page.body.contains("Register IN"), "{}", page.body);
    // Back on the first workplace: OUT since 01:00, IN offered.
    let page = phone.get(&d1).await;
    assert!(
        plain(&page.body).contains("You are OUT since 01:00 (UTC+0") && page.body.contains("Register IN"),
        "{}",
        page.body
    );
    // In French, the receipt's validity is French.
    let key = tap_key(&page.body);
    let page =
        phone.post(&format!("{d1}/register?lang=fr"), &[("kind", "IN"), ("employer", &w.e2), ("key", &key)]).await;
    assert!(page.body.contains("en attente : en cours de contrôle"), "{}", page.body);

    // A day later the old OUT is no state, and the page says so.
    clock.advance(Duration::hours(30));
    let page = phone.get(&d2).await;
    assert!(page.body.contains("No registration here today yet"), "{}", page.body);
    app.finish().await;
}
both_backends!(night_shift_and_other_workplace_t, night_shift_and_other_workplace);

async fn warnings_before_the_tap(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let today = common::today();
    app.import(
        "declarations",
        &format!(
            "number,sector,site_name,street,house_number,post_code,municipality,latitude,longitude,start_date,end_date,amount_excl_vat,principal,declaring_contractor,subject_to_registration\n\
             3C3005UT7XUUB,cleaning,Ended Site,Rue A,1,1000,Bruxelles,,,2020-01-01,{ended},525000,,{e1},true\n\
             4D4006VU8YVVC,cleaning,Later Site,Rue B,2,1000,Bruxelles,,,{later},,525000,,{e1},true\n\
             5E5007WV9ZWWD,construction,Small Site,Rue C,3,1000,Bruxelles,,,2020-01-01,,1000,,{e1},false\n",
            ended = today - Duration::days(3),
            later = today + Duration::days(3),
            e1 = w.e1,
        ),
    )
    .await;
    // Known only as an employee of E4, which is not in D1's chain.
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e4)).await;
    let d1 = format!("/r/{}", technical(&app, &w.d1).await);
    let mut phone = Phone::new(&app);
    activate(&app, &mut phone, &w.worker, &d1).await;
    let page = phone.get(&d1).await;
    assert!(page.body.contains("Your known employer is not in this declaration"), "{}", page.body);
    assert!(page.body.contains("value=\"other\"") && page.body.contains("name=\"employer_number\""), "{}", page.body);
    let page = phone.get(&format!("{d1}?lang=de")).await;
    assert!(page.body.contains("Ihr bekannter Arbeitgeber steht nicht in dieser Arbeitsmeldung"), "{}", page.body);
    assert!(!page.body.contains("Bauarbeitenmeldung"), "{}", page.body);
    // A typed number that is not one: refused with its rule, kept, tied to its field.
    let key = tap_key(&page.body);
    let form = [("kind", "IN"), ("employer", "other"), ("employer_number", "0123"), ("key", key.as_str())];
    let page = phone.post(&format!("{d1}/register?lang=nl"), &form).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Een ondernemingsnummer heeft 10 cijfers"), "{}", page.body);
    assert!(!page.body.contains("this one has"), "no English rule: {}", page.body);
    assert!(page.body.contains("value=\"0123\""), "the typed number is kept: {}", page.body);
    assert!(page.body.contains("aria-invalid=\"true\""), "{}", page.body);
    // Nothing typed: the rule says to type it.
    let form = [("kind", "IN"), ("employer", "other"), ("employer_number", ""), ("key", key.as_str())];
    let page = phone.post(&format!("{d1}/register?lang=en"), &form).await;
    assert!(page.body.contains("Choose your employer or give its enterprise number."), "{}", page.body);
    // The employer of the chain, typed: registered for it.
    let form = [("kind", "IN"), ("employer", "other"), ("employer_number", w.e2.as_str()), ("key", key.as_str())];
    let page = phone.post(&format!("{d1}/register?lang=en"), &form).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("IN registered"), "{}", page.body);

    for (number, text) in [
        ("3C3005UT7XUUB", "This declaration ended on"),
        ("4D4006VU8YVVC", "This declaration only starts on"),
        ("5E5007WV9ZWWD", "not subject to registration"),
    ] {
        let page = phone.get(&format!("/r/{}?lang=en", technical(&app, number).await)).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(text), "{number}: {}", page.body);
    }
    let page = phone.get(&d1).await;
    for text in ["This declaration ended on", "only starts on", "not subject to registration"] {
        assert!(!page.body.contains(text), "D1 runs: {}", page.body);
    }
    app.finish().await;
}
both_backends!(warnings_before_the_tap_t, warnings_before_the_tap);

async fn sign_in_and_activation_pages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let mut phone = Phone::new(&app);
    // The address the operator's message gives: the activation form.
    let page = phone.get("/w/activate").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"code\""), "{}", page.body);
    // No passkeys on 127.0.0.1: no "Or …" before the PIN; a way back after a
    // forgotten PIN or a new phone.
    assert!(page.body.contains("<h3>Sign in with your PIN</h3>"), "{}", page.body);
    assert!(!page.body.contains("Or sign in"), "{}", page.body);
    assert!(page.body.contains("Ask your employer for a new activation code"), "{}", page.body);
    // A wrong code: kept, tied to its field, said in the page's language.
    let page = phone.post("/w/activate?lang=fr", &[("code", "ABCD-EFGH-JKLM")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("value=\"ABCD-EFGH-JKLM\""), "{}", page.body);
    assert!(page.body.contains("aria-describedby=\"err-activationCode code-hint\""), "{}", page.body);
    assert!(!page.body.contains("ask for a new one"), "no English tail: {}", page.body);
    // The set-up page: "Choose a PIN", and its language switch keeps the
    // ticket and where the worker was going.
    let code = app.service.issue_activation_code(&operator(), &w.worker).await.unwrap();
    let next = format!("/r/{}", technical(&app, &w.d1).await);
    let page = phone.post("/w/activate?lang=en", &[("code", &code.code), ("next", &next)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h2>Choose a PIN</h2>"), "{}", page.body);
    let ticket = unescape(&input(&page.body, "ticket"));
    assert!(page.body.contains("action=\"/w/activate?lang=nl\""), "{}", page.body);
    let page = phone.post("/w/activate?lang=nl", &[("ticket", &ticket), ("next", &next)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<html lang=\"nl\">") && page.body.contains("Kies een pincode"), "{}", page.body);
    assert_eq!(unescape(&input(&page.body, "ticket")), ticket);
    // A PIN rule in Dutch, the rule itself.
    let page =
        phone.post("/w/activate/pin?lang=nl", &[("ticket", &ticket), ("pin", "123456"), ("pin2", "123456")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Een pincode mag geen oplopende of aflopende reeks zijn"), "{}", page.body);
    assert!(!page.body.contains("ascending"), "{}", page.body);
    let form = [("ticket", ticket.as_str()), ("pin", "482915"), ("pin2", "482915"), ("next", next.as_str())];
    let page = phone.post("/w/activate/pin?lang=nl", &form).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some(next.as_str())), "{}", page.body);
    // The worker's pages say "je" in Dutch, the sessions page too.
    let page = phone.get("/w/sessions?lang=nl").await;
    assert!(page.body.contains("Waar je aangemeld bent"), "{}", page.body);
    assert!(!page.body.contains("Waar u") && !page.body.contains(" u zich"), "{}", page.body);
    app.finish().await;
}
both_backends!(sign_in_and_activation_pages_t, sign_in_and_activation_pages);

/// The worker's pages are not kept by the browser (`no-store`), and a page
/// the back/forward cache shows again anyway (Back after OUT) is fetched
/// anew at its GET address, never by sending a form again: the receipt's
/// at the workplace's.
async fn no_stale_page_after_back(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    common::worker_of_e2_and_e4(&app, &w).await;
    let d1 = format!("/r/{}", technical(&app, &w.d1).await);
    let mut phone = Phone::new(&app);
    activate(&app, &mut phone, &w.worker, &d1).await;
    let workplace = phone.get(&d1).await;
    let key = tap_key(&workplace.body);
    let receipt = phone.post(&format!("{d1}/register"), &[("kind", "IN"), ("employer", &w.e2), ("key", &key)]).await;
    assert!(receipt.body.contains("IN registered"), "{}", receipt.body);
    let reload = "addEventListener('pageshow',function(e){if(e.persisted)\
                  location.replace(document.querySelector('header[data-here]').dataset.here)})";
    for (page, here) in [(&workplace, d1.as_str()), (&receipt, d1.as_str())] {
        assert!(page.body.contains(&format!("<header data-here=\"{here}\">")), "{}", page.body);
        assert!(page.body.contains(reload), "{}", page.body);
    }
    for path in [d1.as_str(), "/w/registrations", "/w/sessions"] {
        let r = phone.http.get(format!("{}{path}", phone.root)).header("cookie", phone.cookie_header()).send().await;
        let r = r.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains(reload), "{path}: {body}");
        assert!(body.contains(&format!("<header data-here=\"{path}\">")), "{path}: {body}");
    }
    app.finish().await;
}
both_backends!(no_stale_page_after_back_t, no_stale_page_after_back);
