//! The server under test: the same stack as `ciao serve` (the service, the
//! router of `ciao_http` with its middleware, the channel refresher), in
//! this process, plus one trivial authenticated route for the HTTP ceiling.
//!
//! The server runs in the benchmark's process, so its peak memory is read
//! from `/proc/self/status` (`VmHWM`, reset before each scenario through
//! `/proc/self/clear_refs`); the load generator's share of it is small
//! (one connection and one histogram per client).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::routing::get;
use ciao_http::AppState;
use ciao_http::auth::Authenticated;
use ciao_service::{Config, Service, SystemClock};

/// The trivial authenticated route: checks the bearer token, answers a small JSON.
pub const PING_PATH: &str = "/bench/ping";

async fn ping(Authenticated(caller): Authenticated) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "UP", "caller": caller.name() }))
}

pub struct BenchServer {
    pub addr: SocketAddr,
    pub service: Service,
    stop: Arc<tokio::sync::Notify>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl BenchServer {
    /// Opens the database, starts the service and serves on a free port.
    pub async fn start(url: &str, mut config: Config, validation_workers: usize) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot listen")?;
        let addr = listener.local_addr()?;
        config.public_url = format!("http://{addr}");
        let service = crate::open_service(url, config, Arc::new(SystemClock)).await?;
        let mut background = vec![service.spawn_channel_refresher(crate::CHANNEL_REFRESH)];
        if validation_workers > 0 {
            background.extend(service.spawn_validation_workers(validation_workers));
        }
        let state = AppState::new(service.clone());
        let bench_routes = Router::new()
            .route(PING_PATH, get(ping))
            // The layers every route of the service has.
            .layer(axum::middleware::from_fn(ciao_http::refuse_oversized_head))
            .layer(axum::middleware::from_fn_with_state(state.clone(), ciao_http::metrics::track))
            .with_state(state.clone());
        let app = ciao_http::router(state).merge(bench_routes);
        let stop = Arc::new(tokio::sync::Notify::new());
        let signal = stop.clone();
        let handle = tokio::spawn(async move {
            ciao_http::serve_router(listener, app, async move { signal.notified().await }, Default::default()).await
        });
        Ok(Self { addr, service, stop, handle, background })
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and the background tasks; the service is dropped with it.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.notify_one();
        for t in &self.background {
            t.abort();
        }
        match tokio::time::timeout(std::time::Duration::from_secs(10), self.handle).await {
            Ok(joined) => joined.context("server task")?.context("server")?,
            Err(_) => tracing::warn!("the bench server did not stop within 10 s"),
        }
        Ok(())
    }
}

/// Resets the peak resident set size of this process (Linux ≥ 4.0).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn status_kib(field: &str) -> Option<u64> {
    status_kib_of("self", field)
}

fn status_kib_of(process: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident set size of this process since the last reset, in bytes.
pub fn peak_rss() -> u64 {
    status_kib("VmHWM:").unwrap_or(0) * 1024
}

/// Peak resident set size of another process (a `ciao serve` child), in
/// bytes; 0 where /proc does not tell.
pub fn peak_rss_of(pid: u32) -> u64 {
    status_kib_of(&pid.to_string(), "VmHWM:").unwrap_or(0) * 1024
}

/// CPU time used so far: (this process, the whole machine), in seconds.
pub fn cpu_seconds() -> (f64, f64) {
    const TICK: f64 = 100.0; // USER_HZ on Linux
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces) in parentheses.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / TICK)
        })
        .unwrap_or(0.0);
    let machine = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().next()?;
            let v: Vec<f64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
            // user nice system idle iowait irq softirq steal
            let busy: f64 = v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, x)| x).sum();
            Some(busy / TICK)
        })
        .unwrap_or(0.0);
    (own, machine)
}

/// CPU time of each thread of this process so far: (thread id, name,
/// seconds on CPU), from `/proc/self/task/*/schedstat` (nanoseconds, not
/// clock ticks); empty where /proc does not tell.
pub fn thread_cpu_seconds() -> Vec<(u32, String, f64)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    tasks
        .filter_map(|t| {
            let t = t.ok()?;
            let tid: u32 = t.file_name().to_str()?.parse().ok()?;
            let on_cpu: f64 =
                std::fs::read_to_string(t.path().join("schedstat")).ok()?.split_whitespace().next()?.parse().ok()?;
            let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default().trim().to_string();
            Some((tid, name, on_cpu / 1e9))
        })
        .collect()
}

/// The threads that used the most CPU between two [`thread_cpu_seconds`]
/// readings `seconds` apart: (name, cores), busiest first, at most `n`. A
/// serial stage (SQLite's one writer) shows as one thread near 1 core.
pub fn busiest_threads(
    before: &[(u32, String, f64)],
    after: &[(u32, String, f64)],
    seconds: f64,
    n: usize,
) -> Vec<(String, f64)> {
    let mut used: Vec<(String, f64)> = after
        .iter()
        .map(|(tid, name, cpu)| {
            let start = before.iter().find(|b| b.0 == *tid).map_or(0.0, |b| b.2);
            (name.clone(), (cpu - start).max(0.0) / seconds.max(1e-9))
        })
        .collect();
    used.sort_by(|a, b| b.1.total_cmp(&a.1));
    used.truncate(n);
    used
}

/// Bytes written to the machine's disks so far (`/proc/diskstats`, whole
/// disks only: partitions, loop, RAM, zram, device-mapper and md devices
/// left out so nothing counts twice). Machine-wide, so a PostgreSQL
/// server's writes count too; 0 where /proc does not tell.
pub fn disk_written_bytes() -> u64 {
    let Ok(stats) = std::fs::read_to_string("/proc/diskstats") else { return 0 };
    stats
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let name = *f.get(2)?;
            let virtual_device = ["loop", "ram", "zram", "dm-", "md"].iter().any(|p| name.starts_with(p));
            let whole_disk = std::path::Path::new("/sys/block").join(name).exists();
            // Field 10: sectors written (512 bytes each, whatever the device's sector size).
            (whole_disk && !virtual_device).then(|| f.get(9)?.parse::<u64>().ok()).flatten()
        })
        .sum::<u64>()
        * 512
}

/// The machine, for the report.
pub fn machine() -> serde_json::Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim().to_string()))
        .unwrap_or_default();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    serde_json::json!({
        "cpus": cpus,
        "cpu_model": model,
        "memory_gib": (mem as f64 / 1_048_576.0 * 10.0).round() / 10.0,
        "kernel": kernel,
        "ciao_version": env!("CARGO_PKG_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}
