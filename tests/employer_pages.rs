//! The employer pages after the browser review, on SQLite and PostgreSQL:
//! language links that keep the page (also after a refused post), the
//! exports as Belgian Excel reads them, errors in the page's language
//! naming the form's own fields, the security page without a PIN, the
//! closing of a declaration and the withdrawal of a role confirmed first,
//! no role for oneself, an unknown declaration on the live view said so,
//! and "u/uw" throughout the Dutch pages.

mod common;

use ciao_domain::channel::Role;
use common::web::{WebClient, csrf, enrol_employer};
use common::{Backend, TestApp, item, seed, ssin};

const PASSWORD: &str = "correct horse battery staple";

async fn employer_pages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let r1 = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    let today = common::today().to_string();

    // B4/U4: the language links lead to the page's GET address with its own query.
    let page = b.get(&format!("/e/on-site?declaration={}&day={today}&lang=en", w.d1)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let link = format!("href=\"/e/on-site?declaration={}&amp;day={today}&amp;lang=fr\"", w.d1);
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(!page.body.contains("href=\"?lang="), "no relative language link: {}", page.body);
    let page =
        b.get(&format!("/e/registrations?type=IN&registrationDateFrom={today}&registrationDateTo={today}")).await;
    assert!(page.body.contains("href=\"/e/registrations?type=IN&amp;registrationDateFrom="), "{}", page.body);
    // Restored from the back/forward cache, a page is fetched anew at its
    // own GET address (a closed declaration does not show as open).
    let here = format!(
        "data-here=\"/e/registrations?type=IN&amp;registrationDateFrom={today}&amp;registrationDateTo={today}\""
    );
    assert!(page.body.contains(&here), "{}", page.body);
    assert!(page.body.contains("addEventListener('pageshow'"), "{}", page.body);
    // After a refused post, the links lead to the declaration's page, which answers a GET.
    let token = csrf(&b.get(&format!("/e/declarations/{}", w.d1)).await.body);
    let page = b
        .post(
            &format!("/e/declarations/{}/subcontractors", w.d1),
            &[("csrf", &token), ("enterprise_number", "123"), ("parent", &w.e1), ("from", &today)],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    let fr = format!("/e/declarations/{}?lang=fr", w.d1);
    assert!(page.body.contains(&format!("href=\"{fr}\"")), "{}", page.body);
    let page = b.get(&fr).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<html lang=\"fr\">"));
    let page = b.get(&format!("/e/registrations/{r1}")).await;
    assert!(page.body.contains(&format!("href=\"/e/registrations/{r1}?lang=de\"")), "{}", page.body);

    // T1: a filter error in the page's language, naming the form's fields.
    let page = b.get("/e/registrations?registrationDateFrom=2026-01-10&registrationDateTo=2026-01-05").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("<strong>Au</strong> ne peut pas précéder <strong>Du</strong>"), "{}", page.body);
    assert!(!page.body.contains("comes after"), "{}", page.body);
    let page = b.get("/e/registrations?registrationDateFrom=2026-01-01&registrationDateTo=2026-03-01").await;
    assert!(page.body.contains("au plus 31 jours"), "{}", page.body);
    let page = b.get("/e/registrations/999999").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Il n'y a pas d'enregistrement 999999"), "{}", page.body);
    let page = b.get("/e/registrations/abc").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Un numéro d'enregistrement est un nombre."), "{}", page.body);
    let page = b.get("/e/remarks?from=2026-02-10&to=2026-01-01").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("<strong>Du</strong> pas après <strong>Au</strong>"), "{}", page.body);

    // U9/T8: the exports as Belgian Excel reads them, headers in the page's language.
    let page = b.get(&format!("/e/registrations.csv?registrationDateFrom={today}&registrationDateTo={today}")).await;
    assert_eq!(page.status, 200);
    let text = String::from_utf8(page.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("Numéro d'accusé;Moment (Bruxelles);Type;Personne;Employeur"), "{text}");
    assert!(lines[1].starts_with(&format!("{r1};")), "{text}");
    assert!(lines[1].contains(&format!(";\"=\"\"{}\"\"\";", w.e1)), "the employer keeps its leading 0: {text}");
    let page = b.get(&format!("/e/registrations.xlsx?registrationDateFrom={today}&registrationDateTo={today}")).await;
    let rows = ciao_http::export::read_xlsx_rows(&page.bytes).unwrap();
    assert_eq!(rows[0][0], "Numéro d'accusé");
    assert_eq!(rows[1][4], w.e1, "text, with its 0");
    let serial: f64 = rows[1][1].parse().expect("the time is a number (an Excel date), not text");
    let days = (common::today() - time::macros::date!(1899 - 12 - 30)).whole_days() as f64;
    assert!(serial >= days && serial < days + 1.0, "{serial} is today in Brussels ({days})");

    // T7: no passkeys on an IP address: the page speaks of the authenticator app, not a PIN.
    let page = b.get("/e/security").await;
    assert!(page.body.contains("id=\"pk-unavailable\""), "{}", page.body);
    assert!(page.body.contains("application d'authentification") && !page.body.contains("PIN"), "{}", page.body);
    assert!(!page.body.contains("<small lang=\"en\">"), "no English detail: {}", page.body);

    // U3: an unknown declaration on the live view is said so; one outside the chain too.
    let page = b.get("/e/on-site?declaration=9SMZZZ9999999").await;
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(page.body.contains("Il n'existe pas de déclaration de travaux 9SMZZZ9999999"), "{}", page.body);
    let page = b.get(&format!("/e/on-site?declaration={}", w.d2)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"not-in-chain\""), "{}", page.body);
    let page = b.get(&format!("/e/on-site?declaration={}", w.d1)).await;
    assert!(!page.body.contains("id=\"not-in-chain\""), "{}", page.body);
    // A day that has not begun: refused, naming the day, with the form.
    let tomorrow = ciao_domain::clock::to_brussels(app.service.now()).date() + time::Duration::days(1);
    let page = b.get(&format!("/e/on-site?declaration={}&day={tomorrow}&lang=en", w.d1)).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("data-field=\"day\" data-code=\"day.future\""), "{}", page.body);
    assert!(page.body.contains("is today or before: nobody is on site yet"), "{}", page.body);
    assert!(
        page.body.contains("name=\"day\" type=\"date\"") && page.body.contains("aria-invalid=\"true\""),
        "{}",
        page.body
    );

    // U6: no role for oneself; a withdrawal names person and role and is confirmed first.
    b.get("/e/users?lang=en").await;
    let token = csrf(&b.get("/e/users").await.body);
    let page =
        b.post("/e/users", &[("csrf", &token), ("ssin", &manager), ("name", "Anna"), ("role", "consultant")]).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("data-code=\"ssin.self\"") && !page.body.contains("id=\"invitation\""), "{}", page.body);
    let users = app.service.store().enterprise_users(&e1).await.unwrap();
    assert_eq!(users.len(), 1, "no second row for the manager: {users:?}");
    let carl = ssin(660_303_003);
    let page = b
        .post("/e/users", &[("csrf", &token), ("ssin", &carl), ("name", "Carl Consultant"), ("role", "consultant")])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Withdraw role<span class=\"sr\"> (consultant, Carl Consultant)</span>"),
        "{}",
        page.body
    );
    let page = b.post("/e/users/remove", &[("csrf", &token), ("ssin", &carl), ("role", "consultant")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"confirm-withdraw\""), "{}", page.body);
    assert_eq!(app.service.store().enterprise_users(&e1).await.unwrap().len(), 2, "not withdrawn yet");
    let page = b
        .post("/e/users/remove", &[("csrf", &token), ("ssin", &carl), ("role", "consultant"), ("confirm", "yes")])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(app.service.store().enterprise_users(&e1).await.unwrap().len(), 1, "withdrawn");

    // T4: "u/uw" on the Dutch employer pages of this family.
    let page = b.get("/e/channel?lang=nl").await;
    assert!(page.body.contains("uw onderneming"), "{}", page.body);
    for je in [" je ", ">Je ", " jouw "] {
        assert!(!page.body.contains(je), "{je:?} on /e/channel: {}", page.body);
    }

    app.finish().await;
}

