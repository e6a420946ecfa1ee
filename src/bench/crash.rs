//! `ciao bench crash`: a registration acknowledged to the client is on disk.
//!
//! The server runs as a child process (`ciao serve` on a fresh database).
//! Clients drive `registerInBulk`, each item with its own clientReference,
//! and remember every clientReference the server acknowledged (200, item
//! created). After a while the server is killed with SIGKILL, mid-load;
//! requests without an answer are "in doubt". The server is started again
//! on the same database, and the clients resend the requests in doubt with
//! the same clientReferences, as an idempotent client does. After the last
//! cycle the register is read directly: every acknowledged clientReference
//! must be there, and none twice.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use ciao_auth::client::KeyKind;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, header};
use serde_json::json;
use std::io::BufRead;
use std::process::{Child, Command};

use super::db::FreshDb;
use super::http::{Items, REGISTER_PATH};
use super::load::connect;
use super::report::Report;
use super::{CrashBench, world};

/// A request sent whose answer never came (the server died).
struct InDoubt {
    body: Bytes,
    references: Vec<String>,
}

#[derive(Default)]
struct ClientState {
    /// Next request number (continues across cycles: references never repeat).
    seq: u64,
    acknowledged: Vec<String>,
    in_doubt: Vec<InDoubt>,
    /// Refusals or malformed answers while the server was up (must be 0).
    errors: u64,
    first_error: Option<String>,
}

/// The server as a child process.
struct ChildServer {
    child: Child,
    addr: SocketAddr,
}

/// The server's secrets key file: this run's own (the bench's databases hold
/// no sealed secret), created by the server, removed at the end.
fn key_file() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ciao-bench-secrets-{}.key", std::process::id()))
}

async fn start_child(exe: &std::path::Path, url: &str) -> anyhow::Result<ChildServer> {
    let mut child = Command::new(exe)
        .args(["--database", url, "serve", "--listen", "127.0.0.1:0", "--validation-workers", "0"])
        .args(["--token-lifetime-seconds", "3600"])
        // The bench's databases hold no sealed secret: a key file of its own,
        // not the operator's, nor another run's.
        .arg("--secrets-key-file")
        .arg(key_file())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let stdout = child.stdout.take().context("no stdout of the server")?;
    let (tx, rx) = tokio::sync::oneshot::channel::<anyhow::Result<SocketAddr>>();
    // Reads the server's standard output to its end (so that it never blocks on a full pipe).
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix("ciao listening on http://") {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                let parsed = addr.parse::<SocketAddr>().with_context(|| format!("cannot read the address in {line:?}"));
                if let Some(tx) = tx.take() {
                    let _ = tx.send(parsed);
                }
            }
        }
    });
    let addr = match tokio::time::timeout(Duration::from_secs(60), rx).await {
        Ok(Ok(addr)) => addr,
        Ok(Err(_)) => Err(anyhow::anyhow!("the server exited before listening")),
        Err(_) => Err(anyhow::anyhow!("the server did not listen within 60 s")),
    };
    match addr {
        Ok(addr) => Ok(ChildServer { child, addr }),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(e)
        }
    }
}

impl ChildServer {
    /// SIGKILL, and wait until it is gone.
    fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().context("cannot kill the server")?;
        self.child.wait().context("cannot wait for the server")?;
        Ok(())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn references(items: &Items, client: usize, seq: u64, batch: usize) -> Vec<String> {
    (0..batch).filter_map(|k| items.item(client, seq * batch as u64 + k as u64).client_reference).collect()
}

async fn send(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    auth: &str,
    body: Bytes,
) -> anyhow::Result<(u16, Bytes)> {
    let req = Request::builder()
        .method(Method::POST)
        .uri(REGISTER_PATH)
        .header(header::HOST, addr.to_string())
        .header(header::AUTHORIZATION, auth)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(body))?;
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status().as_u16();
    Ok((status, res.into_body().collect().await?.to_bytes()))
}

fn accepted(status: u16, body: &[u8], batch: usize) -> bool {
    status == 200 && super::load::occurrences(body, b"\"createdPresenceRegistration\"") == batch as u64
}

