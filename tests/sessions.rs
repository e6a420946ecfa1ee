//! Per-device web sessions over HTTP, on SQLite and PostgreSQL: a worker
//! sees the phones where they are signed in (`/w/sessions`) and signs one
//! out, or all the others; an employer user does the same on
//! `/e/security`. The forms are refused cross-site (and without the CSRF
//! token for employers), a session that is not the person's own is never
//! ended, every ending is audited, and signing out ends the session on the
//! server: a copy of the old cookie no longer signs anyone in.

mod common;

use ciao_domain::channel::Role;
use ciao_domain::{EnterpriseNumber, Ssin};
use common::web::{EMPLOYER_COOKIE, Page, WebClient, code_now, csrf, enrol_employer, input};
use common::{Backend, TestApp, operator, seed, ssin};
use serde_json::{Value, json};

const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                              Chrome/131.0.0.0 Mobile Safari/537.36";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                             (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const FIREFOX_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const EDGE_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                            Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

const PIN: &str = "482915";
const OTHER_PIN: &str = "730418";
const PASSWORD: &str = "correct horse battery staple";
const WORKER_COOKIE: &str = "ciao_worker";

/// A browser that tells its User-Agent; cookies kept by hand, redirects not followed.
fn device(app: &TestApp, agent: &str) -> WebClient {
    let http = reqwest::Client::builder()
        .user_agent(agent)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    WebClient { http, root: app.root.clone(), cookies: Vec::new() }
}

/// The value of a cookie the browser holds.
fn cookie(b: &WebClient, name: &str) -> String {
    b.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no cookie {name}"))
}

/// Another browser (no User-Agent) holding a copy of a cookie value.
fn copy_of(app: &TestApp, name: &str, value: &str) -> WebClient {
    let mut b = WebClient::new(app);
    b.cookies.push((name.to_string(), value.to_string()));
    b
}

/// One entry of the list `#sessions`.
#[derive(Debug)]
struct Row {
    /// Its first line: the device and, for the current one, "(this device)".
    device: String,
    current: bool,
    /// The hidden `id` of its sign-out form (None for the current session).
    id: Option<i64>,
}

fn session_rows(body: &str) -> Vec<Row> {
    let start = body.find("<ul id=\"sessions\"").unwrap_or_else(|| panic!("no list #sessions in {body}"));
    let list = &body[start..start + body[start..].find("</ul>").expect("the list ends")];
    list.split("<li>")
        .skip(1)
        .map(|row| {
            const DEVICE: &str = "<p class=\"device\">";
            let line = row.strip_prefix(DEVICE).unwrap_or_else(|| panic!("an entry starts with its device: {row}"));
            let device = line[..line.find("</p>").expect("the line ends")].to_string();
            let id = row.find("name=\"id\" value=\"").map(|i| {
                let v = &row[i + "name=\"id\" value=\"".len()..];
                v[..v.find('"').unwrap()].parse::<i64>().unwrap_or_else(|e| panic!("id {v}: {e}"))
            });
            Row { current: device.contains("(this device)"), device, id }
        })
        .collect()
}

/// The row of the session the page was asked with.
fn current_row(rows: &[Row]) -> &Row {
    let current: Vec<&Row> = rows.iter().filter(|r| r.current).collect();
    assert_eq!(current.len(), 1, "exactly one row is this device: {rows:?}");
    current[0]
}

/// The id of the one row that is not this device.
fn other_id(rows: &[Row]) -> i64 {
    let others: Vec<&Row> = rows.iter().filter(|r| !r.current).collect();
    assert_eq!(others.len(), 1, "{rows:?}");
    others[0].id.unwrap_or_else(|| panic!("another session has a sign-out form: {rows:?}"))
}

/// The details of the audit entries with this action, newest first.
async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    let entries = app.service.store().audit_entries(1000).await.unwrap();
    entries.into_iter().filter(|e| e.action == action).map(|e| e.detail).collect()
}

// ---------------------------------------------------------------- workers