both_backends!(employer_pages_t, employer_pages);

/// Switching to an enterprise the user has no role in, or to something that
/// is no enterprise number, is said (and the current enterprise kept).
async fn switching_enterprise(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    for asked in [w.e4.as_str(), "garbage"] {
        let page = b.get(&format!("/e?enterprise={asked}&lang=en")).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains(&format!("<code>{asked}</code> is not an enterprise in which you have a role")));
    }
    let page = b.get(&format!("/e?enterprise={}&lang=fr", e1.as_str())).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("role=\"alert\""), "{}", page.body);
    app.finish().await;
}
both_backends!(switching_enterprise_t, switching_enterprise);

/// The link of a page with `rel` (its href, unescaped), if any.
fn rel_link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!(" rel=\"{rel}\""))?;
    let start = body[..at].rfind("href=\"")? + "href=\"".len();
    Some(common::web::unescape(&body[start..at - 1]))
}

/// The receipt numbers listed on a registrations page, in order.
fn receipts(body: &str) -> Vec<i64> {
    body.split("<a href=\"/e/registrations/").skip(1).filter_map(|rest| rest.split('"').next()?.parse().ok()).collect()
}

/// The registrations are paged forwards and backwards: "previous" leads to
/// the page before (keyset paging, as "next"), its "previous" to the first
/// page; a page reached by number goes back by number.
async fn paging_back_and_forth(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut ids = Vec::new();
    for (i, kind) in ["IN", "OUT", "IN", "OUT", "IN"].iter().enumerate() {
        let person = ssin(800_000_001 + i as u64);
        ids.push(app.register_one(&w.e1, item(&person, &w.e1, &w.d1, kind)).await);
    }
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;

    let page = b.get("/e/registrations?sort=id&pageSize=2&lang=en").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(receipts(&page.body), ids[0..2]);
    assert_eq!(rel_link(&page.body, "prev"), None, "nothing before the first page");
    let next = rel_link(&page.body, "next").expect("a next page");
    let second = b.get(&next).await;
    assert_eq!(receipts(&second.body), ids[2..4]);
    let prev = rel_link(&second.body, "prev").expect("a previous link on the second page");
    assert!(!prev.contains("after="), "the page before the second is the first: {prev}");
    assert!(second.body.contains(">Previous</a>"), "{}", second.body);
    assert_eq!(receipts(&b.get(&prev).await.body), ids[0..2]);
    let third = b.get(&rel_link(&second.body, "next").expect("a third page")).await;
    assert_eq!(receipts(&third.body), ids[4..5]);
    assert_eq!(rel_link(&third.body, "next"), None);
    let prev = rel_link(&third.body, "prev").expect("a previous link on the third page");
    assert!(prev.contains("after="), "{prev}");
    let back = b.get(&prev).await;
    assert_eq!(receipts(&back.body), ids[2..4], "back to the second page");
    assert!(rel_link(&third.body, "first").is_some_and(|f| !f.contains("after=")));
    assert!(rel_link(&second.body, "first").is_some() && rel_link(&page.body, "first").is_none());

    // Newest first, backwards too.
    let page = b.get("/e/registrations?sort=-id&pageSize=2").await;
    let second = b.get(&rel_link(&page.body, "next").unwrap()).await;
    let third = b.get(&rel_link(&second.body, "next").unwrap()).await;
    assert_eq!(receipts(&third.body), vec![ids[0]]);
    let back = b.get(&rel_link(&third.body, "prev").unwrap()).await;
    assert_eq!(receipts(&back.body), vec![ids[2], ids[1]]);

    // By number: page 3 goes back to page 2; its "next" is by cursor, without the page.
    let page = b.get("/e/registrations?sort=id&pageSize=2&page=3").await;
    assert_eq!(receipts(&page.body), ids[4..5]);
    let prev = rel_link(&page.body, "prev").unwrap();
    assert!(prev.contains("page=2"), "{prev}");
    let second = b.get(&prev).await;
    assert_eq!(receipts(&second.body), ids[2..4]);
    let next = rel_link(&second.body, "next").unwrap();
    assert!(!next.contains("page="), "{next}");
    assert_eq!(receipts(&b.get(&next).await.body), ids[4..5]);

    // In French.
    let page = b.get(&format!("{}&lang=fr", rel_link(&second.body, "next").unwrap())).await;
    assert!(page.body.contains(">Précédent</a>"), "{}", page.body);
    app.finish().await;
}
both_backends!(paging_back_and_forth_t, paging_back_and_forth);