/// One client until the server dies (`killed` set and the connection lost).
async fn client(
    i: usize,
    addr: SocketAddr,
    auth: Arc<str>,
    items: Items,
    batch: usize,
    killed: Arc<AtomicBool>,
    mut state: ClientState,
) -> ClientState {
    let Ok(mut sender) = connect(addr).await else {
        state.errors += 1;
        state.first_error.get_or_insert_with(|| format!("client {i}: cannot connect"));
        return state;
    };
    loop {
        if killed.load(Ordering::Relaxed) {
            return state;
        }
        let seq = state.seq;
        state.seq += 1;
        let body = Bytes::from(items.body(i, seq, batch));
        let refs = references(&items, i, seq, batch);
        match send(&mut sender, addr, &auth, body.clone()).await {
            Ok((status, answer)) if accepted(status, &answer, batch) => state.acknowledged.extend(refs),
            Ok((status, answer)) => {
                state.errors += 1;
                state.first_error.get_or_insert_with(|| {
                    format!("{status}: {}", String::from_utf8_lossy(&answer[..answer.len().min(300)]))
                });
                // Not acknowledged: resent after the restart like the rest.
                state.in_doubt.push(InDoubt { body, references: refs });
            }
            Err(e) => {
                state.in_doubt.push(InDoubt { body, references: refs });
                if !killed.load(Ordering::Relaxed) {
                    state.errors += 1;
                    state.first_error.get_or_insert_with(|| format!("request while the server was up: {e}"));
                }
                return state;
            }
        }
    }
}

/// Resends the requests in doubt of every client; they must all be accepted now.
async fn resend(addr: SocketAddr, auth: &str, states: &mut [ClientState], batch: usize) -> anyhow::Result<u64> {
    let mut sender = connect(addr).await?;
    let mut resent = 0;
    for s in states.iter_mut() {
        for d in std::mem::take(&mut s.in_doubt) {
            let (status, answer) = send(&mut sender, addr, auth, d.body).await?;
            anyhow::ensure!(
                accepted(status, &answer, batch),
                "a request in doubt was refused after the restart ({status}): {}",
                String::from_utf8_lossy(&answer[..answer.len().min(300)])
            );
            s.acknowledged.extend(d.references);
            resent += 1;
        }
    }
    Ok(resent)
}

/// Every clientReference of `sender` in the register, and how many occur more than once.
async fn stored_references(url: &str, sender: &str) -> anyhow::Result<(HashSet<String>, u64, u64)> {
    use sqlx::Connection;
    const ALL: &str =
        "SELECT client_reference FROM registrations WHERE sender_id = $1 AND client_reference IS NOT NULL";
    const DUPLICATES: &str = "SELECT COUNT(*) FROM (SELECT client_reference FROM registrations WHERE sender_id = $1 \
         AND client_reference IS NOT NULL GROUP BY client_reference HAVING COUNT(*) > 1) d";
    const ROWS: &str = "SELECT COUNT(*) FROM registrations WHERE sender_id = $1";
    let (refs, dups, rows): (Vec<String>, i64, i64) = if super::db::is_postgres(url) {
        let mut c = sqlx::PgConnection::connect(url).await?;
        (
            sqlx::query_scalar(ALL).bind(sender).fetch_all(&mut c).await?,
            sqlx::query_scalar(DUPLICATES).bind(sender).fetch_one(&mut c).await?,
            sqlx::query_scalar(ROWS).bind(sender).fetch_one(&mut c).await?,
        )
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await?;
        (
            sqlx::query_scalar(ALL).bind(sender).fetch_all(&mut c).await?,
            sqlx::query_scalar(DUPLICATES).bind(sender).fetch_one(&mut c).await?,
            sqlx::query_scalar(ROWS).bind(sender).fetch_one(&mut c).await?,
        )
    };
    Ok((refs.into_iter().collect(), dups.max(0) as u64, rows.max(0) as u64))
}

pub async fn run(url: &str, b: &CrashBench, report: &mut Report) -> anyhow::Result<()> {
    anyhow::ensure!((1..=200).contains(&b.batch), "--batch is 1 to 200");
    let exe = match &b.server_binary {
        Some(p) => p.clone(),
        None => std::env::current_exe().context("cannot find this program to start the server")?,
    };
    let fresh = FreshDb::create(url, "crash").await?;
    let result = cycles(&exe, &fresh, b).await;
    fresh.finish(b.keep).await;
    let _ = std::fs::remove_file(key_file());
    let summary = result?;
    report.push(summary);
    Ok(())
}