/// Activates `person` on `phone` with a PIN (the code from the operator).
async fn activate(app: &TestApp, phone: &mut WebClient, person: &str, pin: &str) {
    let code = app.service.issue_activation_code(&operator(), person).await.unwrap();
    let page = phone.post("/w/activate", &[("code", &code.code), ("next", "/w/registrations")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ticket = input(&page.body, "ticket");
    let page = phone
        .post(
            "/w/activate/pin",
            &[("ticket", &ticket), ("pin", pin), ("pin2", pin), ("next", "/w/registrations"), ("remember", "1")],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/w/registrations")), "{}", page.body);
    assert!(phone.has_cookie(WORKER_COOKIE));
}

/// Signs in with SSIN and PIN.
async fn pin_sign_in(phone: &mut WebClient, person: &str, pin: &str) {
    let page = phone.post("/w/sign-in", &[("ssin", person), ("pin", pin), ("next", "/w/registrations")]).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/w/registrations")), "{}", page.body);
    assert!(phone.has_cookie(WORKER_COOKIE));
}

/// Whether a worker page is signed in (the top bar's sign-out form) or
/// the sign-in form.
fn worker_signed_in(page: &Page) -> bool {
    let signed_in = page.body.contains("action=\"/w/sign-out\"");
    let sign_in_form = page.body.contains("name=\"pin\"");
    assert!(signed_in != sign_in_form, "either signed in or the sign-in page: {}", page.body);
    signed_in
}

async fn worker_is_signed_in(phone: &mut WebClient) -> bool {
    let page = phone.get("/w/registrations").await;
    assert!(page.status < 500, "{}: {}", page.status, page.body);
    worker_signed_in(&page)
}

/// A server with the reference data and the worker's SSIN.
async fn worker_app(backend: Backend) -> Option<(TestApp, String)> {
    let app = TestApp::spawn(backend).await?;
    let w = seed(&app).await;
    Some((app, w.worker))
}

/// Tests 1–3: two phones listed with their devices, one signed out, then
/// all the others.
async fn worker_lists_and_ends_sessions(backend: Backend) {
    let Some((app, worker)) = worker_app(backend).await else { return };
    let person = Ssin::parse(&worker).unwrap();
    let mut a = device(&app, CHROME_ANDROID);
    activate(&app, &mut a, &worker, PIN).await;

    // The store keeps a row for the new session, with its device.
    let rows = app.service.store().web_sessions("worker", &person, app.service.now()).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].device, "Chrome · Android", "{rows:?}");
    assert_eq!(rows[0].provider, "ciao-pin", "{rows:?}");
    assert_eq!(rows[0].revoked_at, None);

    let mut b = device(&app, SAFARI_IPHONE);
    pin_sign_in(&mut b, &worker, PIN).await;
    let stored = app.service.store().web_sessions("worker", &person, app.service.now()).await.unwrap();
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.iter().any(|s| s.device == "Safari · iPhone" && s.provider == "ciao-pin"), "{stored:?}");

    // The top bar links to the list.
    let page = a.get("/w/registrations").await;
    assert!(page.body.contains("href=\"/w/sessions\""), "{}", page.body);

    // A's list: two rows, A's marked as this device, B's with its own form.
    let page = a.get("/w/sessions").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(worker_signed_in(&page));
    let rows = session_rows(&page.body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let mine = current_row(&rows);
    assert!(mine.device.contains("Chrome · Android"), "{rows:?}");
    assert_eq!(mine.id, None, "no sign-out form on this device's row: {rows:?}");
    let b_row = rows.iter().find(|r| !r.current).unwrap();
    assert!(b_row.device.contains("Safari · iPhone") && !b_row.device.contains("Chrome"), "{rows:?}");
    let b_id = other_id(&rows);
    assert!(page.body.contains("name=\"others\" value=\"1\"") && page.body.contains("Sign out all others"));
    // The ids are the sessions' issue instants, as the store has them.
    let stored_ids: Vec<i64> = stored.iter().map(|s| ciao_domain::clock::to_micros(s.issued_at)).collect();
    assert!(stored_ids.contains(&b_id), "{b_id} in {stored_ids:?}");
    // Newest first: B signed in after A.
    assert!(!rows[0].current && rows[1].current, "{rows:?}");

    // B sees the same two, from its side.
    let page = b.get("/w/sessions").await;
    let rows_b = session_rows(&page.body);
    assert_eq!(rows_b.len(), 2, "{rows_b:?}");
    assert!(current_row(&rows_b).device.contains("Safari · iPhone"), "{rows_b:?}");
    let a_id = other_id(&rows_b);
    assert_ne!(a_id, b_id);

    // Test 2: A signs B out.
    let before = audited(&app, "worker.sessions_ended").await.len();
    let page = a.post("/w/sessions", &[("id", &b_id.to_string())]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Signed out."), "{}", page.body);
    let rows = session_rows(&page.body);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].current && rows[0].device.contains("Chrome · Android"), "{rows:?}");
    assert!(!worker_is_signed_in(&mut b).await, "B is signed out");
    assert!(worker_is_signed_in(&mut a).await, "A stays signed in");
    let b_issued = ciao_domain::clock::from_micros(b_id);
    let b_session = app.service.store().web_session("worker", &person, b_issued).await.unwrap().expect("B's row");
    assert!(b_session.revoked_at.is_some(), "{b_session:?}");
    let ended = audited(&app, "worker.sessions_ended").await;
    assert_eq!(ended.len(), before + 1, "{ended:?}");
    assert_eq!(ended[0], json!({ "sessions": 1, "others": false }));
    // B's list is no longer reachable with B's cookie.
    let page = b.get("/w/sessions").await;
    assert!(!worker_signed_in(&page), "{}", page.body);

    // Test 3: B signs in again; A signs out all the others.
    pin_sign_in(&mut b, &worker, PIN).await;
    assert!(worker_is_signed_in(&mut b).await);
    let page = a.get("/w/sessions").await;
    assert_eq!(session_rows(&page.body).len(), 2, "{}", page.body);
    let page = a.post("/w/sessions", &[("others", "1")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Signed out."), "{}", page.body);
    assert!(!worker_is_signed_in(&mut b).await, "B is signed out");
    assert!(worker_is_signed_in(&mut a).await, "A stays signed in");
    let page = a.get("/w/sessions").await;
    let rows = session_rows(&page.body);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].current && rows[0].device.contains("Chrome · Android"), "{rows:?}");
    assert!(!page.body.contains("name=\"others\""), "nothing else to sign out: {}", page.body);
    let ended = audited(&app, "worker.sessions_ended").await;
    assert_eq!(ended.len(), before + 2, "{ended:?}");
    assert_eq!(ended[0], json!({ "sessions": 1, "others": true }));
    let live = app.service.store().web_sessions("worker", &person, app.service.now()).await.unwrap();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].device, "Chrome · Android");
    app.finish().await;
}
both_backends!(worker_lists_and_ends_sessions_t, worker_lists_and_ends_sessions);

