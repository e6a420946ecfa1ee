//! `ciao bench registrations`: `registerInBulk` through HTTP at a sweep of
//! concurrencies, each point on a fresh database, with the ceilings of the
//! machine measured right after it on the same database.

use std::sync::Arc;

use anyhow::Context;
use ciao_auth::client::KeyKind;
use ciao_service::Config;
use ciao_service::ciao_store::group_commit_stats;
use hyper::Method;
use hyper::body::Bytes;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ceilings::{self, MakeRow};
use super::db::FreshDb;
use super::load::{self, CheckAnswer, MakeRequest, Req};
use super::report::{Report, latency_json, round};
use super::server::{self, BenchServer, PING_PATH};
use super::{RegistrationsBench, concurrency_or, world};

/// Group-commit writers of the PostgreSQL store (`ciao_store::postgres`).
pub const PG_WRITERS: usize = 4;

pub const REGISTER_PATH: &str = "/REST/presenceRegistration/v1/presenceRegistrations/registerInBulk";

/// The items the clients send: client `i` of `c` owns the persons `i`,
/// `i + c`, `i + 2c`, …, registers each IN then OUT, on the person's
/// declaration, at the current time; each item with a fresh clientReference
/// unless told otherwise.
#[derive(Clone)]
pub struct Items {
    pub persons: Arc<Vec<String>>,
    pub declarations: Arc<Vec<String>>,
    pub employer: Arc<str>,
    pub concurrency: usize,
    pub run: u32,
    pub references: References,
}

/// The clientReferences the items carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum References {
    None,
    /// `RUN-CLIENT-SEQUENCE`: keys clustered by client.
    Sequential,
    /// 24 random-looking hex digits.
    Random,
}

impl References {
    pub fn of(b: &RegistrationsBench) -> Self {
        match (b.no_client_reference, b.random_client_reference) {
            (true, _) => Self::None,
            (false, true) => Self::Random,
            (false, false) => Self::Sequential,
        }
    }

    /// The name in the JSON report (`client_reference_form`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Sequential => "run-client-sequence",
            Self::Random => "random",
        }
    }
}

pub struct Item<'a> {
    pub ssin: &'a str,
    pub declaration: &'a str,
    pub kind: &'static str,
    pub client_reference: Option<String>,
}

impl Items {
    /// The `n`-th item of client `i`.
    pub fn item(&self, i: usize, n: u64) -> Item<'_> {
        let c = self.concurrency.max(1);
        let per_client = (self.persons.len() / c).max(1);
        let slot = (n / 2) as usize % per_client;
        let p = (i + c * slot) % self.persons.len();
        Item {
            ssin: &self.persons[p],
            declaration: &self.declarations[p % self.declarations.len()],
            kind: if n.is_multiple_of(2) { "IN" } else { "OUT" },
            client_reference: (self.references != References::None).then(|| self.reference(self.run, "", i, n)),
        }
    }

    /// The clientReference of the `n`-th item of client `i` in run `run`:
    /// `PREFIXRUN-CLIENT-SEQUENCE`, or 96 random-looking bits in 24 hex
    /// digits (the service's limit; a UUID's 36 characters do not fit): the
    /// first 64 are splitmix64, a bijection, of a key made of whether there
    /// is a prefix, the run's low 15 bits, the client's low 12 and the
    /// sequence's low 36, so that no two share one as long as the runs of a
    /// database differ in their low 15 bits (the ceilings of a point use the
    /// HTTP run's + 1, + 2) and there are at most 4,096 clients.
    pub fn reference(&self, run: u32, prefix: &str, i: usize, n: u64) -> String {
        if self.references != References::Random {
            return format!("{prefix}{run:06x}-{i}-{n}");
        }
        fn splitmix(mut z: u64) -> u64 {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        let prefix_bit = u64::from(!prefix.is_empty()) << 63;
        let key = prefix_bit | (u64::from(run & 0x7fff) << 48) | ((i as u64 & 0xfff) << 36) | (n & 0xf_ffff_ffff);
        let (hi, lo) = (splitmix(key), splitmix(key ^ 0x5851_F42D_4C95_7F2D));
        format!("{hi:016x}{:08x}", lo >> 32)
    }

    /// The JSON body of the `seq`-th request of client `i`, with `batch` items.
    pub fn body(&self, i: usize, seq: u64, batch: usize) -> String {
        let now = ciao_domain::format_utc(OffsetDateTime::now_utc());
        let mut s = String::with_capacity(40 + batch * 260);
        s.push_str("{\"items\":[");
        for k in 0..batch {
            let it = self.item(i, seq * batch as u64 + k as u64);
            if k > 0 {
                s.push(',');
            }
            s.push_str("{\"registrationDate\":\"");
            s.push_str(&now);
            s.push_str("\",\"type\":\"");
            s.push_str(it.kind);
            s.push_str("\",\"ssin\":\"");
            s.push_str(it.ssin);
            s.push_str("\",\"employer\":{\"enterpriseNumber\":\"");
            s.push_str(&self.employer);
            s.push_str("\"},\"contractualRelationshipReference\":\"");
            s.push_str(it.declaration);
            s.push('"');
            if let Some(r) = &it.client_reference {
                s.push_str(",\"clientReference\":\"");
                s.push_str(r);
                s.push('"');
            }
            s.push('}');
        }
        s.push_str("]}");
        s
    }
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    u32::from_le_bytes(b) & 0xff_ffff
}