async fn cycles(exe: &std::path::Path, fresh: &FreshDb, b: &CrashBench) -> anyhow::Result<serde_json::Value> {
    let backend = fresh.backend();
    let concurrency = b.concurrency.max(1);
    eprintln!("== crash on {backend}: {concurrency} clients, batch {}, {} kill -9 cycles", b.batch, b.cycles);
    // The registries and the REST account, written before the server starts.
    let (w, account) = {
        let service =
            crate::open_service(&fresh.url, super::http::bench_config(), Arc::new(ciao_service::SystemClock)).await?;
        let w = world::seed(&service, b.persons, 100).await?;
        let account = world::account(&service, &w.enterprise, "crash", KeyKind::EcP384).await?;
        (w, account)
    };
    let items = Items {
        persons: Arc::new(w.persons.clone()),
        declarations: Arc::new(w.declarations.clone()),
        employer: Arc::from(w.enterprise.as_str()),
        concurrency,
        run: 0,
        references: super::http::References::Sequential,
    };
    let mut states: Vec<ClientState> = (0..concurrency).map(|_| ClientState::default()).collect();
    let mut in_doubt_total = 0u64;
    let mut restarts = Vec::new();
    let mut server = start_child(exe, &fresh.url).await?;
    let mut server_rss = 0u64;
    for cycle in 0..b.cycles.max(1) {
        let http = reqwest::Client::new();
        let auth: Arc<str> =
            Arc::from(format!("Bearer {}", world::token(&http, &format!("http://{}", server.addr), &account).await?));
        if cycle > 0 {
            let resent = resend(server.addr, &auth, &mut states, b.batch).await?;
            eprintln!("   cycle {cycle}: {resent} requests in doubt resent and accepted");
        }
        let killed = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = std::mem::take(&mut states)
            .into_iter()
            .enumerate()
            .map(|(i, s)| tokio::spawn(client(i, server.addr, auth.clone(), items.clone(), b.batch, killed.clone(), s)))
            .collect();
        tokio::time::sleep(Duration::from_secs_f64(b.seconds)).await;
        // The server alone (no load generator in its process), under load.
        server_rss = server_rss.max(super::server::peak_rss_of(server.child.id()));
        killed.store(true, Ordering::Relaxed);
        server.kill()?; // SIGKILL
        for t in tasks {
            states.push(t.await.context("client task")?);
        }
        let acknowledged: usize = states.iter().map(|s| s.acknowledged.len()).sum();
        let doubt: usize = states.iter().map(|s| s.in_doubt.len()).sum();
        in_doubt_total += doubt as u64;
        eprintln!(
            "   cycle {}: killed (SIGKILL) with {acknowledged} acknowledged so far, {doubt} requests in doubt",
            cycle + 1
        );
        let t = Instant::now();
        server = start_child(exe, &fresh.url).await?;
        restarts.push(t.elapsed().as_secs_f64());
    }
    // The last requests in doubt, then a clean stop.
    let http = reqwest::Client::new();
    let auth = format!("Bearer {}", world::token(&http, &format!("http://{}", server.addr), &account).await?);
    let resent = resend(server.addr, &auth, &mut states, b.batch).await?;
    eprintln!("   last restart: {resent} requests in doubt resent and accepted");
    server.kill()?;

    let acknowledged: Vec<&String> = states.iter().flat_map(|s| &s.acknowledged).collect();
    let (stored, duplicates, rows) = stored_references(&fresh.url, &account.client_id).await?;
    let missing = acknowledged.iter().filter(|r| !stored.contains(r.as_str())).count() as u64;
    let errors: u64 = states.iter().map(|s| s.errors).sum();
    let first_error = states.iter().find_map(|s| s.first_error.clone());
    let restart_max = restarts.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "   {} acknowledged, {} stored, {missing} missing, {duplicates} clientReferences stored twice, {errors} errors; \
         restart took at most {restart_max:.2} s; the server's peak RSS under load {:.0} MiB",
        acknowledged.len(),
        rows,
        server_rss as f64 / 1_048_576.0
    );
    if let Some(e) = &first_error {
        eprintln!("   first error: {e}");
    }
    anyhow::ensure!(missing == 0, "{missing} acknowledged registrations are missing after kill -9");
    anyhow::ensure!(duplicates == 0, "{duplicates} clientReferences are stored more than once");
    anyhow::ensure!(
        rows == acknowledged.len() as u64,
        "{rows} registrations stored for {} acknowledged",
        acknowledged.len()
    );
    Ok(json!({
        "scenario": "crash",
        "backend": backend,
        "concurrency": concurrency,
        "batch": b.batch,
        "cycles": b.cycles.max(1),
        "acknowledged": acknowledged.len(),
        "in_doubt_resent": in_doubt_total,
        "stored": rows,
        "missing": missing,
        "duplicates": duplicates,
        "errors": errors,
        "first_error": first_error,
        "restart_seconds_max": super::report::round(restart_max),
        "server_peak_rss_mib": super::report::round(server_rss as f64 / 1_048_576.0),
    }))
}