/// Test 4: a cross-site form post ends nothing.
async fn worker_cross_site_post_is_refused(backend: Backend) {
    let Some((app, worker)) = worker_app(backend).await else { return };
    let mut a = device(&app, CHROME_ANDROID);
    activate(&app, &mut a, &worker, PIN).await;
    let mut b = device(&app, SAFARI_IPHONE);
    pin_sign_in(&mut b, &worker, PIN).await;
    let b_id = other_id(&session_rows(&a.get("/w/sessions").await.body));

    for origin in ["https://evil.example", "null"] {
        for form in [[("id", b_id.to_string())], [("others", "1".to_string())]] {
            let r = a
                .http
                .post(format!("{}/w/sessions", app.root))
                .header("cookie", a.cookie_header())
                .header("origin", origin)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{origin} {form:?}");
        }
    }
    assert!(worker_is_signed_in(&mut b).await, "B is still signed in");
    assert!(worker_is_signed_in(&mut a).await);
    assert_eq!(session_rows(&a.get("/w/sessions").await.body).len(), 2);
    assert!(audited(&app, "worker.sessions_ended").await.is_empty(), "nothing ended, nothing audited");

    // The same post from this site's own origin is accepted (the refusal above is the origin's).
    let r = a
        .http
        .post(format!("{}/w/sessions", app.root))
        .header("cookie", a.cookie_header())
        .header("origin", app.root.as_str())
        .form(&[("id", b_id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("Signed out."));
    assert!(!worker_is_signed_in(&mut b).await);
    app.finish().await;
}
both_backends!(worker_cross_site_post_is_refused_t, worker_cross_site_post_is_refused);

/// Test 5: an id that is not one of the worker's sessions ends nothing.
async fn worker_cannot_end_what_is_not_theirs(backend: Backend) {
    let Some((app, worker)) = worker_app(backend).await else { return };
    let mut a = device(&app, CHROME_ANDROID);
    activate(&app, &mut a, &worker, PIN).await;
    let mut b = device(&app, SAFARI_IPHONE);
    pin_sign_in(&mut b, &worker, PIN).await;
    // Another worker, signed in on their own phone.
    let other = ssin(900_101_001);
    let mut c = device(&app, FIREFOX_WINDOWS);
    activate(&app, &mut c, &other, OTHER_PIN).await;
    let page = c.get("/w/sessions").await;
    let c_rows = session_rows(&page.body);
    assert_eq!(c_rows.len(), 1, "{c_rows:?}");
    let other_person = Ssin::parse(&other).unwrap();
    let c_stored = app.service.store().web_sessions("worker", &other_person, app.service.now()).await.unwrap();
    assert_eq!(c_stored.len(), 1, "{c_stored:?}");
    let c_id = ciao_domain::clock::to_micros(c_stored[0].issued_at);
    // A's own list never shows the other worker's session.
    let a_rows = session_rows(&a.get("/w/sessions").await.body);
    assert_eq!(a_rows.len(), 2, "{a_rows:?}");
    assert!(a_rows.iter().all(|r| r.id != Some(c_id)), "{a_rows:?}");

    let made_up = [
        c_id.to_string(),
        (c_id + 1).to_string(),
        "1".to_string(),
        "0".to_string(),
        "-1".to_string(),
        i64::MAX.to_string(),
        i64::MIN.to_string(),
        "99999999999999999999999".to_string(),
        "abc".to_string(),
        String::new(),
    ];
    for id in &made_up {
        let page = a.post("/w/sessions", &[("id", id)]).await;
        assert!(page.status < 500, "id {id:?}: {} {}", page.status, page.body);
        assert!(!page.body.contains("Signed out."), "id {id:?}: {}", page.body);
    }
    assert!(worker_is_signed_in(&mut c).await, "the other worker stays signed in");
    assert!(worker_is_signed_in(&mut b).await, "A's other phone stays signed in");
    assert!(worker_is_signed_in(&mut a).await);
    let c_stored = app.service.store().web_sessions("worker", &other_person, app.service.now()).await.unwrap();
    assert_eq!(c_stored.len(), 1, "{c_stored:?}");
    assert_eq!(session_rows(&a.get("/w/sessions").await.body).len(), 2);
    assert!(audited(&app, "worker.sessions_ended").await.is_empty(), "nothing ended, nothing audited");

    // The other worker's "all others" does not reach A's phones either.
    let page = c.post("/w/sessions", &[("others", "1")]).await;
    assert!(page.status < 500, "{}", page.body);
    assert!(worker_is_signed_in(&mut a).await && worker_is_signed_in(&mut b).await);
    assert!(worker_is_signed_in(&mut c).await);
    // A session that has ended already cannot be ended twice.
    let b_id = other_id(&session_rows(&a.get("/w/sessions").await.body));
    let page = a.post("/w/sessions", &[("id", &b_id.to_string())]).await;
    assert!(page.body.contains("Signed out."), "{}", page.body);
    let page = a.post("/w/sessions", &[("id", &b_id.to_string())]).await;
    assert!(page.status < 500, "{}", page.body);
    assert!(!page.body.contains("Signed out."), "{}", page.body);
    app.finish().await;
}
both_backends!(worker_cannot_end_what_is_not_theirs_t, worker_cannot_end_what_is_not_theirs);

/// Test 6: signing out ends the session on the server: a copy of the
/// cookie signs no one in afterwards.
async fn worker_sign_out_ends_the_session_on_the_server(backend: Backend) {
    let Some((app, worker)) = worker_app(backend).await else { return };
    let person = Ssin::parse(&worker).unwrap();
    let mut a = device(&app, CHROME_ANDROID);
    activate(&app, &mut a, &worker, PIN).await;
    let old = cookie(&a, WORKER_COOKIE);
    // The cookie does not give the person away: encrypted, not only signed.
    assert!(old.starts_with("p."), "{old}");
    let readable = |v: &str| {
        use base64::Engine;
        let decoded = v.split('.').filter_map(|p| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).ok());
        v.contains(&worker) || decoded.into_iter().any(|d| String::from_utf8_lossy(&d).contains(&worker))
    };
    assert!(!readable(&old), "{old}");
    // Before: a copy of the cookie works (what the sign-out must stop).
    let mut thief = copy_of(&app, WORKER_COOKIE, &old);
    assert!(worker_is_signed_in(&mut thief).await, "a copied cookie works while the session is on");

    let page = a.post("/w/sign-out", &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(!a.has_cookie(WORKER_COOKIE), "the cookie is removed");
    assert!(!worker_is_signed_in(&mut a).await);

    let mut thief = copy_of(&app, WORKER_COOKIE, &old);
    let page = thief.get("/w/registrations").await;
    assert!(!worker_signed_in(&page), "the old cookie no longer signs in: {}", page.body);
    let page = thief.get("/w/sessions").await;
    assert!(!worker_signed_in(&page), "{}", page.body);
    assert!(!page.body.contains("id=\"sessions\""), "{}", page.body);
    // The row is revoked, and no longer listed.
    let live = app.service.store().web_sessions("worker", &person, app.service.now()).await.unwrap();
    assert!(live.is_empty(), "{live:?}");
    let issued = app.service.worker_from_session(&old).await.unwrap();
    assert!(issued.is_none(), "the service refuses the old cookie: {issued:?}");
    app.finish().await;
}
both_backends!(worker_sign_out_ends_the_session_on_the_server_t, worker_sign_out_ends_the_session_on_the_server);

// -------------------------------------------------------------- employers

/// A server with an access manager of E1; their SSIN and E1.
async fn employer_app(backend: Backend) -> Option<(TestApp, String, EnterpriseNumber)> {
    let app = TestApp::spawn(backend).await?;
    let w = seed(&app).await;
    let (e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    Some((app, manager, e1))
}

/// The invitation, the password and the app (TOTP step 0); the app's secret.
async fn enrol(app: &TestApp, b: &mut WebClient, person: &str) -> String {
    enrol_employer(&app.service, b, person, PASSWORD).await
}

/// Signs in with the app's code of the next step (the enrolment used this one).
async fn employer_sign_in(b: &mut WebClient, person: &str, secret: &str) {
    let page = b
        .post(
            "/e/sign-in",
            &[("ssin", person), ("password", PASSWORD), ("totp", &code_now(secret, 1)), ("next", "/e/security")],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security")), "{}", page.body);
    assert!(b.has_cookie(EMPLOYER_COOKIE));
}

/// Whether the browser is signed in: `/e` answers, or sends to the sign-in.
async fn employer_is_signed_in(b: &mut WebClient) -> bool {
    let page = b.get("/e").await;
    match page.status {
        200 => true,
        303 => {
            let to = page.location.unwrap_or_default();
            assert!(to.starts_with("/e/sign-in"), "to the sign-in: {to}");
            false
        }
        s => panic!("/e answered {s}: {}", page.body),
    }
}

/// Test 7: two browsers listed; the form needs the CSRF token; one browser
/// signs the other out.
async fn employer_ends_another_browser(backend: Backend) {
    let Some((app, manager, _)) = employer_app(backend).await else { return };
    let person = Ssin::parse(&manager).unwrap();
    let mut one = device(&app, FIREFOX_WINDOWS);
    let secret = enrol(&app, &mut one, &manager).await;
    let mut two = device(&app, EDGE_WINDOWS);
    employer_sign_in(&mut two, &manager, &secret).await;
    let stored = app.service.store().web_sessions("employer", &person, app.service.now()).await.unwrap();
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.iter().any(|s| s.device == "Firefox · Windows"), "{stored:?}");
    assert!(stored.iter().any(|s| s.device == "Edge · Windows" && s.provider == "totp"), "{stored:?}");

    let page = one.get("/e/security").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rows = session_rows(&page.body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(current_row(&rows).device.contains("Firefox · Windows"), "{rows:?}");
    let two_id = other_id(&rows);
    assert!(rows.iter().any(|r| !r.current && r.device.contains("Edge · Windows")), "{rows:?}");
    let token = csrf(&page.body);
    // The other browser's view of the same.
    let page = two.get("/e/security").await;
    let rows_two = session_rows(&page.body);
    assert_eq!(rows_two.len(), 2, "{rows_two:?}");
    assert!(current_row(&rows_two).device.contains("Edge · Windows"), "{rows_two:?}");
    let token_two = csrf(&page.body);

    // Without the CSRF token, with another session's token, or cross-site: refused.
    let id = two_id.to_string();
    let page = one.post("/e/security/sessions", &[("id", &id)]).await;
    assert_eq!(page.status, 403, "{}", page.body);
    let page = one.post("/e/security/sessions", &[("id", &id), ("csrf", &token_two)]).await;
    assert_eq!(page.status, 403, "another session's token: {}", page.body);
    let page = one.post("/e/security/sessions", &[("others", "1")]).await;
    assert_eq!(page.status, 403, "{}", page.body);
    let r = one
        .http
        .post(format!("{}/e/security/sessions", app.root))
        .header("cookie", one.cookie_header())
        .header("origin", "https://evil.example")
        .form(&[("id", id.as_str()), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // An id that is not one of the user's sessions ends nothing, and is no server error.
    for made_up in ["1", "-1", "abc", &(two_id + 1).to_string()] {
        let page = one.post("/e/security/sessions", &[("id", made_up), ("csrf", &token)]).await;
        assert!(page.status < 500, "{made_up}: {} {}", page.status, page.body);
        assert_ne!(page.location.as_deref(), Some("/e/security?ended=1"), "{made_up}");
    }
    assert!(employer_is_signed_in(&mut two).await, "nothing ended");
    assert!(employer_is_signed_in(&mut one).await);
    assert!(audited(&app, "employer.sessions_ended").await.is_empty());

    // With the token: the other browser is signed out.
    let page = one.post("/e/security/sessions", &[("id", &id), ("csrf", &token)]).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security?ended=1")), "{}", page.body);
    let page = one.get("/e/security?ended=1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Signed out."), "{}", page.body);
    let rows = session_rows(&page.body);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].current && rows[0].device.contains("Firefox · Windows"), "{rows:?}");
    assert!(!employer_is_signed_in(&mut two).await, "the other browser is signed out");
    assert!(employer_is_signed_in(&mut one).await);
    let ended = audited(&app, "employer.sessions_ended").await;
    assert_eq!(ended, vec![json!({ "sessions": 1, "others": false })]);
    app.finish().await;
}
both_backends!(employer_ends_another_browser_t, employer_ends_another_browser);

/// Test 8: "all others", then signing out ends the session on the server.
async fn employer_others_and_sign_out(backend: Backend) {
    let Some((app, manager, _)) = employer_app(backend).await else { return };
    let person = Ssin::parse(&manager).unwrap();
    let mut one = device(&app, FIREFOX_WINDOWS);
    let secret = enrol(&app, &mut one, &manager).await;
    let mut two = device(&app, EDGE_WINDOWS);
    employer_sign_in(&mut two, &manager, &secret).await;

    let page = one.get("/e/security").await;
    assert!(page.body.contains("Sign out all others"), "{}", page.body);
    let token = csrf(&page.body);
    let page = one.post("/e/security/sessions", &[("others", "1"), ("csrf", &token)]).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/security?ended=1")), "{}", page.body);
    assert!(!employer_is_signed_in(&mut two).await);
    assert!(employer_is_signed_in(&mut one).await);
    let page = one.get("/e/security").await;
    let rows = session_rows(&page.body);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].current, "{rows:?}");
    assert!(!page.body.contains("name=\"others\""), "{}", page.body);
    assert_eq!(audited(&app, "employer.sessions_ended").await, vec![json!({ "sessions": 1, "others": true })]);

    // Sign out; a copy of the old cookie works before, not after.
    let old = cookie(&one, EMPLOYER_COOKIE);
    let mut thief = copy_of(&app, EMPLOYER_COOKIE, &old);
    assert!(employer_is_signed_in(&mut thief).await, "a copied cookie works while the session is on");
    let token = csrf(&one.get("/e").await.body);
    let page = one.post("/e/sign-out", &[("csrf", &token)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(!employer_is_signed_in(&mut one).await);
    let mut thief = copy_of(&app, EMPLOYER_COOKIE, &old);
    let page = thief.get("/e").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location.as_deref().unwrap_or_default().starts_with("/e/sign-in"), "{:?}", page.location);
    let page = thief.get("/e/security").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(app.service.employer_from_session(&old).await.unwrap().is_none());
    let live = app.service.store().web_sessions("employer", &person, app.service.now()).await.unwrap();
    assert!(live.is_empty(), "{live:?}");
    app.finish().await;
}
both_backends!(employer_others_and_sign_out_t, employer_others_and_sign_out);

/// The ending of sessions is in the enterprise's own audit log (`/e/audit`),
/// as the user's other security actions are (sign-in, passkeys).
async fn employer_sessions_ended_in_enterprise_log(backend: Backend) {
    let Some((app, manager, e1)) = employer_app(backend).await else { return };
    let mut one = device(&app, FIREFOX_WINDOWS);
    let secret = enrol(&app, &mut one, &manager).await;
    let mut two = device(&app, EDGE_WINDOWS);
    employer_sign_in(&mut two, &manager, &secret).await;
    let token = csrf(&one.get("/e/security").await.body);
    let page = one.post("/e/security/sessions", &[("others", "1"), ("csrf", &token)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let log = app.service.store().enterprise_audit_page(&e1, 0, 100).await.unwrap().0;
    assert!(log.iter().any(|e| e.action == "employer.sign_in"), "the sign-in is in E1's log: {log:?}");
    assert!(log.iter().any(|e| e.action == "employer.sessions_ended"), "{log:?}");
    app.finish().await;
}
both_backends!(employer_sessions_ended_in_enterprise_log_t, employer_sessions_ended_in_enterprise_log);

/// A session issued since rows are kept (schema version 11) whose row is
/// gone is no session: it does not fall back to "issued before rows were
/// kept" (that holds only for cookies older than the migration).
async fn a_session_without_its_row_is_refused(backend: Backend) {
    use sqlx::Connection;
    let Some((app, worker)) = worker_app(backend).await else { return };
    let mut a = device(&app, CHROME_ANDROID);
    activate(&app, &mut a, &worker, PIN).await;
    assert!(worker_is_signed_in(&mut a).await);
    let delete = "DELETE FROM web_sessions";
    match backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.url).await.unwrap();
            sqlx::query(delete).execute(&mut c).await.unwrap();
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&app.url).await.unwrap();
            sqlx::query(delete).execute(&mut c).await.unwrap();
        }
    }
    assert!(!worker_is_signed_in(&mut a).await, "a cookie whose row is gone");
    app.finish().await;
}
both_backends!(a_session_without_its_row_is_refused_t, a_session_without_its_row_is_refused);

