//! REST presenceRegistration v1, end to end: a real server on a random port
//! over a real database (SQLite, and PostgreSQL when configured).

mod common;

use common::{Backend, TestApp, item, rfc3339, seed, ssin};
use serde_json::{Value, json};
use time::Duration;

fn created(body: &Value, i: usize) -> &Value {
    &body["items"][i]["createdPresenceRegistration"]
}

fn not_created(body: &Value, i: usize) -> &Value {
    &body["items"][i]["notCreatedPresenceRegistration"]
}

async fn register_then_read(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let when = common::now() - Duration::seconds(30);
    let mut it = item(&w.worker, &w.e1, &w.d1, "IN");
    it["registrationDate"] = json!(rfc3339(when));
    it["placeOfWork"] = json!({"coordinates": {"latitude": 50.86, "longitude": 4.36}});
    it["clientReference"] = json!("badge-0001");
    let (status, body) = app.register(&w.e1, json!([it])).await;
    assert_eq!(status, 200, "{body}");
    let c = created(&body, 0);
    let id = c["id"].as_i64().expect("an id");
    assert!(id > 0 && id <= 999_999_999_999_999);
    assert_eq!(c["validity"], "pending");
    assert_eq!(c["remarks"], json!([]));
    assert_eq!(c["type"], "IN");
    assert_eq!(c["ssin"], w.worker);
    assert_eq!(c["employer"]["enterpriseNumber"], w.e1);
    assert_eq!(c["contractualRelationshipReference"], w.d1);
    assert_eq!(c["clientReference"], "badge-0001");
    assert_eq!(c["channel"], "rest");
    assert_eq!(c["sender"]["enterpriseNumber"], w.e1);
    assert_eq!(c["placeOfWork"]["coordinates"]["latitude"], 50.86);

    let res = app
        .client
        .get(format!("{}/presenceRegistrations/{id}", app.base))
        .header("authorization", app.bearer(&w.e1).await)
        .send()
        .await
        .unwrap();
    // Personal data: never kept by a browser or a proxy.
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, r) = app.get(&w.e1, &format!("/presenceRegistrations/{id}")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["id"], id);
    // Every instant to the microsecond, six digits always, in UTC and in
    // Brussels time.
    let fixed = |v: &Value, offset: bool| {
        let s = v.as_str().unwrap();
        let (_, fraction) = s.split_once('.').unwrap();
        assert_eq!(fraction.len(), if offset { 12 } else { 7 }, "{s}");
        assert!(fraction[..6].bytes().all(|b| b.is_ascii_digit()), "{s}");
    };
    fixed(&r["registrationDate"], false);
    fixed(&r["registrationDateBrussels"], true);
    fixed(&r["createdAt"], false);
    fixed(&r["createdAtBrussels"], true);
    fixed(&r["history"][0]["at"], false);
    fixed(&r["history"][0]["atBrussels"], true);
    // The instant is kept to the microsecond, in UTC, and shown in Brussels time too.
    let stored = time::OffsetDateTime::parse(
        r["registrationDate"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(stored.unix_timestamp(), when.unix_timestamp());
    assert!(r["registrationDate"].as_str().unwrap().ends_with('Z'));
    let local = r["registrationDateBrussels"].as_str().unwrap();
    assert!(local.ends_with("+01:00") || local.ends_with("+02:00"), "{local}");
    assert_eq!(r["history"][0]["event"], "created");
    assert_eq!(r["history"].as_array().unwrap().len(), 1);
    assert_eq!(r["createdAt"], c["createdAt"]);

    // Formatted identifiers are normalised.
    let mut it = item("85.07.30-033.28", &format!("BE {}", &w.e1), &w.d1.to_lowercase(), "OUT");
    it["clientReference"] = json!("badge-0002");
    let (_, body) = app.register(&w.e1, json!([it])).await;
    assert_eq!(created(&body, 0)["ssin"], "85073003328", "{body}");
    assert_eq!(created(&body, 0)["contractualRelationshipReference"], w.d1);
    app.finish().await;
}
both_backends!(register_then_read_t, register_then_read);

async fn bulk_items_succeed_or_fail_alone(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let mut bad = item(&ssin(850_730_033).replace("28", "29"), &w.e1, &w.d1, "IN");
    bad["ssin"] = json!("85073003329");
    bad["registrationDate"] = json!(rfc3339(common::now() - Duration::minutes(11)));
    let mut wrong_type = item(&w.worker, &w.e1, &w.d1, "IN");
    wrong_type["employer"] = json!({"enterpriseNumber": 123});
    let (status, body) = app
        .register(
            &w.e1,
            json!([item(&w.worker, &w.e1, &w.d1, "IN"), bad, item(&w.worker, &w.e1, &w.d1, "OUT"), wrong_type]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 4);
    assert!(created(&body, 0)["id"].is_i64());
    assert!(created(&body, 2)["id"].is_i64());
    assert_eq!(created(&body, 2)["type"], "OUT");
    let nc = not_created(&body, 1);
    assert_eq!(nc["item"]["ssin"], "85073003329");
    let errors: Vec<(String, String)> = nc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("items[1].registrationDate".to_string(), "registrationDate.tooOld".to_string()),
            ("items[1].ssin".to_string(), "ssin.checkDigit".to_string()),
        ]
    );
    assert!(nc["errors"][0]["description"].as_str().unwrap().contains("10 minutes"));
    let nc = not_created(&body, 3);
    assert_eq!(nc["errors"][0]["field"], "items[3].employer.enterpriseNumber");
    assert_eq!(nc["errors"][0]["code"], "json.type");

    // A registration in the future beyond the tolerance is refused too.
    let mut future = item(&w.worker, &w.e1, &w.d1, "IN");
    future["registrationDate"] = json!(rfc3339(common::now() + Duration::minutes(3)));
    let (_, body) = app.register(&w.e1, json!([future])).await;
    assert_eq!(not_created(&body, 0)["errors"][0]["code"], "registrationDate.inFuture");
    app.finish().await;
}
both_backends!(bulk_items_succeed_or_fail_alone_t, bulk_items_succeed_or_fail_alone);

