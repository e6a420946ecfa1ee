//! `ciao bench validation`: fills the reference registries with realistic
//! volumes, registers a load of presences, and measures how fast the
//! validation drains the queue.
//!
//! The identifiers (`enterprise`, `person`, `declaration`) are shared with
//! the other scenarios (see `world`).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use ciao_domain::reference::{
    Declaration, Employment, EnterprisePeriod, LegalForm, PersonRecord, Principal, Sector, Subcontractor,
};
use ciao_domain::{
    Channel, DeclarationNumber, Employer, EnterpriseNumber, NewRegistration, Person, RegistrationType, Sender, Ssin,
};
use ciao_service::ciao_store::DeclarationImport;
use ciao_service::{Config, SystemClock};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, clap::Args)]
pub struct ValidationBench {
    /// Enterprises in the registry the validation reads (employers, declaring contractors, subcontractors).
    #[arg(long, default_value_t = 100_000)]
    pub enterprises: u64,
    /// Employment relations in the registry (what Dimona declares).
    #[arg(long, default_value_t = 1_000_000)]
    pub employments: u64,
    /// Declarations of works, each with a subcontractor chain.
    #[arg(long, default_value_t = 50_000)]
    pub declarations: u64,
    /// Registrations to validate.
    #[arg(long, default_value_t = 100_000)]
    pub registrations: u64,
    /// Validation workers.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Keep the database (`ciao_bench_validation`, beside `--database`) for
    /// the next run with this flag: its registries are filled once for the
    /// volumes asked (again when other volumes are asked), its register is
    /// emptied before each run.
    #[arg(long)]
    pub reuse_registries: bool,
}

impl ValidationBench {
    /// The persons of the registries: two employments each.
    fn persons(&self) -> u64 {
        (self.employments / 2).max(1)
    }
}

impl Default for ValidationBench {
    fn default() -> Self {
        Self {
            enterprises: 100_000,
            employments: 1_000_000,
            declarations: 50_000,
            registrations: 100_000,
            workers: 2,
            reuse_registries: false,
        }
    }
}

/// What `bench validation` measured.
#[derive(Debug, Clone)]
pub struct ValidationSummary {
    pub enterprises: u64,
    pub employments: u64,
    pub declarations: u64,
    pub registrations: u64,
    pub workers: usize,
    pub validated: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub phases: Vec<(String, f64)>,
}

/// A valid enterprise number for each k < 8 900 000.
pub fn enterprise(k: u64) -> EnterpriseNumber {
    let base = 1_000_000 + k;
    let s = format!("{base:08}{:02}", 97 - base % 97);
    EnterpriseNumber::parse(&s).unwrap_or_else(|_| EnterpriseNumber::parse("0123456749").expect("valid"))
}

/// A distinct valid SSIN for each p < 33 million.
pub fn person(p: u64) -> Ssin {
    let serial = p % 997 + 1;
    let mm = (p / 997) % 12 + 1;
    let dd = (p / (997 * 12)) % 28 + 1;
    let yy = (p / (997 * 12 * 28)) % 100;
    let base = yy * 10_000_000 + mm * 100_000 + dd * 1000 + serial;
    let s = format!("{base:09}{:02}", 97 - base % 97);
    Ssin::parse(&s).unwrap_or_else(|_| Ssin::parse("85073003328").expect("valid"))
}

/// A valid declaration of works number for each j.
pub fn declaration(j: u64) -> DeclarationNumber {
    let alphabet = DeclarationNumber::ALPHABET.as_bytes();
    let mut x = j;
    let mut s = String::from("9B");
    for _ in 0..11 {
        s.push(alphabet[(x % 34) as usize] as char);
        x /= 34;
    }
    DeclarationNumber::parse(&s).unwrap_or_else(|_| DeclarationNumber::parse("1Y1003SQ5VSSZ").expect("valid"))
}

/// A fixed date of the benchmarks' registries (`YYYY-MM-DD`).
pub fn date(s: &str) -> time::Date {
    ciao_domain::search::parse_date(s).unwrap_or(time::Date::MIN)
}

fn secs_all(service: &ciao_service::Service) -> f64 {
    service.metrics.phases().iter().map(|(_, s)| s).sum::<f64>().max(1e-9)
}