/// A sign-out form that asks nothing readable (an id that is no number, an
/// `others` that is not 1, neither) is refused the same way on both pages:
/// 422 naming the field and the rule; an id that is not one of the person's
/// sessions is 404; nothing is signed out.
async fn malformed_sign_out_forms_are_refused(backend: Backend) {
    let Some((app, manager, _)) = employer_app(backend).await else { return };
    let worker = ssin(850_730_033);
    let mut a = device(&app, CHROME_ANDROID);
    activate(&app, &mut a, &worker, PIN).await;
    let mut b = device(&app, SAFARI_IPHONE);
    pin_sign_in(&mut b, &worker, PIN).await;
    let mut one = device(&app, FIREFOX_WINDOWS);
    let secret = enrol(&app, &mut one, &manager).await;
    let mut two = device(&app, EDGE_WINDOWS);
    employer_sign_in(&mut two, &manager, &secret).await;
    let token = csrf(&one.get("/e/security").await.body);

    type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 5] = [
        (&[("id", "x")], 422, "This is not one of your sessions"),
        (&[("id", "")], 422, "This is not one of your sessions"),
        (
            &[("others", "yes")],
            422,
            "Signing out all the others is asked with the button on this page (<code>others</code>=1)",
        ),
        (&[], 422, "Choose which session to sign out"),
        (&[("id", "1")], 404, "This is not one of your sessions"),
    ];
    for (form, status, text) in cases {
        let page = a.post("/w/sessions", form).await;
        assert_eq!(page.status, status, "worker {form:?}: {}", page.body);
        assert!(page.body.contains("role=\"alert\"") && page.body.contains(text), "worker {form:?}: {}", page.body);
        assert!(!page.body.contains("Signed out."), "worker {form:?}: {}", page.body);
        assert_eq!(session_rows(&page.body).len(), 2, "the list is shown again: {}", page.body);
        let mut form = form.to_vec();
        form.push(("csrf", &token));
        let page = one.post("/e/security/sessions", &form).await;
        assert_eq!(page.status, status, "employer {form:?}: {}", page.body);
        assert!(page.body.contains("role=\"alert\"") && page.body.contains(text), "employer {form:?}: {}", page.body);
        assert_eq!(session_rows(&page.body).len(), 2, "the list is shown again: {}", page.body);
    }
    assert!(worker_is_signed_in(&mut b).await, "the worker's other phone stays signed in");
    assert!(employer_is_signed_in(&mut two).await, "the other browser stays signed in");
    assert!(audited(&app, "worker.sessions_ended").await.is_empty());
    assert!(audited(&app, "employer.sessions_ended").await.is_empty());
    app.finish().await;
}
both_backends!(malformed_sign_out_forms_are_refused_t, malformed_sign_out_forms_are_refused);
