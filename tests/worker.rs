//! The smartphone channel over HTTP, on a running server, on SQLite and
//! PostgreSQL: activation, PIN sign-in and its lock, one-tap IN/OUT with an
//! idempotency key, the confirmation, "My registrations" with remarks in the
//! worker's language, the rotating site code, and that one person's session
//! can neither register nor read for another.

mod common;

use std::sync::Arc;

use ciao_domain::{Channel, RegistrationId, RegistrationInput};
use ciao_service::worker::PhoneRegistration;
use ciao_service::{Caller, Config, ItemResult, ServiceError};
use common::web::{WebClient as Phone, input};
use common::{Backend, MovableClock, TestApp, operator, seed, ssin};
use time::Duration;

fn receipt(body: &str) -> i64 {
    let start = body.find("id=\"receipt\">").unwrap_or_else(|| panic!("no receipt in {body}")) + 13;
    body[start..start + body[start..].find('<').unwrap()].parse().unwrap()
}

/// Activates `ssin` on a phone with a PIN, as the worker would.
async fn activate(app: &TestApp, phone: &mut Phone, person: &str, pin: &str, next: &str) {
    let code = app.service.issue_activation_code(&operator(), person).await.unwrap();
    // Typed loosely: lower case, spaces.
    let typed = code.code.to_lowercase().replace('-', " ");
    let page = phone.post("/w/activate", &[("code", &typed), ("next", next)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ticket = input(&page.body, "ticket");
    let page = phone
        .post("/w/activate/pin", &[("ticket", &ticket), ("pin", pin), ("pin2", pin), ("next", next), ("remember", "1")])
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some(next)), "{}", page.body);
    assert!(phone.cookies.iter().any(|(k, _)| k == "ciao_worker"));
    // The code is used up.
    let again = phone.post("/w/activate", &[("code", &code.code), ("next", next)]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("unknown, already used or expired"), "{}", again.body);
}

