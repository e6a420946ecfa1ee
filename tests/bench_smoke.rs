//! A short run of the benchmarks (`ciao bench`), so that they cannot rot:
//! the registration scenario with its ceilings, the token endpoint and the
//! searches, for about a second or two each, on SQLite (and PostgreSQL when
//! CIAO_TEST_POSTGRES_URL is set). Only correctness is checked: no errors
//! and a positive rate; never a speed.

mod common;

use ciao::bench::report::Report;
use ciao::bench::{LoadArgs, RegistrationsBench, SearchBench, TokensBench, http, search, tokens};

fn load(seconds: f64, concurrency: usize) -> LoadArgs {
    LoadArgs { seconds, warmup: 0.3, concurrency: vec![concurrency], json: false, json_out: None, keep: false }
}

fn positive(v: &serde_json::Value, what: &str) {
    assert!(v.as_f64().is_some_and(|x| x > 0.0), "{what} is not positive: {v}");
}

async fn smoke(base: &str) {
    let mut report = Report::new(base);
    let registrations = RegistrationsBench {
        load: load(2.0, 4),
        batch: 1,
        no_ceilings: false,
        validation_workers: 0,
        persons: 1_000,
        declarations: 20,
        no_client_reference: false,
    };
    http::sweep(base, &registrations, &mut report).await.expect("registrations scenario");
    let bulk = RegistrationsBench { load: load(1.0, 2), batch: 20, no_ceilings: true, ..registrations.clone() };
    http::sweep(base, &bulk, &mut report).await.expect("bulk scenario");
    tokens::run(base, &TokensBench { load: load(1.0, 2), algs: vec!["es384".into(), "rs256".into()] }, &mut report)
        .await
        .expect("token scenario");
    search::run(base, &SearchBench { load: load(1.0, 2), register_size: 2_000, keep_register: false }, &mut report)
        .await
        .expect("search scenario");

    let scenarios = report.scenarios();
    assert_eq!(scenarios.len(), 1 + 1 + 2 + 2, "{scenarios:#?}");
    for s in scenarios {
        assert_eq!(s["errors"], 0, "errors in {s:#}");
        positive(&s["requests_per_s"], "requests/s");
        positive(&s["latency_ms"]["max"], "max latency");
    }
    let single = &scenarios[0];
    positive(&single["items_per_s"], "items/s");
    positive(&single["ceilings"]["raw_inserts"]["rows_per_s"], "raw insert ceiling");
    positive(&single["ceilings"]["http_ping"]["requests_per_s"], "HTTP ceiling");
    positive(&single["db_bytes_per_registration"], "bytes per registration");
    positive(&single["peak_rss_mib"], "peak RSS");
    if single["backend"] == "postgres" {
        positive(&single["ceilings"]["pg_single_row_commits"]["commits_per_s"], "single-row commit ceiling");
    }
    assert_eq!(scenarios[1]["items"].as_u64().unwrap_or(0) % 20, 0, "bulk items come by 20");
    for s in &scenarios[4..] {
        positive(&s["mean_rows"], "rows per search page");
    }
    // The summary is what `ciao bench plot` draws.
    let svg = ciao::bench::plot::svg(&[report.json()]);
    assert!(svg.contains("registrations/s"), "{svg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = std::env::temp_dir().join(format!("ciao-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    smoke(&format!("sqlite://{}", dir.join("bench.db").display())).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(url) = common::postgres_url() else {
        eprintln!("CIAO_TEST_POSTGRES_URL is not set: PostgreSQL half skipped");
        return;
    };
    smoke(&url).await;
}
