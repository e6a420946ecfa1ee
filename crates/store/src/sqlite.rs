//! The SQLite store: the embedded default. WAL journal with
//! `synchronous=FULL`, so that a commit is on disk when it returns; one
//! writer connection (SQLite allows one writing transaction at a time) fed
//! by the group-commit writer, and a pool of reader connections.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use crate::batch::WalRestart;
use crate::common::{Migration, impl_store};
use crate::writer::{Placement, RegistrationWriter, Writer};

const MIGRATIONS: &[Migration] = &[
    (1, "register", include_str!("../migrations/sqlite/0001_register.sql")),
    (2, "channels", include_str!("../migrations/sqlite/0002_channels.sql")),
    (3, "remarks index", include_str!("../migrations/sqlite/0003_remarks_index.sql")),
    (4, "founders", include_str!("../migrations/sqlite/0004_founders.sql")),
    (5, "registrations fill factor", include_str!("../migrations/sqlite/0005_registrations_fillfactor.sql")),
    (6, "workers", include_str!("../migrations/sqlite/0006_workers.sql")),
    (7, "employers", include_str!("../migrations/sqlite/0007_employers.sql")),
    (8, "environment", include_str!("../migrations/sqlite/0008_environment.sql")),
    (9, "text collation C", include_str!("../migrations/sqlite/0009_text_collation_c.sql")),
    (10, "employer passkeys", include_str!("../migrations/sqlite/0010_employer_passkeys.sql")),
    (11, "web sessions", include_str!("../migrations/sqlite/0011_web_sessions.sql")),
    (12, "pin misses", include_str!("../migrations/sqlite/0012_pin_misses.sql")),
    (13, "serving nodes", include_str!("../migrations/sqlite/0013_serving_nodes.sql")),
];

/// Page cache of the writer connection (negative: KiB; SQLite's default is
/// 2 MiB). Not larger: at the end of every write transaction SQLite walks
/// the whole hash table of this cache (`pcache1TruncateUnsafe`, 11 % of the
/// writer thread's samples with 32 MiB); measured with `ciao bench
/// registrations` at 64 clients: 2–8 MiB 20,200–21,300/s, 16 MiB
/// 19,900/s, 32 MiB 18,400/s. The index pages it does not hold are read
/// from the operating system's cache.
const WRITER_CACHE_KIB: &str = "-8192";

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// Past this many frames of WAL (about 260 MiB), the checkpointer, after a
/// full pass, asks the registration writer to start the WAL over (see
/// [`crate::batch::WalRestart`]). Each restart costs the writer, between two
/// batches, a checkpoint of what it committed since the checkpointer's last
/// pass (with its two syncs): the longer the cycle, the fewer. Measured with
/// `ciao bench registrations` (2026-12-06, sixth session, interleaved runs):
/// 16,000 frames: 200-item bulk 59,920–59,960 items/s, single items at 64
/// clients 24,580–25,388/s with p99 10.1–10.9 ms; 64,000 frames: bulk
/// 65,400–66,440 items/s, single items 25,782–26,559/s with p99 5.2–6.0 ms
/// (further checkpointer passes before asking, so that the writer would
/// find less to copy, changed nothing measurable and were not kept).
const RESTART_AFTER_FRAMES: i64 = 64_000;

/// The writer's own (automatic) checkpoint, past this many frames of WAL: a
/// safety net only, should the checkpointer's requests not come (it copies
/// the frames inside a commit, while requests wait); twice the restart's
/// threshold. Measured with `ciao bench registrations` at 64 clients: 1,000
/// frames (SQLite's default) 6,200–7,200/s, 16,000 frames 7,500–8,900/s
/// (before the restart was asked for by the checkpointer); a `RESTART`
/// checkpoint from the checkpointer instead stalled the writer (max latency
/// 135–413 ms).
const WRITER_AUTOCHECKPOINT_FRAMES: &str = "128000";

/// Size the WAL file is cut back to after it was started over (bytes):
/// above the ~260–300 MiB it reaches between two restarts, so that it is
/// not cut and extended again every cycle (cut to 64 MiB when the cycle was
/// 16,000 frames, it cost about 5 % of the single-item rate;
/// docs/benchmarks.md, fourth session).
const WAL_SIZE_LIMIT: &str = "536870912";

/// Largest number of registrations committed in one transaction.
const MAX_BATCH: usize = 2000;

pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    writer: RegistrationWriter,
    audit_writer: crate::audit_writer::AuditWriter,
    environment: crate::Environment,
    _checkpointer: Checkpointer,
}