/// A person's SSIN typed in the filter is in no address: the form is sent
/// by POST and answered with the page's address holding it sealed; the
/// paging and export links carry the sealed value; it opens for this
/// enterprise only.
async fn the_person_filter_is_in_no_address(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let person = ssin(800_000_101);
    let mut ids = Vec::new();
    for kind in ["IN", "OUT", "IN"] {
        ids.push(app.register_one(&w.e1, item(&person, &w.e1, &w.d1, kind)).await);
    }
    app.register_one(&w.e1, item(&ssin(800_000_102), &w.e1, &w.d1, "IN")).await;
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    let page = b.get("/e/registrations?lang=en").await;
    assert!(page.body.contains("<form method=\"post\" action=\"/e/registrations\""), "{}", page.body);
    let token = csrf(&page.body);
    let sent = b
        .post("/e/registrations?lang=en", &[("csrf", &token), ("ssin", &person), ("pageSize", "2"), ("sort", "id")])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let location = sent.location.clone().unwrap();
    assert!(location.starts_with("/e/registrations?") && location.contains("person="), "{location}");
    assert!(!location.contains(&person) && !location.contains("ssin="), "{location}");
    let page = b.get(&location).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(receipts(&page.body), ids[0..2], "the person's registrations only");
    assert!(page.body.contains(&format!("value=\"{person}\"")), "the form shows what was typed");
    let next = rel_link(&page.body, "next").expect("a next page");
    assert!(next.contains("person=") && !next.contains(&person), "{next}");
    let page = b.get(&next.replace("&amp;", "&")).await;
    assert_eq!(receipts(&page.body), ids[2..3]);
    // Filters each under their limit (2,000 characters) that would make
    // together, encoded, an address over the server's: refused, not sent on.
    let wide = "é".repeat(1_500);
    let sent = b.post("/e/registrations?lang=en", &[("csrf", &token), ("declaration", &wide)]).await;
    assert_eq!(sent.status, 422, "{}", sent.body);
    let max = ciao_http::MAX_TARGET_BYTES - 256;
    assert!(sent.body.contains(&format!("too long for the page's address: at most {max} bytes")), "{}", sent.body);
    let sent = b.post("/e/registrations?lang=en", &[("csrf", &token), ("declaration", &"é".repeat(600))]).await;
    assert_eq!(sent.status, 303, "one under the limit is sent on: {}", sent.body);
    // The exports too.
    for export in ["/e/registrations.csv?", "/e/registrations.xlsx?"] {
        let at = page.body.find(export).expect("an export link");
        let href = &page.body[at..at + page.body[at..].find('"').unwrap()];
        assert!(href.contains("person=") && !href.contains(&person), "{href}");
    }
    // Without the server's key, or altered, it does not open: refused, not ignored.
    let page = b.get("/e/registrations?person=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&lang=en").await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("ssin.sealed"), "{}", page.body);
    assert!(page.body.contains("This person filter comes from another server or enterprise"), "{}", page.body);
    let page = b.get("/e/registrations?person=&lang=en").await;
    assert_eq!(page.status, 422, "an empty sealed person is refused, not a search of everyone: {}", page.body);
    // A form from another site is refused.
    let forged = b.post("/e/registrations?lang=en", &[("csrf", "nope"), ("ssin", &person)]).await;
    assert_eq!(forged.status, 403);
    app.finish().await;
}
both_backends!(the_person_filter_is_in_no_address_t, the_person_filter_is_in_no_address);

