//! The date fields of the employer pages, on SQLite and PostgreSQL: a date
//! is read as `YYYY-MM-DD` (what `<input type="date">` sends) and as Belgians
//! and Germans type it (`DD/MM/YYYY`, `D/M/YYYY`, `DD.MM.YYYY`), on every
//! page (registration filters and their export, live view, remarks,
//! declaration forms); a refused date is named with the forms that are
//! accepted, in the page's language, and stays in its field as typed
//! (escaped, `aria-invalid`); the REST API keeps to ISO 8601.

mod common;

use ciao_domain::channel::Role;
use ciao_domain::{DeclarationNumber, EnterpriseNumber};
use common::web::{WebClient, csrf, enrol_employer};
use common::{Backend, TestApp, item, seed};

const PASSWORD: &str = "correct horse battery staple";

/// The `<input>` of a field, by its `name`.
fn input<'a>(body: &'a str, name: &str) -> &'a str {
    let at = body.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no field {name}: {body}"));
    let start = body[..at].rfind("<input").unwrap();
    let end = at + body[at..].find('>').unwrap() + 1;
    &body[start..end]
}

async fn page_dates(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (_e1, manager) = common::appoint(&app, &w.e1, 700_101_001, "Anna Manager", Role::AccessManager).await;
    let r1 = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let mut b = WebClient::new(&app);
    enrol_employer(&app.service, &mut b, &manager, PASSWORD).await;
    let today = common::today();
    let iso = today.to_string();
    let (d, m, y) = (today.day(), u8::from(today.month()), today.year());
    let typed = [
        iso.clone(),
        format!("{d:02}/{m:02}/{y}"),
        format!("{d}/{m}/{y}"),
        format!("{d:02}.{m:02}.{y}"),
        format!(" {d}.{m}.{y} "),
        format!("{d:02}-{m:02}-{y}"),
    ];

    // The registration filters and their export: every form reads as the same day.
    for t in &typed {
        let v = t.replace(' ', "%20");
        let q = format!("registrationDateFrom={v}&registrationDateTo={v}");
        let page = b.get(&format!("/e/registrations?{q}&lang=en")).await;
        assert_eq!(page.status, 200, "{t}: {}", page.body);
        assert!(page.body.contains(&format!("href=\"/e/registrations/{r1}\"")), "{t}: {}", page.body);
        let from = input(&page.body, "registrationDateFrom");
        assert!(
            from.contains(&format!("type=\"date\" value=\"{iso}\"")),
            "{t}: shown as the date field reads it: {from}"
        );
        assert!(!from.contains("aria-invalid"), "{from}");
        let csv = b.get(&format!("/e/registrations.csv?{q}")).await;
        assert_eq!(csv.status, 200, "{t}");
        assert!(String::from_utf8_lossy(&csv.bytes).lines().any(|l| l.starts_with(&format!("{r1};"))), "{t}");
    }

    // A refused date: the accepted forms named in the page's language; the value kept, escaped.
    for (lang, words) in [
        ("en", "is not a date: write DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD."),
        ("fr", "n'est pas une date : écrivez JJ/MM/AAAA, JJ.MM.AAAA ou AAAA-MM-JJ."),
        ("nl", "is geen datum: schrijf DD/MM/JJJJ, DD.MM.JJJJ of JJJJ-MM-DD."),
        ("de", "ist kein Datum: Schreiben Sie TT.MM.JJJJ, TT/MM/JJJJ oder JJJJ-MM-TT."),
    ] {
        let page = b.get(&format!("/e/registrations?registrationDateFrom=31/02/2026&lang={lang}")).await;
        assert_eq!(page.status, 422, "{lang}: {}", page.body);
        assert!(page.body.contains(words), "{lang}: {}", page.body);
        assert!(page.body.contains("data-field=\"registrationDateFrom\" data-code=\"date.format\""), "{}", page.body);
        let from = input(&page.body, "registrationDateFrom");
        assert!(from.contains("type=\"text\" value=\"31/02/2026\" aria-invalid=\"true\""), "{lang}: {from}");
    }
    for bad in ["6/12/26", "2026/12/06", "06-12-26", "31-02-2026", "06/12.2026", "1.1.0999", "32.01.2026", "06/13/2026"]
    {
        let q = format!("registrationDateTo={bad}");
        let page = b.get(&format!("/e/registrations?{q}")).await;
        assert_eq!(page.status, 422, "{bad}: {}", page.body);
        assert!(page.body.contains("data-code=\"date.format\""), "{bad}: {}", page.body);
    }
    let page = b.get("/e/registrations?registrationDateTo=%22%3E%3Cb%3E1%2F1&ssin=123").await;
    assert_eq!(page.status, 422);
    let to = input(&page.body, "registrationDateTo");
    assert!(to.contains("value=\"&quot;&gt;&lt;b&gt;1/1\" aria-invalid=\"true\""), "{to}");
    assert!(!page.body.contains("\"><b>"), "escaped: {}", page.body);
    assert!(
        input(&page.body, "ssin").contains("value=\"123\" aria-invalid=\"true\""),
        "the other filters kept: {}",
        page.body
    );
    // The REST API's date-times still filter the pages (the form shows their day).
    let page = b.get(&format!("/e/registrations?registrationDateFrom={iso}T00:00:00%2B01:00")).await;
    assert_eq!(page.status, 200, "{}", page.body);

    // The live view and the remarks.
    let page = b.get(&format!("/e/on-site?declaration={}&day={d}/{m}/{y}&lang=en", w.d1)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(input(&page.body, "day").contains(&format!("type=\"date\" value=\"{iso}\"")), "{}", page.body);
    let page = b.get(&format!("/e/on-site?declaration={}&day=29.02.2026&lang=en", w.d1)).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("is not a date: write DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD."), "{}", page.body);
    let day = input(&page.body, "day");
    assert!(day.contains("type=\"text\" value=\"29.02.2026\" aria-invalid=\"true\""), "{day}");
    let page = b.get(&format!("/e/remarks?from={d:02}.{m:02}.{y}&to={d}/{m}/{y}&lang=de")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(input(&page.body, "to").contains(&format!("type=\"date\" value=\"{iso}\"")), "{}", page.body);
    // Dates emptied in the form: the last seven days, as when left out.
    let page = b.get("/e/remarks?from=&to=+&lang=en").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(input(&page.body, "to").contains(&format!("type=\"date\" value=\"{iso}\"")), "{}", page.body);
    let page = b.get(&format!("/e/remarks?from=1/13/{y}&to={iso}&lang=de")).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("ist kein Datum: Schreiben Sie TT.MM.JJJJ, TT/MM/JJJJ oder JJJJ-MM-TT."),
        "{}",
        page.body
    );
    assert!(input(&page.body, "from").contains(&format!("value=\"1/13/{y}\" aria-invalid=\"true\"")), "{}", page.body);
    assert!(!input(&page.body, "to").contains("aria-invalid"), "{}", page.body);

    // A declaration of works: the dates as typed in Belgium; a refused one kept.
    let token = csrf(&b.get("/e/declarations/new?lang=en").await.body);
    let form = |start: &str, end: &str| {
        vec![
            ("csrf", token.clone()),
            ("site_name", "Résidence Parc".to_string()),
            ("street", "Avenue Louise".to_string()),
            ("house_number", "54".to_string()),
            ("post_code", "1050".to_string()),
            ("municipality", "Ixelles".to_string()),
            ("sector", "construction".to_string()),
            ("amount_excl_vat", "1000".to_string()),
            ("principal", w.p.clone()),
            ("subject_to_registration", "true".to_string()),
            ("start_date", start.to_string()),
            ("end_date", end.to_string()),
        ]
    };
    let later = today + time::Duration::days(40);
    let bad = form(&format!("{d:02}/{m:02}/{y}"), "31.04.2027");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = b.post("/e/declarations", &bad).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("is not a date: write DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD."), "{}", page.body);
    // Said in the page's language with its code, not in the service's English.
    assert!(page.body.contains("(code: date.format)") && !page.body.contains("end_date is a date"), "{}", page.body);
    let end = input(&page.body, "end_date");
    assert!(end.contains("type=\"text\" value=\"31.04.2027\"") && end.contains("aria-invalid=\"true\""), "{end}");
    let start = input(&page.body, "start_date");
    assert!(start.contains(&format!("type=\"date\" value=\"{iso}\"")) && !start.contains("aria-invalid"), "{start}");
    let good = form(&format!("{d}.{m}.{y}"), &format!("{}/{}/{}", later.day(), u8::from(later.month()), later.year()));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = b.post("/e/declarations", &good).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let number = page.location.unwrap().trim_start_matches("/e/declarations/").split('?').next().unwrap().to_string();
    let stored = app.service.store().declaration(&DeclarationNumber::parse(&number).unwrap()).await.unwrap().unwrap();
    assert_eq!((stored.declaration.start_date, stored.declaration.end_date), (today, Some(later)));

    // A subcontractor from a day typed D/M/YYYY; ending it on a refused day keeps what was typed.
    let e2 = EnterpriseNumber::parse(&w.e2).unwrap();
    let path = format!("/e/declarations/{number}/subcontractors");
    let from = format!("{d}/{m}/{y}");
    let page =
        b.post(&path, &[("csrf", &token), ("enterprise_number", &w.e2), ("parent", &w.e1), ("from", &from)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let stored = app.service.store().declaration(&DeclarationNumber::parse(&number).unwrap()).await.unwrap().unwrap();
    assert!(stored.subcontractors.iter().any(|s| s.enterprise_number == e2), "{stored:?}");
    let page = b
        .post(&format!("{path}/end"), &[("csrf", &token), ("enterprise_number", &w.e2), ("end_date", "00/01/2027")])
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    let end = input(&page.body, "end_date");
    assert!(end.contains("type=\"text\" required value=\"00/01/2027\" aria-invalid=\"true\""), "{end}");
    let page =
        b.post(&format!("{path}/end"), &[("csrf", &token), ("enterprise_number", &w.e2), ("end_date", &from)]).await;
    assert_eq!(page.status, 303, "{}", page.body);

    // The REST API keeps to ISO 8601, as the official one.
    let search = |from: String| format!("/presenceRegistrations?registrationDateFrom={from}&registrationDateTo={iso}");
    let (status, body) = app.get(&w.e1, &search(format!("{d:02}/{m:02}/{y}"))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["issues"][0]["code"], "date.format", "{body}");
    let (status, body) = app.get(&w.e1, &search(iso.clone())).await;
    assert_eq!(status, 200, "{body}");
    app.finish().await;
}
both_backends!(page_dates_t, page_dates);