/// Copies the WAL into the database file from a connection and a thread of
/// its own, so that the writer seldom does it: with SQLite's automatic
/// checkpoint alone, the commit that crosses 1,000 pages of WAL copies them
/// (random writes into the indexes) and syncs the database file before it
/// returns, while every registration of the next batch waits. A passive
/// checkpoint takes no lock that the writer needs. After a complete pass
/// over a WAL longer than [`RESTART_AFTER_FRAMES`] it asks the writer
/// (`restart`) to start the WAL over. Stopped when the store is dropped.
pub struct Checkpointer(tokio::task::JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Checkpointer {
    /// Starts checkpointing the database of `options` (whose writer should
    /// checkpoint rarely: a high `wal_autocheckpoint`); it stops when this
    /// is dropped.
    pub fn spawn(options: SqliteConnectOptions, restart: WalRestart) -> Self {
        Self(tokio::spawn(async move {
            use sqlx::Connection;
            let mut conn: Option<sqlx::SqliteConnection> = None;
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if conn.is_none() {
                    match sqlx::SqliteConnection::connect_with(&options).await {
                        Ok(c) => conn = Some(c),
                        Err(e) => {
                            tracing::warn!(error = %e, "checkpointer cannot connect");
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let result = passive_checkpoint(c).await;
                // (busy, frames in the WAL, frames copied): all copied.
                if let Ok((0, frames, copied)) = result
                    && frames >= RESTART_AFTER_FRAMES
                    && copied == frames
                {
                    restart.request();
                }
                if let Err(e) = result {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                    conn = None;
                }
            }
        }))
    }
}

/// A passive checkpoint: (busy, frames in the WAL, frames copied).
async fn passive_checkpoint(conn: &mut sqlx::SqliteConnection) -> std::result::Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(conn).await
}

/// The options of every connection to the database at `url` (created if
/// missing): WAL, `synchronous = FULL`, so a commit is on disk when it
/// returns.
pub fn connect_options(url: &str) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // Statement journals of multi-row inserts (the group commit's) in
        // memory, not a temporary file created and deleted per transaction.
        .pragma("temp_store", "memory"))
}

/// The writer connection's options on top of [`connect_options`]: its page
/// cache, and the WAL checkpointed by the checkpointer and started over by
/// the writer ([`WalRestart`]) rather than by SQLite inside a commit.
/// Its WAL is written through [`crate::sqlite_vfs`] (one system call per
/// commit instead of two per page).
pub fn writer_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    let options = match crate::sqlite_vfs::register() {
        Ok(()) => options.vfs(crate::sqlite_vfs::NAME),
        Err(e) => {
            tracing::warn!(error = %e, "WAL writes not gathered: the SQLite VFS could not be registered");
            options
        }
    };
    options
        .pragma("cache_size", WRITER_CACHE_KIB)
        .pragma("wal_autocheckpoint", WRITER_AUTOCHECKPOINT_FRAMES)
        .pragma("journal_size_limit", WAL_SIZE_LIMIT)
}

/// A database is created in a directory that exists: a mistyped path is
/// refused, not made (the command line creates its default data directory
/// itself); with `existing`, the file must be there already.
pub fn check_path(options: &SqliteConnectOptions, existing: bool) -> Result<()> {
    let file = options.get_filename();
    let refused = |what: String| Err(StoreError::Database(sqlx::Error::Configuration(what.into())));
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => refused(format!(
            "the directory {} does not exist: create it, or check the path of the database URL",
            dir.display()
        )),
        _ if existing && !file.exists() => {
            refused(format!("there is no database at {}: check the database URL", file.display()))
        }
        _ => Ok(()),
    }
}

impl SqliteStore {
    /// Opens (creating and migrating) the database for `environment`; an
    /// existing database of the other environment is refused.
    pub async fn open(url: &str, environment: crate::Environment) -> Result<Self> {
        let options = connect_options(url)?;
        check_path(&options, false)?;
        create_private(options.get_filename()).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        // A local file: testing the connection before each use (a round trip
        // to its worker thread) would find nothing.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(writer_options(options.clone()))
            .await?;
        migrate(&write, environment).await?;
        let restart = WalRestart::default();
        let checkpointer = Checkpointer::spawn(options.clone(), restart.clone());
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        let (commit, idle) = crate::batch::sqlite_writer(write.clone(), restart);
        let writer = Writer::spawn(1, MAX_BATCH, Placement::Dedicated, commit, Some(idle), true);
        let audit_writer = crate::audit_writer::spawn(crate::audit_writer::sqlite_commit(write.clone()));
        Ok(Self { write, read, writer, audit_writer, environment, _checkpointer: checkpointer })
    }
}

/// Creates a new database file readable and writable by its owner only (it
/// holds SSINs, names and registrations): SQLite gives its WAL and
/// shared-memory files the database file's permissions. An existing file is
/// left as it is.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // An in-memory database has no path (sqlx names it `file:sqlx-in-memory-N`, with `mode=memory`).
    if path.as_os_str().is_empty() || path.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Brings the schema up to date in one transaction, taken for writing at
/// once: nodes starting together wait for each other, and a new database is
/// created whole, with its environment, or not at all. The environment of
/// an existing database is checked before anything is changed.
async fn migrate(pool: &SqlitePool, expected: crate::Environment) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS ciao_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .execute(pool)
    .await?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let current: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM ciao_migrations").fetch_one(&mut *tx).await?;
    let current = current.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::SchemaTooNew { found: current, known });
    }
    check_environment(&mut tx, current, expected).await?;
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(|source| StoreError::Migration { version, name, source })?;
        sqlx::query("INSERT INTO ciao_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(to_micros(OffsetDateTime::now_utc()))
            .execute(&mut *tx)
            .await?;
        tracing::info!(version, name, "applied SQLite migration");
    }
    record_environment(&mut tx, current, expected).await?;
    tx.commit().await?;
    Ok(())
}

// SQLite: a deferred transaction reads one snapshot from its first read on.
impl_store!(SqliteStore, sqlx::Sqlite, "sqlite", "", true, "PRAGMA optimize", "BEGIN IMMEDIATE", "BEGIN");
