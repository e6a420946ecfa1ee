//! `ciao bench search`: the two everyday searches through HTTP over a large
//! register: a page of 50 by declaration and day, and by person and month
//! (30 days).
//!
//! The register: `persons` (register size / 500, at most 20,000) persons,
//! each IN, OUT, IN, OUT every day for as many days (ending yesterday) as
//! the size needs; 50 persons per declaration of works, so a declaration
//! has about 200 registrations a day and a person about 120 a month. The
//! persons work for 20 employers, on declarations whose declaring
//! contractor is the searching REST account's enterprise (the access rule
//! goes through its grants). It is filled through the store's group-commit
//! insert path (2,000 registrations per call), and kept between runs with
//! `--keep-register`: a run finds it by its size and reuses it. Before the
//! searches are timed the register is settled ([`settle`]): WAL
//! checkpointed and its file read once into the page cache, or on
//! PostgreSQL vacuumed, as a server finds it after a quiet night rather
//! than seconds after ten million inserts.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use ciao_auth::client::KeyKind;
use ciao_domain::reference::{Employment, EnterprisePeriod, PersonRecord};
use ciao_domain::{Channel, Employer, NewRegistration, Person, RegistrationType, Sender};
use ciao_service::ciao_store::DeclarationImport;
use hyper::Method;
use hyper::body::Bytes;
use serde_json::json;
use time::{Date, Duration, OffsetDateTime, Time};

use super::db::FreshDb;
use super::load::{self, CheckAnswer, MakeRequest, Req};
use super::report::{Report, latency_json, round};
use super::server::{self, BenchServer};
use super::validation::{date, declaration, enterprise, person};
use super::{SearchBench, concurrency_or, world};

const SEARCH_PATH: &str = "/REST/presenceRegistration/v1/presenceRegistrations";
const EMPLOYERS: u64 = 20;
const PERSONS_PER_DECLARATION: u64 = 50;
const PER_DAY: u64 = 4;

/// The shape of a register of `size` registrations.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub size: u64,
    pub persons: u64,
    pub declarations: u64,
    pub days: u64,
    pub last_day: Date,
}

impl Layout {
    pub fn new(size: u64) -> Self {
        let persons = (size / 500).clamp(10, 20_000);
        let days = size.div_ceil(persons * PER_DAY).max(1);
        let today = ciao_domain::to_brussels(OffsetDateTime::now_utc()).date();
        Self {
            size,
            persons,
            declarations: persons.div_ceil(PERSONS_PER_DECLARATION),
            days,
            last_day: today.previous_day().unwrap_or(today),
        }
    }

    pub fn first_day(&self) -> Date {
        self.last_day - Duration::days(self.days as i64 - 1)
    }

    /// The `k`-th registration: day by day, person by person, IN OUT IN OUT.
    fn registration(&self, k: u64, sender: &Sender, times: &[Time; 4]) -> NewRegistration {
        let per_day = self.persons * PER_DAY;
        let day = self.first_day() + Duration::days((k / per_day) as i64);
        let within = k % per_day;
        let p = within / PER_DAY;
        let slot = (within % PER_DAY) as usize;
        let at = day.with_time(times[slot]).assume_utc();
        NewRegistration {
            registration_date: at,
            kind: if slot.is_multiple_of(2) { RegistrationType::In } else { RegistrationType::Out },
            person: Person::Ssin(person(p)),
            employer: Employer::Enterprise(enterprise(2 + p % EMPLOYERS)),
            declaration: declaration(p / PERSONS_PER_DECLARATION),
            place_of_work: None,
            client_reference: None,
            channel: Channel::Rest,
            sender: sender.clone(),
            created_at: at + Duration::seconds(3),
            site_code_issued_at: None,
        }
    }
}

