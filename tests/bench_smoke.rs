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
        random_client_reference: false,
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
    } else {
        positive(&single["ceilings"]["disk_sequential"]["mb_per_s"], "sequential disk ceiling");
        positive(&single["ceilings"]["sqlite_single_row_commits"]["commits_per_s"], "single-row commit ceiling");
        positive(&single["ratios"]["items_vs_sqlite_single_row_commits"], "items against single-row commits");
    }
    // Machine-wide disk accounting (0 where the database is on tmpfs).
    assert!(single["disk_bytes_per_item"].as_f64().is_some_and(|x| x >= 0.0), "{single:#}");
    // CPU per thread: the load generator and the server run in this
    // process, so some thread worked during the window, and no thread can
    // use more than one core.
    positive(&single["cpu_us_per_item"], "CPU per item");
    let threads = single["busiest_threads"].as_array().expect("busiest threads");
    assert!(!threads.is_empty() && threads.len() <= 4, "{single:#}");
    positive(&threads[0]["cores"], "busiest thread's cores");
    assert!(threads[0]["cores"].as_f64().is_some_and(|c| c <= 1.05), "{single:#}");
    let cores: Vec<f64> = threads.iter().filter_map(|t| t["cores"].as_f64()).collect();
    assert!(cores.windows(2).all(|w| w[0] >= w[1]), "busiest first: {cores:?}");
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

/// `ciao bench validation --reuse-registries`, twice with the same volumes
/// and once with others: its kept database's register holds only the last
/// run's registrations (emptied before each run), and its registries are
/// marked with the volumes they were filled with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_on_a_kept_database_starts_from_an_empty_register() {
    use ciao::bench::validation::{ValidationBench, standalone};
    use sqlx::Connection;
    let dir = std::env::temp_dir().join(format!("ciao-bench-validation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("named.db").display());
    let small = ValidationBench {
        enterprises: 50,
        employments: 400,
        declarations: 20,
        registrations: 300,
        workers: 1,
        reuse_registries: true,
    };
    let kept = dir.join("ciao-bench-validation.db");
    let read = |sql: &'static str| {
        let kept = kept.clone();
        async move {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", kept.display())).await.unwrap();
            let v: String = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
            v
        }
    };
    for (run, b) in [small.clone(), small.clone(), ValidationBench { registrations: 200, enterprises: 60, ..small }]
        .into_iter()
        .enumerate()
    {
        let summary = standalone(&url, &b).await.unwrap_or_else(|e| panic!("run {run}: {e:#}"));
        assert_eq!(summary.validated, b.registrations, "run {run}: only this run's registrations are validated");
        let stored = read("SELECT CAST(COUNT(*) AS TEXT) FROM registrations").await;
        assert_eq!(stored, b.registrations.to_string(), "run {run}: the register was emptied first");
        let marked = read("SELECT volumes FROM ciao_bench_registries").await;
        assert_eq!(marked, format!("{} 200 400 20", b.enterprises), "run {run}");
    }
    // The database `--database` names is never written.
    assert!(!dir.join("named.db").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ciao bench crash` as a user runs it: the program starts itself as the
/// server, kills it with SIGKILL under load twice, restarts it and checks
/// the register. Returns its JSON summary.
fn crash(database: &str, json: &std::path::Path, keep: bool) -> serde_json::Value {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ciao"));
    cmd.args(["--database", database, "bench", "crash", "--seconds", "1", "--cycles", "2"])
        .args(["--concurrency", "8", "--persons", "500", "--json-out"])
        .arg(json)
        .env("RUST_LOG", "warn");
    if keep {
        cmd.arg("--keep");
    }
    let out = cmd.output().expect("run ciao bench crash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ciao bench crash failed: {stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).expect("summary written")).expect("JSON summary");
    let s = summary["scenarios"][0].clone();
    assert_eq!(s["scenario"], "crash", "{s:#}");
    assert_eq!(s["cycles"], 2, "{s:#}");
    assert_eq!(s["missing"], 0, "{s:#}");
    assert_eq!(s["duplicates"], 0, "{s:#}");
    assert_eq!(s["errors"], 0, "{s:#}");
    assert!(s["acknowledged"].as_u64().unwrap_or(0) > 0, "nothing acknowledged: {s:#}");
    assert_eq!(s["stored"], s["acknowledged"], "{s:#}");
    // The server alone, read from /proc before a kill: a running ciao
    // holds more than a few MiB and far less than the 200 MB bound.
    let rss = s["server_peak_rss_mib"].as_f64().unwrap_or(0.0);
    assert!(rss > 5.0 && rss < 200.0, "server peak RSS {rss} MiB: {s:#}");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_crash_loses_nothing_acknowledged() {
    use sqlx::Connection;
    let dir = std::env::temp_dir().join(format!("ciao-crash-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = crash(&format!("sqlite://{}", dir.join("bench.db").display()), &dir.join("crash.json"), true);
    // Read the kept database ourselves: as many registrations as acknowledged, each clientReference once.
    let db = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "db") && p.to_string_lossy().contains("crash"))
        .expect("the kept database");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let (rows, refs): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT client_reference) FROM registrations")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(rows as u64, s["acknowledged"].as_u64().unwrap(), "{s:#}");
    assert_eq!(refs, rows, "a clientReference stored twice");
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crash_loses_nothing_acknowledged() {
    let Some(url) = common::postgres_url() else {
        eprintln!("CIAO_TEST_POSTGRES_URL is not set: PostgreSQL half skipped");
        return;
    };
    let json = std::env::temp_dir().join(format!("ciao-crash-smoke-{}.json", std::process::id()));
    crash(&url, &json, false);
    let _ = std::fs::remove_file(&json);
}
