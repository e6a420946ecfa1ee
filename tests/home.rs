//! The front page: in each of the four languages (by `?lang=` and by
//! `Accept-Language`), with the way to each kind of user, and every link on
//! it leading somewhere that answers.

mod common;

use common::{Backend, TestApp};

async fn page(app: &TestApp, query: &str, accept_language: Option<&str>) -> (u16, String, String, String) {
    let mut req = app.client.get(format!("{}/{query}", app.root));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let header = |name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let (content_type, language) = (header("content-type"), header("content-language"));
    (status, content_type, language, r.text().await.unwrap())
}

#[tokio::test]
async fn the_front_page_leads_each_user_in_their_language() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    for (lang, heading) in [("nl", "Werknemers"), ("fr", "Travailleurs"), ("de", "Arbeitnehmer"), ("en", "Workers")] {
        let (status, content_type, language, body) = page(&app, &format!("?lang={lang}"), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_eq!(language, lang);
        assert!(body.contains(&format!("<html lang=\"{lang}\"")), "{body}");
        assert!(body.contains(&format!("<h2>{heading}</h2>")), "{lang}: {body}");
        assert!(body.contains(&format!("href=\"/e?lang={lang}\"")), "{body}");
        assert!(body.contains(&format!("href=\"/w/registrations?lang={lang}\"")), "{body}");
        assert!(body.contains("href=\"/REST/presenceRegistration/v1/openapi.json\""), "{body}");
        assert!(body.contains("POST /REST/oauth/v5/token"), "{body}");
    }
    // Without ?lang=, the browser's languages decide.
    let (_, _, language, body) = page(&app, "", Some("fr-BE,fr;q=0.9,en;q=0.5")).await;
    assert_eq!(language, "fr");
    assert!(body.contains("Employeurs, entrepreneurs et sous-traitants"), "{body}");
    // Every link of the page answers (the worker and employer areas send
    // someone not signed in to their sign-in; the API description is JSON).
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/e?lang=en", "/w/registrations?lang=en", "/REST/presenceRegistration/v1/openapi.json", "/?lang=de"] {
        let status = no_redirect.get(format!("{}{path}", app.root)).send().await.unwrap().status().as_u16();
        assert!(matches!(status, 200 | 303), "{path}: {status}");
    }
    // And every link actually on the page, whatever is added to it later.
    let (_, _, _, body) = page(&app, "?lang=en", None).await;
    let links: Vec<&str> = body.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert!(links.len() >= 7, "{links:?}");
    for link in links {
        let path = link.replace("&amp;", "&");
        let status = no_redirect.get(format!("{}{path}", app.root)).send().await.unwrap().status().as_u16();
        assert!(matches!(status, 200 | 303), "{path}: {status}");
    }
    // A language chosen with the switch is remembered.
    let r = no_redirect.get(format!("{}/?lang=nl", app.root)).send().await.unwrap();
    let cookie = r.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(cookie.starts_with("ciao_lang=nl;"), "{cookie}");
    app.finish().await;
}
