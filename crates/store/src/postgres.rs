//! The PostgreSQL store, for a register shared by several ciao nodes.
//! Several group-commit writers run at once, so that PostgreSQL's own group
//! commit joins their flushes.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::common::{Migration, impl_store};
use crate::writer::{Placement, RegistrationWriter, Writer};

const MIGRATIONS: &[Migration] = &[
    (1, "register", include_str!("../migrations/postgres/0001_register.sql")),
    (2, "channels", include_str!("../migrations/postgres/0002_channels.sql")),
    (3, "remarks index", include_str!("../migrations/postgres/0003_remarks_index.sql")),
    (4, "founders", include_str!("../migrations/postgres/0004_founders.sql")),
    (5, "registrations fill factor", include_str!("../migrations/postgres/0005_registrations_fillfactor.sql")),
    (6, "workers", include_str!("../migrations/postgres/0006_workers.sql")),
    (7, "employers", include_str!("../migrations/postgres/0007_employers.sql")),
    (8, "environment", include_str!("../migrations/postgres/0008_environment.sql")),
    (9, "text collation C", include_str!("../migrations/postgres/0009_text_collation_c.sql")),
];

const MAX_BATCH: usize = 2000;
const WRITERS: usize = 4;
/// Serialises migrations of nodes that start together.
const MIGRATION_LOCK: i64 = 0x6369_616f; // "ciao"

pub struct PgStore {
    write: PgPool,
    read: PgPool,
    writer: RegistrationWriter,
    audit_writer: crate::audit_writer::AuditWriter,
    environment: crate::Environment,
}

impl PgStore {
    /// Opens (creating the schema of and migrating) the database for
    /// `environment`; an existing database of the other environment is refused.
    pub async fn open(url: &str, environment: crate::Environment) -> Result<Self> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        migrate(&pool, environment).await?;
        let commit = crate::batch::postgres_writer(pool.clone());
        let writer = Writer::spawn(WRITERS, MAX_BATCH, Placement::Shared, commit, None, true);
        let audit_writer = crate::audit_writer::spawn(crate::audit_writer::postgres_commit(pool.clone()));
        Ok(Self { write: pool.clone(), read: pool, writer, audit_writer, environment })
    }
}

/// Brings the schema up to date in one transaction, under an advisory lock;
/// the environment of an existing database is checked before anything is
/// changed, and a new one records the environment it is created for.
async fn migrate(pool: &PgPool, expected: crate::Environment) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS ciao_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
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
        tracing::info!(version, name, "applied PostgreSQL migration");
    }
    record_environment(&mut tx, current, expected).await?;
    tx.commit().await?;
    Ok(())
}

impl_store!(PgStore, sqlx::Postgres, "postgres", " FOR UPDATE SKIP LOCKED", false, "ANALYZE", "BEGIN");
