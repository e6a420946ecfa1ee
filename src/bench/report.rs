//! The summary of a benchmark run: JSON (machine-readable, what `plot`
//! reads) and a table for people.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::hist::Histogram;
use super::validation::ValidationSummary;

pub fn round(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let scale = if x.abs() >= 100.0 { 1.0 } else { 1000.0 };
    (x * scale).round() / scale
}

pub fn latency_json(h: &Histogram) -> Value {
    let ms = |us: u64| round(us as f64 / 1000.0);
    json!({
        "p50": ms(h.quantile(0.50)),
        "p95": ms(h.quantile(0.95)),
        "p99": ms(h.quantile(0.99)),
        "max": ms(h.max()),
        "mean": round(h.mean() / 1000.0),
        "count": h.count(),
    })
}

/// The single-row commits' ceiling of a run (`commits_per_s` of the
/// ceilings) or its ratio (`items_vs` of the ratios), whichever backend
/// measured it.
fn single_row<'a>(v: &'a Value, what: &str) -> &'a Value {
    let (pg, sqlite) = if what == "items_vs" {
        (&v["items_vs_pg_single_row_commits"], &v["items_vs_sqlite_single_row_commits"])
    } else {
        (&v["pg_single_row_commits"][what], &v["sqlite_single_row_commits"][what])
    };
    if pg.is_null() { sqlite } else { pg }
}

fn cores(v: &Value) -> String {
    v.as_f64().map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into())
}

/// Cores used by the rest of the machine during a run.
fn other(s: &Value) -> Value {
    match (s["cpu_machine_cores"].as_f64(), s["cpu_process_cores"].as_f64()) {
        (Some(m), Some(p)) => json!(round((m - p).max(0.0))),
        _ => Value::Null,
    }
}

pub struct Report {
    database: String,
    started: String,
    scenarios: Vec<Value>,
}

impl Report {
    pub fn new(url: &str) -> Self {
        Self {
            database: ciao_service::ciao_store::redact(url),
            started: ciao_domain::format_utc(time::OffsetDateTime::now_utc()),
            scenarios: Vec::new(),
        }
    }

    pub fn scenarios(&self) -> &[Value] {
        &self.scenarios
    }

    pub fn push(&mut self, scenario: Value) {
        self.scenarios.push(scenario);
    }

    pub fn validation(&mut self, v: ValidationSummary) {
        self.push(json!({
            "scenario": "validation",
            "backend": if super::db::is_postgres(&self.database) { "postgres" } else { "sqlite" },
            "enterprises": v.enterprises,
            "employments": v.employments,
            "declarations": v.declarations,
            "registrations": v.registrations,
            "workers": v.workers,
            "validated": v.validated,
            "seconds": round(v.seconds),
            "per_s": round(v.per_second),
            "phases": v.phases.iter().map(|(n, s)| json!({"phase": n, "share": round(*s)})).collect::<Vec<_>>(),
        }));
    }

    pub fn json(&self) -> Value {
        json!({
            "ciao_bench": 1,
            "started": self.started,
            "command": std::env::args().collect::<Vec<_>>().join(" "),
            "database": self.database,
            "machine": super::server::machine(),
            "scenarios": self.scenarios,
        })
    }