async fn worker_flow(backend: Backend) {
    let clock = Arc::new(MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, Config::default(), clock.clone()).await else { return };
    let w = seed(&app).await;
    // The worker is employed by E2 (a subcontractor of D1) and by E4 (not in D1's chain).
    common::worker_of_e2_and_e4(&app, &w).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let here = format!("/r/{}", d.technical_number);

    // Not signed in: the scanned URL shows the workplace and the sign-in.
    let mut phone = Phone::new(&app);
    let page = phone.get(&here).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tour Nord") && page.body.contains("name=\"pin\""), "{}", page.body);
    // A tap without a session registers nothing, and says so.
    let page = phone
        .post(&format!("{here}/register"), &[("kind", "IN"), ("employer", &w.e2), ("key", "aaaaaaaaaaaaaaaaaaaa")])
        .await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("NOT registered"), "{}", page.body);

    activate(&app, &mut phone, &w.worker, "482915", &here).await;

    // Signed in: the state, the employer (the only one in D1's chain), one button.
    let page = phone.get(&here).await;
    assert_eq!(page.status, 200);
    assert!(page.body.len() < 50_000, "the registration page weighs {} bytes", page.body.len());
    assert!(page.body.contains("An Peeters"), "{}", page.body);
    assert!(page.body.contains("No registration here today yet"), "{}", page.body);
    assert!(page.body.contains("Register IN"), "{}", page.body);
    assert_eq!(input(&page.body, "employer"), w.e2);
    assert!(!page.body.contains(&w.e4), "E4 is not in the chain of D1");
    let key = input(&page.body, "key");

    // One tap: IN, with the location and its accuracy.
    let form = [
        ("kind", "IN"),
        ("employer", w.e2.as_str()),
        ("key", key.as_str()),
        ("lat", "50.8601"),
        ("lon", "4.3601"),
        ("acc", "35"),
        // An attempt to register someone else is not a field of this form: ignored.
        ("ssin", "85073003328"),
    ];
    let page = phone.post(&format!("{here}/register"), &form).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("IN registered") && page.body.contains("pending"), "{}", page.body);
    assert!(page.body.contains("(UTC+0"), "the time has its offset: {}", page.body);
    let id = receipt(&page.body);
    // A double tap or a retry with the same key: the same registration.
    let again = phone.post(&format!("{here}/register"), &form).await;
    assert_eq!(receipt(&again.body), id);
    // The key for another presence (an OUT under the IN's key): refused, not
    // answered with the IN's receipt.
    let mut other = form;
    other[0] = ("kind", "OUT");
    let page = phone.post(&format!("{here}/register"), &other).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("NOT registered") && page.body.contains("clientReference"), "{}", page.body);
    let r = app.service.registration(&operator(), RegistrationId::new(id).unwrap()).await.unwrap();
    assert_eq!(r.data.channel, Channel::Smartphone);
    assert!(matches!(&r.data.person, ciao_domain::Person::Ssin(s) if s.as_str() == w.worker));
    assert_eq!(
        r.data.place_of_work,
        Some(ciao_domain::PlaceOfWork::Coordinates { latitude: 50.8601, longitude: 4.3601, accuracy: Some(35.0) })
    );
    assert_eq!(r.data.site_code_issued_at, None, "the static code proves nothing more");

    // Now the page offers OUT, and says since when the worker is IN.
    let page = phone.get(&here).await;
    assert!(page.body.contains("You are IN since") && page.body.contains("Register OUT"), "{}", page.body);
    let key = input(&page.body, "key");
    clock.advance(Duration::seconds(5));
    let page = phone.post(&format!("{here}/register"), &[("kind", "OUT"), ("employer", &w.e2), ("key", &key)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let out_id = receipt(&page.body);
    assert_ne!(out_id, id);

    // Bad input: a refusal that names the rule, nothing registered.
    let page = phone
        .post(
            &format!("{here}/register"),
            &[("kind", "SIDEWAYS"), ("employer", &w.e2), ("key", "bbbbbbbbbbbbbbbbbbbb")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("NOT registered") && page.body.contains("type is IN or OUT"), "{}", page.body);
    let page = phone.post(&format!("{here}/register"), &[("kind", "IN"), ("employer", &w.e2), ("key", "short")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("idempotencyKey"), "{}", page.body);

    // My registrations, newest first, with validity and remarks in the
    // worker's language once validation has run.
    app.service.validate_all().await.unwrap();
    let page = phone.get("/w/registrations?lang=nl").await;
    assert_eq!(page.status, 200);
    assert!(phone.cookies.iter().any(|(k, v)| k == "ciao_lang" && v == "nl"), "the language is remembered");
    let first = page.body.find(&format!(">{out_id}<")).expect("the OUT");
    let second = page.body.find(&format!(">{id}<")).expect("the IN");
    assert!(first < second, "newest first");
    assert!(page.body.contains("Mijn registraties") && page.body.contains("geldig"), "{}", page.body);
    // Remembered: the next page without ?lang= is Dutch too.
    let page = phone.get(&here).await;
    assert!(page.body.contains("<html lang=\"nl\">"), "{}", page.body);

    // A registration with remarks shows them translated: E4 is not in D1's chain.
    let page = phone.get(&here).await;
    let key = input(&page.body, "key");
    let page = phone.post(&format!("{here}/register"), &[("kind", "IN"), ("employer", &w.e4), ("key", &key)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    app.service.validate_all().await.unwrap();
    let page = phone.get("/w/registrations?lang=fr").await;
    assert!(page.body.contains("Votre employeur n'est pas dans la déclaration"), "{}", page.body);
    assert!(page.body.contains("COMPANY_NOT_IN_DECLARATION"), "{}", page.body);

    // A cross-site form post is refused.
    let r = phone
        .http
        .post(format!("{}{here}/register", app.root))
        .header("cookie", phone.cookie_header())
        .header("origin", "https://evil.example")
        .form(&[("kind", "OUT"), ("employer", w.e2.as_str()), ("key", "cccccccccccccccccccc")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Sign out, and the cookie is gone.
    let page = phone.post("/w/sign-out", &[]).await;
    assert_eq!(page.status, 303);
    assert!(!phone.cookies.iter().any(|(k, _)| k == "ciao_worker"));
    app.finish().await;
}
both_backends!(worker_flow_t, worker_flow);

async fn one_person_cannot_act_for_another(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let other = ssin(900_101_001);
    app.import(
        "employments",
        &format!("ssin,employer,from,to\n{},{},2020-01-01,\n{},{},2020-01-01,\n", w.worker, w.e1, other, w.e1),
    )
    .await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let here = format!("/r/{}", d.technical_number);
    let mut a = Phone::new(&app);
    activate(&app, &mut a, &w.worker, "730418", &here).await;
    let mut b = Phone::new(&app);
    activate(&app, &mut b, &other, "555123", &here).await;

    // B registers; A cannot see it in their list, nor open it.
    let page = b.get(&here).await;
    let key = input(&page.body, "key");
    let page = b.post(&format!("{here}/register"), &[("kind", "IN"), ("employer", &w.e1), ("key", &key)]).await;
    let b_id = receipt(&page.body);
    let page = a.get("/w/registrations").await;
    assert!(!page.body.contains(&format!(">{b_id}<")), "{}", page.body);
    assert!(page.body.contains("No registrations in the last 31 days"), "{}", page.body);
    let a_caller = app
        .service
        .worker_from_session(&a.cookies.iter().find(|(k, _)| k == "ciao_worker").unwrap().1)
        .await
        .unwrap()
        .unwrap();
    let err = app.service.my_registration(&a_caller, RegistrationId::new(b_id).unwrap()).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");

    // A's session cannot register for B, even through the service directly.
    let item = RegistrationInput {
        registration_date: Some(ciao_domain::format_utc(app.service.now())),
        kind: Some("IN".into()),
        ssin: Some(other.clone()),
        employer_enterprise_number: Some(w.e1.clone()),
        declaration: Some(w.d1.clone()),
        ..RegistrationInput::default()
    };
    let results = app.service.register(&a_caller, Channel::Smartphone, vec![Ok(item.clone())]).await.unwrap();
    assert!(matches!(&results[0], ItemResult::NotCreated(e) if e[0].code == "access.person"), "{results:?}");
    // Nor through the REST channel.
    let err = app.service.register(&a_caller, Channel::Rest, vec![Ok(item.clone())]).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    // The operator and a registration system cannot use the smartphone channel.
    let err = app.service.register(&operator(), Channel::Smartphone, vec![Ok(item)]).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    let tap = PhoneRegistration {
        kind: Some("IN".into()),
        employer: Some(w.e1.clone()),
        idempotency_key: Some("dddddddddddddddddddd".into()),
        ..PhoneRegistration::default()
    };
    let err = app.service.register_by_phone(&operator(), &d.technical_number, tap.clone()).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    let employer_system = Caller::Client {
        client_id: "self_service_expeditor_1".into(),
        enterprise: ciao_domain::EnterpriseNumber::parse(&w.e1).unwrap(),
        permissions: ciao_domain::channel::Permissions::all(),
    };
    let err = app.service.register_by_phone(&employer_system, &d.technical_number, tap).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    // A REST access token is no worker session.
    let token = app.sender(&w.e1).await.token;
    let mut stranger = Phone::new(&app);
    stranger.cookies.push(("ciao_worker".into(), token));
    let page = stranger.get("/w/registrations").await;
    assert!(page.body.contains("name=\"pin\""), "signed out: {}", page.body);

    // A new activation of A signs out A's earlier phone.
    let mut a2 = Phone::new(&app);
    activate(&app, &mut a2, &w.worker, "902817", &here).await;
    let page = a.get("/w/registrations").await;
    assert!(page.body.contains("name=\"pin\""), "the old phone is signed out: {}", page.body);
    let page = a2.get("/w/registrations").await;
    assert!(page.body.contains("sign-out"), "{}", page.body);
    app.finish().await;
}
both_backends!(one_person_cannot_act_for_another_t, one_person_cannot_act_for_another);

async fn pin_rules_and_lock(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let mut phone = Phone::new(&app);
    // A weak PIN is refused with the rule, and the code is not used up by it.
    let code = app.service.issue_activation_code(&operator(), &w.worker).await.unwrap();
    let page = phone.post("/w/activate", &[("code", &code.code)]).await;
    let ticket = input(&page.body, "ticket");
    for (pin, pin2, rule) in [
        ("123456", "123456", "run"),
        ("111111", "111111", "same"),
        ("12345", "12345", "6"),
        ("482915", "482916", "not the same"),
    ] {
        let page = phone.post("/w/activate/pin", &[("ticket", &ticket), ("pin", pin), ("pin2", pin2)]).await;
        assert_eq!(page.status, 422, "{pin}");
        assert!(page.body.contains(rule), "{pin}: {}", page.body);
    }
    // Each rule said in the page's language, the rule itself.
    for (pin, lang, rule) in [
        ("123456", "nl", "Een pincode mag geen oplopende of aflopende reeks zijn"),
        ("111111", "fr", "Un code PIN ne peut pas répéter un seul chiffre"),
        ("12345", "de", "Eine PIN hat mindestens 6 Ziffern."),
        ("12a456", "en", "A PIN contains only the digits 0 to 9."),
    ] {
        let page = phone
            .post(&format!("/w/activate/pin?lang={lang}"), &[("ticket", &ticket), ("pin", pin), ("pin2", pin)])
            .await;
        assert_eq!(page.status, 422, "{pin}");
        assert!(page.body.contains(rule), "{pin}: {}", page.body);
        assert!(lang == "en" || !page.body.contains("a PIN "), "no English rule: {}", page.body);
    }
    let page = phone.post("/w/activate/pin", &[("ticket", &ticket), ("pin", "482915"), ("pin2", "482915")]).await;
    assert_eq!(page.status, 303);
    phone.cookies.clear();
    // A forged ticket is refused.
    let page = phone.post("/w/activate/pin", &[("ticket", "eHh4.eHh4"), ("pin", "482915"), ("pin2", "482915")]).await;
    assert_eq!(page.status, 422);
    // Wrong PINs: then locked; the right PIN does not open a locked door. An
    // SSIN without a PIN gets exactly the same answers, lock included: the
    // page tells no one which SSINs have set up phone sign-in.
    let unknown = ssin(700_101_002);
    let answer = |body: &str, who: &str| body.replace(who, "SSIN");
    for _ in 1..5 {
        let started = std::time::Instant::now();
        let real = phone.post("/w/sign-in", &[("ssin", &w.worker), ("pin", "000001")]).await;
        let fake = phone.post("/w/sign-in", &[("ssin", &unknown), ("pin", "000001")]).await;
        let took = started.elapsed();
        assert!(took >= 2 * ciao_service::SIGN_IN_REFUSAL_FLOOR, "two refusals in {took:?}");
        assert_eq!((real.status, fake.status), (422, 422));
        assert!(real.body.contains("The national register number or the PIN is wrong."), "{}", real.body);
        assert!(!real.body.contains("attempts"), "no count of attempts left: {}", real.body);
        assert_eq!(answer(&real.body, &w.worker), answer(&fake.body, &unknown), "the same page");
    }
    // Nor does the time: the locked answers (a row or two read, no hash
    // checked) wait as long as a wrong PIN's.
    let floor = ciao_service::SIGN_IN_REFUSAL_FLOOR;
    let started = std::time::Instant::now();
    let real = phone.post("/w/sign-in", &[("ssin", &w.worker), ("pin", "000001")]).await;
    let real_took = started.elapsed();
    let started = std::time::Instant::now();
    let fake = phone.post("/w/sign-in", &[("ssin", &unknown), ("pin", "000001")]).await;
    let fake_took = started.elapsed();
    assert_eq!((real.status, fake.status), (403, 403));
    assert!(real_took >= floor && fake_took >= floor, "locked answers after {real_took:?} and {fake_took:?}");
    assert!(real.body.contains("is locked until "), "{}", real.body);
    // Until when, in Brussels time, rounded up to the minute.
    let until = real.body.split("is locked until <time datetime=\"").nth(1).and_then(|s| s.split_once("\">"));
    let until = until.map(|(_, s)| s[..5].to_string()).unwrap_or_default();
    let (h, m) = until.split_once(':').unwrap_or_default();
    let (h, m): (i64, i64) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99));
    let now = ciao_domain::clock::to_brussels(time::OffsetDateTime::now_utc());
    let ahead = (h * 60 + m - i64::from(now.hour()) * 60 - i64::from(now.minute())).rem_euclid(24 * 60);
    assert!((15..=16).contains(&ahead), "locked until {until}, {ahead} minutes from now ({now})");
    assert_eq!(answer(&real.body, &w.worker), answer(&fake.body, &unknown), "the same lock");
    let page = phone.post("/w/sign-in", &[("ssin", &w.worker), ("pin", "482915")]).await;
    assert_eq!(page.status, 403, "locked: {}", page.body);
    let page = phone.post("/w/sign-in", &[("ssin", &unknown), ("pin", "482915")]).await;
    assert_eq!(page.status, 403, "locked too: {}", page.body);
    // In Dutch, the rule in Dutch, without an English tail.
    let page = phone.post("/w/sign-in?lang=nl", &[("ssin", &ssin(700_101_003)), ("pin", "000001")]).await;
    assert!(page.body.contains("Het rijksregisternummer of de pincode is fout."), "{}", page.body);
    assert!(!page.body.contains("is wrong"), "{}", page.body);
    // The refused SSIN is kept, and tied to the message.
    assert!(page.body.contains(&format!("value=\"{}\"", ssin(700_101_003))), "{}", page.body);
    assert!(page.body.contains("aria-invalid=\"true\" aria-describedby=\"err-pin\""), "{}", page.body);
    // A malformed SSIN names the field and the rule, in the page's language.
    let page = phone.post("/w/sign-in", &[("ssin", "12"), ("pin", "482915")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("A national register number has 11 digits."), "{}", page.body);
    let page = phone.post("/w/sign-in?lang=fr", &[("ssin", "12"), ("pin", "482915")]).await;
    assert!(page.body.contains("Un numéro de registre national a 11 chiffres."), "{}", page.body);
    assert!(page.body.contains("aria-describedby=\"err-ssin ssin-hint\""), "{}", page.body);
    app.finish().await;
}
both_backends!(pin_rules_and_lock_t, pin_rules_and_lock);

/// Two nodes on one database count the wrong PINs of an SSIN without a
/// PIN together, as they do for a real PIN (the store's count): three on
/// one node and two on the other lock it on both. Counted in each node's
/// memory, five across two nodes would not lock it, and the difference
/// would tell which SSINs have set up phone sign-in.
async fn wrong_pins_count_across_nodes(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else { return };
    let w = seed(&a).await;
    let b = TestApp::on_database(backend, a.url.clone(), None, common::config(Duration::minutes(10)), None).await;
    let code = a.service.issue_activation_code(&operator(), &w.worker).await.unwrap();
    let mut phone = Phone::new(&a);
    let page = phone.post("/w/activate", &[("code", &code.code)]).await;
    let ticket = input(&page.body, "ticket");
    let page = phone.post("/w/activate/pin", &[("ticket", &ticket), ("pin", "482915"), ("pin2", "482915")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let unknown = ssin(700_101_004);
    for who in [&w.worker, &unknown] {
        for (n, node) in [&a, &a, &a, &b].into_iter().enumerate() {
            let e = node.service.pin_sign_in(who, "000001").await.expect_err("a wrong PIN");
            assert!(matches!(e, ServiceError::Invalid(_)), "miss {}: {e}", n + 1);
        }
        // The fifth, on the other node: locked, for both kinds of SSIN.
        let e = b.service.pin_sign_in(who, "000001").await.expect_err("locked");
        assert!(matches!(&e, ServiceError::Forbidden(m) if m.contains("pin.locked")), "{e}");
        let e = a.service.pin_sign_in(who, "482915").await.expect_err("locked on the first node too");
        assert!(matches!(&e, ServiceError::Forbidden(m) if m.contains("pin.locked")), "{e}");
    }
    b.finish().await;
    a.finish().await;
}
both_backends!(wrong_pins_count_across_nodes_t, wrong_pins_count_across_nodes);

/// The site display's rotating code: fresh codes prove presence on site, an
/// old one is accepted with QR_CODE_EXPIRED, a forged one is refused.
async fn rotating_site_code(backend: Backend) {
    let clock = Arc::new(MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, Config::default(), clock.clone()).await else { return };
    let w = seed(&app).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let here = format!("/r/{}", d.technical_number);
    let mut phone = Phone::new(&app);
    activate(&app, &mut phone, &w.worker, "730418", &here).await;

    let display = phone.get(&format!("{here}/display")).await;
    assert_eq!(display.status, 200);
    let start = display.body.find("data-url=\"").unwrap() + 10;
    let url = display.body[start..start + display.body[start..].find('"').unwrap()].to_string();
    assert!(url.starts_with(&format!("{}{here}?c=", app.root)), "{url}");
    let code = url.split("?c=").nth(1).unwrap().to_string();

    // Scanned fresh: proven on site.
    let page = phone.get(&format!("{here}?c={code}")).await;
    assert!(page.body.contains("your presence on site is proven"), "{}", page.body);
    let key = input(&page.body, "key");
    let c = input(&page.body, "c");
    let page =
        phone.post(&format!("{here}/register"), &[("kind", "IN"), ("employer", &w.e1), ("key", &key), ("c", &c)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let fresh = receipt(&page.body);

    // The same code two minutes later: accepted, remarked QR_CODE_EXPIRED, still valid.
    clock.advance(Duration::minutes(2));
    let page = phone.get(&format!("{here}?c={code}")).await;
    let key = input(&page.body, "key");
    let page = phone
        .post(&format!("{here}/register"), &[("kind", "OUT"), ("employer", &w.e1), ("key", &key), ("c", &c)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let old = receipt(&page.body);

    // A forged code is refused and nothing is registered.
    let page = phone
        .post(
            &format!("{here}/register"),
            &[("kind", "IN"), ("employer", &w.e1), ("key", "eeeeeeeeeeeeeeeeeeee"), ("c", "Zm9yZ2Vk.Zm9yZ2Vk")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("not from this workplace"), "{}", page.body);

    app.service.validate_all().await.unwrap();
    let r = app.service.registration(&operator(), RegistrationId::new(fresh).unwrap()).await.unwrap();
    assert!(r.data.site_code_issued_at.is_some());
    assert_eq!(r.remarks, vec![]);
    assert_eq!(r.validity, ciao_domain::Validity::Valid);
    let r = app.service.registration(&operator(), RegistrationId::new(old).unwrap()).await.unwrap();
    assert_eq!(r.remarks.iter().map(|m| m.code.as_str()).collect::<Vec<_>>(), vec!["QR_CODE_EXPIRED"]);
    assert_eq!(r.validity, ciao_domain::Validity::Valid, "QR_CODE_EXPIRED does not invalidate");
    app.finish().await;
}
both_backends!(rotating_site_code_t, rotating_site_code);

/// Several employers in the chain: the worker chooses, and the choice is
/// remembered. Without the QR code, the declaration number is typed.
/// Guessing is throttled per address.
async fn choices_numbers_and_throttle(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.import(
        "employments",
        &format!("ssin,employer,from,to\n{s},{},2020-01-01,\n{s},{},2020-01-01,\n", w.e1, w.e3, s = w.worker),
    )
    .await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let here = format!("/r/{}", d.technical_number);
    let mut phone = Phone::new(&app);

    // Typing a declaration number needs a session (no enumeration of the URLs).
    let page = phone.get(&format!("/w/go?declaration={}", w.d1)).await;
    assert_eq!(page.status, 401);
    activate(&app, &mut phone, &w.worker, "730418", "/w/registrations").await;
    let page = phone.get("/w/registrations").await;
    assert!(page.body.contains("action=\"/w/go\""), "{}", page.body);
    let page = phone.get(&format!("/w/go?declaration={}", w.d1.to_lowercase())).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some(here.as_str())));
    let page = phone.get("/w/go?declaration=NOT-A-NUMBER").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("A declaration number uses only A-H, J-N, P-Z and 0-9"), "{}", page.body);
    let page = phone.get("/w/go?declaration=2B2004TR6WTTB").await;
    assert!(page.status == 422 || page.status == 404, "{}", page.status);

    // Two employers of the chain: a choice, none preselected the first time.
    let page = phone.get(&here).await;
    assert_eq!(page.body.matches("type=\"radio\" name=\"employer\"").count(), 2, "{}", page.body);
    assert!(!page.body.contains(" checked>"), "{}", page.body);
    let key = input(&page.body, "key");
    let page = phone.post(&format!("{here}/register"), &[("kind", "IN"), ("key", &key)]).await;
    assert_eq!(page.status, 422, "no employer chosen");
    assert!(page.body.contains("Choose your employer or give its enterprise number."), "{}", page.body);
    // An employer but no IN or OUT: the refusal names the type, not the employer.
    let page = phone.get(&here).await;
    let key = input(&page.body, "key");
    let page = phone.post(&format!("{here}/register"), &[("employer", &w.e3), ("key", &key)]).await;
    assert_eq!(page.status, 422, "no type");
    assert!(page.body.contains("Choose IN or OUT.") && !page.body.contains("Choose your employer"), "{}", page.body);
    let page = phone.get(&here).await;
    let key = input(&page.body, "key");
    let page = phone.post(&format!("{here}/register"), &[("kind", "IN"), ("employer", &w.e3), ("key", &key)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Remembered for next time.
    let page = phone.get(&here).await;
    assert!(
        page.body.contains(&format!("value=\"{}\" id=\"employer-1\" required checked>", w.e3))
            || page.body.contains(&format!("value=\"{}\" id=\"employer-0\" required checked>", w.e3)),
        "{}",
        page.body
    );

    // Guessing PINs from one address is throttled, whatever the SSIN: 20
    // failures per 10 minutes (the first was activate()'s check that a used
    // code is refused, from the same address).
    let mut guesser = Phone::new(&app);
    for i in 0..19u64 {
        let page = guesser.post("/w/sign-in", &[("ssin", &ssin(600_101_000 + i)), ("pin", "192837")]).await;
        assert_eq!(page.status, 422, "attempt {i}");
    }
    let page = guesser.post("/w/sign-in", &[("ssin", &w.worker), ("pin", "730418")]).await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.body.contains("Too many failed attempts"), "{}", page.body);
    app.finish().await;
}
both_backends!(choices_numbers_and_throttle_t, choices_numbers_and_throttle);

/// Behind a trusted reverse proxy (`--trusted-proxy`), failed sign-ins
/// count per client address from `X-Forwarded-For`: one guesser is
/// throttled, the other workers behind the same proxy are not.
async fn throttle_behind_a_trusted_proxy(backend: Backend) {
    let config = ciao_service::Config {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()],
        ..common::config(time::Duration::minutes(10))
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else { return };
    seed(&app).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_in = |from: &'static str, i: u64| {
        http.post(format!("{}/w/sign-in", app.root))
            .header("x-forwarded-for", from)
            .form(&[("ssin", ssin(600_202_000 + i)), ("pin", "192837".to_string())])
            .send()
    };
    for i in 0..20u64 {
        assert_eq!(sign_in("203.0.113.7", i).await.unwrap().status(), 422, "attempt {i}");
    }
    assert_eq!(sign_in("203.0.113.7", 20).await.unwrap().status(), 429, "the guesser is throttled");
    // What a client writes left of the proxy's entry is not believed.
    assert_eq!(sign_in("198.51.100.9, 203.0.113.7", 21).await.unwrap().status(), 429);
    assert_eq!(sign_in("203.0.113.8", 22).await.unwrap().status(), 422, "another worker behind the proxy is not");
    app.finish().await;
}
both_backends!(throttle_behind_a_trusted_proxy_t, throttle_behind_a_trusted_proxy);

/// The phone's position as the page sends it: a decimal comma reads, and a
/// value that is not a number, or an accuracy without a position, is
/// refused with its field and nothing is registered (never dropped in
/// silence).
async fn the_position_is_read_or_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let here = format!("/r/{}", d.technical_number);
    let mut phone = Phone::new(&app);
    activate(&app, &mut phone, &w.worker, "730418", &here).await;
    let count = |body: &str| body.matches("class=\"reg\"").count();

    // A decimal comma, as some keyboards and locales write numbers.
    let page = phone.get(&here).await;
    let key = input(&page.body, "key");
    let form =
        [("kind", "IN"), ("employer", &w.e1), ("key", &key), ("lat", "50,8466"), ("lon", "4,3528"), ("acc", "12,5")];
    let page = phone.post(&format!("{here}/register"), &form).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let id = receipt(&page.body);
    let r = app.service.registration(&operator(), RegistrationId::new(id).unwrap()).await.unwrap();
    assert_eq!(
        r.data.place_of_work,
        Some(ciao_domain::PlaceOfWork::Coordinates { latitude: 50.8466, longitude: 4.3528, accuracy: Some(12.5) })
    );
    let before = count(&phone.get("/w/registrations").await.body);
    assert_eq!(before, 1);

    // Values that are not numbers, a half position, an accuracy alone: 422,
    // the field and the rule named, nothing registered.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 6] = [
        (
            &[("lat", "abc"), ("lon", "abc")],
            &["<strong>the latitude</strong>", "<strong>the longitude</strong>", "is not a number"],
        ),
        (
            &[("lat", "50.8466"), ("lon", "4.3528"), ("acc", "abc")],
            &["<strong>the radius in metres</strong> is not a number"],
        ),
        (&[("lat", "NaN"), ("lon", "4.3528")], &["<strong>the latitude</strong> is not a number"]),
        (&[("acc", "10")], &["<strong>the radius in metres</strong> is missing or stands alone"]),
        (&[("lat", "50.8466")], &["<strong>the longitude</strong> is missing or stands alone"]),
        (&[("lat", "91"), ("lon", "4.3528")], &["<strong>the latitude</strong>", "out of range"]),
    ];
    for (position, texts) in cases {
        let page = phone.get(&here).await;
        let key = input(&page.body, "key");
        let mut form = vec![("kind", "OUT"), ("employer", w.e1.as_str()), ("key", key.as_str())];
        form.extend_from_slice(position);
        let page = phone.post(&format!("{here}/register"), &form).await;
        assert_eq!(page.status, 422, "{position:?}: {}", page.body);
        assert!(page.body.contains("NOT registered"), "{position:?}: {}", page.body);
        for text in texts {
            assert!(page.body.contains(text), "{position:?} should say {text:?}: {}", page.body);
        }
    }
    // In the worker's language.
    let page = phone.get(&here).await;
    let key = input(&page.body, "key");
    let form =
        [("kind", "OUT"), ("employer", w.e1.as_str()), ("key", key.as_str()), ("lat", "50°51'"), ("lon", "4.35")];
    let page = phone.post(&format!("{here}/register?lang=nl"), &form).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("<strong>de breedtegraad</strong> is geen getal"), "{}", page.body);
    assert_eq!(count(&phone.get("/w/registrations").await.body), before, "no refused tap was registered");
    app.finish().await;
}
both_backends!(the_position_is_read_or_refused_t, the_position_is_read_or_refused);

/// A forged enrolment ticket is refused as not valid (start again), not as
/// "that took too long".
async fn a_forged_ticket_is_not_valid(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let mut phone = Phone::new(&app);
    for ticket in ["forged", "eyJ4Ijox.AAAA", ""] {
        let page = phone.post("/w/activate/pin", &[("ticket", ticket), ("pin", "482915"), ("pin2", "482915")]).await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.body.contains("This set-up step is not valid"), "{ticket:?}: {}", page.body);
        assert!(!page.body.contains("took too long"), "{ticket:?}: {}", page.body);
    }
    app.finish().await;
}
both_backends!(a_forged_ticket_is_not_valid_t, a_forged_ticket_is_not_valid);

/// The passkey endpoints of the pages (JSON, for their script) refuse with
/// whole problems: type, title, status, detail, and the member at fault.
async fn passkey_endpoints_answer_problems(backend: Backend) {
    let Some(app) = TestApp::spawn_on_localhost(backend).await else { return };
    for path in ["/w/passkey/sign-in", "/w/activate/passkey"] {
        let post = |body: &'static str, origin: Option<&'static str>| {
            let mut req =
                app.client.post(format!("{}{path}", app.root)).header("content-type", "application/json").body(body);
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            async move {
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
                (status, content_type, r.json::<serde_json::Value>().await.unwrap())
            }
        };
        let whole = |status: u16, content_type: &str, p: &serde_json::Value| {
            assert_eq!(content_type, "application/problem+json", "{path}: {p}");
            assert_eq!(p["status"], status, "{path}: {p}");
            assert!(p["type"].as_str().is_some_and(|t| t.starts_with("urn:problem-type:")), "{path}: {p}");
            assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{path}: {p}");
            assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{path}: {p}");
        };
        let named = |p: &serde_json::Value, name: &str, code: &str| {
            let issues = p["issues"].as_array().cloned().unwrap_or_default();
            assert!(
                issues.iter().any(|i| i["in"] == "body" && i["name"] == name && i["code"] == code),
                "{path}: {name} {code} in {p}"
            );
        };
        // Members missing: each named.
        let (status, ct, p) = post("{}", None).await;
        assert_eq!(status, 400, "{path}: {p}");
        whole(400, &ct, &p);
        for name in ["state", "credentialId", "clientDataJSON", "authenticatorData"] {
            named(&p, name, "required");
        }
        // A member of the wrong type.
        let (status, ct, p) = post(
            r#"{"state":1,"credentialId":"y","clientDataJSON":"z","authenticatorData":"w","algorithm":"x"}"#,
            None,
        )
        .await;
        whole(status, &ct, &p);
        named(&p, "state", "json.type");
        named(&p, "algorithm", "json.type");
        // Not JSON, not an object.
        let (status, ct, p) = post("{", None).await;
        whole(status, &ct, &p);
        named(&p, "", "json.syntax");
        let (status, ct, p) = post("[]", None).await;
        whole(status, &ct, &p);
        named(&p, "", "json.type");
        // Well formed, refused by the service: the service's field.
        let (status, ct, p) =
            post(r#"{"state":"x","credentialId":"y","clientDataJSON":"z","authenticatorData":"w"}"#, None).await;
        assert!((400..500).contains(&status), "{path}: {p}");
        whole(status, &ct, &p);
        // From another site.
        let (status, ct, p) = post("{}", Some("https://evil.example")).await;
        assert_eq!(status, 403, "{path}: {p}");
        whole(403, &ct, &p);
    }
    app.finish().await;
}
both_backends!(passkey_endpoints_answer_problems_t, passkey_endpoints_answer_problems);

/// Every serving node says it is alive in the database and removes itself
/// when it stops; what must not run beside a serving node (the secrets
/// key's rotation) is refused while one does, naming it, unless forced.
async fn serving_nodes_are_known(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else { return };
    let b = TestApp::on_database(backend, a.url.clone(), None, common::config(Duration::minutes(10)), None).await;
    // Each node's first heartbeat is written before it serves.
    let live = a.service.live_nodes().await.unwrap();
    assert_eq!(live.len(), 2, "{live:?}");
    let pid = format!(":{}:", std::process::id());
    assert!(live.iter().all(|(n, _)| n.contains(&pid)), "{live:?}");
    let e = b.service.require_no_serving_node("rotating the secrets key", false).await.unwrap_err();
    assert!(matches!(&e, ServiceError::Conflict(m) if m.contains("2 still serve") && m.contains(&live[0].0)), "{e}");
    b.service.require_no_serving_node("rotating the secrets key", true).await.expect("forced");
    b.finish().await;
    let live = a.service.live_nodes().await.unwrap();
    assert_eq!(live.len(), 1, "the stopped node removed itself: {live:?}");
    let e = a.service.require_no_serving_node("rotating the secrets key", false).await.unwrap_err();
    assert!(e.to_string().contains("1 still serves"), "{e}");
    a.finish().await;
}
both_backends!(serving_nodes_are_known_t, serving_nodes_are_known);
