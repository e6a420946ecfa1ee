//! The employers' online service over HTTP, on SQLite and PostgreSQL:
//! invitation, password + authenticator app, sign-in and its lock, the
//! consultation with the REST channel's access rules, CSV and XLSX export
//! (read back), history, who is on site, remark counts, access management
//! with CSRF protection, the enterprise's audit log, and that no employer
//! route creates a registration.

mod common;

use ciao_domain::channel::Role;
use ciao_domain::{EnterpriseNumber, Ssin};
use common::web::{WebClient as Browser, code_now, csrf, input, unescape};
use common::{Backend, TestApp, item, now, operator, rfc3339, seed, ssin};
use serde_json::json;
use time::Duration;

const PASSWORD: &str = "correct horse battery staple";

/// Invites a person and sets up their sign-in; returns the TOTP secret.
async fn enrol(app: &TestApp, b: &mut Browser, person: &str) -> String {
    let code = app.service.issue_employer_invitation(&operator(), person).await.unwrap();
    let page = b.post("/e/activate", &[("code", &code.code)]).await;
    assert_eq!(page.status, 200, "{}", page.body());
    let body = page.body();
    let ticket = unescape(&input(&body, "ticket"));
    let secret = input(&body, "secret");
    assert!(unescape(&input(&body, "uri")).starts_with("otpauth://totp/ciao:"), "{body}");
    // On the phone itself the QR code cannot be scanned: a link opens the app.
    assert!(body.contains("id=\"otpauth\"") && body.contains("href=\"otpauth://totp/ciao:"), "{body}");
    // The app's label is the masked SSIN: the full one would be stored in
    // the app (and its vendor's cloud backup); nowhere on the page either.
    let masked = ciao_domain::Ssin::parse(person).unwrap().masked();
    assert!(
        unescape(&input(&body, "uri")).starts_with(&format!("otpauth://totp/ciao:{}", masked.replace('*', "%2A"))),
        "{body}"
    );
    let formatted = ciao_domain::Ssin::parse(person).unwrap().formatted();
    assert!(!body.contains(person) && !body.contains(&formatted), "the full SSIN on the page: {body}");
    // A weak password and a wrong code are refused, each with its rule.
    let page = b
        .post(
            "/e/activate/finish",
            &[("ticket", &ticket), ("password", "short"), ("password2", "short"), ("totp", "000000")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("password") && page.body().contains("authenticator app"), "{}", page.body());
    // The rule that failed, in the page's language.
    let page = b
        .post(
            "/e/activate/finish?lang=nl",
            &[("ticket", &ticket), ("password", "short"), ("password2", "short"), ("totp", "000000")],
        )
        .await;
    assert!(page.body().contains("Een wachtwoord heeft minstens 12 tekens."), "{}", page.body());
    let totp = code_now(&secret, 0);
    let page = b
        .post(
            "/e/activate/finish",
            &[("ticket", &ticket), ("password", PASSWORD), ("password2", PASSWORD), ("totp", &totp)],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body());
    assert!(b.cookies.iter().any(|(k, _)| k == "ciao_employer"));
    secret
}

async fn employer_service(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;

    // Registrations: E1's worker IN then OUT, E2's worker IN (subcontractor on D1),
    // E4's worker on D2 (not visible to E1).
    let worker1 = w.worker.clone();
    let worker2 = ssin(900_101_001);
    let worker4 = ssin(880_202_002);
    // The pages show today (in Brussels) by default: the first IN, five
    // minutes ago, must be of today too. A run in the first minutes after
    // midnight waits until it is.
    loop {
        let since_midnight = ciao_domain::to_brussels(now()).time() - time::Time::MIDNIGHT;
        if since_midnight >= Duration::minutes(6) {
            break;
        }
        tokio::time::sleep((Duration::minutes(6) - since_midnight).unsigned_abs()).await;
    }
    let mut first_in = item(&worker1, &w.e1, &w.d1, "IN");
    first_in["registrationDate"] = json!(rfc3339(now() - Duration::minutes(5)));
    let r1 = app.register_one(&w.e1, first_in).await;
    let r2 = app.register_one(&w.e1, item(&worker1, &w.e1, &w.d1, "OUT")).await;
    let r3 = app.register_one(&w.e2, item(&worker2, &w.e2, &w.d1, "IN")).await;
    let r4 = app.register_one(&w.e4, item(&worker4, &w.e4, &w.d2, "IN")).await;

    // Not signed in: to the sign-in page.
    let mut b = Browser::new(&app);
    let page = b.get("/e/registrations").await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("/e/sign-in?next="));

    let secret = enrol(&app, &mut b, &manager).await;
    let page = b.get("/e").await;
    assert_eq!(page.status, 200);
    assert!(page.body().contains("Anna Manager") && page.body().contains("Access management"), "{}", page.body());

    // Consultation: the REST channel's rules (E1 sees D1's chain, not D2).
    let page = b.get("/e/registrations").await;
    assert_eq!(page.status, 200);
    let body = page.body();
    for id in [r1, r2, r3] {
        assert!(body.contains(&format!("/e/registrations/{id}\"")), "{id} missing: {body}");
    }
    assert!(!body.contains(&format!("/e/registrations/{r4}\"")), "D2 is not E1's");
    assert!(body.contains("0 h 05 min"), "worked time of worker 1: {body}");
    assert!(body.contains("IN/OUT pair incomplete"), "worker 2 has no OUT: {body}");
    // Filters.
    let page = b.get(&format!("/e/registrations?ssin={worker2}&lang=fr")).await;
    let body = page.body();
    assert!(
        body.contains(&format!("/e/registrations/{r3}\"")) && !body.contains(&format!("/e/registrations/{r1}\"")),
        "{body}"
    );
    assert!(body.contains("<html lang=\"fr\">"));
    // The choice is remembered; back to English.
    assert!(b.get("/e/registrations").await.body().contains("<html lang=\"fr\">"));
    b.get("/e/registrations?lang=en").await;
    let page = b.get("/e/registrations?registrationDateFrom=not-a-date").await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("data-field=\"registrationDateFrom\""), "{}", page.body());

    // History; another enterprise's registration is not found.
    let page = b.get(&format!("/e/registrations/{r1}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body().contains("Received"), "{}", page.body());
    let page = b.get(&format!("/e/registrations/{r4}")).await;
    assert_eq!(page.status, 404);

    // Export: CSV and XLSX of the current filter, read back. A HEAD
    // exports nothing, so it is not in the audit log.
    let audited = || async { app.service.store().enterprise_audit_page(&e1, 0, 1).await.unwrap().1 };
    let before = audited().await;
    let head = |target: String| {
        reqwest::Client::new().head(format!("{}{target}", app.root)).header("cookie", b.cookie_header()).send()
    };
    for path in ["/e/registrations.csv", "/e/registrations.xlsx"] {
        let answer = head(path.to_string()).await.unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        assert!(answer.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"), "{path}");
        assert!(answer.headers().get("content-length").is_none_or(|l| l != "0"), "no wrong length: {path}");
        let bad = head(format!("{path}?registrationDateFrom=x")).await.unwrap();
        assert_eq!(bad.status(), 422, "a bad filter as for GET: {path}");
    }
    assert_eq!(audited().await, before, "a HEAD is no export");
    // A page number past the last: an empty page whose Previous goes to the last page (3 rows, 1 per page).
    let page = b.get("/e/registrations?pageSize=1&page=10000").await;
    assert_eq!(page.status, 200, "{}", page.body());
    let body = page.body();
    assert!(body.contains("page=3\" rel=\"prev\"") && !body.contains("page=9999"), "{body}");
    let page = b.get("/e/registrations.csv").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/csv"));
    let text = String::from_utf8(page.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("Receipt;Time (Brussels);Type;Person"), "{text}");
    let offset = if ciao_domain::brussels_offset(now()).whole_hours() == 2 { "+02:00" } else { "+01:00" };
    assert!(lines[1].contains(offset), "Brussels time with its offset: {text}");
    assert!(lines.iter().any(|l| l.starts_with(&format!("{r1};")) && l.contains(";5;no")), "{text}");
    let page = b.get("/e/registrations.xlsx").await;
    assert_eq!(page.status, 200);
    let rows = ciao_http::export::read_xlsx_rows(&page.bytes).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][0], "Receipt");
    assert!(rows.iter().any(|r| r[0] == r3.to_string() && r[3] == worker2 && r[11] == "yes"), "{rows:?}");

    // On site now: worker 2 is IN, worker 1 left.
    let page = b.get(&format!("/e/on-site?declaration={}", w.d1)).await;
    assert_eq!(page.status, 200);
    let body = page.body();
    assert!(body.contains(&Ssin::parse(&worker2).unwrap().formatted()), "{body}");
    assert!(!body.contains(&Ssin::parse(&worker1).unwrap().formatted()), "{body}");
    assert!(body.contains("<svg") && body.contains("class=\"bar\""), "{body}");

    // An inspector (a user of the inspection services' enterprise, E4 here)
    // sees who is on any site, but consults nothing else.
    let inspector = ssin(590_404_004);
    app.service
        .add_enterprise_user(
            &operator(),
            &EnterpriseNumber::parse(&w.e4).unwrap(),
            &Ssin::parse(&inspector).unwrap(),
            "Ilse Inspector",
            Role::Inspector,
        )
        .await
        .unwrap();
    let mut i = Browser::new(&app);
    enrol(&app, &mut i, &inspector).await;
    let body = i.get(&format!("/e/on-site?declaration={}", w.d1)).await.body();
    assert!(body.contains(&Ssin::parse(&worker2).unwrap().formatted()), "{body}");
    assert!(!body.contains("href=\"/e/registrations\""), "no consultation menu for an inspector: {body}");
    let body = i.get("/e/registrations").await.body();
    assert!(!body.contains(&format!("/e/registrations/{r3}\"")), "{body}");
    let log =
        app.service.store().enterprise_audit_page(&EnterpriseNumber::parse(&w.e4).unwrap(), 0, 50).await.unwrap().0;
    assert!(
        log.iter().any(|e| e.action == "inspection.on_site" && e.subject.as_deref() == Some(w.d1.as_str())),
        "{log:?}"
    );

    // Remark counts, once validated.
    app.service.validate_all().await.unwrap();
    let page = b.get("/e/remarks").await;
    assert_eq!(page.status, 200);
    assert!(page.body().contains("RELATED_DIMONA_NOT_OK"), "{}", page.body());

    // Access management: invite a consultant (CSRF-protected).
    let page = b.get("/e/users").await;
    let body = page.body();
    assert!(body.contains("Anna Manager"), "{body}");
    let token = csrf(&body);
    let consultant = ssin(660_303_003);
    let page = b.post("/e/users", &[("ssin", &consultant), ("name", "Carl Consultant"), ("role", "consultant")]).await;
    assert_eq!(page.status, 403, "no CSRF token: {}", page.body());
    let page = b
        .post(
            "/e/users",
            &[("ssin", &consultant), ("name", "Carl Consultant"), ("role", "consultant"), ("csrf", &token)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body());
    let body = page.body();
    let start = body.find("id=\"invitation\">").unwrap() + 16;
    let invitation = body[start..start + 14].to_string();
    let mut c = Browser::new(&app);
    let p = c.post("/e/activate", &[("code", &invitation)]).await;
    let (ticket, secret_c) = (unescape(&input(&p.body(), "ticket")), input(&p.body(), "secret"));
    let p = c
        .post(
            "/e/activate/finish",
            &[("ticket", &ticket), ("password", PASSWORD), ("password2", PASSWORD), ("totp", &code_now(&secret_c, 0))],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body());
    assert_eq!(c.get("/e/registrations").await.status, 200, "a consultant consults");
    assert_eq!(c.get("/e/users").await.status, 403, "but does not manage users");
    assert_eq!(c.get("/e/audit").await.status, 403);
    // Withdrawn: the consultant's next page asks to sign in again.
    let page = b.get("/e/users").await;
    let token = csrf(&page.body());
    let page = b
        .post("/e/users/remove", &[("ssin", &consultant), ("role", "consultant"), ("csrf", &token), ("confirm", "yes")])
        .await;
    assert_eq!(page.status, 200, "{}", page.body());
    assert_eq!(c.get("/e/registrations").await.status, 303);

    // The enterprise's audit log shows who consulted and exported what.
    let page = b.get("/e/audit").await;
    let body = page.body();
    for action in [
        "registration.search",
        "registration.export",
        "registration.consult",
        "enterprise.user.add",
        "enterprise.user.remove",
    ] {
        assert!(body.contains(action), "{action}: {body}");
    }
    assert!(body.contains("person:70*******"), "the actor, masked: {body}");

    // Sign out, sign in again (a new code: the enrolment's was used), lock.
    let page = b.get("/e").await;
    let token = csrf(&page.body());
    let page = b.post("/e/sign-out", &[("csrf", &token)]).await;
    assert_eq!(page.status, 303);
    assert_eq!(b.get("/e").await.status, 303);
    // The enrolment's own code (its step as stored: a 30-second boundary
    // may have passed since).
    let step = app
        .service
        .store()
        .employer_credentials(&Ssin::parse(&manager).unwrap())
        .await
        .unwrap()
        .and_then(|c| c.totp_last_step)
        .expect("the enrolment's step");
    let used = ciao_auth::totp::code_at_step(&ciao_auth::totp::base32_decode(&secret).unwrap(), step);
    let page = b.post("/e/sign-in", &[("ssin", &manager), ("password", PASSWORD), ("totp", &used)]).await;
    assert_eq!(page.status, 422, "a code works once");
    let page = b
        .post(
            "/e/sign-in",
            &[("ssin", &manager), ("password", PASSWORD), ("totp", &code_now(&secret, 1)), ("next", "/e/remarks")],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e/remarks")), "{}", page.body());
    let mut x = Browser::new(&app);
    for _ in 0..4 {
        let p = x.post("/e/sign-in", &[("ssin", &manager), ("password", "wrong password!"), ("totp", "123456")]).await;
        assert_eq!(p.status, 422);
        assert!(p.body().contains("is wrong"), "{}", p.body());
    }
    // The fifth failure locks the account and says so.
    let p = x.post("/e/sign-in", &[("ssin", &manager), ("password", "wrong password!"), ("totp", "123456")]).await;
    assert_eq!(p.status, 403, "{}", p.body());
    assert!(p.body().contains("locked until "), "{}", p.body());
    let p = x.post("/e/sign-in", &[("ssin", &manager), ("password", PASSWORD), ("totp", &code_now(&secret, -1))]).await;
    assert_eq!(p.status, 403, "locked: {}", p.body());
    assert!(p.body().contains("locked"), "{}", p.body());
    // An SSIN without an account gets the same answers and the same lock:
    // the lock tells no one who has an account.
    let nobody = common::ssin(700_303_003);
    for attempt in 1..=5 {
        let p = x.post("/e/sign-in", &[("ssin", &nobody), ("password", "wrong password!"), ("totp", "123456")]).await;
        let (status, text) = if attempt < 5 { (422, "is wrong") } else { (403, "locked until ") };
        assert_eq!(p.status, status, "attempt {attempt}: {}", p.body());
        assert!(p.body().contains(text), "{}", p.body());
    }
    // Nor does the time: a locked answer (a row or two read, no hash
    // checked) waits as long as a wrong password's, for both.
    for who in [&manager, &nobody] {
        let started = std::time::Instant::now();
        let p = x.post("/e/sign-in", &[("ssin", who), ("password", PASSWORD), ("totp", "123456")]).await;
        let took = started.elapsed();
        assert_eq!(p.status, 403, "{}", p.body());
        assert!(took >= ciao_service::SIGN_IN_REFUSAL_FLOOR, "a locked answer after {took:?}");
    }
    app.finish().await;
}
both_backends!(employer_service_t, employer_service);

/// An employer cannot register a presence through any route of the online
/// service: every path, with every method, leaves the register unchanged.
async fn no_employer_route_registers(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = Browser::new(&app);
    enrol(&app, &mut b, &manager).await;
    let token = csrf(&b.get("/e").await.body());
    let count = || async {
        let criteria = ciao_domain::search::SearchCriteria::parse(&[
            ("registrationDateFrom".to_string(), (now() - Duration::days(1)).date().to_string()),
            ("registrationDateTo".to_string(), (now() + Duration::days(1)).date().to_string()),
        ])
        .unwrap();
        app.service.search(&operator(), &criteria).await.unwrap().total
    };
    assert_eq!(count().await, 0);
    let attempt = [
        ("type", "IN"),
        ("kind", "IN"),
        ("ssin", w.worker.as_str()),
        ("employer", w.e1.as_str()),
        ("enterpriseNumber", w.e1.as_str()),
        ("contractualRelationshipReference", w.d1.as_str()),
        ("key", "aaaaaaaaaaaaaaaaaaaa"),
        ("csrf", token.as_str()),
    ];
    for path in [
        "/e",
        "/e/registrations",
        "/e/registrations/1",
        "/e/registrations.csv",
        "/e/registrations.xlsx",
        "/e/on-site",
        "/e/remarks",
        "/e/users",
        "/e/users/remove",
        "/e/audit",
        "/e/register",
        "/e/registrations/new",
        "/e/declarations",
        "/e/declarations/new",
        "/e/declarations/1Y1003SQ5VSSZ",
        "/e/declarations/1Y1003SQ5VSSZ/subcontractors",
        "/e/declarations/1Y1003SQ5VSSZ/subcontractors/end",
        "/e/declarations/1Y1003SQ5VSSZ/close",
        "/e/channel",
        "/e/channel/accounts",
    ] {
        let p = b.post(path, &attempt).await;
        assert_ne!(p.status, 500, "{path}");
        let r = b
            .http
            .put(format!("{}{path}", b.root))
            .header("cookie", b.cookie_header())
            .form(&attempt)
            .send()
            .await
            .unwrap();
        assert_ne!(r.status().as_u16(), 500, "{path}");
    }
    assert_eq!(count().await, 0, "no employer route created a registration");
    app.finish().await;
}
both_backends!(no_employer_route_registers_t, no_employer_route_registers);

/// The consultation pages follow each other by cursor, not by offset.
async fn pages_by_cursor(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let items: Vec<_> = (0..55u64)
        .map(|i| {
            let mut it = item(&ssin(800_000_000 + i), &w.e1, &w.d1, "IN");
            it["registrationDate"] = json!(rfc3339(now() - Duration::seconds(i as i64)));
            it
        })
        .collect();
    let (status, _) = app.register(&w.e1, json!(items)).await;
    assert_eq!(status, 200);
    let mut b = Browser::new(&app);
    enrol(&app, &mut b, &manager).await;
    let page = b.get("/e/registrations").await;
    let body = page.body();
    assert!(body.contains("55 registrations"), "{body}");
    assert_eq!(body.matches("<span><a href=\"/e/registrations/").count(), 50);
    let start = body.find("rel=\"next\"").and_then(|i| body[..i].rfind("href=\"")).unwrap() + 6;
    let next = unescape(&body[start..start + body[start..].find('"').unwrap()]);
    assert!(next.contains("after=") && !next.contains("page="), "{next}");
    let page = b.get(&next).await;
    let body = page.body();
    assert_eq!(body.matches("<span><a href=\"/e/registrations/").count(), 5, "{body}");
    assert!(body.contains("rel=\"first\"") && !body.contains("rel=\"next\""), "{body}");
    app.finish().await;
}
both_backends!(pages_by_cursor_t, pages_by_cursor);

/// Access management and enrolment refusals name the field at fault and the
/// rule that really applies.
async fn refusals_name_their_field(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = Browser::new(&app);
    enrol(&app, &mut b, &manager).await;
    let users = || async { app.service.store().enterprise_users(&e1).await.unwrap().len() };
    let before = users().await;
    let token = csrf(&b.get("/e/users").await.body());
    let good = ssin(660_303_003);
    // Each SSIN rule said (the check digits, only digits), not just "not valid".
    const SSIN_RULE: &str = "is not valid: its check digits are wrong.";
    const SSIN_DIGITS: &str = "holds only digits";
    const ROLE_RULE: &str = "Choose a role: consultant or technical administrator.";

    // A valid SSIN with an unknown role: the role is at fault, not the SSIN.
    let page = b.post("/e/users", &[("csrf", &token), ("ssin", &good), ("name", "Carl"), ("role", "king")]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains(ROLE_RULE) && !page.body().contains(SSIN_RULE), "{}", page.body());
    // Both wrong: both named, each with its rule.
    let page = b.post("/e/users", &[("csrf", &token), ("ssin", "85073003329"), ("name", "Carl"), ("role", "")]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains(ROLE_RULE) && page.body().contains(SSIN_RULE), "{}", page.body());
    // An access manager does not appoint access managers nor inspectors:
    // the operator registers them (the manager is one, so that is not the rule).
    for role in ["access-manager", "inspector"] {
        let page = b.post("/e/users", &[("csrf", &token), ("ssin", &good), ("name", "Carl"), ("role", role)]).await;
        assert_eq!(page.status, 403, "{}", page.body());
        assert!(page.body().contains("data-code=\"denied.operatorRegisters\""), "{role}: {}", page.body());
        assert!(page.body().contains("Only the operator registers"), "{role}: {}", page.body());
        assert!(!page.body().contains("denied.managerAppoints"), "{role}: {}", page.body());
    }
    assert_eq!(users().await, before, "nobody was added");
    // Withdrawing with a bad SSIN and no role: both named.
    let page = b.post("/e/users/remove", &[("csrf", &token), ("ssin", "x")]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains(SSIN_DIGITS) && page.body().contains(ROLE_RULE), "{}", page.body());
    let page = b.post("/e/users/remove", &[("csrf", &token), ("ssin", "x"), ("role", "consultant")]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains(SSIN_DIGITS) && !page.body().contains(ROLE_RULE), "{}", page.body());
    assert_eq!(users().await, before);

    // A forged enrolment ticket is not "too slow": it is not valid, start again.
    let mut other = Browser::new(&app);
    for ticket in ["forged", "eyJ4Ijox.AAAA", ""] {
        let page = other
            .post(
                "/e/activate/finish",
                &[("ticket", ticket), ("password", PASSWORD), ("password2", PASSWORD), ("totp", "123456")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body());
        assert!(page.body().contains("This step is not valid"), "{ticket:?}: {}", page.body());
        assert!(page.body().contains("data-code=\"invitationCode.ticket\""), "{ticket:?}: {}", page.body());
        assert!(!page.body().contains("took too long"), "{ticket:?}: {}", page.body());
    }
    app.finish().await;
}
both_backends!(refusals_name_their_field_t, refusals_name_their_field);

/// Inviting a person again replaces the code handed over before: only the
/// last one works.
async fn a_new_invitation_replaces_the_open_one(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, person) = common::appoint(&app, &w.e1, 700_101_002, "Bea Consultant", Role::Consultant).await;
    let first = app.service.issue_employer_invitation(&operator(), &person).await.unwrap();
    let second = app.service.issue_employer_invitation(&operator(), &person).await.unwrap();
    assert_ne!(first.code, second.code);
    let mut b = Browser::new(&app);
    let page = b.post("/e/activate", &[("code", &first.code)]).await;
    assert_eq!(page.status, 422, "the first code no longer works: {}", page.body());
    let page = b.post("/e/activate", &[("code", &second.code)]).await;
    assert_eq!(page.status, 200, "{}", page.body());
    app.finish().await;
}
both_backends!(a_new_invitation_replaces_the_open_one_t, a_new_invitation_replaces_the_open_one);
