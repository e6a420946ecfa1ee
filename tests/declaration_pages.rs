//! The declarations of works pages of the employers' online service, on
//! SQLite and PostgreSQL: an access manager of the declaring contractor
//! declares a workplace (a valid fresh number; its QR code and poster work),
//! builds the chain (E1 -> E2 -> E3, E2 adding below itself), and the chain's
//! registration systems then register on it; a bad form is refused with every
//! field named and nothing stored; an enterprise outside the chain gets 404;
//! ending a subcontract and closing the declaration are audited; a post
//! without the anti-CSRF token is refused.

mod common;

use ciao_domain::access::GrantRole;
use ciao_domain::channel::Role;
use ciao_domain::{DeclarationNumber, EnterpriseNumber, Ssin};
use common::web::{WebClient as Browser, csrf, enrol_employer};
use common::{Backend, TestApp, item, operator, seed, ssin, today};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

/// Invites a person (the operator) and sets up their sign-in through the
/// pages (`common::web::enrol_employer`).
async fn enrol(app: &TestApp, b: &mut Browser, person: &str) {
    enrol_employer(&app.service, b, person, PASSWORD).await;
}

/// A user with a role in an enterprise, signed in in a fresh browser.
async fn user(app: &TestApp, enterprise: &str, person: &str, name: &str, role: Role) -> Browser {
    let e = EnterpriseNumber::parse(enterprise).unwrap();
    app.service.add_enterprise_user(&operator(), &e, &Ssin::parse(person).unwrap(), name, role).await.unwrap();
    let mut b = Browser::new(app);
    enrol(app, &mut b, person).await;
    b
}

/// The fields of a new declaration, with overrides.
fn declaration_form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("site_name", "Résidence Parc"),
        ("street", "Avenue Louise"),
        ("house_number", "54"),
        ("post_code", "1050"),
        ("municipality", "Ixelles"),
        ("latitude", "50.8337"),
        ("longitude", "4.3662"),
        ("sector", "construction"),
        ("amount_excl_vat", "1 250 000,50"),
        ("subject_to_registration", "true"),
    ];
    for (k, v) in changes {
        form.retain(|(n, _)| n != k);
        form.push((k, v));
    }
    form
}

/// The declaration's technical number, as its page links the QR code.
fn technical_of(body: &str) -> String {
    let end = body.find("/qr.svg\"").unwrap_or_else(|| panic!("no QR code on {body}"));
    let start = body[..end].rfind("/r/").unwrap() + 3;
    body[start..end].to_string()
}