/// Requests of `registerInBulk` with `batch` items, each client with one of `tokens`.
pub fn register_requests(items: Items, batch: usize, tokens: &[String]) -> (MakeRequest, CheckAnswer) {
    let auth: Vec<Arc<str>> = tokens.iter().map(|t| Arc::from(format!("Bearer {t}"))).collect();
    let make: MakeRequest = Arc::new(move |i, seq| Req {
        method: Method::POST,
        path: REGISTER_PATH.to_string(),
        authorization: Some(auth[i % auth.len()].clone()),
        content_type: Some("application/json"),
        body: Bytes::from(items.body(i, seq, batch)),
    });
    let check: CheckAnswer = Arc::new(move |status, body| {
        let created = load::occurrences(body, b"\"createdPresenceRegistration\"");
        if status == 200 && created == batch as u64 {
            Ok(created)
        } else {
            Err(format!(
                "{status}, {created} of {batch} created: {}",
                String::from_utf8_lossy(&body[..body.len().min(400)])
            ))
        }
    });
    (make, check)
}

/// GET of the trivial authenticated route.
pub fn ping_requests(tokens: &[String]) -> (MakeRequest, CheckAnswer) {
    let auth: Vec<Arc<str>> = tokens.iter().map(|t| Arc::from(format!("Bearer {t}"))).collect();
    let make: MakeRequest = Arc::new(move |i, _| Req {
        method: Method::GET,
        path: PING_PATH.to_string(),
        authorization: Some(auth[i % auth.len()].clone()),
        content_type: None,
        body: Bytes::new(),
    });
    let check: CheckAnswer = Arc::new(|status, body| {
        if status == 200 {
            Ok(1)
        } else {
            Err(format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)])))
        }
    });
    (make, check)
}

/// The configuration of the server under load: tokens that outlive the run.
pub fn bench_config() -> Config {
    Config { token_lifetime: time::Duration::hours(2), ..Config::default() }
}

/// Access tokens for the clients, from the real token endpoint (one per 8 clients, at least one, at most 32).
pub async fn tokens_for(base: &str, account: &world::BenchAccount, concurrency: usize) -> anyhow::Result<Vec<String>> {
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for _ in 0..concurrency.div_ceil(8).clamp(1, 32) {
        tokens.push(world::token(&http, base, account).await?);
    }
    Ok(tokens)
}

pub async fn count_rows(url: &str, table: &str) -> anyhow::Result<u64> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    let n: i64 = if super::db::is_postgres(url) {
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::query_scalar(sql).fetch_one(&mut c).await?
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query_scalar(sql).fetch_one(&mut c).await?
    };
    Ok(n.max(0) as u64)
}

