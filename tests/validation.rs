//! The asynchronous validation end to end, on SQLite and PostgreSQL.

mod common;

use std::collections::HashSet;

use ciao_domain::RegistrationId;
use common::{Backend, TestApp, item, operator, seed, ssin};
use serde_json::{Value, json};
use time::Duration;

async fn remarks_of(app: &TestApp, sender: &str, id: i64) -> (String, Vec<String>, Value) {
    let (status, r) = app.get(sender, &format!("/presenceRegistrations/{id}")).await;
    assert_eq!(status, 200, "{r}");
    let descriptions =
        r["remarks"].as_array().unwrap().iter().map(|m| m["description"].as_str().unwrap().to_string()).collect();
    (r["validity"].as_str().unwrap().to_string(), descriptions, r)
}

async fn validated_events(app: &TestApp, id: i64) -> usize {
    let r = app.service.store().registration(RegistrationId::new(id).unwrap()).await.unwrap().unwrap();
    r.history.iter().filter(|h| matches!(h.event, ciao_domain::Event::Validated { .. })).count()
}

async fn remarks_end_to_end(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    let stranger = ssin(900_202_001);
    let good = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let unknown_person = app.register_one(&w.e1, item(&stranger, &w.e1, &w.d1, "IN")).await;
    let unknown_declaration = app.register_one(&w.e1, item(&w.worker, &w.e1, "ZZZZZZZZZZZZZ", "OUT")).await;
    let n = app.service.validate_all().await.unwrap();
    assert_eq!(n, 3);

    let (validity, remarks, r) = remarks_of(&app, &w.e1, good).await;
    assert_eq!((validity.as_str(), remarks.len()), ("valid", 0), "{r}");
    let history = r["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["event"], "validated");
    assert_eq!(history[1]["validity"], "valid");

    let (validity, remarks, _) = remarks_of(&app, &w.e1, unknown_person).await;
    assert_eq!(validity, "invalid");
    assert_eq!(remarks, vec!["NISS IS NOT KNOW IN THE NATIONAL REGISTER", "RELATED DIMONA NOT OK"]);

    let (validity, remarks, _) = remarks_of(&app, &w.e1, unknown_declaration).await;
    assert_eq!(validity, "invalid");
    assert!(remarks.contains(&"DUC IS NOT EXISTING".to_string()), "{remarks:?}");
    // The OUT follows the worker's IN on another declaration: it closes
    // nothing there (the IN/OUT pairs are per workplace).
    assert!(remarks.iter().any(|r| r == "OUT WITHOUT A PRECEDING IN"), "{remarks:?}");

    // Search by remark code or official text, and by validity.
    let day = common::today();
    let base = format!("/presenceRegistrations?registrationDateFrom={day}&registrationDateTo={day}");
    let (_, page) = app.get(&w.e1, &format!("{base}&remark=RELATED_DIMONA_NOT_OK")).await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["id"], unknown_person);
    let (_, page) = app.get(&w.e1, &format!("{base}&remark=RELATED%20DIMONA%20NOT%20OK")).await;
    assert_eq!(page["total"], 1);
    // Several remarks: the registrations with any of them.
    let (_, page) = app.get(&w.e1, &format!("{base}&remark=RELATED_DIMONA_NOT_OK,DECLARATION_NOT_EXISTING")).await;
    assert_eq!(page["total"], 2, "{page}");
    let (_, page) = app.get(&w.e1, &format!("{base}&remark=DECLARATION_NOT_EXISTING,DUC%20IS%20NOT%20EXISTING")).await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["id"], unknown_declaration);
    let (_, page) = app.get(&w.e1, &format!("{base}&validity=invalid")).await;
    assert_eq!(page["total"], 2);
    let (status, body) = app.get(&w.e1, &format!("{base}&remark=NO_SUCH_REMARK")).await;
    assert_eq!(status, 400, "{body}");
    app.finish().await;
}
both_backends!(remarks_t, remarks_end_to_end);