/// `ciao bench validation`: on a fresh database beside `--database` (dropped
/// afterwards), or with `--reuse-registries` on the kept one, its register
/// emptied first. Never on the database `--database` names: a register that
/// grows from run to run makes the runs incomparable (each person's
/// earlier registrations that day become neighbours, remarks and requeues).
pub async fn standalone(url: &str, b: &ValidationBench) -> anyhow::Result<ValidationSummary> {
    if !b.reuse_registries {
        let fresh = super::db::FreshDb::create(url, "validation").await?;
        let summary = run(&fresh.url, b, true).await;
        fresh.finish(false).await;
        return summary;
    }
    let kept = super::db::FreshDb::named(url, "ciao_bench_validation", false).await?;
    // The registries are reused only when a run filled them completely with
    // these volumes (a marker written after such a run); otherwise they are
    // filled again (the imports update what is there).
    let volumes = format!("{} {} {} {}", b.enterprises, b.persons(), b.employments, b.declarations);
    let filled = kept.text("SELECT volumes FROM ciao_bench_registries").await.as_deref() == Some(volumes.as_str());
    if !filled {
        println!("registries of the kept database missing or of other volumes: filling them");
    }
    {
        // Its own service (the migrations), closed before the run opens the measured one.
        let service = crate::open_service(&kept.url, Config::default(), Arc::new(SystemClock)).await?;
        let t = Instant::now();
        let mut emptied = 0;
        loop {
            let gone =
                service.store().purge_registrations(OffsetDateTime::now_utc() + Duration::days(1), 100_000).await?;
            emptied += gone;
            if gone == 0 {
                break;
            }
        }
        if emptied > 0 {
            println!(
                "register of the kept database emptied: {emptied} registrations in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
    }
    if matches!(kept.kind, super::db::Kind::Postgres { .. }) {
        // The emptied register's dead rows gone before the measured run, not during it.
        kept.execute("VACUUM registrations, validation_queue, registration_events, registration_remarks").await?;
    }
    let summary = run(&kept.url, b, !filled).await;
    if summary.is_ok() && !filled {
        kept.execute(&format!(
            "CREATE TABLE IF NOT EXISTS ciao_bench_registries (volumes TEXT NOT NULL); \
             DELETE FROM ciao_bench_registries; INSERT INTO ciao_bench_registries (volumes) VALUES ('{volumes}')"
        ))
        .await?;
    }
    kept.finish(true).await;
    summary
}

/// Fills the registries (unless `fill` is false: they are there already),
/// stores the registrations and measures their validation.
pub async fn run(url: &str, b: &ValidationBench, fill: bool) -> anyhow::Result<ValidationSummary> {
    let mut config = Config::default();
    config.real_time.max_past = Duration::days(2);
    let service = crate::open_service(url, config, Arc::new(SystemClock)).await?;
    let store = service.store().clone();
    let persons = b.persons();
    let t = Instant::now();
    let chunk = 50_000u64;

    let mut k = if fill { 0 } else { b.enterprises };
    while k < b.enterprises {
        let rows: Vec<EnterprisePeriod> = (k..(k + chunk).min(b.enterprises))
            .map(|i| EnterprisePeriod {
                enterprise_number: enterprise(i),
                name: format!("Enterprise {i}"),
                active_from: date("2000-01-01"),
                active_to: None,
                legal_form: LegalForm::LegalEntity,
                founders: Vec::new(),
            })
            .collect();
        store.import_enterprises(&rows, ciao_service::ciao_store::ImportMode::Merge).await?;
        k += chunk;
    }
    let mut p = if fill { 0 } else { persons };
    while p < persons {
        let rows: Vec<PersonRecord> = (p..(p + chunk).min(persons))
            .map(|i| PersonRecord { ssin: person(i), last_name: format!("Person {i}"), first_name: String::new() })
            .collect();
        store.import_persons(&rows).await?;
        p += chunk;
    }
    let mut e = if fill { 0 } else { b.employments };
    while e < b.employments {
        let rows: Vec<Employment> = (e..(e + chunk).min(b.employments))
            .map(|i| Employment {
                ssin: person(i / 2),
                employer: enterprise((i / 2 + i % 2) % b.enterprises),
                from: date("2020-01-01"),
                to: None,
            })
            .collect();
        store.import_employments(&rows, ciao_service::ciao_store::ImportMode::Merge).await?;
        e += chunk;
    }
    let mut j = if fill { 0 } else { b.declarations };
    while j < b.declarations {
        let end = (j + chunk / 5).min(b.declarations);
        let rows: Vec<DeclarationImport> = (j..end)
            .map(|i| DeclarationImport {
                declaration: Declaration {
                    number: declaration(i),
                    sector: Sector::Cleaning,
                    site_name: format!("Site {i}"),
                    street: "Rue".into(),
                    house_number: "1".into(),
                    post_code: "1000".into(),
                    municipality: "Bruxelles".into(),
                    coordinates: Some((50.85, 4.35)),
                    start_date: date("2020-01-01"),
                    end_date: None,
                    amount_excl_vat_cents: 100_000_000,
                    principal: Some(Principal::Enterprise(enterprise((2 * i + 7) % b.enterprises))),
                    declaring_contractor: enterprise((2 * i) % b.enterprises),
                    subject_to_registration: true,
                },
                technical_number: format!("T{i:025}"),
            })
            .collect();
        store.import_declarations(&rows).await?;
        let subs: Vec<Subcontractor> = (j..end)
            .map(|i| Subcontractor {
                declaration: declaration(i),
                enterprise_number: enterprise((2 * i + 1) % b.enterprises),
                parent: enterprise((2 * i) % b.enterprises),
                from: date("2020-01-01"),
                to: None,
            })
            .collect();
        store.import_subcontractors(&subs, ciao_service::ciao_store::ImportMode::Merge).await?;
        j = end;
    }
    println!(
        "registries: {} enterprises, {persons} persons, {} employments, {} declarations {}",
        b.enterprises,
        b.employments,
        b.declarations,
        if fill { format!("in {:.1} s", t.elapsed().as_secs_f64()) } else { "kept".to_string() }
    );

    // Registrations: person p at their first employer, on the declaration of that employer; IN then OUT.
    let now = OffsetDateTime::now_utc();
    let t = Instant::now();
    let mut r = 0;
    while r < b.registrations {
        let items: Vec<NewRegistration> = (r..(r + 2000).min(b.registrations))
            .map(|i| {
                let p = (i / 2) % persons;
                let employer = p % b.enterprises.min(2 * b.declarations).max(1);
                NewRegistration {
                    registration_date: now - Duration::seconds(60) + Duration::seconds((i % 2) as i64 * 30),
                    kind: if i % 2 == 0 { RegistrationType::In } else { RegistrationType::Out },
                    person: Person::Ssin(person(p)),
                    employer: Employer::Enterprise(enterprise(employer)),
                    declaration: declaration(employer / 2),
                    place_of_work: None,
                    client_reference: None,
                    channel: Channel::Rest,
                    sender: Sender { id: "bench".into(), enterprise: None },
                    created_at: now,
                    site_code_issued_at: None,
                }
            })
            .collect();
        store.register(items).await?;
        r += 2000;
    }
    println!("{} registrations stored in {:.1} s", b.registrations, t.elapsed().as_secs_f64());
    // What autovacuum (or an import) would have done by now: the bench
    // measures validation with current statistics.
    let t = Instant::now();
    store.refresh_statistics().await?;
    println!("statistics refreshed in {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..b.workers.max(1) {
        let s = service.clone();
        tasks.push(tokio::spawn(async move { s.validate_all().await }));
    }
    let mut validated = 0;
    for task in tasks {
        validated += task.await.context("validation task")??;
    }
    let secs = t.elapsed().as_secs_f64();
    let remarks = service.metrics.remarks();
    println!(
        "validated {validated} registrations in {secs:.2} s with {} workers: {:.0} registrations/s",
        b.workers.max(1),
        validated as f64 / secs
    );
    println!(
        "valid {}, invalid {}; remarks: {:?}",
        service.metrics.valid.load(std::sync::atomic::Ordering::Relaxed),
        service.metrics.invalid.load(std::sync::atomic::Ordering::Relaxed),
        remarks
    );
    let shares: Vec<(String, f64)> =
        service.metrics.phases().iter().map(|(name, secs)| (name.to_string(), secs / secs_all(&service))).collect();
    let phases: Vec<String> = shares.iter().map(|(name, share)| format!("{name} {:.0}%", 100.0 * share)).collect();
    println!("time per phase (all workers): {}", phases.join(", "));
    Ok(ValidationSummary {
        enterprises: b.enterprises,
        employments: b.employments,
        declarations: b.declarations,
        registrations: b.registrations,
        workers: b.workers.max(1),
        validated,
        seconds: secs,
        per_second: validated as f64 / secs,
        phases: shares,
    })
}