/// The audit log reads as sentences in the page's language, the raw code in
/// small print; details as "name: value" items, not JSON; no full SSIN;
/// 50 entries a page, with "previous" and "next".
async fn readable_audit_log(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    b.get(&format!("/e/registrations?ssin={}", w.worker)).await;
    // An action this version does not know, with a full SSIN in its subject
    // and detail (as an older version or a careless caller might write).
    let worker = ciao_domain::Ssin::parse(&w.worker).unwrap();
    app.service
        .audit_in(
            &common::operator(),
            Some(w.e1.clone()),
            "future.thing",
            Some(format!("person {}", worker.formatted())),
            serde_json::json!({"person": w.worker, "nested": {"flag": true}, "count": 3}),
        )
        .await
        .unwrap();

    let page = b.get("/e/audit?lang=fr").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Enregistrements recherchés<br><small class=\"mono\" data-code>registration.search</small>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Connexion configurée"), "the enrolment: {}", page.body);
    assert!(page.body.contains("<li>NISS: "), "the detail's names in French: {}", page.body);
    assert!(page.body.contains("<li>Affichés: 0</li>"), "{}", page.body);
    assert!(!page.body.contains("{&quot;") && !page.body.contains("{\""), "no JSON: {}", page.body);
    assert!(page.body.contains(">future.thing<br>"), "an unknown action by its code: {}", page.body);
    assert!(page.body.contains("<li>nested: <ul><li>flag: oui</li></ul></li>"), "{}", page.body);
    assert!(!page.body.contains(&w.worker) && !page.body.contains(&worker.formatted()), "{}", page.body);
    assert!(!page.body.contains(&manager), "{}", page.body);
    assert!(page.body.contains(&worker.masked()), "{}", page.body);
    for lang in ["nl", "de", "en"] {
        let page = b.get(&format!("/e/audit?lang={lang}")).await;
        assert!(!page.body.contains(">registration.search<br>"), "{lang}: {}", page.body);
    }

    // Paged: 60 more entries make two pages.
    for i in 0..60 {
        let detail = serde_json::json!({ "i": i });
        app.service
            .audit_in(&common::operator(), Some(w.e1.clone()), "registration.consult", None, detail)
            .await
            .unwrap();
    }
    let rows = |body: &str| body.matches("<tr><td").count();
    let first = b.get("/e/audit?lang=en").await;
    assert_eq!(rows(&first.body), 50, "{}", first.body);
    assert!(first.body.contains("Page 1 of 2") && !first.body.contains("rel=\"prev\""), "{}", first.body);
    assert!(first.body.contains("<a href=\"/e/audit?page=2\" rel=\"next\">Next</a>"), "{}", first.body);
    assert!(first.body.contains("<li>i: 59</li>"), "newest first: {}", first.body);
    let second = b.get("/e/audit?page=2").await;
    assert!(rows(&second.body) > 10, "{}", second.body);
    assert!(second.body.contains("<a href=\"/e/audit\" rel=\"prev\">Previous</a>"), "{}", second.body);
    assert!(!second.body.contains("rel=\"next\"") && !second.body.contains("<li>i: 59</li>"), "{}", second.body);
    let page = b.get("/e/audit?page=9").await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("data-code=\"number.range\""), "{}", page.body);
    // The rule names the range: the pages there are.
    assert!(page.body.contains("is a whole number from 1 to 2."), "{}", page.body);
    let french = b.get("/e/audit?page=9&lang=fr").await;
    assert!(french.body.contains("est un nombre entier de 1 à 2."), "{}", french.body);
    for (page, code) in [("0", "number.range"), ("x", "number.format"), ("%FF", "number.format")] {
        let answer = b.get(&format!("/e/audit?page={page}")).await;
        assert_eq!(answer.status, 422, "{page}: {}", answer.body);
        assert!(answer.body.contains(&format!("data-code=\"{code}\"")), "{page}: {}", answer.body);
    }
    // The second page held the oldest entries; 500 more push them past the
    // 500 newest, onto page 2 + 10, still reachable.
    let oldest = rows(&second.body);
    for i in 60..560 {
        let detail = serde_json::json!({ "i": i });
        app.service
            .audit_in(&common::operator(), Some(w.e1.clone()), "registration.consult", None, detail)
            .await
            .unwrap();
    }
    let last = b.get("/e/audit?page=12&lang=en").await;
    assert_eq!(last.status, 200, "{}", last.body);
    assert!(last.body.contains("Page 12 of 12"), "{}", last.body);
    assert_eq!(rows(&last.body), oldest, "the oldest entries, past the 500 newest: {}", last.body);
    assert!(last.body.contains("<li>i: 0</li>") && !last.body.contains("<li>i: 10</li>"), "{}", last.body);
    assert!(!last.body.contains("rel=\"next\""), "{}", last.body);
    app.finish().await;
}
both_backends!(readable_audit_log_t, readable_audit_log);