/// Sequence remarks are not frozen by the order in which registrations
/// arrive: an IN that arrives after the person's OUT (a badge system that
/// was offline) makes the OUT valid again, and cancelling the first of two
/// INs makes the second one valid.
async fn sequence_remarks_follow_late_and_cancelled_registrations(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    // Three instants of one Brussels day, all within the accepted past.
    let day_start =
        |t: time::OffsetDateTime| ciao_domain::clock::brussels_start_of_day(ciao_domain::to_brussels(t).date());
    if common::now() - day_start(common::now()) < Duration::seconds(12) {
        tokio::time::sleep(std::time::Duration::from_secs(12)).await;
    }
    let t = common::now();
    let first = (t - Duration::minutes(4)).max(day_start(t) + Duration::seconds(1));
    let out_at = t - Duration::seconds(2);
    let second = first + (out_at - first) / 2;
    let at = |kind: &str, when: time::OffsetDateTime| {
        let mut i = item(&w.worker, &w.e1, &w.d1, kind);
        i["registrationDate"] = json!(common::rfc3339(when));
        i
    };
    let codes = |r: &Value| -> Vec<String> {
        r["remarks"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_string()).collect()
    };

    // The OUT arrives first.
    let out = app.register_one(&w.e1, at("OUT", out_at)).await;
    app.service.validate_all().await.unwrap();
    let (validity, _, r) = remarks_of(&app, &w.e1, out).await;
    assert_eq!((validity.as_str(), codes(&r)), ("invalid", vec!["OUT_WITHOUT_IN".to_string()]), "{r}");
    // The IN before it arrives: the OUT is validated again, and is valid.
    let in1 = app.register_one(&w.e1, at("IN", first)).await;
    app.service.validate_all().await.unwrap();
    let (validity, _, r) = remarks_of(&app, &w.e1, out).await;
    assert_eq!((validity.as_str(), codes(&r)), ("valid", vec![]), "{r}");
    assert_eq!(remarks_of(&app, &w.e1, in1).await.0, "valid");

    // A second IN between them: IN while already in.
    let in2 = app.register_one(&w.e1, at("IN", second)).await;
    app.service.validate_all().await.unwrap();
    let (validity, _, r) = remarks_of(&app, &w.e1, in2).await;
    assert_eq!((validity.as_str(), codes(&r)), ("invalid", vec!["IN_WHILE_ALREADY_IN".to_string()]), "{r}");
    // The first IN is cancelled: the second one is validated again, and is valid.
    let client = app.sender(&w.e1).await;
    let res = app
        .client
        .post(format!("{}/presenceRegistrations/{in1}/cancel", app.base))
        .bearer_auth(&client.token)
        .json(&json!({"reason": "PLANNING"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.service.validate_all().await.unwrap();
    let (validity, _, r) = remarks_of(&app, &w.e1, in2).await;
    assert_eq!((validity.as_str(), codes(&r)), ("valid", vec![]), "{r}");
    let (validity, _, r) = remarks_of(&app, &w.e1, out).await;
    assert_eq!((validity.as_str(), codes(&r)), ("valid", vec![]), "{r}");
    app.finish().await;
}
both_backends!(late_sequence_t, sequence_remarks_follow_late_and_cancelled_registrations);

async fn an_employments_import_revalidates(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    let id = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    app.service.validate_all().await.unwrap();
    let (validity, remarks, _) = remarks_of(&app, &w.e1, id).await;
    assert_eq!((validity.as_str(), remarks), ("invalid", vec!["RELATED DIMONA NOT OK".to_string()]));
    // The Dimona arrives: the registration is queued again by the import.
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    assert_eq!(app.service.store().queue_stats().await.unwrap().length, 1);
    app.service.validate_all().await.unwrap();
    let (validity, remarks, r) = remarks_of(&app, &w.e1, id).await;
    assert_eq!((validity.as_str(), remarks.len()), ("valid", 0), "{r}");
    let history = r["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[1]["validity"], "invalid");
    assert_eq!(history[1]["remarks"][0]["code"], "RELATED_DIMONA_NOT_OK");
    assert_eq!(history[2]["validity"], "valid");
    // By hand too.
    let today = common::today();
    let n = app.service.revalidate(&operator(), today, today, None).await.unwrap();
    assert_eq!(n, 1);
    app.service.validate_all().await.unwrap();
    assert_eq!(validated_events(&app, id).await, 3);
    app.finish().await;
}
both_backends!(revalidation_t, an_employments_import_revalidates);

async fn founders_and_self_employed(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let other = ssin(900_404_001);
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n{other},Janssens,Jan\n", w.worker)).await;
    // No Dimona anywhere: the worker as holder of e1, then at e2; another person at e3.
    let own = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let elsewhere = app.register_one(&w.e2, item(&w.worker, &w.e2, &w.d1, "OUT")).await;
    let not_founder = app.register_one(&w.e3, item(&other, &w.e3, &w.d1, "IN")).await;
    app.service.validate_all().await.unwrap();
    for id in [own, elsewhere, not_founder] {
        assert_eq!(remarks_of(&app, &w.e1, id).await.1, vec!["RELATED DIMONA NOT OK"]);
    }
    // The enterprises registry learns the founders: e1 is the worker's own
    // enterprise, e2 and e3 were founded by somebody else.
    let founder = ssin(900_404_002);
    app.import(
        "enterprises",
        &format!(
            "enterprise_number,name,active_from,active_to,legal_form,founders\n\
             {},Clean One,2000-01-01,,natural_person,{}\n{},Sub Two BV,2000-01-01,,legal_entity,{founder}\n\
             {},Sub Three SRL,2000-01-01,,,{founder}\n",
            w.e1, w.worker, w.e2, w.e3
        ),
    )
    .await;
    assert_eq!(app.service.store().queue_stats().await.unwrap().length, 3);
    app.service.validate_all().await.unwrap();
    let (validity, remarks, r) = remarks_of(&app, &w.e1, own).await;
    assert_eq!((validity.as_str(), remarks.len()), ("valid", 0), "{r}");
    assert_eq!(
        remarks_of(&app, &w.e1, elsewhere).await.1,
        vec!["RELATED DIMONA NOT OK", "INDEPENDANT IS NOT KNOWN AS COMPANY FOUNDER"]
    );
    assert_eq!(
        remarks_of(&app, &w.e1, not_founder).await.1,
        vec!["RELATED DIMONA NOT OK", "GIVEN INSS IS NOT THE FOUNDER OF THE COMPANY"]
    );
    // The same file again changes nothing and queues nothing.
    app.import(
        "enterprises",
        &format!(
            "enterprise_number,name,active_from,active_to,legal_form,founders\n\
             {},Clean One,2000-01-01,,natural_person,{}\n",
            w.e1, w.worker
        ),
    )
    .await;
    assert_eq!(app.service.store().queue_stats().await.unwrap().length, 0);
    app.finish().await;
}
both_backends!(founders_t, founders_and_self_employed);

async fn cancelled_registrations_are_not_validated(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let id = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let (status, _) = app.cancel(&w.e1, id, json!({"reason": "PLANNING"})).await;
    assert_eq!(status, 200);
    app.service.validate_all().await.unwrap();
    let (validity, _, r) = remarks_of(&app, &w.e1, id).await;
    assert_eq!(validity, "cancelled");
    assert_eq!(validated_events(&app, id).await, 0, "{r}");
    app.finish().await;
}
both_backends!(cancelled_t, cancelled_registrations_are_not_validated);

async fn a_dead_worker_loses_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let items: Vec<Value> = (0..40).map(|i| item(&ssin(900_300_000 + i), &w.e1, &w.d1, "IN")).collect();
    let (_, body) = app.register(&w.e1, json!(items)).await;
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["createdPresenceRegistration"]["id"].as_i64().unwrap())
        .collect();
    let store = app.service.store();
    // A worker claims 25 and dies before storing anything.
    let lost = store.claim_validations(25, common::now(), Duration::seconds(1)).await.unwrap();
    assert_eq!(lost.len(), 25);
    // The others are validated at once; the 25 wait for the lease to run out.
    assert_eq!(app.service.validate_all().await.unwrap(), 15);
    assert_eq!(store.queue_stats().await.unwrap().length, 25);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(app.service.validate_all().await.unwrap(), 25);
    // The dead worker's results, arriving late, are not stored.
    let stale: Vec<_> = lost
        .iter()
        .map(|c| ciao_service::ciao_store::ValidationResult {
            claim: *c,
            validity: ciao_domain::Validity::Valid,
            remarks: vec![],
            requeue: vec![],
        })
        .collect();
    assert_eq!(store.complete_validations(&stale, common::now()).await.unwrap(), 0);
    for id in ids {
        assert_eq!(validated_events(&app, id).await, 1, "registration {id}");
    }
    assert_eq!(store.queue_stats().await.unwrap().length, 0);
    app.finish().await;
}
both_backends!(dead_worker_t, a_dead_worker_loses_nothing);

async fn workers_on_two_nodes_never_share_work(backend: Backend) {
    let Some(node1) = TestApp::spawn(backend).await else { return };
    let w = seed(&node1).await;
    let node2 =
        TestApp::on_database(backend, node1.url.clone(), None, common::config(Duration::minutes(10)), None).await;
    for batch in 0..3 {
        let items: Vec<Value> =
            (0..100).map(|i| item(&ssin(900_400_000 + batch * 100 + i), &w.e1, &w.d1, "IN")).collect();
        let (status, _) = node1.register(&w.e1, json!(items)).await;
        assert_eq!(status, 200);
    }
    // Concurrent claims never overlap.
    let (a, b) = tokio::join!(
        node1.service.store().claim_validations(120, common::now(), Duration::seconds(30)),
        node2.service.store().claim_validations(120, common::now(), Duration::seconds(30)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let sa: HashSet<_> = a.iter().map(|c| c.id).collect();
    let sb: HashSet<_> = b.iter().map(|c| c.id).collect();
    assert!(sa.is_disjoint(&sb));
    assert_eq!(sa.len() + sb.len(), 240);
    // Workers of both nodes drain the rest together.
    let mut workers = node1.service.spawn_validation_workers(2);
    workers.extend(node2.service.spawn_validation_workers(2));
    let mut left = u64::MAX;
    for _ in 0..100 {
        left = node1.service.store().queue_stats().await.unwrap().length;
        if left == 240 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for t in workers {
        t.abort();
    }
    assert_eq!(left, 240, "the 60 unclaimed registrations are validated, the 240 claimed ones wait");
    assert_eq!(
        node1.service.metrics.runs.load(std::sync::atomic::Ordering::Relaxed)
            + node2.service.metrics.runs.load(std::sync::atomic::Ordering::Relaxed),
        60
    );
    node2.finish().await;
    node1.finish().await;
}
both_backends!(two_nodes_t, workers_on_two_nodes_never_share_work);

async fn metrics_for_operators(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.register_one(&w.e1, item(&ssin(900_500_001), &w.e1, &w.d1, "IN")).await;
    app.register_one(&w.e1, item(&ssin(900_500_002), &w.e1, &w.d1, "IN")).await;
    let text = app.client.get(format!("{}/metrics", app.root)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("ciao_validation_queue_length 2"), "{text}");
    assert!(text.contains("ciao_http_requests_total{route=\"/REST/presenceRegistration/v1/presenceRegistrations/registerInBulk\",status=\"200\"} 2"), "{text}");
    app.service.validate_all().await.unwrap();
    let text = app.client.get(format!("{}/metrics", app.root)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("ciao_validation_queue_length 0"), "{text}");
    assert!(text.contains("ciao_validation_runs_total 2"), "{text}");
    assert!(text.contains("ciao_remarks_total{code=\"RELATED_DIMONA_NOT_OK\"} 2"), "{text}");
    app.finish().await;
}
both_backends!(metrics_t, metrics_for_operators);

/// With `--metrics-token`, /metrics answers the monitoring system's bearer
/// secret only: missing and wrong ones are told apart, in the API's problem
/// format, with the challenge.
async fn metrics_behind_a_token(backend: Backend) {
    let token = ciao_auth::bearer::BearerSecret::parse("s3cret-metrics-token-0123").unwrap();
    let config = ciao_service::Config { metrics_token: Some(std::sync::Arc::new(token)), ..Default::default() };
    let Some(app) = TestApp::spawn_with(backend, config).await else { return };
    let url = format!("{}/metrics", app.root);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"ciao metrics\"");
    assert_eq!(none.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["type"], "urn:problem-type:belgif:noAccessToken", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("--metrics-token"), "{body}");
    let wrong = app.client.get(&url).bearer_auth("s3cret-metrics-token-0124").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(body["type"], "urn:problem-type:belgif:invalidAccessToken", "{body}");
    let right = app.client.get(&url).bearer_auth("s3cret-metrics-token-0123").send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("ciao_validation_queue_length"));
    // The rest of the service does not take the metrics token.
    let health = app.client.get(format!("{}/health", app.root)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    app.finish().await;
}
both_backends!(metrics_token_t, metrics_behind_a_token);

async fn a_day_left_open_is_found_once_it_is_over(backend: Backend) {
    let clock = std::sync::Arc::new(common::MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, common::config(Duration::minutes(10)), clock.clone()).await
    else {
        return;
    };
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    let other = ssin(900_600_001);
    app.import("persons", &format!("ssin,last_name,first_name\n{other},Maes,Jan\n")).await;
    app.import("employments", &format!("ssin,employer,from,to\n{other},{},2020-01-01,\n", w.e1)).await;
    let open = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let closed = app.register_one(&w.e1, item(&other, &w.e1, &w.d1, "IN")).await;
    let mut out = item(&other, &w.e1, &w.d1, "OUT");
    out["registrationDate"] = json!(common::rfc3339(common::now() + Duration::seconds(1)));
    app.register_one(&w.e1, out).await;
    app.service.validate_all().await.unwrap();
    assert_eq!(remarks_of(&app, &w.e1, open).await.0, "valid");
    assert_eq!(app.service.sweep_open_days().await.unwrap(), 0, "the day is not over");
    // Two days later, the sweep finds the IN left open, once.
    clock.advance(Duration::days(2));
    assert_eq!(app.service.sweep_open_days().await.unwrap(), 1);
    app.service.validate_all().await.unwrap();
    let r = app.service.store().registration(RegistrationId::new(open).unwrap()).await.unwrap().unwrap();
    assert_eq!(r.validity, ciao_domain::Validity::Invalid);
    assert_eq!(r.remarks[0].code, "DAY_LEFT_OPEN");
    assert_eq!(validated_events(&app, open).await, 2);
    assert_eq!(validated_events(&app, closed).await, 1);
    assert_eq!(app.service.sweep_open_days().await.unwrap(), 0);
    app.finish().await;
}
both_backends!(open_day_t, a_day_left_open_is_found_once_it_is_over);

/// The IN/OUT sequence is paired per workplace and across midnight: a night
/// shift from 23:30 to 00:30 (Brussels) is one pair and leaves nothing open;
/// an OUT on another workplace closes nothing (`OUT_WITHOUT_IN`), and the IN
/// it did not close is left open once 16 hours have passed.
async fn sequences_pair_per_workplace_and_across_midnight(backend: Backend) {
    use ciao_service::Clock;
    let clock = std::sync::Arc::new(common::MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, common::config(Duration::minutes(10)), clock.clone()).await
    else {
        return;
    };
    let w = seed(&app).await;
    let mover = ssin(900_700_001);
    for person in [&w.worker, &mover] {
        app.import("persons", &format!("ssin,last_name,first_name\n{person},Peeters,An\n")).await;
        app.import("employments", &format!("ssin,employer,from,to\n{person},{},2020-01-01,\n", w.e1)).await;
    }
    // Tonight at 23:30 in Brussels.
    let now = clock.now();
    let midnight = ciao_domain::clock::brussels_end_of_day(ciao_domain::to_brussels(now).date());
    clock.advance(midnight - Duration::minutes(30) - now);
    // Registered through the service (an access token's lifetime is on
    // the server's moved clock, its assertion on the real one).
    let night_in = common::register_at(&app, &w.worker, &w.e1, &w.d1, "IN", clock.now()).await;
    let moved_in = common::register_at(&app, &mover, &w.e1, &w.d1, "IN", clock.now()).await;
    clock.advance(Duration::hours(1));
    let night_out = common::register_at(&app, &w.worker, &w.e1, &w.d1, "OUT", clock.now()).await;
    let moved_out = common::register_at(&app, &mover, &w.e1, &w.d2, "OUT", clock.now()).await;
    app.service.validate_all().await.unwrap();
    let stored = |id: i64| {
        let app = &app;
        async move {
            let r = app.service.store().registration(RegistrationId::new(id).unwrap()).await.unwrap().unwrap();
            let remarks: Vec<String> = r.remarks.iter().map(|m| m.description.clone()).collect();
            (r.validity, remarks)
        }
    };
    for id in [night_in, night_out, moved_in] {
        assert_eq!(stored(id).await, (ciao_domain::Validity::Valid, vec![]), "registration {id}");
    }
    let (_, remarks) = stored(moved_out).await;
    assert!(remarks.contains(&"OUT WITHOUT A PRECEDING IN".to_string()), "{remarks:?}");
    // 15 hours after the night shift's IN: nothing is left open yet.
    clock.advance(Duration::hours(14));
    assert_eq!(app.service.sweep_open_days().await.unwrap(), 0);
    // 16 hours after: the IN that the OUT elsewhere did not close is.
    clock.advance(Duration::hours(2));
    assert_eq!(app.service.sweep_open_days().await.unwrap(), 1);
    app.service.validate_all().await.unwrap();
    assert_eq!(
        stored(moved_in).await,
        (ciao_domain::Validity::Invalid, vec!["IN WITHOUT OUT BY THE END OF THE DAY".to_string()])
    );
    assert_eq!(stored(night_in).await.0, ciao_domain::Validity::Valid, "closed after midnight");
    app.finish().await;
}
both_backends!(night_shift_t, sequences_pair_per_workplace_and_across_midnight);

/// Queueing a registration that a worker is validating releases the
/// worker's claim: its result, computed before the change that queued the
/// registration again (here a late Dimona), is not stored, and the
/// registration is validated again with the new facts.
async fn queueing_again_releases_a_claim(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    let id = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    let store = app.service.store();
    let claimed = store.claim_validations(10, common::now(), Duration::seconds(60)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // The worker found no Dimona; meanwhile the Dimona is imported.
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    let stale = ciao_service::ciao_store::ValidationResult {
        claim: claimed[0],
        validity: ciao_domain::Validity::Invalid,
        remarks: vec![ciao_domain::remarks::RemarkKind::RelatedDimonaNotOk.remark()],
        requeue: vec![],
    };
    assert_eq!(store.complete_validations(&[stale], common::now()).await.unwrap(), 0, "the stale result is dropped");
    assert_eq!(app.service.validate_all().await.unwrap(), 1);
    let (validity, remarks, _) = remarks_of(&app, &w.e1, id).await;
    assert_eq!((validity.as_str(), remarks.len()), ("valid", 0));
    app.finish().await;
}
both_backends!(requeue_releases_t, queueing_again_releases_a_claim);

/// The neighbours of a change are validated again, before it as well as
/// after it: cancelling an OUT leaves its IN open, and an OUT sent late
/// closes an IN already found left open.
async fn neighbours_follow_cancellations_and_late_outs(backend: Backend) {
    use ciao_service::Clock;
    let clock = std::sync::Arc::new(common::MovableClock::default());
    // Registrations of the last day, not remarked as late.
    let mut config = common::config(Duration::hours(48));
    config.validation.late_after = Duration::days(3);
    let Some(app) = TestApp::spawn_with_clock(backend, config, clock.clone()).await else {
        return;
    };
    let w = seed(&app).await;
    app.import("persons", &format!("ssin,last_name,first_name\n{},Peeters,An\n", w.worker)).await;
    app.import("employments", &format!("ssin,employer,from,to\n{},{},2020-01-01,\n", w.worker, w.e1)).await;
    let register =
        |kind: &'static str, at: time::OffsetDateTime| common::register_at(&app, &w.worker, &w.e1, &w.d1, kind, at);
    let state = |id: i64| {
        let app = &app;
        async move {
            let r = app.service.store().registration(RegistrationId::new(id).unwrap()).await.unwrap().unwrap();
            (r.validity, r.remarks.iter().map(|m| m.code.clone()).collect::<Vec<_>>())
        }
    };
    let valid = (ciao_domain::Validity::Valid, Vec::<String>::new());
    let left_open = (ciao_domain::Validity::Invalid, vec!["DAY_LEFT_OPEN".to_string()]);
    // An IN and OUT of the day before yesterday, 8 hours apart; the OUT is cancelled.
    let start = clock.now() - Duration::hours(41);
    let (first_in, first_out) = (register("IN", start).await, register("OUT", start + Duration::hours(8)).await);
    app.service.validate_all().await.unwrap();
    assert_eq!((state(first_in).await, state(first_out).await), (valid.clone(), valid.clone()));
    let reason = ciao_service::CancelInput { reason: Some("PLANNING".into()), comment: None };
    app.service.cancel(&operator(), RegistrationId::new(first_out).unwrap(), reason).await.unwrap();
    app.service.validate_all().await.unwrap();
    assert_eq!(state(first_in).await, left_open, "its OUT cancelled, the IN was left open");
    // An IN found left open, then its OUT sent late: the IN is closed.
    let late_in = register("IN", clock.now() - Duration::hours(23)).await;
    app.service.validate_all().await.unwrap();
    assert_eq!(state(late_in).await, left_open);
    let late_out = register("OUT", clock.now() - Duration::hours(15)).await;
    app.service.validate_all().await.unwrap();
    assert_eq!((state(late_in).await, state(late_out).await), (valid.clone(), valid));
    // IN on the first workplace, then an OUT on the second (which closes
    // nothing): the second's phone page still says IN on the first.
    register("IN", clock.now() - Duration::minutes(5)).await;
    common::register_at(&app, &w.worker, &w.e1, &w.d2, "OUT", clock.now()).await;
    let person = ciao_service::Caller::Person { ssin: ciao_domain::Ssin::parse(&w.worker).unwrap(), name: "An".into() };
    let d2 = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d2).unwrap()).await.unwrap();
    let view = app.service.worker_workplace(&person, &d2.technical_number).await.unwrap();
    let elsewhere = view.elsewhere.map(|e| e.declaration.declaration.number.as_str().to_string());
    assert_eq!(elsewhere.as_deref(), Some(w.d1.as_str()));
    app.finish().await;
}
both_backends!(neighbours_t, neighbours_follow_cancellations_and_late_outs);

/// A posted worker known by a Limosa id declared for their SSIN is one
/// person whichever identifier a registration carries (a badge system sends
/// the Limosa id, the phone the SSIN): an IN by Limosa id and an OUT by SSIN
/// are a pair (no `OUT_WITHOUT_IN`, nothing left open), an IN by SSIN while
/// the Limosa IN is open is `IN_WHILE_ALREADY_IN`, and the employer's worked
/// time counts the pair, for the row of either.
async fn a_posted_workers_two_identifiers_are_one_person(backend: Backend) {
    use ciao_service::Clock;
    let clock = std::sync::Arc::new(common::MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, common::config(Duration::minutes(10)), clock.clone()).await
    else {
        return;
    };
    let w = seed(&app).await;
    let posted = ssin(900_700_021);
    app.import("persons", &format!("ssin,last_name,first_name\n{posted},Nowak,Jan\n")).await;
    app.import(
        "limosa",
        &format!("limosa_id,ssin,foreign_employer_vat,belgian_client,from,to\n1000021,{posted},NL123456789B01,{},2020-01-01,\n", w.e1),
    )
    .await;
    let register = |limosa: bool, kind: &str, at: time::OffsetDateTime| {
        let input = ciao_domain::RegistrationInput {
            registration_date: Some(common::rfc3339(at)),
            kind: Some(kind.into()),
            ssin: (!limosa).then(|| posted.clone()),
            limosa_id: limosa.then(|| "1000021".to_string()),
            employer_foreign_vat_number: Some("NL123456789B01".into()),
            declaration: Some(w.d1.clone()),
            ..Default::default()
        };
        let app = &app;
        async move {
            let results = app.service.register(&operator(), ciao_domain::Channel::Rest, vec![Ok(input)]).await.unwrap();
            match &results[0] {
                ciao_service::ItemResult::Created(r) => r.id.get(),
                other => panic!("not registered: {other:?}"),
            }
        }
    };
    let codes = |id: i64| {
        let app = &app;
        async move {
            let r = app.service.store().registration(RegistrationId::new(id).unwrap()).await.unwrap().unwrap();
            r.remarks.iter().map(|m| m.code.to_string()).collect::<Vec<String>>()
        }
    };
    let sequence = ["OUT_WITHOUT_IN", "IN_WHILE_ALREADY_IN", "DAY_LEFT_OPEN", "PRESENT_ON_TWO_WORKPLACES"];
    let started = clock.now();
    let badge_in = register(true, "IN", clock.now()).await;
    // The phone sees the IN by badge as open: its button offers OUT.
    let caller = ciao_service::Caller::Person { ssin: ciao_domain::Ssin::parse(&posted).unwrap(), name: String::new() };
    let technical = app.service.workplace_by_number(&caller, &w.d1).await.unwrap().technical_number;
    let view = app.service.worker_workplace(&caller, &technical).await.unwrap();
    assert_eq!(view.next, ciao_domain::RegistrationType::Out, "{:?}", view.state);
    // And lists it among the worker's own, with its receipt; for them only.
    let mine = app.service.my_registrations(&caller).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id.get()).collect::<Vec<_>>(), [badge_in]);
    let id = RegistrationId::new(badge_in).unwrap();
    assert_eq!(app.service.my_registration(&caller, id).await.unwrap().id, id);
    let stranger =
        ciao_service::Caller::Person { ssin: ciao_domain::Ssin::parse(&w.worker).unwrap(), name: String::new() };
    assert!(app.service.my_registration(&stranger, id).await.is_err(), "not another person's");
    clock.advance(Duration::hours(1));
    let phone_in = register(false, "IN", clock.now()).await;
    clock.advance(Duration::hours(1));
    let phone_out = register(false, "OUT", clock.now()).await;
    app.service.validate_all().await.unwrap();
    assert!(!codes(badge_in).await.iter().any(|c| sequence.contains(&c.as_str())), "{:?}", codes(badge_in).await);
    assert_eq!(
        codes(phone_in).await.iter().filter(|c| sequence.contains(&c.as_str())).collect::<Vec<_>>(),
        ["IN_WHILE_ALREADY_IN"],
        "the IN by Limosa id is open"
    );
    assert!(!codes(phone_out).await.iter().any(|c| c == "OUT_WITHOUT_IN"), "{:?}", codes(phone_out).await);
    // Once 16 hours have passed, nothing was left open: the OUT by SSIN
    // closed the last IN, and the IN by Limosa id is followed by one.
    clock.advance(Duration::hours(17));
    app.service.sweep_open_days().await.unwrap();
    app.service.validate_all().await.unwrap();
    assert!(!codes(badge_in).await.contains(&"DAY_LEFT_OPEN".to_string()), "{:?}", codes(badge_in).await);
    // Worked time, by the SSIN: both INs and the OUT, whatever they carry.
    // (The badge's IN and the phone's pair may fall on two Brussels days,
    // when the test runs late in the evening: both days are asked.)
    let person = ciao_domain::Ssin::parse(&posted).unwrap();
    let mut days =
        vec![ciao_domain::to_brussels(started).date(), ciao_domain::to_brussels(started + Duration::hours(1)).date()];
    days.dedup();
    let asked: Vec<_> = days.iter().map(|d| (person.clone(), *d)).collect();
    let user = ciao_domain::EnterpriseNumber::parse(&w.e1).unwrap();
    let worked = app.service.worked_days(&user, &asked).await.unwrap();
    let pairs: u32 = worked.iter().map(|(_, w)| w.pairs).sum();
    let missing: usize = worked.iter().map(|(_, w)| w.missing.len()).sum();
    assert_eq!((pairs, missing), (1, 1), "one pair, one IN without OUT: {worked:?}");
    // The SSIN of each Limosa id of a page's rows; an unknown id has none.
    let stored = |id: i64| {
        let app = &app;
        async move { app.service.store().registration(RegistrationId::new(id).unwrap()).await.unwrap().unwrap() }
    };
    let unknown = ciao_domain::RegistrationInput {
        registration_date: Some(common::rfc3339(clock.now())),
        kind: Some("IN".into()),
        limosa_id: Some("1000099".into()),
        employer_foreign_vat_number: Some("NL123456789B01".into()),
        declaration: Some(w.d1.clone()),
        ..Default::default()
    };
    let results = app.service.register(&operator(), ciao_domain::Channel::Rest, vec![Ok(unknown)]).await.unwrap();
    let ciao_service::ItemResult::Created(other) = &results[0] else { panic!("{results:?}") };
    let rows = [stored(badge_in).await, stored(phone_in).await, (**other).clone()];
    let persons = app.service.limosa_persons(&rows).await.unwrap();
    assert_eq!(persons.len(), 1, "{persons:?}");
    assert_eq!(persons.get("1000021").map(|s| s.as_str().to_string()), Some(posted.clone()));
    app.finish().await;
}
both_backends!(posted_worker_t, a_posted_workers_two_identifiers_are_one_person);