    /// Prints the table (standard output, or standard error with `--json`)
    /// and the JSON where asked.
    pub fn finish(&self, print_json: bool, json_out: Option<&std::path::Path>) -> anyhow::Result<()> {
        let table = self.table();
        let json = serde_json::to_string_pretty(&self.json())?;
        if print_json {
            eprint!("{table}");
            println!("{json}");
        } else {
            print!("{table}");
        }
        if let Some(path) = json_out {
            std::fs::write(path, format!("{json}\n"))?;
            eprintln!("wrote {}", path.display());
        }
        let errors: u64 = self.scenarios.iter().filter_map(|s| s["errors"].as_u64()).sum();
        anyhow::ensure!(errors == 0, "{errors} requests failed (see first_error in the summary)");
        Ok(())
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let f = |v: &Value| v.as_f64().map(|x| format!("{x:.0}")).unwrap_or_else(|| "–".into());
        let ms = |v: &Value| v.as_f64().map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into());
        let ratio = |v: &Value| v.as_f64().map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "–".into());
        let regs: Vec<&Value> = self.scenarios.iter().filter(|s| s["scenario"] == "registrations").collect();
        if !regs.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<8} {:>5} {:>5} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7} {:>6} {:>7} {:>6} {:>6} {:>6} | {:>9} {:>6} | {:>9} {:>6} | {:>9} {:>6} | {:>5} {:>5}",
                "backend",
                "batch",
                "conc",
                "items/s",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "errors",
                "RSS MiB",
                "B/reg",
                "disk B",
                "commit",
                "raw ins/s",
                "ratio",
                "ping/s",
                "ratio",
                "1row/s",
                "ratio",
                "CPU",
                "other"
            );
            for s in regs {
                let l = &s["latency_ms"];
                let c = &s["ceilings"];
                let r = &s["ratios"];
                let _ = writeln!(
                    out,
                    "{:<8} {:>5} {:>5} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7} {:>6} {:>7} {:>6} {:>6} {:>6} | {:>9} {:>6} | {:>9} {:>6} | {:>9} {:>6} | {:>5} {:>5}",
                    s["backend"].as_str().unwrap_or(""),
                    s["batch"].to_string(),
                    s["concurrency"].to_string(),
                    f(&s["items_per_s"]),
                    f(&s["requests_per_s"]),
                    ms(&l["p50"]),
                    ms(&l["p95"]),
                    ms(&l["p99"]),
                    ms(&l["max"]),
                    s["errors"].to_string(),
                    f(&s["peak_rss_mib"]),
                    f(&s["db_bytes_per_registration"]),
                    f(&s["disk_bytes_per_item"]),
                    s["group_commit"]["mean_items"].as_f64().map(|x| format!("{x:.1}")).unwrap_or_default(),
                    f(&c["raw_inserts"]["rows_per_s"]),
                    ratio(&r["items_vs_raw_inserts"]),
                    f(&c["http_ping"]["requests_per_s"]),
                    ratio(&r["requests_vs_http_ping"]),
                    f(single_row(c, "commits_per_s")),
                    ratio(single_row(r, "items_vs")),
                    cores(&s["cpu_process_cores"]),
                    cores(&other(s)),
                );
            }
            let _ = writeln!(
                out,
                "(disk B: bytes written to the machine's disks per item during the run, WAL, checkpoints and all; commit: registrations per group commit; ratio: items/s of the HTTP run against the ceiling measured right after it \
                 on the same database; 1row/s: single-row durable commits, a transaction per request (PostgreSQL: on as many \
                 connections as clients, as pgbench; SQLite: its one writer; single items only); CPU: cores used by this process (server and load generator), other: by the rest of the \
                 machine (the PostgreSQL server, or anything else running) during the measured window)"
            );
        }
        let others: Vec<&Value> =
            self.scenarios.iter().filter(|s| s["scenario"] == "tokens" || s["scenario"] == "search").collect();
        if !others.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<8} {:<28} {:>5} {:>9} {:>7} {:>7} {:>7} {:>7} {:>6} {:>7}",
                "backend", "scenario", "conc", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "RSS MiB"
            );
            for s in others {
                let l = &s["latency_ms"];
                let name = format!("{} {}", s["scenario"].as_str().unwrap_or(""), s["variant"].as_str().unwrap_or(""));
                let _ = writeln!(
                    out,
                    "{:<8} {:<28} {:>5} {:>9} {:>7} {:>7} {:>7} {:>7} {:>6} {:>7}",
                    s["backend"].as_str().unwrap_or(""),
                    name,
                    s["concurrency"].to_string(),
                    f(&s["requests_per_s"]),
                    ms(&l["p50"]),
                    ms(&l["p95"]),
                    ms(&l["p99"]),
                    ms(&l["max"]),
                    s["errors"].to_string(),
                    f(&s["peak_rss_mib"]),
                );
            }
            for s in self.scenarios.iter().filter(|s| s["scenario"] == "search").take(1) {
                let _ = writeln!(
                    out,
                    "(search over a register of {} registrations, {} rows per page on average)",
                    s["register_size"], s["mean_rows"]
                );
            }
        }
        for s in self.scenarios.iter().filter(|s| s["scenario"] == "crash") {
            let _ = writeln!(
                out,
                "\ncrash ({}): {} kill -9 cycles at {} clients: {} registrations acknowledged ({} requests in doubt resent), \
                 {} stored, {} missing, {} stored twice; restart ≤ {} s; server peak RSS {} MiB",
                s["backend"].as_str().unwrap_or(""),
                s["cycles"],
                s["concurrency"],
                s["acknowledged"],
                s["in_doubt_resent"],
                s["stored"],
                s["missing"],
                s["duplicates"],
                s["restart_seconds_max"],
                s["server_peak_rss_mib"]
            );
        }
        for s in self.scenarios.iter().filter(|s| s["scenario"] == "validation") {
            let _ = writeln!(
                out,
                "\nvalidation drain ({}): {} registrations/s ({} validated in {} s, {} workers)",
                s["backend"].as_str().unwrap_or(""),
                f(&s["per_s"]),
                s["validated"],
                s["seconds"],
                s["workers"]
            );
        }
        out
    }
}