fn assert_problem(status: u16, want: u16, body: &Value) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["status"], want, "{body}");
    assert!(body["type"].as_str().unwrap().starts_with("urn:problem-type:"), "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
}

async fn whole_request_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let url = format!("{}/presenceRegistrations/registerInBulk", app.base);
    let auth = app.bearer(&w.e1).await;
    let send = |body: Vec<u8>, ct: &'static str| {
        app.client.post(&url).header("authorization", &auth).header("content-type", ct).body(body).send()
    };

    let res = send(b"{\"items\": [".to_vec(), "application/json").await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_problem(status, 400, &body);
    assert!(body["detail"].as_str().unwrap().contains("not valid JSON"));

    let res = send(b"items=1".to_vec(), "application/x-www-form-urlencoded").await.unwrap();
    let status = res.status().as_u16();
    assert_problem(status, 415, &res.json().await.unwrap());

    let many: Vec<Value> = (0..201).map(|_| item(&w.worker, &w.e1, &w.d1, "IN")).collect();
    let (status, body) = app.register(&w.e1, json!(many)).await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["name"], "items");
    assert_eq!(body["issues"][0]["code"], "items.count");
    assert_eq!(body["issues"][0]["in"], "body");

    let (status, body) = app.register(&w.e1, json!([])).await;
    assert_problem(status, 400, &body);

    let huge = format!("{{\"items\": [{{\"clientReference\": \"{}\"}}]}}", "x".repeat(1024 * 1024 + 10));
    let res = send(huge.into_bytes(), "application/json").await.unwrap();
    let status = res.status().as_u16();
    assert_problem(status, 413, &res.json().await.unwrap());

    let res = send(b"{\"items\": [], \"extra\": 1}".to_vec(), "application/json").await.unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["name"], "extra");

    let (status, body) = app.get(&w.e1, "/presenceRegistrations/999999").await;
    assert_problem(status, 404, &body);
    let (status, body) = app.get(&w.e1, "/presenceRegistrations/12ab").await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["in"], "path");
    assert_eq!(body["issues"][0]["name"], "id");
    let (status, body) = app.get(&w.e1, "/presenceRegistrations/1234567890123456").await;
    assert_problem(status, 400, &body);
    let (status, body) = app.get(&w.e1, "/nothing-here").await;
    assert_problem(status, 404, &body);

    // No sender, or a bad one: 401 with a challenge.
    let res = app.client.get(format!("{}/presenceRegistrations/1", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    for bad in ["Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer ciao1.e30.AAAA"] {
        let res = app
            .client
            .get(format!("{}/presenceRegistrations/1", app.base))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_string();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        // Other credentials than a token: no error code (RFC 6750 §3.1).
        assert_eq!(bad.starts_with("Basic"), !challenge.contains("error="), "{bad}: {challenge}");
        assert_problem(status, 401, &res.json().await.unwrap());
    }
    // The scheme's case does not matter (RFC 7235 §2.1).
    let token = app.bearer(&w.e1).await;
    let day = common::today();
    for scheme in ["BEARER", "bearer", "bEaReR"] {
        let res = app
            .client
            .get(format!("{}/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}", app.base))
            .header("authorization", token.replacen("Bearer", scheme, 1))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{scheme}");
    }
    app.finish().await;
}
both_backends!(whole_request_errors_t, whole_request_errors);

async fn without_a_token_everything_but_openapi_is_401(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = common::world();
    let res = app
        .client
        .post(format!("{}/presenceRegistrations/registerInBulk", app.base))
        .json(&json!({"items": [item(&w.worker, &w.e1, &w.d1, "IN")]}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"ciao\"");
    let body: Value = res.json().await.unwrap();
    assert_problem(status, 401, &body);
    assert_eq!(body["type"], "urn:problem-type:belgif:noAccessToken");
    for path in [
        "/presenceRegistrations/1",
        "/presenceRegistrations?registrationDateFrom=2026-01-01&registrationDateTo=2026-01-02",
    ] {
        let res = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 401, "{path}");
    }
    let res = app.client.get(format!("{}/openapi.json", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let doc: Value = res.json().await.unwrap();
    // The platform's version (its developer guide: every API is an
    // OpenAPI 3.0.3 document), with nothing of 3.1 left in it.
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(ciao_http::openapi30::constructs_not_in_30(&doc), Vec::<String>::new());
    // `nullable` means something in 3.0.3 only beside a `type`.
    fn untyped_nullables(v: &Value, at: &str, found: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if m.get("nullable") == Some(&Value::Bool(true)) && !m.contains_key("type") {
                    found.push(at.to_string());
                }
                for (k, v) in m {
                    untyped_nullables(v, &format!("{at}/{k}"), found);
                }
            }
            Value::Array(l) => {
                l.iter().enumerate().for_each(|(i, v)| untyped_nullables(v, &format!("{at}/{i}"), found))
            }
            _ => {}
        }
    }
    let mut untyped = Vec::new();
    untyped_nullables(&doc, "#", &mut untyped);
    assert_eq!(untyped, Vec::<String>::new());
    let res = app.client.get(format!("{}/openapi-3.1.json", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let doc31: Value = res.json().await.unwrap();
    assert!(doc31["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc31["openapi"]);
    assert!(!ciao_http::openapi30::constructs_not_in_30(&doc31).is_empty(), "the generated document is 3.1");
    assert_eq!(doc31["paths"].as_object().map(|p| p.len()), doc["paths"].as_object().map(|p| p.len()));
    // The API's paths relative to its base, which is the server (as the
    // social security's documents are); the token endpoint on its own.
    assert_eq!(doc["servers"][0]["url"], app.base);
    assert!(app.base.ends_with("/REST/presenceRegistration/v1"));
    for path in [
        "/presenceRegistrations/registerInBulk",
        "/presenceRegistrations",
        "/presenceRegistrations/{id}",
        "/presenceRegistrations/{id}/cancel",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path} in the OpenAPI document");
        assert!(doc["paths"][path]["servers"].is_null(), "{path}");
    }
    // Required members are not nullable: a generated client must not let null through.
    let schemas = &doc["components"]["schemas"];
    for (schema, members) in [
        ("RegistrationItem", &["registrationDate", "type", "employer", "contractualRelationshipReference"][..]),
        ("CancelRequest", &["reason"][..]),
    ] {
        for m in members {
            let required = schemas[schema]["required"].as_array().unwrap();
            assert!(required.iter().any(|r| r == m), "{schema}.{m} required");
            let member = &schemas[schema]["properties"][m];
            assert!(member["nullable"].is_null() || member["nullable"] == false, "{schema}.{m}: {member}");
        }
    }
    let token = &doc["paths"]["/REST/oauth/v5/token"];
    assert_eq!(token["servers"][0]["url"], app.root);
    let form = &token["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert!(form["$ref"].as_str().is_some_and(|r| r.ends_with("/TokenRequestForm")), "{form}");
    let search = &doc["paths"]["/presenceRegistrations"]["get"];
    let param = |name: &str| search["parameters"].as_array().unwrap().iter().find(|p| p["name"] == name).cloned();
    assert!(param("after").is_some());
    assert_eq!(param("page").unwrap()["schema"]["minimum"], 1);
    assert_eq!(param("pageSize").unwrap()["schema"]["maximum"], 500);
    assert!(search["responses"]["403"].is_object());
    assert_eq!(doc["info"]["version"], "1.2.0");
    assert!(doc["components"]["schemas"]["RegistrationItem"].is_object());
    let oauth = &doc["components"]["securitySchemes"]["oauth2"];
    assert_eq!(oauth["flows"]["clientCredentials"]["tokenUrl"], format!("{}/REST/oauth/v5/token", app.root));
    assert!(oauth["flows"]["clientCredentials"]["scopes"]["scope:presenceregistration:register"].is_string());
    app.finish().await;
}
both_backends!(without_a_token_t, without_a_token_everything_but_openapi_is_401);

/// Both OpenAPI documents are valid for their version, by an independent
/// validator (Python's openapi-spec-validator, which checks a document
/// against the OpenAPI 3.0 or 3.1 schema it declares). Mandatory in CI
/// (`.ci/run` installs it); skipped elsewhere when it is not installed.
#[tokio::test]
async fn the_openapi_documents_pass_an_independent_validator() {
    let probe = std::process::Command::new("python3").args(["-c", "import openapi_spec_validator"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(std::env::var("CI").is_err(), "CI is set but python3 -m openapi_spec_validator is not installed");
        eprintln!("openapi-spec-validator not installed: the OpenAPI documents are not validated");
        return;
    }
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    for (name, expected) in [("openapi.json", "3.0"), ("openapi-3.1.json", "3.1")] {
        let doc: Value = app.client.get(format!("{}/{name}", app.base)).send().await.unwrap().json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with(expected));
        let file = std::env::temp_dir().join(format!("ciao-test-{}-{name}", std::process::id()));
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        let out =
            std::process::Command::new("python3").args(["-m", "openapi_spec_validator"]).arg(&file).output().unwrap();
        let _ = std::fs::remove_file(&file);
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && said.contains("OK"), "{name} is not valid OpenAPI {expected}: {said}");
    }
    app.finish().await;
}

async fn client_reference_is_idempotent(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let mut it = item(&w.worker, &w.e1, &w.d1, "IN");
    it["clientReference"] = json!("retry-1");
    let first = app.register_one(&w.e1, it.clone()).await;
    let again = app.register_one(&w.e1, it.clone()).await;
    assert_eq!(first, again);
    // Concurrent retries of a new reference: one registration.
    it["clientReference"] = json!("retry-2");
    let mut handles = Vec::new();
    for _ in 0..16 {
        let client = app.client.clone();
        let url = format!("{}/presenceRegistrations/registerInBulk", app.base);
        let body = json!({"items": [it.clone()]});
        let auth = app.bearer(&w.e1).await;
        handles.push(tokio::spawn(async move {
            let res = client.post(url).header("authorization", auth).json(&body).send().await.unwrap();
            let v: Value = res.json().await.unwrap();
            v["items"][0]["createdPresenceRegistration"]["id"].as_i64().unwrap()
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    // The same reference within one request, and from another sender.
    let (_, body) = app.register(&w.e1, json!([it.clone(), it.clone()])).await;
    assert_eq!(created(&body, 0)["id"], ids[0]);
    assert_eq!(created(&body, 1)["id"], ids[0]);
    let other = app.register_one(&format!("other-system@{}", w.e1), it.clone()).await;
    assert_ne!(other, ids[0]);
    let day = common::today();
    let (_, page) = app
        .get(
            &w.e1,
            &format!("/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}&ssin={}", w.worker),
        )
        .await;
    assert_eq!(page["total"], 3, "{page}");
    app.finish().await;
}
both_backends!(client_reference_is_idempotent_t, client_reference_is_idempotent);

async fn a_reference_stands_for_one_registration(backend: Backend) {
    // A real-time window of 3 seconds, so that a retry can arrive after it.
    let Some(app) = TestApp::spawn_with(backend, common::config(Duration::seconds(3))).await else {
        return;
    };
    let w = seed(&app).await;
    let mut it = item(&w.worker, &w.e1, &w.d1, "IN");
    it["clientReference"] = json!("late-retry");
    let first = app.register_one(&w.e1, it.clone()).await;
    // Another presence under a reference already used is refused, naming
    // the registration and what differs, in the same request too.
    let mut out = it.clone();
    out["type"] = json!("OUT");
    let (_, body) = app.register(&w.e1, json!([out])).await;
    let refused = &not_created(&body, 0)["errors"][0];
    assert_eq!(refused["code"], "clientReference.reused", "{body}");
    assert_eq!(refused["field"], "items[0].clientReference");
    let why = refused["description"].as_str().unwrap();
    assert!(why.contains(&format!("registration {first}")) && why.contains("type"), "{why}");
    let mut pair = [item(&w.worker, &w.e1, &w.d1, "IN"), item(&w.worker, &w.e1, &w.d1, "OUT")];
    for p in &mut pair {
        p["clientReference"] = json!("pair-1");
    }
    let (_, body) = app.register(&w.e1, json!(pair)).await;
    assert!(created(&body, 0)["id"].is_i64(), "{body}");
    assert_eq!(not_created(&body, 1)["errors"][0]["code"], "clientReference.reused", "{body}");

    // After the window: the retry still gets its registration back; another
    // presence under the reference is still refused for its reuse; a new
    // reference is refused for its date.
    tokio::time::sleep(std::time::Duration::from_millis(3_500)).await;
    let (_, body) = app.register(&w.e1, json!([it.clone()])).await;
    assert_eq!(created(&body, 0)["id"], first, "{body}");
    let mut late_out = it.clone();
    late_out["type"] = json!("OUT");
    late_out["registrationDate"] = json!(common::rfc3339(common::now()));
    let (_, body) = app.register(&w.e1, json!([late_out])).await;
    let refused = &not_created(&body, 0)["errors"][0];
    assert_eq!(refused["code"], "clientReference.reused", "{body}");
    assert!(refused["description"].as_str().unwrap().contains("registrationDate, type"), "{refused}");
    let mut new = it.clone();
    new["clientReference"] = json!("never-sent");
    let (_, body) = app.register(&w.e1, json!([new])).await;
    assert_eq!(not_created(&body, 0)["errors"][0]["code"], "registrationDate.tooOld", "{body}");
    app.finish().await;
}
both_backends!(a_reference_stands_for_one_registration_t, a_reference_stands_for_one_registration);

async fn search_filters_sorts_and_pages(backend: Backend) {
    // A wide real-time window so that registrations can lie on several days.
    let Some(app) = TestApp::spawn_with(backend, common::config(Duration::days(40))).await else {
        return;
    };
    let w = seed(&app).await;
    let base = common::now() - Duration::days(35);
    let mut items = Vec::new();
    for i in 0..12 {
        let mut it = item(&ssin(850_730_033 + (i % 3)), &w.e1, &w.d1, if i % 2 == 0 { "IN" } else { "OUT" });
        it["registrationDate"] = json!(rfc3339(base + Duration::days(3 * i as i64)));
        items.push(it);
    }
    let (status, body) = app.register(&w.e1, json!(items)).await;
    assert_eq!(status, 200);
    assert!(body["items"].as_array().unwrap().iter().all(|i| i["createdPresenceRegistration"].is_object()), "{body}");
    let from = (base - Duration::days(1)).date();
    let to = (base + Duration::days(29)).date();
    let q = |extra: &str| format!("/presenceRegistrations?registrationDateFrom={from}&registrationDateTo={to}{extra}");

    let (status, page) = app.get(&w.e1, &q("")).await;
    assert_eq!(status, 200, "{page}");
    // Days 0, 3, ..., 27 fall in the 31-day window: 10 registrations.
    assert_eq!(page["total"], 10);
    let dates: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|r| r["registrationDate"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    assert!(page["next"].is_null());
    assert!(page["items"][0]["history"].is_null());

    let (_, page) = app.get(&w.e1, &q("&sort=-registrationDate&pageSize=4")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    assert_eq!(page["total"], 10);
    let first: Vec<i64> = page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(first.windows(2).all(|p| p[0] > p[1]), "{first:?}");
    let next = page["next"].as_str().expect("a next link").to_string();
    assert!(next.starts_with(&app.base), "{next}");
    assert!(next.contains("page=2"), "{next}");
    let res = app.client.get(&next).header("authorization", app.bearer(&w.e1).await).send().await.unwrap();
    let page2: Value = res.json().await.unwrap();
    let second: Vec<i64> = page2["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(second.len(), 4);
    assert!(second[0] < first[3]);

    // Keyset pagination: `after` (empty: from the first row), then follow
    // `next` to the end.
    let mut seen: Vec<i64> = Vec::new();
    let mut url = format!("{}{}", app.base, q("&sort=-registrationDate&pageSize=4&after="));
    loop {
        let res = app.client.get(&url).header("authorization", app.bearer(&w.e1).await).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let page: Value = res.json().await.unwrap();
        assert_eq!(page["total"], 10, "the total counts the whole filter");
        seen.extend(page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
        match page["next"].as_str() {
            Some(n) => {
                assert!(n.contains("after=") && !n.contains("page="), "{n}");
                url = n.to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
    assert!(seen.windows(2).all(|p| p[0] > p[1]), "{seen:?}");
    assert_eq!(&seen[..4], &first[..]);
    let (status, body) = app.get(&w.e1, &q("&after=1.2&page=2")).await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["code"], "after.exclusive");

    let (_, page) = app.get(&w.e1, &q(&format!("&ssin={}", ssin(850_730_034)))).await;
    assert!(page["items"].as_array().unwrap().iter().all(|r| r["ssin"] == ssin(850_730_034)));
    assert!(page["total"].as_u64().unwrap() >= 3);
    let (_, page) = app.get(&w.e1, &q("&type=OUT")).await;
    assert_eq!(page["total"], 5);
    let (_, page) =
        app.get(&w.e1, &q(&format!("&contractualRelationshipReference={}&enterpriseNumber={}", w.d1, w.e1))).await;
    assert_eq!(page["total"], 10);
    let (_, page) = app.get(&w.e1, &q(&format!("&contractualRelationshipReference={}", w.d2))).await;
    assert_eq!(page["total"], 0);
    let (_, page) = app.get(&w.e1, &q("&validity=pending")).await;
    assert_eq!(page["total"], 10);
    let (_, page) = app.get(&w.e1, &q("&validity=valid,invalid")).await;
    assert_eq!(page["total"], 0);
    let (_, page) = app.get(&w.e1, &q("&remark=RELATED_DIMONA_NOT_OK")).await;
    assert_eq!(page["total"], 0);
    let (a, b) = (rfc3339(common::now() - Duration::hours(1)), rfc3339(common::now() + Duration::hours(1)));
    let (_, page) = app.get(&w.e1, &q(&format!("&createdFrom={a}&createdTo={b}"))).await;
    assert_eq!(page["total"], 10);

    // Refusals name the parameter.
    let (status, body) = app.get(&w.e1, "/presenceRegistrations").await;
    assert_problem(status, 400, &body);
    let names: Vec<&str> = body["issues"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["registrationDateFrom", "registrationDateTo"]);
    assert!(body["issues"].as_array().unwrap().iter().all(|i| i["in"] == "query"));
    let (status, body) = app
        .get(
            &w.e1,
            &format!(
                "/presenceRegistrations?registrationDateFrom={from}&registrationDateTo={}",
                (base + Duration::days(40)).date()
            ),
        )
        .await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["code"], "period.tooLong");
    let (status, body) = app.get(&w.e1, &q("&pageSize=501&colour=red")).await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"].as_array().unwrap().len(), 2);
    app.finish().await;
}
both_backends!(search_t, search_filters_sorts_and_pages);

async fn cancel_rules(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let sender = format!("badges@{}", w.e1);
    let id = app.register_one(&sender, item(&w.worker, &w.e1, &w.d1, "IN")).await;

    let (status, body) = app.cancel(&sender, id, json!({"reason": "LATER"})).await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["name"], "reason");
    let (status, body) = app.cancel(&sender, id, json!({"reason": "OTHER"})).await;
    assert_problem(status, 400, &body);
    assert_eq!(body["issues"][0]["name"], "comment");
    let (status, body) = app.cancel(&sender, id, json!({"reason": "HOLIDAY", "why": 1})).await;
    assert_problem(status, 400, &body);

    // Same enterprise, another registration system: may see, may not cancel.
    let (status, body) = app.cancel(&format!("planning@{}", w.e1), id, json!({"reason": "HOLIDAY"})).await;
    assert_problem(status, 403, &body);
    assert_eq!(body["code"], "denied.otherSender", "the rule that refused: {body}");
    // An unrelated enterprise does not even see it.
    let (status, body) = app.cancel(&w.e4, id, json!({"reason": "HOLIDAY"})).await;
    assert_problem(status, 404, &body);

    let (status, body) = app.cancel(&sender, id, json!({"reason": "PLANNING", "comment": "shift moved"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["validity"], "cancelled");
    let history = body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["event"], "cancelled");
    assert_eq!(history[1]["reason"], "PLANNING");
    assert_eq!(history[1]["comment"], "shift moved");
    assert_eq!(history[1]["by"], app.client_id(&sender).await);

    let (status, body) = app.cancel(&sender, id, json!({"reason": "HOLIDAY"})).await;
    assert_problem(status, 409, &body);
    assert_eq!(body["code"], "denied.alreadyCancelled", "{body}");
    let (status, body) = app.cancel(&sender, 987_654, json!({"reason": "HOLIDAY"})).await;
    assert_problem(status, 404, &body);

    // The registration stays, and is found as cancelled.
    let day = common::today();
    let (_, page) = app
        .get(
            &sender,
            &format!("/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}&validity=cancelled"),
        )
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], id);
    app.finish().await;
}
both_backends!(cancel_t, cancel_rules);

/// The sender cancels within 30 days of the registration date; later the
/// RSZ/ONSS corrects (the operator is not bound by the window).
async fn cancel_window(backend: Backend) {
    let clock = std::sync::Arc::new(common::MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, common::config(Duration::minutes(10)), clock.clone()).await
    else {
        return;
    };
    let w = seed(&app).await;
    let sender = format!("badges@{}", w.e1);
    let (first, second) = (
        app.register_one(&sender, item(&w.worker, &w.e1, &w.d1, "IN")).await,
        app.register_one(&sender, item(&w.worker, &w.e1, &w.d1, "OUT")).await,
    );
    let system = ciao_service::Caller::Client {
        client_id: app.client_id(&sender).await,
        enterprise: ciao_domain::EnterpriseNumber::parse(&w.e1).unwrap(),
        permissions: ciao_domain::channel::Permissions::all(),
    };
    let reason = || ciao_service::CancelInput { reason: Some("PLANNING".into()), comment: None };
    let id = |n: i64| ciao_domain::RegistrationId::new(n).unwrap();
    clock.advance(Duration::days(29));
    app.service.cancel(&system, id(first), reason()).await.expect("within 30 days");
    clock.advance(Duration::days(2));
    let e = app.service.cancel(&system, id(second), reason()).await.expect_err("31 days later");
    assert_eq!(e.denial_code(), Some("denied.cancelWindow"), "{e}");
    assert!(e.to_string().contains("more than 30 days ago") && e.to_string().contains("RSZ/ONSS"), "{e}");
    let r = app.service.cancel(&common::operator(), id(second), reason()).await.expect("the operator corrects");
    assert_eq!(r.validity, ciao_domain::Validity::Cancelled);
    app.finish().await;
}
both_backends!(cancel_window_t, cancel_window);

async fn access_rules(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    // Register: own workers, or those of subcontractors below in the chain.
    let by_e3 = app.register_one(&w.e3, item(&ssin(900_101_001), &w.e3, &w.d1, "IN")).await;
    let e1_for_e3 = app.register_one(&w.e1, item(&ssin(900_101_002), &w.e3, &w.d1, "IN")).await;
    let e2_for_e3 = app.register_one(&w.e2, item(&ssin(900_101_003), &w.e3, &w.d1, "IN")).await;
    let by_e1 = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    for (sender, employer) in [(&w.e3, &w.e2), (&w.e2, &w.e1), (&w.e4, &w.e3), (&w.p, &w.e1)] {
        let (_, body) = app.register(sender, json!([item(&w.worker, employer, &w.d1, "IN")])).await;
        let nc = not_created(&body, 0);
        assert_eq!(nc["errors"][0]["code"], "access.employer", "{sender} for {employer}: {body}");
        assert_eq!(nc["errors"][0]["field"], "items[0].employer");
    }
    // An unknown declaration: only for one's own workers.
    let (_, body) = app.register(&w.e1, json!([item(&w.worker, &w.e3, "ZZZZZZZZZZZZZ", "IN")])).await;
    assert_eq!(not_created(&body, 0)["errors"][0]["code"], "access.employer");
    app.register_one(&w.e1, item(&w.worker, &w.e1, "ZZZZZZZZZZZZZ", "IN")).await;

    // Consult: employer, principal, declaring contractor, contractors above.
    let sees = |who: &str, id: i64| {
        let app = &app;
        let who = who.to_string();
        async move { app.get(&who, &format!("/presenceRegistrations/{id}")).await.0 == 200 }
    };
    for id in [by_e3, e1_for_e3, e2_for_e3] {
        assert!(sees(&w.e3, id).await);
        assert!(sees(&w.e2, id).await);
        assert!(sees(&w.e1, id).await);
        assert!(sees(&w.p, id).await);
        assert!(!sees(&w.e4, id).await);
    }
    assert!(sees(&w.e1, by_e1).await);
    assert!(sees(&w.p, by_e1).await);
    assert!(!sees(&w.e2, by_e1).await);
    assert!(!sees(&w.e3, by_e1).await);

    let day = common::today();
    let total = |who: &str| {
        let app = &app;
        let who = who.to_string();
        async move {
            let (_, page) = app
                .get(&who, &format!("/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}"))
                .await;
            page["total"].as_u64().unwrap()
        }
    };
    assert_eq!(total(&w.e1).await, 5);
    assert_eq!(total(&w.p).await, 4);
    assert_eq!(total(&w.e2).await, 3);
    assert_eq!(total(&w.e3).await, 3);
    assert_eq!(total(&w.e4).await, 0);
    // The ids of a day's search narrowed by `filter`, sorted; the total
    // must count exactly them.
    let ids = |who: &str, filter: String| {
        let app = &app;
        let who = who.to_string();
        async move {
            let path = format!("/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}&{filter}");
            let (status, page) = app.get(&who, &path).await;
            assert_eq!(status, 200, "{page}");
            let mut ids: Vec<i64> =
                page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
            assert_eq!(page["total"].as_u64().unwrap(), ids.len() as u64, "{who}: {page}");
            ids.sort();
            ids
        }
    };
    // The same rule when the search names the declaration (its grants are
    // then read once for the search, not per row): the same rows, the
    // unknown declaration's only to the employer.
    let on = |who: &str, declaration: &str| ids(who, format!("contractualRelationshipReference={declaration}"));
    let mut chain = vec![by_e3, e1_for_e3, e2_for_e3];
    chain.sort();
    let mut all = vec![by_e3, e1_for_e3, e2_for_e3, by_e1];
    all.sort();
    assert_eq!(on(&w.e1, &w.d1).await, all);
    assert_eq!(on(&w.p, &w.d1).await, all);
    assert_eq!(on(&w.e2, &w.d1).await, chain);
    assert_eq!(on(&w.e3, &w.d1).await, chain);
    assert_eq!(on(&w.e4, &w.d1).await, Vec::<i64>::new());
    assert_eq!(on(&w.e1, "ZZZZZZZZZZZZZ").await.len(), 1);
    assert_eq!(on(&w.p, "ZZZZZZZZZZZZZ").await, Vec::<i64>::new());
    // And when it names a person (the total then comes from the person's
    // rows grouped by declaration and employer, the viewer's grants read
    // once): the same rows, the total equal to them.
    let of = |who: &str, person: &str| ids(who, format!("ssin={person}"));
    let first = ssin(900_101_001);
    for viewer in [&w.e3, &w.e2, &w.e1, &w.p] {
        assert_eq!(of(viewer, &first).await, [by_e3], "{viewer}");
    }
    assert_eq!(of(&w.e4, &first).await, Vec::<i64>::new());
    assert_eq!(of(&w.e1, &w.worker).await.len(), 2, "on d1 and on the unknown declaration");
    assert_eq!(of(&w.p, &w.worker).await, [by_e1]);
    assert_eq!(of(&w.e2, &w.worker).await, Vec::<i64>::new());
    app.finish().await;
}
both_backends!(access_t, access_rules);

async fn acknowledged_registrations_survive_a_restart(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let items: Vec<Value> = (0..50).map(|i| item(&ssin(900_000_000 + i), &w.e1, &w.d1, "IN")).collect();
    let (_, body) = app.register(&w.e1, json!(items)).await;
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["createdPresenceRegistration"]["id"].as_i64().unwrap())
        .collect();
    app.stop_server().await;
    let store = ciao_store::open(&app.url).await.unwrap();
    for id in ids {
        let r = store.registration(ciao_domain::RegistrationId::new(id).unwrap()).await.unwrap();
        assert!(r.is_some(), "registration {id} lost");
    }
    drop(store);
    app.finish().await;
}
both_backends!(durable_t, acknowledged_registrations_survive_a_restart);

async fn consultations_are_audited_without_full_ssins(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let w = seed(&app).await;
    let id = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let (status, _) = app.get(&w.e1, &format!("/presenceRegistrations/{id}")).await;
    assert_eq!(status, 200);
    let day = common::today();
    let (status, _) = app
        .get(
            &w.e2,
            &format!("/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}&ssin={}", w.worker),
        )
        .await;
    assert_eq!(status, 200);
    let entries = app.service.store().audit_entries(10).await.unwrap();
    let search = entries.iter().find(|e| e.action == "registration.search").expect("search audited");
    assert_eq!(search.actor, app.client_id(&w.e2).await);
    assert_eq!(search.detail["ssin"], "85*******28");
    assert_eq!(search.detail["total"], 0);
    let consult = entries.iter().find(|e| e.action == "registration.consult").expect("consult audited");
    assert_eq!(consult.subject.as_deref(), Some(id.to_string().as_str()));
    for e in &entries {
        assert!(!e.detail.to_string().contains(&w.worker), "full SSIN in the audit log: {:?}", e);
    }
    app.finish().await;
}
both_backends!(audit_t, consultations_are_audited_without_full_ssins);

/// A member of the wrong JSON type is named by its path and the JSON type
/// expected (object, string, number, array), never by the Rust type the
/// server reads it into.
async fn type_errors_in_json_words(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let with = |member: &str, value: Value| {
        let mut i = item(&w.worker, &w.e1, &w.d1, "IN");
        i[member] = value;
        i
    };
    let mut coordinates = item(&w.worker, &w.e1, &w.d1, "IN");
    coordinates["placeOfWork"] = json!({"coordinates": {"latitude": "50.85", "longitude": 4.35}});
    let items = json!([
        with("employer", json!("x")),
        with("ssin", json!(85073003328u64)),
        coordinates,
        with("placeOfWork", json!(true)),
        "x",
    ]);
    let (status, body) = app.register(&w.e1, items).await;
    assert_eq!(status, 200, "{body}");
    for (i, field, description) in [
        (0, "items[0].employer", "items[0].employer must be a JSON object, not a string"),
        (1, "items[1].ssin", "items[1].ssin must be a JSON string, not a number"),
        (
            2,
            "items[2].placeOfWork.coordinates.latitude",
            "items[2].placeOfWork.coordinates.latitude must be a JSON number, not a string",
        ),
        (3, "items[3].placeOfWork", "items[3].placeOfWork must be a JSON object, not a boolean"),
        (4, "items[4]", "items[4] must be a JSON object, not a string"),
    ] {
        let error = &body["items"][i]["notCreatedPresenceRegistration"]["errors"][0];
        assert_eq!(error["field"], field, "{body}");
        assert_eq!(error["code"], "json.type", "{body}");
        assert_eq!(error["description"], description, "{body}");
    }

    // The whole request: an array expected, an object expected.
    let url = format!("{}/presenceRegistrations/registerInBulk", app.base);
    let auth = app.bearer(&w.e1).await;
    for (sent, name, detail) in [
        (json!({"items": {"registrationDate": "x"}}), "items", "items must be a JSON array, not an object"),
        (json!({"items": "x"}), "items", "items must be a JSON array, not a string"),
        (json!(["x"]), "", "the body must be a JSON object {\"items\": [...]}, not an array"),
    ] {
        let res = app.client.post(&url).header("authorization", &auth).json(&sent).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 400);
        let body: Value = res.json().await.unwrap();
        assert_eq!((&body["issues"][0]["name"], &body["issues"][0]["code"]), (&json!(name), &json!("json.type")));
        assert_eq!(body["issues"][0]["detail"], detail, "{body}");
    }

    // A cancellation: a string expected.
    let id = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let (status, body) = app.cancel(&w.e1, id, json!({"reason": 5})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["issues"][0]["name"], "reason", "{body}");
    assert_eq!(body["issues"][0]["detail"], "reason must be a JSON string, not a number", "{body}");
    app.finish().await;
}
both_backends!(type_errors_in_json_words_t, type_errors_in_json_words);

/// A token without the scope of a route is refused for the scope (403
/// missingScope) before anything the request holds is looked at: its body
/// (`items.count`, a bad cancellation), content type, path id or query.
async fn the_scope_is_checked_before_the_request(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let reader = app.create_client(&w.e1, "reader", &["consult"]).await;
    let writer = app.create_client(&w.e1, "writer", &["register"]).await;
    let id = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let bulk = format!("{}/presenceRegistrations/registerInBulk", app.base);
    let cancel = format!("{}/presenceRegistrations/{id}/cancel", app.base);
    let search = format!("{}/presenceRegistrations?registrationDateFrom=x", app.base);
    let post = |url: &str, token: &str, content_type: &'static str, body: &str| {
        app.client
            .post(url)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
    };
    let missing_scope = |status: u16, body: &Value, scope: &str| {
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["type"], "urn:problem-type:belgif:missingScope", "{body}");
        assert!(body["detail"].as_str().unwrap().contains(scope), "{body}");
        assert!(body.get("issues").is_none(), "nothing about the request: {body}");
    };
    for (url, content_type, body) in [
        (bulk.as_str(), "application/json", r#"{"items":[]}"#),
        (bulk.as_str(), "application/json", r#"{"items":"x"}"#),
        (bulk.as_str(), "application/json", "{"),
        (bulk.as_str(), "text/plain", "items"),
        (cancel.as_str(), "application/json", r#"{"reason":5}"#),
        (cancel.as_str(), "application/json", r#"{"reason":"OTHER"}"#),
        (cancel.as_str(), "text/plain", "x"),
    ] {
        let res = post(url, &reader.token, content_type, body).await.unwrap();
        let status = res.status().as_u16();
        assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));
        missing_scope(status, &res.json().await.unwrap(), "register");
    }
    let res = post(&format!("{}/presenceRegistrations/abc/cancel", app.base), &reader.token, "application/json", "{}")
        .await
        .unwrap();
    missing_scope(res.status().as_u16(), &res.json().await.unwrap(), "register");
    // The consult routes the same way round, for a token that may only register.
    for url in [search, format!("{}/presenceRegistrations/abc", app.base)] {
        let res =
            app.client.get(&url).header("authorization", format!("Bearer {}", writer.token)).send().await.unwrap();
        missing_scope(res.status().as_u16(), &res.json().await.unwrap(), "consult");
    }
    // With the scope, the same requests are refused for what they hold.
    let full = app.bearer(&w.e1).await;
    let res = app.client.post(&bulk).header("authorization", &full).json(&json!({"items": []})).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["issues"][0]["code"], "items.count", "{body}");
    let (status, body) = app.cancel(&w.e1, id, json!({"reason": 5})).await;
    assert_eq!((status, &body["issues"][0]["code"]), (400, &json!("json.type")), "{body}");
    app.finish().await;
}
both_backends!(the_scope_is_checked_before_the_request_t, the_scope_is_checked_before_the_request);