/// Fills the registries and the register.
async fn fill(service: &ciao_service::Service, layout: &Layout) -> anyhow::Result<()> {
    let store = service.store();
    let periods: Vec<EnterprisePeriod> = (0..2 + EMPLOYERS)
        .map(|k| world::enterprise_period(&enterprise(k), &format!("Bench enterprise {k}")))
        .collect();
    store.import_enterprises(&periods, ciao_service::ciao_store::ImportMode::Merge).await?;
    let persons: Vec<u64> = (0..layout.persons).collect();
    for chunk in persons.chunks(50_000) {
        let rows: Vec<PersonRecord> = chunk
            .iter()
            .map(|&p| PersonRecord { ssin: person(p), last_name: format!("Person {p}"), first_name: "Bench".into() })
            .collect();
        store.import_persons(&rows).await?;
        let rows: Vec<Employment> = chunk
            .iter()
            .map(|&p| Employment {
                ssin: person(p),
                employer: enterprise(2 + p % EMPLOYERS),
                from: date("2020-01-01"),
                to: None,
            })
            .collect();
        store.import_employments(&rows, ciao_service::ciao_store::ImportMode::Merge).await?;
    }
    let decls: Vec<DeclarationImport> =
        (0..layout.declarations).map(|j| world::declaration_row(j, &enterprise(0), &enterprise(1))).collect();
    for chunk in decls.chunks(10_000) {
        store.import_declarations(chunk).await?;
    }

    let sender = Sender { id: "bench-fill".into(), enterprise: Some(enterprise(0)) };
    let times = [
        Time::from_hms(6, 0, 0).unwrap_or(Time::MIDNIGHT),
        Time::from_hms(10, 0, 0).unwrap_or(Time::MIDNIGHT),
        Time::from_hms(10, 30, 0).unwrap_or(Time::MIDNIGHT),
        Time::from_hms(14, 0, 0).unwrap_or(Time::MIDNIGHT),
    ];
    const CALL: u64 = 2000;
    let t = Instant::now();
    let mut last = Instant::now();
    let mut k = 0;
    // Two calls in flight: the writer gathers them into one transaction when it can.
    let mut pending: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    while k < layout.size {
        let items: Vec<NewRegistration> =
            (k..(k + CALL).min(layout.size)).map(|i| layout.registration(i, &sender, &times)).collect();
        k += items.len() as u64;
        let store = store.clone();
        let next = tokio::spawn(async move {
            store.register(items).await?;
            Ok(())
        });
        if let Some(p) = pending.replace(next) {
            p.await.context("fill task")??;
        }
        if last.elapsed().as_secs() >= 10 {
            last = Instant::now();
            eprintln!("   filled {k} of {} ({:.0} registrations/s)", layout.size, k as f64 / t.elapsed().as_secs_f64());
        }
    }
    if let Some(p) = pending {
        p.await.context("fill task")??;
    }
    eprintln!(
        "   filled {} registrations in {:.0} s ({:.0}/s)",
        layout.size,
        t.elapsed().as_secs_f64(),
        layout.size as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    store.refresh_statistics().await?;
    eprintln!("   statistics refreshed in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

async fn last_registration(url: &str) -> anyhow::Result<i64> {
    use sqlx::Connection;
    let sql = "SELECT COALESCE(MAX(registration_date), 0) FROM registrations";
    Ok(if super::db::is_postgres(url) {
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::query_scalar(sql).fetch_one(&mut c).await?
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query_scalar(sql).fetch_one(&mut c).await?
    })
}

/// Brings a freshly filled register to the state a server finds it in after
/// a quiet night, before any search is timed: on SQLite the WAL checkpointed
/// into the database file and truncated (the fill leaves up to 512 MiB of it
/// for the checkpointer, which would otherwise copy and sync it while the
/// first searches run); on PostgreSQL the table vacuumed (hint bits and the
/// visibility map, which the first reads of a bulk-loaded table would
/// otherwise write) and a checkpoint. Returns the seconds it took.
async fn settle(url: &str) -> anyhow::Result<f64> {
    use sqlx::Connection;
    let t = Instant::now();
    if super::db::is_postgres(url) {
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::raw_sql("VACUUM (ANALYZE) registrations").execute(&mut c).await.context("VACUUM of the register")?;
        if let Err(e) = sqlx::raw_sql("CHECKPOINT").execute(&mut c).await {
            eprintln!("   (no CHECKPOINT: {e})");
        }
    } else {
        use std::str::FromStr;
        let options =
            sqlx::sqlite::SqliteConnectOptions::from_str(url)?.busy_timeout(std::time::Duration::from_secs(60));
        let mut c = sqlx::SqliteConnection::connect_with(&options).await?;
        // (busy, frames in the WAL, frames copied); busy while a reader
        // holds an old snapshot: tried again.
        for _ in 0..60 {
            let (busy, _, _): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut c).await?;
            if busy == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        // The file read once, into the machine's page cache: a register
        // kept from an earlier run may have left it since (PostgreSQL's
        // benchmark, run after SQLite's, writes gigabytes), and its first
        // searches would read from the disk — a cold start, not the
        // steady state of a server that has been answering.
        let (_, _, file): (i64, String, String) =
            sqlx::query_as("PRAGMA database_list").fetch_one(&mut c).await.context("the register's file")?;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Read;
            let mut f = std::fs::File::open(&file)?;
            let mut buf = vec![0u8; 1 << 20];
            while f.read(&mut buf)? > 0 {}
            Ok(())
        })
        .await?
        .context("reading the register's file")?;
    }
    Ok(t.elapsed().as_secs_f64())
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// A small fast generator per request (xorshift), seeded per client and request.
fn pick(i: usize, seq: u64, salt: u64, n: u64) -> u64 {
    let mut x = salt ^ ((i as u64) << 32) ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x % n.max(1)
}

fn search_requests(layout: Layout, by_person: bool, tokens: &[String]) -> (MakeRequest, CheckAnswer) {
    let auth: Vec<Arc<str>> = tokens.iter().map(|t| Arc::from(format!("Bearer {t}"))).collect();
    let salt = random_u64();
    let fmt = |d: Date| d.format(ciao_domain::search::DATE_FORMAT).unwrap_or_default();
    let make: MakeRequest = Arc::new(move |i, seq| {
        let path = if by_person {
            let p = pick(i, seq, salt, layout.persons);
            let window = layout.days.min(30);
            let start = layout.first_day() + Duration::days(pick(i, seq, salt ^ 1, layout.days - window + 1) as i64);
            let end = start + Duration::days(window as i64 - 1);
            format!(
                "{SEARCH_PATH}?registrationDateFrom={}&registrationDateTo={}&ssin={}&pageSize=50",
                fmt(start),
                fmt(end),
                person(p).as_str()
            )
        } else {
            let d = pick(i, seq, salt, layout.declarations);
            let day = layout.first_day() + Duration::days(pick(i, seq, salt ^ 1, layout.days) as i64);
            format!(
                "{SEARCH_PATH}?registrationDateFrom={}&registrationDateTo={}&contractualRelationshipReference={}&pageSize=50",
                fmt(day),
                fmt(day),
                declaration(d).as_str()
            )
        };
        Req {
            method: Method::GET,
            path,
            authorization: Some(auth[i % auth.len()].clone()),
            content_type: None,
            body: Bytes::new(),
        }
    });
    let check: CheckAnswer = Arc::new(|status, body| {
        if status == 200 {
            Ok(load::occurrences(body, b"\"registrationDate\":"))
        } else {
            Err(format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)])))
        }
    });
    (make, check)
}