async fn declaration_pages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let store = app.service.store().clone();
    let (e1, e2, e3) = (
        EnterpriseNumber::parse(&w.e1).unwrap(),
        EnterpriseNumber::parse(&w.e2).unwrap(),
        EnterpriseNumber::parse(&w.e3).unwrap(),
    );
    let start = today().to_string();

    // The access manager of E1, the declaring contractor.
    let mut b1 = user(&app, &w.e1, &ssin(700_101_001), "Anna Manager", Role::AccessManager).await;
    let page = b1.get("/e/declarations").await;
    assert_eq!(page.status, 200, "{}", page.body());
    let body = page.body();
    assert!(body.contains(&format!("/e/declarations/{}\"", w.d1)), "D1 is E1's: {body}");
    assert!(body.contains("Declaring contractor") && body.contains("<caption>"), "{body}");
    assert!(!body.contains(&w.d2), "D2 is not E1's: {body}");
    let page = b1.get("/e/declarations/new?lang=nl").await;
    assert_eq!(page.status, 200);
    let body = page.body();
    assert!(body.contains("<html lang=\"nl\">") && body.contains("<fieldset>") && body.contains("<legend>"), "{body}");
    assert!(body.contains("id=\"geo\"") && body.contains("navigator.geolocation"), "the position button: {body}");
    b1.get("/e/declarations/new?lang=en").await;
    let token = csrf(&b1.get("/e/declarations/new").await.body());
    let count = || async { store.declarations_of(&e1, 100).await.unwrap().len() };
    assert_eq!(count().await, 1);

    // A bad form: every field named at once, nothing stored.
    let bad = declaration_form(
        &token,
        &[("start_date", "2026-03-01"), ("end_date", "2026-02-01"), ("principal", "0123456748"), ("latitude", "95")],
    );
    let page = b1.post("/e/declarations", &bad).await;
    assert_eq!(page.status, 422, "{}", page.body());
    let body = page.body();
    assert!(body.contains("role=\"alert\""), "{body}");
    for field in ["end_date", "principal", "latitude"] {
        assert!(body.contains(&format!("data-field=\"{field}\"")), "{field} named: {body}");
        assert!(body.contains(&format!("href=\"#f-{field}\"")), "{field} linked: {body}");
    }
    assert!(body.contains("is before the start") && body.contains("out of range"), "the rules: {body}");
    assert!(body.contains("aria-invalid=\"true\""), "{body}");
    assert!(body.contains("value=\"Résidence Parc\""), "what was typed is kept: {body}");
    assert_eq!(count().await, 1, "nothing was created");
    // A text over its length: the rule names the limit.
    let long = "x".repeat(201);
    let page =
        b1.post("/e/declarations", &declaration_form(&token, &[("start_date", &start), ("site_name", &long)])).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains("is too long: at most 200 characters."), "{}", page.body());
    assert_eq!(count().await, 1, "nothing was created");
    // The principal is not the declaring contractor itself (it was a 503).
    let own = declaration_form(&token, &[("start_date", &start), ("principal", e1.as_str())]);
    let page = b1.post("/e/declarations", &own).await;
    assert_eq!(page.status, 422, "{}", page.body());
    let body = page.body();
    assert!(body.contains("data-field=\"principal\"") && body.contains("principal.isDeclarer"), "{body}");
    assert_eq!(count().await, 1, "nothing was created");
    // Without the anti-CSRF token: refused, nothing created.
    let page = b1.post("/e/declarations", &declaration_form("", &[("start_date", &start)])[1..]).await;
    assert_eq!(page.status, 403, "{}", page.body());
    assert_eq!(count().await, 1);

    // A good form: a fresh, valid number, and the workplace's page.
    let good = declaration_form(&token, &[("start_date", &start), ("principal", &w.p)]);
    let page = b1.post("/e/declarations", &good).await;
    assert_eq!(page.status, 303, "{}", page.body());
    let location = page.location.unwrap();
    let number = location.trim_start_matches("/e/declarations/").split('?').next().unwrap().to_string();
    let parsed = DeclarationNumber::parse(&number).expect("a valid declaration number");
    assert_eq!((parsed.as_str(), number.len()), (number.as_str(), 13));
    assert_ne!(number, w.d1);
    let stored = store.declaration(&parsed).await.unwrap().expect("stored");
    assert_eq!(stored.declaration.amount_excl_vat_cents, 125_000_050);
    assert_eq!(stored.declaration.declaring_contractor, e1);
    assert_eq!(stored.declaration.coordinates, Some((50.8337, 4.3662)));
    let page = b1.get(&location).await;
    assert_eq!(page.status, 200);
    let body = page.body();
    assert!(body.contains("role=\"status\"") && body.contains("was submitted"), "{body}");
    let technical = technical_of(&body);
    assert_eq!(technical, stored.technical_number);
    assert!(body.contains(&format!("{}/r/{technical}", app.root)), "the registration URL: {body}");
    assert!(body.contains(&format!("/r/{technical}/poster")), "{body}");
    let qr = b1.get(&format!("/r/{technical}/qr.svg")).await;
    assert_eq!((qr.status, qr.content_type.as_str()), (200, "image/svg+xml"));
    let poster = b1.get(&format!("/r/{technical}/poster")).await;
    assert_eq!(poster.status, 200);
    assert!(poster.body().contains(&number) && poster.body().contains("Résidence Parc"), "{}", poster.body());
    let list = b1.get("/e/declarations").await.body();
    assert!(list.contains(&format!("/e/declarations/{number}\"")), "{list}");

    // E1 adds E2; a post without the token is refused first.
    let path = format!("/e/declarations/{number}/subcontractors");
    let page = b1.post(&path, &[("enterprise_number", &w.e2), ("parent", &w.e1), ("from", &start)]).await;
    assert_eq!(page.status, 403);
    let page =
        b1.post(&path, &[("csrf", &token), ("enterprise_number", &w.e2), ("parent", &w.e1), ("from", &start)]).await;
    assert_eq!(page.status, 303, "{}", page.body());
    assert!(page.location.unwrap().ends_with("?done=added"));
    let grants = store.grants(&parsed, &e1).await.unwrap();
    assert!(grants.iter().any(|g| g.role == GrantRole::Contractor && g.employer.as_ref() == Some(&e2)), "{grants:?}");
    // The same one twice: refused, naming the field.
    let page =
        b1.post(&path, &[("csrf", &token), ("enterprise_number", &w.e2), ("parent", &w.e1), ("from", &start)]).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body().contains("data-field=\"enterprise_number\"") && page.body().contains("already"),
        "{}",
        page.body()
    );

    // E2's access manager sees it, adds E3 below itself only.
    let mut b2 = user(&app, &w.e2, &ssin(700_202_002), "Bert Sub", Role::AccessManager).await;
    let list = b2.get("/e/declarations").await.body();
    assert!(list.contains(&format!("/e/declarations/{number}\"")) && list.contains("Subcontractor"), "{list}");
    let page = b2.get(&format!("/e/declarations/{number}")).await;
    assert_eq!(page.status, 200);
    let body = page.body();
    assert_eq!(technical_of(&body), technical, "E2 is in the chain: {body}");
    let token2 = csrf(&body);
    let page =
        b2.post(&path, &[("csrf", &token2), ("enterprise_number", &w.e3), ("parent", &w.e1), ("from", &start)]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains("data-field=\"parent\""), "{}", page.body());
    let page =
        b2.post(&path, &[("csrf", &token2), ("enterprise_number", &w.e3), ("parent", &w.e2), ("from", &start)]).await;
    assert_eq!(page.status, 303, "{}", page.body());
    let chain = store.declaration(&parsed).await.unwrap().unwrap().subcontractors;
    assert!(chain.iter().any(|s| s.enterprise_number == e3 && s.parent == e2), "{chain:?}");
    let body = b1.get(&format!("/e/declarations/{number}")).await.body();
    let section = &body[body.find("id=\"chain-h\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let (at1, at2, at3) = (
        section.find(&e1.formatted()).unwrap(),
        section.find(&e2.formatted()).unwrap(),
        section.find(&e3.formatted()).unwrap(),
    );
    assert!(at1 < at2 && at2 < at3, "{section}");
    assert!(section[at1..at2].contains("<ul>") && section[at2..at3].contains("<ul>"), "E3 nested below E2: {section}");

    // Every page in every language; the refusals too.
    for lang in ["nl", "fr", "de", "en"] {
        for (second, path) in [
            (false, "/e/declarations".to_string()),
            (false, "/e/declarations/new".to_string()),
            (false, format!("/e/declarations/{number}")),
            (true, format!("/e/declarations/{number}")),
        ] {
            let b = if second { &mut b2 } else { &mut b1 };
            let page = b.get(&format!("{path}?lang={lang}")).await;
            assert_eq!(page.status, 200, "{path} in {lang}");
            assert!(page.body().contains(&format!("<html lang=\"{lang}\">")), "{path} in {lang}");
        }
        let page = b1.post(&format!("/e/declarations?lang={lang}"), &bad).await;
        assert_eq!(page.status, 422);
        assert!(page.body().contains("data-field=\"latitude\""), "{}", page.body());
    }
    b1.get("/e/declarations?lang=en").await;
    b2.get("/e/declarations?lang=en").await;

    // The chain's registration systems register on it.
    let by_e3 = app.register_one(&w.e3, item(&ssin(900_303_001), &w.e3, &number, "IN")).await;
    app.register_one(&w.e2, item(&ssin(900_303_002), &w.e3, &number, "IN")).await;
    // E4, outside the chain, registering its own worker: the validation remarks it.
    let by_e4 = app.register_one(&w.e4, item(&ssin(900_303_004), &w.e4, &number, "IN")).await;
    app.service.validate_all().await.unwrap();
    let remarks = |id: i64| {
        let store = store.clone();
        async move {
            let r = store.registration(ciao_domain::RegistrationId::new(id).unwrap()).await.unwrap().unwrap();
            r.remarks.into_iter().map(|m| m.code).collect::<Vec<_>>()
        }
    };
    let (of_e3, of_e4) = (remarks(by_e3).await, remarks(by_e4).await);
    assert!(!of_e3.iter().any(|c| c == "COMPANY_NOT_IN_DECLARATION"), "E3 is in the chain: {of_e3:?}");
    assert!(of_e4.iter().any(|c| c == "COMPANY_NOT_IN_DECLARATION"), "E4 is not: {of_e4:?}");
    let (_, answer) = app.register(&w.e4, json!([item(&ssin(900_303_003), &w.e3, &number, "IN")])).await;
    assert!(answer.to_string().contains("access.employer"), "E4 is outside the chain: {answer}");

    // Outside the chain: not found, nothing to change.
    let mut b4 = user(&app, &w.e4, &ssin(700_404_004), "Otto Other", Role::AccessManager).await;
    let page = b4.get(&format!("/e/declarations/{number}")).await;
    assert_eq!(page.status, 404, "{}", page.body());
    assert!(!page.body().contains(&technical));
    assert!(!b4.get("/e/declarations").await.body().contains(&number));
    let token4 = csrf(&b4.get("/e/declarations").await.body());
    let page = b4.post(&format!("/e/declarations/{number}/close"), &[("csrf", &token4), ("end_date", &start)]).await;
    assert_eq!(page.status, 404);
    assert_eq!(b4.get("/e/declarations/NOT-A-NUMBER").await.status, 404);
    // The principal sees the declaration, not its registration URL.
    let mut bp = user(&app, &w.p, &ssin(700_505_005), "Paula Principal", Role::Consultant).await;
    let page = bp.get(&format!("/e/declarations/{number}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body().contains(&technical) && page.body().contains("Principal"), "{}", page.body());

    // Ending E2 ends E3 below it too; E2 cannot close the declaration.
    let end_path = format!("/e/declarations/{number}/subcontractors/end");
    let page = b1.post(&end_path, &[("enterprise_number", &w.e2), ("end_date", &start)]).await;
    assert_eq!(page.status, 403, "no token");
    let page = b1.post(&end_path, &[("csrf", &token), ("enterprise_number", &w.e2), ("end_date", "2020-01-01")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body().contains("data-field=\"end_date\""), "{}", page.body());
    let page = b1.post(&end_path, &[("csrf", &token), ("enterprise_number", &w.e2), ("end_date", &start)]).await;
    assert_eq!(page.status, 303, "{}", page.body());
    let chain = store.declaration(&parsed).await.unwrap().unwrap().subcontractors;
    assert!(chain.iter().all(|s| s.to == Some(today())), "{chain:?}");
    let close_path = format!("/e/declarations/{number}/close");
    let page = b2.post(&format!("{close_path}?lang=nl"), &[("csrf", &token2), ("end_date", &start)]).await;
    assert_eq!(page.status, 403, "{}", page.body());
    // The rule in the page's language with its code, no service English.
    assert!(page.body().contains("Alleen de aangevende aannemer sluit deze aangifte af."), "{}", page.body());
    assert!(page.body().contains("denied.declaringCloses"), "{}", page.body());
    assert!(!page.body().contains("only the declaring contractor"), "{}", page.body());
    let page = b1.post(&close_path, &[("end_date", &start)]).await;
    assert_eq!(page.status, 403, "no token");
    assert_eq!(store.declaration(&parsed).await.unwrap().unwrap().declaration.end_date, None);
    // Closing ends the subcontracts too: it must be confirmed (the box ticked), on the server.
    let page = b1.post(&close_path, &[("csrf", &token), ("end_date", &start)]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains("data-field=\"confirm\""), "{}", page.body());
    assert!(page.body().contains("id=\"c-confirm\" name=\"confirm\" value=\"true\" required aria-invalid=\"true\""));
    assert_eq!(store.declaration(&parsed).await.unwrap().unwrap().declaration.end_date, None);
    let page = b1.post(&close_path, &[("csrf", &token), ("end_date", &start), ("confirm", "maybe")]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    // A date before the start and no confirmation: both said at once.
    let page = b1.post(&close_path, &[("csrf", &token), ("end_date", "1999-01-01")]).await;
    assert_eq!(page.status, 422, "{}", page.body());
    assert!(page.body().contains("data-field=\"end_date\"") && page.body().contains("data-field=\"confirm\""));
    let page = b1.post(&close_path, &[("csrf", &token), ("end_date", &start), ("confirm", "true")]).await;
    assert_eq!(page.status, 303, "{}", page.body());
    assert_eq!(store.declaration(&parsed).await.unwrap().unwrap().declaration.end_date, Some(today()));
    let page = b1.get(page.location.as_deref().unwrap()).await;
    assert!(page.body().contains("was closed"), "{}", page.body());

    // Odd posts never fail the server.
    for p in [&path, &end_path, &close_path] {
        let r = b1.post(p, &[("csrf", &token), ("enterprise_number", "\u{0}"), ("end_date", "9999-99-99")]).await;
        assert!(r.status == 422 || r.status == 403, "{p}: {}", r.status);
    }

    // The audit logs.
    let audit = b1.get("/e/audit").await.body();
    for action in
        ["declaration.create", "declaration.subcontractor.add", "declaration.subcontractor.end", "declaration.close"]
    {
        assert!(audit.contains(action), "{action}: {audit}");
    }
    assert!(b2.get("/e/audit").await.body().contains("declaration.subcontractor.add"));
    app.finish().await;
}
both_backends!(declaration_pages_t, declaration_pages);

/// A consultant reads the declarations but changes none.
async fn consultants_read_only(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let mut b = user(&app, &w.e1, &ssin(700_606_006), "Carl Consultant", Role::Consultant).await;
    let page = b.get(&format!("/e/declarations/{}", w.d1)).await;
    assert_eq!(page.status, 200);
    let body = page.body();
    assert!(!body.contains("/subcontractors\""), "no forms: {body}");
    assert_eq!(b.get("/e/declarations/new").await.status, 403);
    let token = csrf(&b.get("/e/declarations").await.body());
    let page = b.post("/e/declarations", &declaration_form(&token, &[("start_date", &today().to_string())])).await;
    assert_eq!(page.status, 403, "{}", page.body());
    let page = b
        .post(
            &format!("/e/declarations/{}/close", w.d1),
            &[("csrf", token.as_str()), ("end_date", &today().to_string())],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body());
    app.finish().await;
}
both_backends!(consultants_read_only_t, consultants_read_only);

/// Values that do not read as what the field holds are refused with the
/// field and the real rule, never read as something else.
async fn values_are_read_as_typed(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let store = app.service.store().clone();
    let e1 = EnterpriseNumber::parse(&w.e1).unwrap();
    let mut b = user(&app, &w.e1, &ssin(700_101_001), "Anna Manager", Role::AccessManager).await;
    let token = csrf(&b.get("/e/declarations/new").await.body());
    let start = today().to_string();
    let count = || async { store.declarations_of(&e1, 100).await.unwrap().len() };
    let before = count().await;

    // Coordinates that are not numbers are not "out of range".
    let form = declaration_form(&token, &[("start_date", &start), ("latitude", "abc"), ("longitude", "4°21'")]);
    let page = b.post("/e/declarations", &form).await;
    assert_eq!(page.status, 422, "{}", page.body());
    let body = page.body();
    for field in ["latitude", "longitude"] {
        assert!(body.contains(&format!("data-field=\"{field}\"")), "{field} named: {body}");
    }
    assert!(body.contains("is not a number") && body.contains("coordinates.number"), "{body}");
    assert!(!body.contains("out of range"), "{body}");
    // Each with an example of its own: a longitude in Belgium is about 2.5 to 6.4, not 50.
    let refusal = |field: &str| {
        let start = body.find(&format!("id=\"err-f-{field}\"")).unwrap_or_else(|| panic!("{field}: {body}"));
        body[start..start + body[start..].find("</li>").unwrap()].to_string()
    };
    let (latitude, longitude) = (refusal("latitude"), refusal("longitude"));
    assert!(latitude.contains("50.8466") && !latitude.contains("4.3517"), "{latitude}");
    assert!(longitude.contains("such as 4.3517 or 4,3517") && !longitude.contains("50.8466"), "{longitude}");
    for (lang, hint, number) in [
        ("nl", "breedtegraad 50.8466 en lengtegraad 4.3517", "zoals 4.3517 of 4,3517"),
        ("fr", "latitude 50.8466 et longitude 4.3517", "comme 4.3517 ou 4,3517"),
        ("de", "Breitengrad 50.8466 und Längengrad 4.3517", "etwa 4.3517 oder 4,3517"),
        ("en", "latitude 50.8466 and longitude 4.3517", "such as 4.3517 or 4,3517"),
    ] {
        let page = b.get(&format!("/e/declarations/new?lang={lang}")).await;
        assert!(page.body().contains(hint), "{lang}: {}", page.body());
        let page = b.post("/e/declarations", &form).await;
        assert!(page.body().contains(number), "{lang}: {}", page.body());
    }
    assert_eq!(count().await, before, "nothing was created");
    // A decimal comma reads.
    let form = declaration_form(&token, &[("start_date", &start), ("latitude", "50,8337"), ("longitude", "4,3662")]);
    let page = b.post("/e/declarations", &form).await;
    assert_eq!(page.status, 303, "{}", page.body());
    let number = page.location.unwrap().trim_start_matches("/e/declarations/").split('?').next().unwrap().to_string();
    let stored = store.declaration(&DeclarationNumber::parse(&number).unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.declaration.coordinates, Some((50.8337, 4.3662)));
    let before = count().await;

    // The checkbox is ticked by its own value (or a browser's "on"), not by
    // any value at all; unticked, it sends nothing.
    for value in ["false", "maybe", "0"] {
        let form = declaration_form(&token, &[("start_date", &start), ("subject_to_registration", value)]);
        let page = b.post("/e/declarations", &form).await;
        assert_eq!(page.status, 422, "{value}: {}", page.body());
        let body = page.body();
        assert!(body.contains("data-field=\"subject_to_registration\""), "{value}: {body}");
        assert!(body.contains("is a checkbox") && body.contains("checkbox.value"), "{value}: {body}");
        assert!(body.contains("id=\"f-subject_to_registration\""), "the link leads to the box: {body}");
    }
    assert_eq!(count().await, before, "nothing was created");
    for (value, subject) in [(Some("true"), true), (Some("on"), true), (None, false)] {
        let mut form = declaration_form(&token, &[("start_date", &start)]);
        form.retain(|(k, _)| *k != "subject_to_registration");
        if let Some(v) = value {
            form.push(("subject_to_registration", v));
        }
        let page = b.post("/e/declarations", &form).await;
        assert_eq!(page.status, 303, "{value:?}: {}", page.body());
        let number =
            page.location.unwrap().trim_start_matches("/e/declarations/").split('?').next().unwrap().to_string();
        let stored = store.declaration(&DeclarationNumber::parse(&number).unwrap()).await.unwrap().unwrap();
        assert_eq!(stored.declaration.subject_to_registration, subject, "{value:?}");
    }
    app.finish().await;
}
both_backends!(values_are_read_as_typed_t, values_are_read_as_typed);