/// Runs the sweep of `b` and adds its points to the report.
pub async fn sweep(url: &str, b: &RegistrationsBench, report: &mut Report) -> anyhow::Result<()> {
    anyhow::ensure!((1..=200).contains(&b.batch), "--batch is 1 to 200");
    let load = concurrency_or(&b.load, &[16, 64, 256]);
    for &c in &load.concurrency {
        let fresh = FreshDb::create(url, &format!("reg_b{}_c{c}", b.batch)).await?;
        let result = point(&fresh, b, &load, c).await;
        fresh.finish(load.keep).await;
        let point = result.with_context(|| format!("registrations, batch {}, {c} clients", b.batch))?;
        report.push(point);
    }
    Ok(())
}

async fn point(fresh: &FreshDb, b: &RegistrationsBench, load: &super::LoadArgs, c: usize) -> anyhow::Result<Value> {
    let backend = fresh.backend();
    eprintln!("== registrations on {backend}: batch {}, {c} clients", b.batch);
    let server = BenchServer::start(&fresh.url, bench_config(), b.validation_workers).await?;
    let w = world::seed(&server.service, b.persons, b.declarations).await?;
    let account = world::account(&server.service, &w.enterprise, "bench", KeyKind::EcP384).await?;
    let tokens = tokens_for(&server.base(), &account, c).await?;
    let items = Items {
        persons: Arc::new(w.persons.clone()),
        declarations: Arc::new(w.declarations.clone()),
        employer: Arc::from(w.enterprise.as_str()),
        concurrency: c,
        run: random_u32(),
        references: References::of(b),
    };

    let rows0 = count_rows(&fresh.url, "registrations").await?;
    let size0 = fresh.size_bytes().await?;
    let stats0 = group_commit_stats();
    let wal0 = ciao_service::ciao_store::sqlite_vfs::wal_writes();
    server::reset_peak_rss();
    let (make, check) = register_requests(items.clone(), b.batch, &tokens);
    eprintln!("   load: {} s of warm-up, then {} s measured", load.warmup, load.seconds);
    let run = load::drive(server.addr, c, load.warmup, load.seconds, make, check).await;
    let peak_rss = server::peak_rss();
    let stats1 = group_commit_stats();
    let wal1 = ciao_service::ciao_store::sqlite_vfs::wal_writes();
    let rows1 = count_rows(&fresh.url, "registrations").await?;
    let size1 = fresh.size_bytes().await?;
    let batches = stats1.batches - stats0.batches;
    let mean_batch = if batches == 0 { 1.0 } else { (stats1.items - stats0.items) as f64 / batches as f64 };
    let mean_jobs = if batches == 0 { 1.0 } else { (stats1.jobs - stats0.jobs) as f64 / batches as f64 };
    let commit_secs = (stats1.commit_nanos - stats0.commit_nanos) as f64 / 1e9;
    let stored = rows1.saturating_sub(rows0);
    let bytes_per_registration = if stored == 0 { 0.0 } else { size1.saturating_sub(size0) as f64 / stored as f64 };
    eprintln!(
        "   {:.0} items/s, {:.0} requests/s, p99 {:.2} ms, {} errors; group commit: {batches} batches of {mean_batch:.1} items, {:.2} ms each; disk {:.0} MB/s, {:.0} B/item",
        run.items_per_second(),
        run.requests_per_second(),
        run.latency.quantile(0.99) as f64 / 1000.0,
        run.errors,
        if batches == 0 { 0.0 } else { commit_secs * 1000.0 / batches as f64 },
        run.disk_written as f64 / run.seconds.max(1e-9) / 1e6,
        per_item(run.disk_written, run.items),
    );
    if let Some(e) = &run.first_error {
        eprintln!("   first error: {e}");
    }
    // SQLite: the WAL writes SQLite asked for and those made (src/store's sqlite_vfs gathers them).
    let wal_writes = (wal1.0 - wal0.0, wal1.1 - wal0.1);
    if backend == "sqlite" && batches > 0 {
        eprintln!(
            "   WAL: {:.1} writes asked by SQLite per commit, {:.1} made",
            wal_writes.0 as f64 / batches as f64,
            wal_writes.1 as f64 / batches as f64
        );
    }
    if let Some((name, cores)) = run.busiest_threads.first().filter(|_| run.items > 0) {
        // A serial stage bounds the rate at items/s ÷ its cores.
        let others: Vec<String> = run.busiest_threads[1..].iter().map(|(n, c)| format!("{n} {c:.2}")).collect();
        eprintln!(
            "   busiest thread: {name}, {cores:.2} cores ({:.1} µs per item); then {} (process {:.2} cores, {:.1} µs per item)",
            run.cpu_us_per_item(*cores),
            others.join(", "),
            run.cpu_process / run.seconds.max(1e-9),
            run.cpu_us_per_item(run.cpu_process / run.seconds.max(1e-9)),
        );
    }

    let mut ceilings_json = serde_json::Map::new();
    let mut ratios = serde_json::Map::new();
    if !b.no_ceilings {
        // (2) The HTTP stack on a trivial authenticated route, same clients.
        let (make, check) = ping_requests(&tokens);
        let ping = load::drive(server.addr, c, load.warmup.min(1.0), load.seconds, make, check).await;
        eprintln!(
            "   ceiling, HTTP on {PING_PATH}: {:.0} requests/s ({} errors)",
            ping.requests_per_second(),
            ping.errors
        );
        ceilings_json.insert(
            "http_ping".into(),
            json!({
                "requests_per_s": round(ping.requests_per_second()),
                "latency_ms": latency_json(&ping.latency),
                "errors": ping.errors,
                "cpu_process_cores": round(ping.cpu_process / ping.seconds),
                "cpu_machine_cores": round(ping.cpu_machine / ping.seconds),
            }),
        );
        ratios.insert(
            "requests_vs_http_ping".into(),
            json!(round(run.requests_per_second() / ping.requests_per_second().max(1e-9))),
        );
    }
    let client_id = account.client_id.clone();
    server.stop().await?;

    if !b.no_ceilings {
        // (1) Raw durable inserts, batched as the server batched them.
        let batch = mean_batch.round().max(1.0) as usize;
        let make_row = raw_rows(items.clone(), client_id.clone(), 1);
        let raw = if backend == "postgres" {
            ceilings::postgres_inserts(&fresh.url, PG_WRITERS, c, batch, load.seconds, make_row).await?
        } else {
            ceilings::sqlite_inserts(&fresh.url, c, batch, load.seconds, make_row).await?
        };
        eprintln!(
            "   ceiling, raw durable inserts in transactions of {batch}: {:.0} rows/s ({} writers)",
            raw.per_second(),
            raw.writers
        );
        ceilings_json.insert(
            "raw_inserts".into(),
            json!({
                "rows_per_s": round(raw.per_second()),
                "batch": raw.batch,
                "writers": raw.writers,
                "cpu_process_cores": round(raw.cpu_process / raw.seconds),
                "cpu_machine_cores": round(raw.cpu_machine / raw.seconds),
                "disk_write_mb_per_s": round(raw.disk_written as f64 / raw.seconds.max(1e-9) / 1e6),
                "disk_bytes_per_row": round(per_item(raw.disk_written, raw.rows)),
            }),
        );
        ratios.insert("items_vs_raw_inserts".into(), json!(round(run.items_per_second() / raw.per_second().max(1e-9))));
        // (4) SQLite: what the disk takes when written sequentially, in
        // durable chunks of the size the run wrote per commit.
        if backend == "sqlite" && batches > 0 {
            // Bytes per item over the measured window times items per
            // commit (the batch count includes the warm-up).
            let chunk =
                ((per_item(run.disk_written, run.items) * mean_batch) as u64).clamp(64 << 10, 64 << 20) as usize;
            let dir = super::db::sqlite_dir(&fresh.url);
            let bytes_per_s = ceilings::disk_sequential(&dir, chunk, load.seconds.min(3.0))?;
            let used = run.disk_written as f64 / run.seconds.max(1e-9);
            eprintln!(
                "   ceiling, sequential durable writes in chunks of {} KiB: {:.0} MB/s (the HTTP run wrote {:.0} MB/s, {:.0} %)",
                chunk >> 10,
                bytes_per_s / 1e6,
                used / 1e6,
                100.0 * used / bytes_per_s.max(1e-9)
            );
            ceilings_json.insert(
                "disk_sequential".into(),
                json!({ "mb_per_s": round(bytes_per_s / 1e6), "chunk_kib": chunk >> 10 }),
            );
            ratios.insert("disk_write_vs_sequential".into(), json!(round(used / bytes_per_s.max(1e-9))));
        }
        // (3b) SQLite: single-row durable commits, one writer (SQLite
        // writes one transaction at a time: more connections would only
        // wait for its lock): what a server committing each request in a
        // transaction of its own could reach. The issue's target for single
        // items is about 4 × this rate: group commit is required.
        if backend == "sqlite" && b.batch == 1 {
            let make_row = raw_rows(items.clone(), client_id.clone(), 2);
            let single = ceilings::sqlite_inserts(&fresh.url, c, 1, load.seconds.min(5.0), make_row).await?;
            let times = run.items_per_second() / single.per_second().max(1e-9);
            eprintln!(
                "   ceiling, single-row durable commits (a transaction per request, one writer): {:.0} commits/s; the HTTP run made {times:.1} × that",
                single.per_second()
            );
            ceilings_json.insert(
                "sqlite_single_row_commits".into(),
                json!({
                    "commits_per_s": round(single.per_second()),
                    "cpu_process_cores": round(single.cpu_process / single.seconds),
                    "cpu_machine_cores": round(single.cpu_machine / single.seconds),
                }),
            );
            ratios.insert("items_vs_sqlite_single_row_commits".into(), json!(round(times)));
        }
        // (3) PostgreSQL: single-row commits at the same concurrency.
        if backend == "postgres" {
            let make_row = raw_rows(items.clone(), client_id.clone(), 2);
            let single = ceilings::postgres_single_row(&fresh.url, c, load.seconds, make_row).await?;
            eprintln!(
                "   ceiling, single-row commits on {} connections: {:.0} commits/s",
                single.writers,
                single.per_second()
            );
            ceilings_json.insert(
                "pg_single_row_commits".into(),
                json!({
                    "commits_per_s": round(single.per_second()),
                    "connections": single.writers,
                    "cpu_process_cores": round(single.cpu_process / single.seconds),
                    "cpu_machine_cores": round(single.cpu_machine / single.seconds),
                }),
            );
            ratios.insert(
                "items_vs_pg_single_row_commits".into(),
                json!(round(run.items_per_second() / single.per_second().max(1e-9))),
            );
        }
    }

    Ok(json!({
        "scenario": "registrations",
        "backend": backend,
        "batch": b.batch,
        "concurrency": c,
        "seconds": round(run.seconds),
        "requests": run.requests,
        "items": run.items,
        "errors": run.errors,
        "first_error": run.first_error,
        "requests_per_s": round(run.requests_per_second()),
        "items_per_s": round(run.items_per_second()),
        "latency_ms": latency_json(&run.latency),
        "peak_rss_mib": round(peak_rss as f64 / 1_048_576.0),
        "db_bytes_per_registration": round(bytes_per_registration),
        "registrations_stored": stored,
        "group_commit": {
            "batches": batches,
            "mean_items": round(mean_batch),
            "mean_requests": round(mean_jobs),
            "commit_busy": round(commit_secs / (load.warmup + run.seconds).max(1e-9)),
            "wal_writes_asked": wal_writes.0,
            "wal_writes_made": wal_writes.1,
        },
        "cpu_process_cores": round(run.cpu_process / run.seconds),
        "cpu_machine_cores": round(run.cpu_machine / run.seconds),
        "disk_write_mb_per_s": round(run.disk_written as f64 / run.seconds.max(1e-9) / 1e6),
        "disk_bytes_per_item": round(per_item(run.disk_written, run.items)),
        "cpu_us_per_item": round(run.cpu_us_per_item(run.cpu_process / run.seconds.max(1e-9))),
        "busiest_threads": run.busiest_threads.iter().map(|(name, cores)| json!({
            "name": name,
            "cores": round(*cores),
            "cpu_us_per_item": round(run.cpu_us_per_item(*cores)),
        })).collect::<Vec<_>>(),
        "client_reference": References::of(b) != References::None,
        "client_reference_form": References::of(b).name(),
        "validation_workers": b.validation_workers,
        "ceilings": Value::Object(ceilings_json),
        "ratios": Value::Object(ratios),
    }))
}

