//! Retention, on SQLite and PostgreSQL: the operator's purge deletes the
//! registrations (history, remarks and queue rows with them) and, when
//! asked, the audit entries from before the day it names; the last year is
//! always kept; a dry run only counts; nobody but the operator purges.

mod common;

use std::sync::Arc;

use ciao_domain::RegistrationId;
use ciao_domain::clock::{brussels_start_of_day, to_brussels};
use ciao_service::{Caller, ServiceError};
use common::{Backend, TestApp, item, operator, seed};

use time::Duration;

async fn old_registrations_go_recent_ones_stay(backend: Backend) {
    let clock = Arc::new(common::MovableClock::default());
    let Some(app) = TestApp::spawn_with_clock(backend, common::config(Duration::minutes(10)), clock.clone()).await
    else {
        return;
    };
    let w = seed(&app).await;
    let old = app.register_one(&w.e1, item(&w.worker, &w.e1, &w.d1, "IN")).await;
    // Validated: the registration has history (and maybe remarks) rows.
    app.service.validate_all().await.unwrap();
    // 400 days later, a registration of that day (through the service: the
    // test's cached token is long expired by the clock).
    clock.advance(Duration::days(400));
    let recent = register_now(&app, &w, "OUT", ciao_service::Clock::now(clock.as_ref())).await;
    let store = app.service.store();
    let exists = |id: i64| {
        let store = store.clone();
        async move { store.registration(RegistrationId::new(id).unwrap()).await.unwrap().is_some() }
    };

    let today = to_brussels(ciao_service::Clock::now(clock.as_ref())).date();
    // Within the last year: refused, the rule named.
    let e = app.service.purge_before(&operator(), today - Duration::days(30), false, false).await.unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(f) if f[0].field == "before" && f[0].code == "retention.tooRecent"),
        "{e}"
    );
    // Only the operator.
    let person = Caller::Person { ssin: ciao_domain::Ssin::parse(&w.worker).unwrap(), name: "An".into() };
    let e = app.service.purge_before(&person, today - Duration::days(366), true, false).await.unwrap_err();
    assert!(matches!(e, ServiceError::Forbidden(_)), "{e}");

    let before = today - Duration::days(366);
    let cutoff = brussels_start_of_day(before);
    let (_, audited_before) = store.count_before(cutoff).await.unwrap();
    assert!(audited_before >= 1, "the token of the first registration was audited then");
    // A dry run counts and deletes nothing.
    let dry = app.service.purge_before(&operator(), before, true, true).await.unwrap();
    assert_eq!(dry.registrations, 1);
    assert_eq!(dry.audit_entries, audited_before);
    assert!(exists(old).await);

    // Registrations only: the old one goes, with its history; the audit stays.
    let done = app.service.purge_before(&operator(), before, false, false).await.unwrap();
    assert_eq!((done.registrations, done.audit_entries), (1, 0));
    assert!(!exists(old).await, "purged");
    assert!(exists(recent).await, "kept");
    assert_eq!(store.count_before(cutoff).await.unwrap(), (0, audited_before));
    // Again with the audit log: nothing left before the day, and the purges
    // themselves audited.
    let done = app.service.purge_before(&operator(), before, true, false).await.unwrap();
    assert_eq!((done.registrations, done.audit_entries), (0, audited_before));
    assert_eq!(store.count_before(cutoff).await.unwrap(), (0, 0));
    let purges = store.count_before(brussels_start_of_day(today + Duration::days(1))).await.unwrap().1;
    assert!(purges >= 2, "the two purges' own entries stay: {purges}");
    // The register works on, and never gives a purged id again.
    let newer = register_now(&app, &w, "IN", ciao_service::Clock::now(clock.as_ref()) + Duration::seconds(1)).await;
    assert!(newer > recent, "ids are never reused");
}

/// Registers one item of the worker at `at` through the service, as the operator.
async fn register_now(app: &TestApp, w: &common::World, kind: &str, at: time::OffsetDateTime) -> i64 {
    common::register_at(app, &w.worker, &w.e1, &w.d1, kind, at).await
}

both_backends!(purge_t, old_registrations_go_recent_ones_stay);