pub async fn run(url: &str, b: &SearchBench, report: &mut Report) -> anyhow::Result<()> {
    let load = concurrency_or(&b.load, &[16]);
    let layout = Layout::new(b.register_size);
    let name = format!("ciao_bench_search_{}", b.register_size);
    let db = FreshDb::named(url, &name, false).await?;
    // No schema yet counts as empty.
    let existing = super::http::count_rows(&db.url, "registrations").await.unwrap_or_default();
    let reuse = existing == layout.size;
    let db = if reuse || existing == 0 { db } else { FreshDb::named(url, &name, true).await? };
    let mut layout = layout;
    if reuse {
        // The days of the register as it was filled.
        let last: i64 = last_registration(&db.url).await?;
        layout.last_day = ciao_domain::to_brussels(ciao_domain::clock::from_micros(last)).date();
    }
    eprintln!(
        "== search on {}: register of {} registrations ({} persons, {} declarations, {} days){}",
        db.backend(),
        layout.size,
        layout.persons,
        layout.declarations,
        layout.days,
        if reuse { ", reused" } else { "" }
    );
    let result = async {
        let server = BenchServer::start(&db.url, super::http::bench_config(), 0).await?;
        if !reuse {
            fill(&server.service, &layout).await?;
        }
        let settled = settle(&db.url).await?;
        eprintln!(
            "   register settled (checkpoint{}) in {settled:.1} s",
            if db.backend() == "postgres" { ", vacuum" } else { "" }
        );
        let size = db.size_bytes().await?;
        let account = world::account(&server.service, &enterprise(0), "bench search", KeyKind::EcP384).await?;
        let max_c = load.concurrency.iter().copied().max().unwrap_or(1);
        let tokens = super::http::tokens_for(&server.base(), &account, max_c).await?;
        for by_person in [false, true] {
            for &c in &load.concurrency {
                let variant = if by_person { "by person and month" } else { "by declaration and day" };
                eprintln!("   {variant}, {c} clients");
                let (make, check) = search_requests(layout, by_person, &tokens);
                server::reset_peak_rss();
                let run = load::drive(server.addr, c, load.warmup, load.seconds, make, check).await;
                let peak = server::peak_rss();
                let mean_rows = if run.requests == 0 { 0.0 } else { run.items as f64 / run.requests as f64 };
                eprintln!(
                    "   {:.0} searches/s, p50 {:.2} ms, p99 {:.2} ms, {mean_rows:.1} rows per page, {} errors",
                    run.requests_per_second(),
                    run.latency.quantile(0.5) as f64 / 1000.0,
                    run.latency.quantile(0.99) as f64 / 1000.0,
                    run.errors
                );
                report.push(json!({
                    "scenario": "search",
                    "variant": variant,
                    "backend": db.backend(),
                    "concurrency": c,
                    "register_size": layout.size,
                    "register_reused": reuse,
                    "settle_seconds": round(settled),
                    "database_bytes": size,
                    "seconds": round(run.seconds),
                    "requests": run.requests,
                    "errors": run.errors,
                    "first_error": run.first_error,
                    "requests_per_s": round(run.requests_per_second()),
                    "mean_rows": round(mean_rows),
                    "latency_ms": latency_json(&run.latency),
                    "peak_rss_mib": round(peak as f64 / 1_048_576.0),
                    "cpu_process_cores": round(run.cpu_process / run.seconds),
                    "cpu_machine_cores": round(run.cpu_machine / run.seconds),
                }));
            }
        }
        server.stop().await
    }
    .await;
    db.finish(load.keep || b.keep_register).await;
    result
}