/// The authenticator app's key for typing by hand is shown in groups of
/// four; the key itself (in the form and the otpauth link) is unchanged,
/// and a code made from what is shown works.
async fn totp_key_in_groups(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let invitation = app.service.issue_employer_invitation(&common::operator(), &manager).await.unwrap();
    let mut b = WebClient::new(&app);
    let page = b.post("/e/activate", &[("code", &invitation.code)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let key = common::web::input(&page.body, "secret");
    let start = page.body.find("<code id=\"secret\">").expect("the key for typing") + "<code id=\"secret\">".len();
    let shown = &page.body[start..start + page.body[start..].find("</code>").unwrap()];
    let groups: Vec<&str> = shown.split(' ').collect();
    assert!(groups.len() > 1 && groups.iter().all(|g| (1..=4).contains(&g.len())), "{shown}");
    assert!(groups[..groups.len() - 1].iter().all(|g| g.len() == 4), "groups of four: {shown}");
    assert_eq!(shown.replace(' ', ""), key, "the same key");
    assert!(page.body.contains(&format!("secret={key}&amp;")), "the otpauth link keeps the key: {}", page.body);
    let ticket = common::web::unescape(&common::web::input(&page.body, "ticket"));
    let totp = common::web::code_now(shown, 0);
    let page = b
        .post(
            "/e/activate/finish",
            &[("ticket", &ticket), ("password", PASSWORD), ("password2", PASSWORD), ("totp", &totp)],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/e")), "{}", page.body);
    app.finish().await;
}
both_backends!(totp_key_in_groups_t, totp_key_in_groups);

/// The security page's refusals (passkeys, sessions) in the page's
/// language by their codes, as the other employer pages', without the
/// service's English reason.
async fn security_refusals_translated(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    let token = csrf(&b.get("/e/security?lang=fr").await.body);
    for (path, form, code, french, english) in [
        (
            "/e/security/passkeys/remove",
            vec![("credentialId", "AAAAAAAAAAAAAAAAAAAAAA")],
            "passkey.unknown",
            "Cette clé d'accès n'est pas la vôtre",
            "not one of yours",
        ),
        (
            "/e/security/passkeys",
            vec![("password", PASSWORD), ("passkeyState", "forged")],
            "passkey.state",
            "La demande de clé d'accès n'est pas valable",
            "not valid",
        ),
        (
            "/e/security/sessions",
            vec![("id", "12345")],
            "session.unknown",
            "Ce n'est pas une de vos sessions",
            "has ended already",
        ),
        ("/e/security/sessions", vec![("others", "2")], "session.others", "rien n'a été déconnecté", "anything else"),
    ] {
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend(form);
        let page = b.post(path, &fields).await;
        assert!(page.status >= 400, "{path}: {}", page.body);
        assert!(page.body.contains(&format!("data-code=\"{code}\"")), "{code}: {}", page.body);
        assert!(page.body.contains(french), "{code}: {}", page.body);
        assert!(!page.body.contains(english) && !page.body.contains("<span lang=\"en\">"), "{code}: {}", page.body);
        assert!(!page.body.contains("<small lang=\"en\">"), "{code}: {}", page.body);
    }
    app.finish().await;
}
both_backends!(security_refusals_translated_t, security_refusals_translated);

fn opens_with_skip_link(page: &common::web::Page, path: &str, text: &str) {
    let body = &page.body;
    let start = body.find("<body>").unwrap_or_else(|| panic!("{path}: {} {body}", page.status)) + "<body>".len();
    assert!(body[start..].starts_with(&format!("<a class=\"skip\" href=\"#main\">{text}</a>")), "{path}: {body}");
    assert_eq!(body.matches("<main id=\"main\" tabindex=\"-1\">").count(), 1, "{path}: {body}");
    if let Some(header) = body.find("<header") {
        assert!(header < body.find("<main").unwrap(), "{path}: the header before the content: {body}");
    }
}

/// Every page opens with a "skip to content" link to its `<main>`, in the
/// page's language; the header (language switch, navigation) is before it.
async fn every_page_has_a_skip_link(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let mut b = WebClient::new(&app);
    let technical =
        app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap().technical_number;
    let public = [
        "/".to_string(),
        format!("/r/{technical}"),
        format!("/r/{technical}/poster"),
        format!("/r/{technical}/display"),
        "/w/sessions".to_string(),
        "/w/activate".to_string(),
        "/e/sign-in".to_string(),
        "/e/activate".to_string(),
        "/w/nowhere".to_string(),
        "/e/nowhere".to_string(),
    ];
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    let signed_in = [
        "/e".to_string(),
        "/e/registrations".to_string(),
        "/e/audit".to_string(),
        "/e/security".to_string(),
        "/e/declarations".to_string(),
        format!("/e/declarations/{}", w.d1),
        "/e/declarations/new".to_string(),
        "/e/channel".to_string(),
    ];
    let mut anonymous = WebClient::new(&app);
    for (lang, text) in
        [("nl", "Naar de inhoud"), ("fr", "Aller au contenu"), ("de", "Zum Inhalt"), ("en", "Skip to content")]
    {
        for path in &public {
            let page = anonymous.get(&format!("{path}?lang={lang}")).await;
            opens_with_skip_link(&page, path, text);
        }
        for path in &signed_in {
            let page = b.get(&format!("{path}?lang={lang}")).await;
            opens_with_skip_link(&page, path, text);
        }
    }
    app.finish().await;
}
both_backends!(every_page_has_a_skip_link_t, every_page_has_a_skip_link);
