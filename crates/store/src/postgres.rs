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
    (10, "employer passkeys", include_str!("../migrations/postgres/0010_employer_passkeys.sql")),
    (11, "web sessions", include_str!("../migrations/postgres/0011_web_sessions.sql")),
    (12, "pin misses", include_str!("../migrations/postgres/0012_pin_misses.sql")),
    (13, "serving nodes", include_str!("../migrations/postgres/0013_serving_nodes.sql")),
    (14, "person indexes cover", include_str!("../migrations/postgres/0014_person_indexes_cover.sql")),
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
        let (url, read_connections) = read_connections(url)?;
        connect_once(&url).await?;
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(&url).await?;
        migrate(&pool, environment).await?;
        let commit = crate::batch::postgres_writer(pool.clone());
        let writer = Writer::spawn(WRITERS, MAX_BATCH, Placement::Shared, commit, None, true);
        let audit_writer = crate::audit_writer::spawn(crate::audit_writer::postgres_commit(pool.clone()));
        let read = PgPoolOptions::new()
            .max_connections(read_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await?;
        Ok(Self { write: pool, read, writer, audit_writer, environment })
    }
}

/// How long the first connection may take before the database is said not
/// to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection before the pools are built, so that a database that
/// cannot be reached fails at once with what to check: a pool retries a
/// refused connection until its acquire timeout ("pool timed out while
/// waiting for an open connection", after 10 s), and PostgreSQL's own
/// message for a missing database names neither the server nor a remedy.
async fn connect_once(url: &str) -> Result<()> {
    use sqlx::Connection;
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let server = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    let io = |kind, text: String| sqlx::Error::Io(std::io::Error::new(kind, text));
    let connected = tokio::time::timeout(CONNECT_TIMEOUT, sqlx::PgConnection::connect_with(&options)).await;
    let error = match connected {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            return Ok(());
        }
        Err(_) => io(
            std::io::ErrorKind::TimedOut,
            format!(
                "no answer from {server} within {} s: check the host and port of the database URL \
                 (and that no firewall drops the connection)",
                CONNECT_TIMEOUT.as_secs()
            ),
        ),
        Ok(Err(sqlx::Error::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionRefused => io(
            e.kind(),
            format!(
                "connection refused at {server}: is PostgreSQL running there? check the host and port of the database URL"
            ),
        ),
        Ok(Err(sqlx::Error::Database(d))) if d.code().as_deref() == Some("3D000") => {
            let database = options.get_database().unwrap_or(options.get_username());
            sqlx::Error::Configuration(
                format!(
                    "there is no database {database:?} on {server}: create it (createdb -h {} -p {} -U {} {database}) \
                     or check the database name in the URL",
                    options.get_host(),
                    options.get_port(),
                    options.get_username()
                )
                .into(),
            )
        }
        // The server's own words, without sqlx's "at line N" (the line of
        // PostgreSQL's source that raised it), and what to check.
        Ok(Err(sqlx::Error::Database(d))) => {
            let check = match d.code().as_deref() {
                Some(c) if c.starts_with("28") => ": check the user name and password of the database URL",
                Some("53300") => ": the server has no connection left (max_connections)",
                _ => "",
            };
            sqlx::Error::Configuration(format!("{server} refused the connection: {}{check}", d.message()).into())
        }
        Ok(Err(sqlx::Error::Io(e))) => io(e.kind(), format!("cannot connect to {server}: {e}")),
        Ok(Err(e)) => e,
    };
    Err(error.into())
}

/// Reads (searches, consultations, the validation's lookups) run on a pool of their own, smaller than the
/// writers' (`ciao bench search` at 16 clients on 2 cores, PostgreSQL on
/// the same machine: with the 16 connections of one shared pool, 1,228–1,404
/// searches by person/s, p99 20–24 ms; with 3–8 read connections
/// 1,509–1,666/s, p99 16–19 ms: more backends than cores only take turns).
/// The default is twice this machine's cores, from 2 to 8 (with the 16
/// of the writers' pool, several nodes stay within PostgreSQL's default of
/// 100 connections);
/// `?read_connections=N` in the URL sets it, for a database server with
/// more cores than the node. Returns the URL without that parameter.
fn read_connections(url: &str) -> Result<(String, u32)> {
    let default = std::thread::available_parallelism().map_or(2, |n| 2 * n.get() as u32).clamp(2, 8);
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), default));
    };
    let mut n = default;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("read_connections", v)) => {
                n = v.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                    crate::StoreError::UrlParameter(format!(
                        "read_connections={v:?}: expected a whole number from 1 to 1000"
                    ))
                })?;
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, n))
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

impl_store!(
    PgStore,
    sqlx::Postgres,
    "postgres",
    " FOR UPDATE SKIP LOCKED",
    false,
    "ANALYZE",
    "BEGIN",
    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
);

#[cfg(test)]
mod tests {
    use super::read_connections;

    #[test]
    fn read_connections_from_the_url() {
        let (url, n) = read_connections("postgres://u@h/db").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert!(n >= 2);
        assert_eq!(read_connections("postgres://u@h/db?read_connections=8").unwrap(), ("postgres://u@h/db".into(), 8));
        assert_eq!(
            read_connections("postgres://u@h/db?sslmode=disable&read_connections=3&application_name=x").unwrap(),
            ("postgres://u@h/db?sslmode=disable&application_name=x".into(), 3)
        );
        for bad in ["0", "x", "", "1001", "-1"] {
            let e = read_connections(&format!("postgres://u:secret@h/db?read_connections={bad}")).unwrap_err();
            let text = e.to_string();
            assert!(text.contains("read_connections") && text.contains("1 to 1000"), "{text}");
            assert!(!text.contains("secret"), "{text}");
        }
    }
}
