//! The ceilings of the machine, measured in the same run as the HTTP load,
//! on the same database and with the same durability settings:
//!
//! 1. raw durable inserts of the same rows (the register row and its
//!    validation-queue row), in transactions of the size the server's group
//!    commit formed during the HTTP run, with the store's own batch
//!    statements (`ciao_store::batch`) called directly: no HTTP, no
//!    service, no group-commit queue; on SQLite one writer (SQLite writes
//!    one transaction at a time), on PostgreSQL as many as the server's
//!    store has;
//! 3. (PostgreSQL) single-row durable commits at the HTTP run's
//!    concurrency, one connection per client, one `INSERT` per transaction,
//!    as pgbench would make them.
//!
//! (2, the HTTP ceiling, is a load on the trivial authenticated route: see
//! `http.rs`.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use ciao_domain::NewRegistration;
use ciao_service::ciao_store::batch;
use sqlx::Connection;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;

use super::load::Window;

/// Produces the `n`-th registration of writer (or client) `w`.
pub type MakeRow = Arc<dyn Fn(usize, u64) -> NewRegistration + Send + Sync>;

/// The `i`-th row of a stream that interleaves the rows of `clients`
/// clients as the server's group commit receives them: row `i` is the
/// `i / clients`-th item of client `i % clients`. (One client's rows alone
/// touch far fewer pages of the indexes than the same number of rows from
/// many clients: the ceiling would flatter.)
fn interleaved(make: &MakeRow, clients: usize, i: u64) -> NewRegistration {
    let clients = clients.max(1) as u64;
    make((i % clients) as usize, i / clients)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Rate {
    pub rows: u64,
    pub seconds: f64,
    pub cpu_process: f64,
    pub cpu_machine: f64,
    /// Writers or connections used.
    pub writers: usize,
    pub batch: usize,
    /// Bytes written to the machine's disks during the window.
    pub disk_written: u64,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        self.rows as f64 / self.seconds.max(1e-9)
    }
}

/// Sequential durable writes to the disk under `dir`, as a WAL is written:
/// chunks of `chunk` bytes appended to one file (started over at 256 MiB),
/// each followed by `fdatasync`, for `seconds`. Bytes per second. What the
/// disk gives a writer that never seeks; the register's commits also write
/// their checkpoints into the database file.
pub fn disk_sequential(dir: &std::path::Path, chunk: usize, seconds: f64) -> anyhow::Result<f64> {
    use std::io::{Seek, SeekFrom, Write};
    const WRAP: u64 = 256 << 20;
    let path = dir.join(format!("ciao-bench-disk-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().create(true).truncate(true).write(true).open(&path)?;
        let data = vec![0x5au8; chunk.max(4096)];
        let (start, mut written, mut offset) = (Instant::now(), 0u64, 0u64);
        while start.elapsed().as_secs_f64() < seconds {
            if offset >= WRAP {
                file.seek(SeekFrom::Start(0))?;
                offset = 0;
            }
            file.write_all(&data)?;
            file.sync_data()?;
            offset += data.len() as u64;
            written += data.len() as u64;
        }
        Ok::<f64, std::io::Error>(written as f64 / start.elapsed().as_secs_f64().max(1e-9))
    })();
    let _ = std::fs::remove_file(&path);
    result.with_context(|| format!("sequential writes to {}", path.display()))
}

/// Raw durable inserts into SQLite (WAL, `synchronous = FULL`, as the
/// store opens it), in transactions of `batch` rows (the rows of `clients`
/// clients, [`interleaved`]), one writer, for `seconds`.
pub async fn sqlite_inserts(
    url: &str,
    clients: usize,
    batch: usize,
    seconds: f64,
    make: MakeRow,
) -> anyhow::Result<Rate> {
    // The store's own connection options, checkpointer and WAL restart
    // between transactions.
    use ciao_service::ciao_store::sqlite;
    let options = sqlite::connect_options(url)?;
    let restart = sqlite::WalRestart::default();
    let _checkpointer = sqlite::Checkpointer::spawn(options.clone(), restart.clone());
    let options = sqlite::writer_options(options);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .context("raw SQLite connection")?;
    let batch = batch.max(1);
    let window = Window::open();
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut n = 0u64;
    let mut conn = pool.acquire().await?;
    while Instant::now() < end {
        let rows: Vec<NewRegistration> = (0..batch as u64).map(|k| interleaved(&make, clients, n + k)).collect();
        n += batch as u64;
        batch::commit_sqlite(&mut conn, &rows).await?;
        restart.checkpoint_if_requested(&mut conn).await?;
    }
    drop(conn);
    let (secs, cpu_p, cpu_m) = window.close();
    let disk_written = window.disk_written();
    pool.close().await;
    Ok(Rate { rows: n, seconds: secs, cpu_process: cpu_p, cpu_machine: cpu_m, writers: 1, batch, disk_written })
}

