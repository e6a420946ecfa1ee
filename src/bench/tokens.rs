//! `ciao bench tokens`: the token endpoint (`POST /REST/oauth/v5/token`)
//! with client assertions signed ES384 (P-384 key) and RS256 (RSA 2048).
//!
//! The assertions are signed before the measured window (the signing is the
//! client's cost, not the server's): a short calibration run estimates the
//! rate, and enough assertions for the warm-up and the window are signed
//! in advance; should they run out, the clients sign on the fly (counted in
//! `signed_during_run`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use ciao_auth::client::KeyKind;
use hyper::Method;
use hyper::body::Bytes;
use serde_json::json;

use super::db::FreshDb;
use super::load::{self, CheckAnswer, MakeRequest, Req};
use super::report::{Report, latency_json, round};
use super::server::{self, BenchServer};
use super::{TokensBench, concurrency_or, world};

fn kind_of(alg: &str) -> anyhow::Result<KeyKind> {
    match alg.to_ascii_lowercase().as_str() {
        "es384" => Ok(KeyKind::EcP384),
        "rs256" => Ok(KeyKind::Rsa2048),
        other => anyhow::bail!("--algs: es384 or rs256, not {other:?}"),
    }
}

/// Assertions signed in advance, taken one per request.
struct Pool {
    ready: Mutex<Vec<String>>,
    signed_late: AtomicU64,
}

fn sign_many(account: &world::BenchAccount, token_url: &str, n: usize) -> anyhow::Result<Vec<String>> {
    (0..n).map(|_| world::assertion(account, token_url)).collect()
}

fn requests(account: Arc<world::BenchAccount>, token_url: String, pool: Arc<Pool>) -> (MakeRequest, CheckAnswer) {
    let make: MakeRequest = Arc::new(move |_, _| {
        let ready = pool.ready.lock().ok().and_then(|mut v| v.pop());
        let assertion = ready.unwrap_or_else(|| {
            pool.signed_late.fetch_add(1, Ordering::Relaxed);
            world::assertion(&account, &token_url).unwrap_or_default()
        });
        Req {
            method: Method::POST,
            path: ciao_service::oauth::TOKEN_PATH.to_string(),
            authorization: None,
            content_type: Some("application/x-www-form-urlencoded"),
            body: Bytes::from(world::token_form(&assertion)),
        }
    });
    let check: CheckAnswer = Arc::new(|status, body| {
        if status == 200 && load::occurrences(body, b"\"access_token\"") == 1 {
            Ok(1)
        } else {
            Err(format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)])))
        }
    });
    (make, check)
}

pub async fn run(url: &str, b: &TokensBench, report: &mut Report) -> anyhow::Result<()> {
    let load = concurrency_or(&b.load, &[16]);
    let kinds: Vec<(String, KeyKind)> =
        b.algs.iter().map(|a| kind_of(a).map(|k| (a.to_ascii_uppercase(), k))).collect::<anyhow::Result<_>>()?;
    let fresh = FreshDb::create(url, "tokens").await?;
    let result = async {
        let server = BenchServer::start(&fresh.url, super::http::bench_config(), 0).await?;
        let w = world::seed(&server.service, 1, 1).await?;
        let token_url = format!("{}{}", server.base(), ciao_service::oauth::TOKEN_PATH);
        for (alg, kind) in &kinds {
            let account =
                Arc::new(world::account(&server.service, &w.enterprise, &format!("bench {alg}"), *kind).await?);
            for &c in &load.concurrency {
                eprintln!("== token endpoint on {}: {alg} assertions, {c} clients", fresh.backend());
                // Calibration: one second, signing on the fly.
                let pool = Arc::new(Pool { ready: Mutex::new(Vec::new()), signed_late: AtomicU64::new(0) });
                let (make, check) = requests(account.clone(), token_url.clone(), pool.clone());
                let calibration = load::drive(server.addr, c, 0.0, 1.0, make, check).await;
                let need = ((calibration.requests_per_second() * 2.0 + 100.0) * (load.warmup + load.seconds + 1.0))
                    .min(200_000.0) as usize;
                let signer = account.clone();
                let url = token_url.clone();
                let signed = tokio::task::spawn_blocking(move || sign_many(&signer, &url, need))
                    .await
                    .context("signing task")??;
                let pool = Arc::new(Pool { ready: Mutex::new(signed), signed_late: AtomicU64::new(0) });
                let (make, check) = requests(account.clone(), token_url.clone(), pool.clone());
                server::reset_peak_rss();
                let run = load::drive(server.addr, c, load.warmup, load.seconds, make, check).await;
                let peak = server::peak_rss();
                eprintln!(
                    "   {:.0} tokens/s, p99 {:.2} ms, {} errors",
                    run.requests_per_second(),
                    run.latency.quantile(0.99) as f64 / 1000.0,
                    run.errors
                );
                report.push(json!({
                    "scenario": "tokens",
                    "variant": alg,
                    "backend": fresh.backend(),
                    "concurrency": c,
                    "seconds": round(run.seconds),
                    "requests": run.requests,
                    "errors": run.errors,
                    "first_error": run.first_error,
                    "requests_per_s": round(run.requests_per_second()),
                    "latency_ms": latency_json(&run.latency),
                    "peak_rss_mib": round(peak as f64 / 1_048_576.0),
                    "presigned": need,
                    "signed_during_run": pool.signed_late.load(Ordering::Relaxed),
                    "cpu_process_cores": round(run.cpu_process / run.seconds),
                    "cpu_machine_cores": round(run.cpu_machine / run.seconds),
                }));
            }
        }
        server.stop().await
    }
    .await;
    fresh.finish(load.keep).await;
    result
}
