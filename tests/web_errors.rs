//! What the web pages answer to requests they cannot read, on SQLite and
//! PostgreSQL: a parameter given twice, a path segment that is not UTF-8, a
//! form over the body limit, an unknown address or a refused method in the
//! web areas. Each gets an HTML page in the user's language that names the
//! parameter and the rule, with a 4xx status, never axum's plain text nor
//! the REST API's problem (which the API's own paths keep).

mod common;

use ciao_domain::EnterpriseNumber;
use ciao_domain::channel::Role;
use common::web::{WebClient as Browser, csrf, enrol_employer};
use common::{Backend, TestApp, operator, seed, ssin};

/// One answer, as a browser would see it.
struct Answer {
    status: u16,
    content_type: String,
    language: String,
    allow: String,
    body: String,
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    accept_language: Option<&str>,
    cookie: &str,
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let mut req = app.client.request(method.parse().unwrap(), format!("{}{path}", app.root));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    if let Some((content_type, bytes)) = body {
        req = req.header("content-type", content_type).body(bytes);
    }
    let r = req.send().await.unwrap();
    let header = |name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let (content_type, language, allow) = (header("content-type"), header("content-language"), header("allow"));
    Answer { status: r.status().as_u16(), content_type, language, allow, body: r.text().await.unwrap() }
}

/// An HTML page with this status, in this language, saying these texts.
fn page(a: &Answer, what: &str, status: u16, lang: &str, texts: &[&str]) {
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert_eq!(a.content_type, "text/html; charset=utf-8", "{what}: {}", a.body);
    assert_eq!(a.language, lang, "{what}: {}", a.body);
    assert!(a.body.contains(&format!("<html lang=\"{lang}\"")), "{what}: {}", a.body);
    assert!(a.body.contains("role=\"alert\""), "{what}: {}", a.body);
    assert!(a.body.contains(&format!("href=\"/?lang={lang}\"")), "{what}: a way home: {}", a.body);
    for t in texts {
        assert!(a.body.contains(t), "{what} should say {t:?}: {}", a.body);
    }
}