/// Raw durable inserts into PostgreSQL, `writers` connections each
/// committing transactions of `batch` rows (the rows of `clients` clients,
/// [`interleaved`]), for `seconds`.
pub async fn postgres_inserts(
    url: &str,
    writers: usize,
    clients: usize,
    batch: usize,
    seconds: f64,
    make: MakeRow,
) -> anyhow::Result<Rate> {
    let batch = batch.max(1);
    let writers = writers.max(1);
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let pool = PgPoolOptions::new().max_connections(writers as u32).connect(url).await?;
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let window = Window::open();
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let pool = pool.clone();
        let make = make.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < end {
                let first = next.fetch_add(batch as u64, std::sync::atomic::Ordering::Relaxed);
                let rows: Vec<NewRegistration> =
                    (0..batch as u64).map(|k| interleaved(&make, clients, first + k)).collect();
                n += batch as u64;
                batch::commit_postgres(&pool, &rows).await?;
            }
            anyhow::Ok(n)
        }));
    }
    let mut rows = 0;
    for t in tasks {
        rows += t.await.context("raw insert task")??;
    }
    let (secs, cpu_p, cpu_m) = window.close();
    let disk_written = window.disk_written();
    pool.close().await;
    Ok(Rate { rows, seconds: secs, cpu_process: cpu_p, cpu_machine: cpu_m, writers, batch, disk_written })
}

/// At most this many connections for the single-row commits (PostgreSQL's
/// `max_connections` is 100 by default).
pub const PG_MAX_CONNECTIONS: usize = 90;

/// Single-row durable commits into PostgreSQL: `concurrency` connections
/// (at most [`PG_MAX_CONNECTIONS`]), each committing one `INSERT` of a
/// register row at a time, for `seconds`.
pub async fn postgres_single_row(url: &str, concurrency: usize, seconds: f64, make: MakeRow) -> anyhow::Result<Rate> {
    let connections = concurrency.clamp(1, PG_MAX_CONNECTIONS);
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections {
        conns.push(sqlx::PgConnection::connect(url).await?);
    }
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let window = Window::open();
    let mut tasks = Vec::new();
    for (w, mut conn) in conns.into_iter().enumerate() {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < end {
                let r = make(w, n);
                n += 1;
                let v = RowValues::of(&r);
                sqlx::query(
                    "INSERT INTO registrations (registration_date, kind, ssin, employer_enterprise, declaration, \
                     client_reference, channel, sender_id, sender_enterprise, created_at, validity, remarks) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'rest', $7, $8, $9, 'pending', '[]')",
                )
                .bind(v.registration_date)
                .bind(v.kind)
                .bind(v.ssin)
                .bind(v.employer)
                .bind(v.declaration)
                .bind(v.client_reference)
                .bind(v.sender_id)
                .bind(v.sender_enterprise)
                .bind(v.created_at)
                .execute(&mut conn)
                .await?;
            }
            anyhow::Ok(n)
        }));
    }
    let mut rows = 0;
    for t in tasks {
        rows += t.await.context("single-row commit task")??;
    }
    let (secs, cpu_p, cpu_m) = window.close();
    let disk_written = window.disk_written();
    Ok(Rate {
        rows,
        seconds: secs,
        cpu_process: cpu_p,
        cpu_machine: cpu_m,
        writers: connections,
        batch: 1,
        disk_written,
    })
}

/// The columns of a register row that the benchmark's registrations fill.
struct RowValues {
    registration_date: i64,
    kind: &'static str,
    ssin: Option<String>,
    employer: Option<String>,
    declaration: String,
    client_reference: Option<String>,
    sender_id: String,
    sender_enterprise: Option<String>,
    created_at: i64,
}

impl RowValues {
    fn of(r: &NewRegistration) -> Self {
        use ciao_domain::clock::to_micros;
        Self {
            registration_date: to_micros(r.registration_date),
            kind: r.kind.as_str(),
            ssin: match &r.person {
                ciao_domain::Person::Ssin(s) => Some(s.as_str().to_string()),
                ciao_domain::Person::Limosa(_) => None,
            },
            employer: r.employer.enterprise().map(|e| e.as_str().to_string()),
            declaration: r.declaration.as_str().to_string(),
            client_reference: r.client_reference.clone(),
            sender_id: r.sender.id.clone(),
            sender_enterprise: r.sender.enterprise.as_ref().map(|e| e.as_str().to_string()),
            created_at: to_micros(r.created_at),
        }
    }
}
