//! The SQLite store: the embedded default. WAL journal with
//! `synchronous=FULL`, so that a commit is on disk when it returns; one
//! writer connection (SQLite allows one writing transaction at a time) fed
//! by the group-commit writer, and a pool of reader connections.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::common::{Migration, impl_store};
use crate::writer::Writer;

const MIGRATIONS: &[Migration] = &[
    (1, "register", include_str!("../migrations/sqlite/0001_register.sql")),
    (2, "channels", include_str!("../migrations/sqlite/0002_channels.sql")),
    (3, "remarks index", include_str!("../migrations/sqlite/0003_remarks_index.sql")),
    (4, "founders", include_str!("../migrations/sqlite/0004_founders.sql")),
    (5, "registrations fill factor", include_str!("../migrations/sqlite/0005_registrations_fillfactor.sql")),
    (6, "workers", include_str!("../migrations/sqlite/0006_workers.sql")),
    (7, "employers", include_str!("../migrations/sqlite/0007_employers.sql")),
];

/// Largest number of registrations committed in one transaction.
const MAX_BATCH: usize = 2000;

pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    writer: Writer,
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let write =
            SqlitePoolOptions::new().max_connections(1).min_connections(1).connect_with(options.clone()).await?;
        migrate(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        let pool = write.clone();
        let writer =
            Writer::spawn(1, MAX_BATCH, Arc::new(move |items| Box::pin(commit_batch_rows(pool.clone(), items))));
        Ok(Self { write, read, writer })
    }
}

async fn migrate(pool: &SqlitePool) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS ciao_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .execute(pool)
    .await?;
    let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM ciao_migrations").fetch_one(pool).await?;
    let current = current.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::SchemaTooNew { found: current, known });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(|source| StoreError::Migration { version, name, source })?;
        sqlx::query("INSERT INTO ciao_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(to_micros(OffsetDateTime::now_utc()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied SQLite migration");
    }
    Ok(())
}

#[allow(dead_code)] // used by the multi-row way, which PostgreSQL takes
/// Ids for `n` new registrations: SQLite has one writer, so the ones after
/// the largest are free.
async fn reserve_ids(tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>, n: usize) -> Result<Vec<i64>> {
    let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM registrations").fetch_one(&mut **tx).await?;
    Ok((1..=n as i64).map(|i| max + i).collect())
}

impl_store!(SqliteStore, sqlx::Sqlite, "sqlite", "", true, "PRAGMA optimize", "BEGIN IMMEDIATE");