async fn web_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let tn = d.technical_number.clone();

    // A parameter given twice: 400, the parameter named, in the language asked.
    let repeated = [
        ("/?lang=en&lang=fr", "lang"),
        (&format!("/r/{tn}?lang=a&lang=b") as &str, "lang"),
        (&format!("/r/{tn}/display?lang=a&lang=b"), "lang"),
        (&format!("/r/{tn}/poster?c=1&lang=x&lang=y"), "lang"),
        (&format!("/r/{tn}/qr.svg?lang=a&lang=b"), "lang"),
        (&format!("/r/{tn}?c=a&c=b"), "c"),
        ("/w/go?declaration=x&declaration=y", "declaration"),
        ("/w/sign-in?next=/x&next=/y", "next"),
        ("/w/registrations?lang=a&lang=b", "lang"),
        ("/e?enterprise=x&enterprise=y", "enterprise"),
        ("/e/sign-in?next=x&next=y", "next"),
        ("/e/activate?lang=x&lang=y", "lang"),
        ("/e/on-site?day=x&day=y", "day"),
        // A page whose own parameters leave `lang` out refuses it twice too.
        ("/e/on-site?lang=x&lang=y", "lang"),
        ("/e/remarks?lang=a&lang=b", "lang"),
        ("/e/audit?lang=de&lang=fr", "lang"),
        ("/e/remarks?from=a&from=b", "from"),
    ];
    for (path, name) in repeated {
        let a = call(&app, "GET", path, Some("de-BE,de;q=0.9"), "", None).await;
        let named = format!("<code>{name}</code>");
        let lang = if path.starts_with("/?lang=en") { "en" } else { "de" };
        let rule = if lang == "en" { "more than once" } else { "mehr als einmal" };
        page(&a, path, 400, lang, &[&named, rule]);
        // Said in the page's language only: no parser English beside it.
        assert!(!a.body.contains("duplicate field"), "{path}: {}", a.body);
    }
    let a = call(&app, "GET", "/?lang=nl&lang=fr", None, "", None).await;
    page(&a, "Dutch", 400, "nl", &["<code>lang</code>", "meer dan eens"]);
    let form = Some(("application/x-www-form-urlencoded", b"kind=IN".to_vec()));
    let a = call(&app, "POST", &format!("/r/{tn}/register?lang=fr&lang=nl"), None, "", form).await;
    page(&a, "a tap", 400, "fr", &["<code>lang</code>", "plus d'une fois"]);

    // A path segment that is not UTF-8: 400, the segment named.
    for (method, path, name) in [
        ("GET", "/r/%ff", "technical"),
        ("GET", "/r/%ff/display", "technical"),
        ("GET", "/r/%C3%28/qr.png", "technical"),
        ("POST", "/r/%ff/register", "technical"),
        ("GET", "/e/registrations/%ff", "id"),
        ("GET", "/e/declarations/%ff", "number"),
        ("POST", "/e/declarations/%ff/close", "number"),
        ("POST", "/e/channel/accounts/%ff/enable", "client_id"),
    ] {
        let body = (method == "POST").then(|| ("application/x-www-form-urlencoded", b"csrf=x".to_vec()));
        let a = call(&app, method, path, Some("fr"), "", body).await;
        page(&a, path, 400, "fr", &[&format!("<code>{name}</code>"), "UTF-8"]);
    }

    // A form over the body limit: 413, the limit given, nothing read.
    let big = || Some(("application/x-www-form-urlencoded", format!("x={}", "a".repeat(1_100_000)).into_bytes()));
    for path in [
        "/e/sign-in",
        "/e/activate",
        "/e/activate/finish",
        "/e/users",
        "/e/declarations",
        "/e/declarations/1Y1003SQ5VSSZ/close",
        "/e/security/sessions",
        "/e/channel/accounts/self_service_expeditor_1/disable",
        "/w/sign-in",
        "/w/activate",
        "/w/activate/pin",
        "/w/sessions",
        &format!("/r/{tn}/register"),
    ] {
        let a = call(&app, "POST", path, Some("nl"), "", big()).await;
        page(&a, path, 413, "nl", &["1 MiB", "niets bewaard"]);
    }

    // An unknown address or a refused method in the web areas: a page, in
    // the language asked, with a way home.
    for path in ["/e/nope", "/w/nope", "/r/x/y/z", "/favicon.ico", "/e/registrations/1/x", "/w/sign-in/x"] {
        let a = call(&app, "GET", path, Some("nl-BE"), "", None).await;
        page(&a, path, 404, "nl", &["Pagina niet gevonden"]);
    }
    let a = call(&app, "GET", "/e/nope?lang=de", None, "", None).await;
    page(&a, "German", 404, "de", &["Seite nicht gefunden"]);
    for (method, path, allow) in [("PUT", "/e/sign-in", "GET"), ("POST", "/", "GET"), ("DELETE", "/w/sessions", "POST")]
    {
        let a = call(&app, method, path, Some("en"), "", None).await;
        page(&a, path, 405, "en", &[&format!("<code>{method}</code>")]);
        assert!(a.allow.contains(allow), "{path}: Allow {}", a.allow);
    }
    // The API and other addresses keep the REST problem.
    for (method, path, status) in [
        ("GET", "/REST/presenceRegistration/v1/nothing", 404),
        ("GET", "/%FF%FE", 404),
        ("GET", "/elsewhere", 404),
        ("PUT", "/REST/presenceRegistration/v1/presenceRegistrations/registerInBulk", 405),
        ("POST", "/health", 405),
    ] {
        let a = call(&app, method, path, Some("nl"), "", None).await;
        assert_eq!(a.status, status, "{path}: {}", a.body);
        assert!(a.content_type.starts_with("application/problem+json"), "{path}: {}", a.content_type);
    }

    // Signed in, the REST channel's multipart form over the limit is said to
    // be too large as a whole (no file was sent: not "the file is over 64 KiB").
    let manager = ssin(700_101_001);
    let e1 = EnterpriseNumber::parse(&w.e1).unwrap();
    let person = ciao_domain::Ssin::parse(&manager).unwrap();
    app.service.add_enterprise_user(&operator(), &e1, &person, "Anna", Role::AccessManager).await.unwrap();
    let mut b = Browser::new(&app);
    enrol_employer(&app.service, &mut b, &manager, "correct horse battery staple").await;
    let token = csrf(&b.get("/e/channel").await.body);
    let names: Vec<String> = (0..20_000).map(|i| format!("field{i}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &token)];
    fields.extend(names.iter().map(|n| (n.as_str(), "some value to fill the form")));
    let page = b.post_multipart("/e/channel/accounts", &fields, None).await;
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(page.body.contains("The form is larger than 1 MiB"), "{}", page.body);
    assert!(!page.body.contains("The file is larger than 64 KiB"), "{}", page.body);
    assert!(app.service.accounts(&operator(), None).await.unwrap().is_empty(), "no account was created");
    app.finish().await;
}
both_backends!(web_errors_t, web_errors);