/// Bytes per item (0 without items).
fn per_item(bytes: u64, items: u64) -> f64 {
    if items == 0 { 0.0 } else { bytes as f64 / items as f64 }
}

/// The registrations of the ceilings: the same ones the HTTP clients send
/// (as the service makes them from the items), for a sender of the run;
/// each ceiling of a point (`ceiling`: 1, 2, …) with clientReferences of its
/// own, none of them the HTTP run's.
pub fn raw_rows(items: Items, sender: String, ceiling: u32) -> MakeRow {
    use ciao_domain::{
        Channel, DeclarationNumber, Employer, EnterpriseNumber, NewRegistration, Person, RegistrationType, Sender, Ssin,
    };
    let run = items.run.wrapping_add(ceiling);
    let employer = EnterpriseNumber::parse(&items.employer).ok();
    Arc::new(move |w, n| {
        // Writer w plays client w (its persons, its IN/OUT sequence).
        let it = items.item(w, n);
        let now = ciao_domain::clock::truncate_micros(OffsetDateTime::now_utc());
        let employer = employer.clone().unwrap_or_else(|| EnterpriseNumber::parse("0123456749").expect("valid"));
        NewRegistration {
            registration_date: now,
            kind: if it.kind == "IN" { RegistrationType::In } else { RegistrationType::Out },
            person: Person::Ssin(Ssin::parse(it.ssin).unwrap_or_else(|_| Ssin::parse("85073003328").expect("valid"))),
            employer: Employer::Enterprise(employer.clone()),
            declaration: DeclarationNumber::parse(it.declaration)
                .unwrap_or_else(|_| DeclarationNumber::parse("1Y1003SQ5VSSZ").expect("valid")),
            place_of_work: None,
            client_reference: it.client_reference.map(|_| items.reference(run, "r", w, n)),
            channel: Channel::Rest,
            sender: Sender { id: sender.clone(), enterprise: Some(employer) },
            created_at: now,
            site_code_issued_at: None,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::{Items, References};

    fn items(references: References) -> Items {
        Items {
            persons: Arc::new(vec!["85073003328".into()]),
            declarations: Arc::new(vec!["1Y1003SQ5VSSZ".into()]),
            employer: Arc::from("0123456749"),
            concurrency: 4,
            run: 7,
            references,
        }
    }

    #[test]
    fn random_references_are_24_hex_digits_and_never_repeat() {
        let items = items(References::Random);
        let mut seen = HashSet::new();
        for (run, prefix) in [(7, ""), (7, "r"), (8, "")] {
            for i in 0..4 {
                for n in 0..5_000 {
                    let r = items.reference(run, prefix, i, n);
                    assert_eq!(r.len(), ciao_domain::registration::CLIENT_REFERENCE_MAX, "{r}");
                    assert!(r.chars().all(|c| c.is_ascii_hexdigit()), "{r}");
                    assert!(seen.insert(r.clone()), "{r} twice");
                }
            }
        }
        // Consecutive items of one client are far apart in key order.
        let (a, b) = (items.reference(7, "", 0, 1), items.reference(7, "", 0, 2));
        assert_ne!(a[..4], b[..4]);
    }

    #[test]
    fn sequential_references_name_run_client_and_sequence() {
        let items = items(References::Sequential);
        assert_eq!(items.reference(7, "", 3, 42), "000007-3-42");
        assert_eq!(items.reference(255, "r", 0, 1), "r0000ff-0-1");
        assert_eq!(items.item(2, 9).client_reference.as_deref(), Some("000007-2-9"));
    }
}
