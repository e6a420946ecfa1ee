//! The fresh databases of the benchmarks.
//!
//! `--database` says where they are made, never which one is used:
//! - `sqlite://DIR/NAME.db`: files `DIR/ciao-bench-PID-SCENARIO.db` (with its
//!   `-wal` and `-shm`); the default database of `ciao serve` (in the data
//!   directory) means the temporary directory instead;
//! - `postgres://USER@HOST/DB`: databases `ciao_bench_PID_SCENARIO` on that
//!   server, created and dropped through DB.
//!
//! Every scenario gets its own, removed at the end unless `--keep`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::Connection;

pub enum Kind {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

pub struct FreshDb {
    pub url: String,
    pub kind: Kind,
}

/// The directory SQLite benchmark files go to for this `--database`.
pub fn sqlite_dir(url: &str) -> PathBuf {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = Path::new(path.split('?').next().unwrap_or(path));
    let default = crate::default_data_dir().join("ciao.db");
    if path == default || path.as_os_str().is_empty() {
        return std::env::temp_dir();
    }
    path.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir)
}

pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn sanitize(tag: &str) -> String {
    tag.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

fn sqlite_files(path: &Path) -> [PathBuf; 3] {
    let s = path.display().to_string();
    [path.to_path_buf(), PathBuf::from(format!("{s}-wal")), PathBuf::from(format!("{s}-shm"))]
}

impl FreshDb {
    /// A fresh, empty database for a scenario (`tag` names it).
    pub async fn create(base: &str, tag: &str) -> anyhow::Result<Self> {
        let name = format!("ciao_bench_{}_{}", std::process::id(), sanitize(tag));
        Self::named(base, &name, true).await
    }

    /// A database of a fixed name: emptied first when `fresh`, else kept as it is
    /// (the search register, reused between runs).
    pub async fn named(base: &str, name: &str, fresh: bool) -> anyhow::Result<Self> {
        if is_postgres(base) {
            let mut conn = sqlx::PgConnection::connect(base)
                .await
                .with_context(|| format!("cannot connect to {}", ciao_service::ciao_store::redact(base)))?;
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
            if exists && fresh {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await?;
            }
            if !exists || fresh {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .with_context(|| format!("cannot create the database {name}"))?;
            }
            let (prefix, _) =
                base.split('?').next().unwrap_or(base).rsplit_once('/').context("a database URL has a path")?;
            Ok(Self {
                url: format!("{prefix}/{name}"),
                kind: Kind::Postgres { admin_url: base.to_string(), name: name.to_string() },
            })
        } else if base.starts_with("sqlite:") {
            let dir = sqlite_dir(base);
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join(format!("{}.db", name.replace('_', "-")));
            if fresh {
                for f in sqlite_files(&path) {
                    let _ = std::fs::remove_file(f);
                }
            }
            Ok(Self { url: format!("sqlite://{}", path.display()), kind: Kind::Sqlite { path } })
        } else {
            anyhow::bail!(
                "unsupported database URL {}: use sqlite://PATH or postgres://…",
                ciao_service::ciao_store::redact(base)
            )
        }
    }

    pub fn backend(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite { .. } => "sqlite",
            Kind::Postgres { .. } => "postgres",
        }
    }

    /// Bytes the database takes: SQLite's file and its WAL; PostgreSQL's `pg_database_size`.
    pub async fn size_bytes(&self) -> anyhow::Result<u64> {
        match &self.kind {
            Kind::Sqlite { .. } => {
                // The database's logical size (pages in use, wherever they
                // are: the file or the WAL), not the files' sizes: the WAL's
                // size is its high-water mark, and the file keeps free pages.
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                let (pages, free, size): (i64, i64, i64) = sqlx::query_as(
                    "SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count), \
                     (SELECT page_size FROM pragma_page_size)",
                )
                .fetch_one(&mut conn)
                .await?;
                conn.close().await?;
                Ok(((pages - free).max(0) * size) as u64)
            }
            Kind::Postgres { .. } => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                let n: i64 =
                    sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut conn).await?;
                Ok(n.max(0) as u64)
            }
        }
    }

    /// Runs `sql` (one or more statements, outside a transaction).
    pub async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.kind {
            Kind::Sqlite { .. } => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
                conn.close().await?;
            }
            Kind::Postgres { .. } => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
                conn.close().await?;
            }
        }
        Ok(())
    }

    /// The text the query `sql` answers in its first row, if it answers one
    /// (an error, a missing table included, is `None`).
    pub async fn text(&self, sql: &str) -> Option<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.kind {
            Kind::Sqlite { .. } => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.ok()?;
                sqlx::query_scalar(sql).fetch_optional(&mut conn).await.ok().flatten()
            }
            Kind::Postgres { .. } => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.ok()?;
                sqlx::query_scalar(sql).fetch_optional(&mut conn).await.ok().flatten()
            }
        }
    }

    /// Removes the database, unless `keep` (then says where it is).
    pub async fn finish(self, keep: bool) {
        if keep {
            eprintln!("kept {}", ciao_service::ciao_store::redact(&self.url));
            return;
        }
        match self.kind {
            Kind::Sqlite { path } => {
                for f in sqlite_files(&path) {
                    let _ = std::fs::remove_file(f);
                }
            }
            Kind::Postgres { admin_url, name } => {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(&mut conn)
                        .await;
                }
            }
        }
    }
}
