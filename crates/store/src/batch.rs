//! The group commit's transaction: a whole batch of registrations in a
//! fixed, small number of statements, whatever its size.
//!
//! Written row by row, a batch costs two statements per registration, and
//! each statement is a round trip (to SQLite's worker thread through sqlx,
//! or to the PostgreSQL server): measured with `ciao bench registrations`,
//! those round trips, not the disk, bounded the register's rate. Here a
//! batch is:
//! - SQLite: one command of several statements, a single round trip to
//!   the connection's thread: `BEGIN IMMEDIATE`; the next free id (kept in
//!   a temporary table); one query that inserts every row from a JSON array
//!   (converted once to SQLite's binary JSONB and walked with
//!   `jsonb_each`: with text JSON, `json_each` turned each row back into
//!   text that every `->>` parsed again, 15–20 % of the writer thread in
//!   `perf`) with its validation-queue row; the first id and how many were
//!   inserted; `COMMIT`. Ids are given explicitly (the transaction holds
//!   the write lock, so the ids after the largest are free), so each item's
//!   id is known without relying on the order of `RETURNING`.
//! - PostgreSQL: one statement (arrays and `UNNEST`): ids from the
//!   identity's sequence, the rows, their validation-queue rows, and for
//!   each item whether it was inserted, in one implicit transaction.
//!
//! The SQL text never depends on the batch size, so it is prepared once.
//! The functions are public for `ciao bench`, which measures them without
//! the writer, the service and HTTP (the "raw insert" ceiling); everything
//! else registers through [`crate::Store::register`].
//! Rows whose (sender, clientReference) already exists are skipped by
//! `ON CONFLICT DO NOTHING` and answered with the existing registration, as
//! before. Each caller is still answered only after the commit.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ciao_domain::{NewRegistration, RegistrationId};
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Sqlite, SqliteConnection, SqlitePool};

use crate::common::{FIND_BY_CLIENT_REFERENCE, InsertValues};
use crate::writer::{AfterBatchFn, CommitFn};

/// The registrations' commit function.
type RegistrationCommit = CommitFn<NewRegistration, RegisterOutcome>;
use crate::{RegisterOutcome, Result, StoreError};

/// The whole SQLite transaction of a batch, sent to the connection's worker
/// thread as one command: every statement of it is a round trip otherwise
/// (through a channel to that thread and back, waking the writer each
/// time), and four of them per batch kept the one writer waiting rather
/// than working (`perf`: the SQLite thread busy half of the time at 64
/// clients). $1: a JSON array of rows (see [`SqliteRow`]); $2: their number.
///
/// The first id (kept in a temporary table for the statements after it) is
/// past the largest id and past AUTOINCREMENT's sequence, so that ids are
/// never reused, even after rows were deleted; each row's id is the first
/// plus its place in the array (the transaction holds the write lock, so
/// those ids are free). Every inserted registration gets its queue row.
/// Answers the first id and how many rows of the id range were inserted;
/// ends with `COMMIT`, so a statement that fails leaves the transaction
/// open for the caller to roll back.
const SQLITE_COMMIT_BATCH: &str = "BEGIN IMMEDIATE; \
     CREATE TEMP TABLE IF NOT EXISTS batch_start (first INTEGER NOT NULL); \
     DELETE FROM temp.batch_start; \
     INSERT INTO temp.batch_start (first) \
     SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'registrations'), 0), \
     COALESCE((SELECT MAX(id) FROM registrations), 0)) + 1; \
     INSERT INTO registrations (id, registration_date, kind, ssin, limosa_id, \
     employer_enterprise, employer_foreign_vat, declaration, latitude, longitude, address, client_reference, channel, \
     sender_id, sender_enterprise, created_at, accuracy_m, site_code_issued_at, validity, remarks) \
     SELECT (SELECT first FROM temp.batch_start) + key, value->>0, value->>1, value->>2, value->>3, value->>4, \
     value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, \
     value->>14, value->>15, value->>16, 'pending', '[]' FROM jsonb_each(jsonb($1)) WHERE true \
     ON CONFLICT (sender_id, client_reference) WHERE client_reference IS NOT NULL DO NOTHING; \
     INSERT INTO validation_queue (registration_id, enqueued_at) \
     SELECT r.id, r.created_at FROM temp.batch_start b JOIN registrations r ON r.id >= b.first AND r.id < b.first + $2; \
     SELECT first, (SELECT COUNT(*) FROM registrations WHERE id >= first AND id < first + $2) FROM temp.batch_start; \
     COMMIT";

/// One row of the SQLite batch: a JSON array of the columns in the order
/// of [`SQLITE_COMMIT_BATCH`].
struct SqliteRow<'v, 'a>(&'v InsertValues<'a>);

impl serde::Serialize for SqliteRow<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let v = self.0;
        let mut row = serializer.serialize_tuple(17)?;
        row.serialize_element(&v.registration_date)?;
        row.serialize_element(v.kind)?;
        row.serialize_element(&v.ssin)?;
        row.serialize_element(&v.limosa_id)?;
        row.serialize_element(&v.employer_enterprise)?;
        row.serialize_element(&v.employer_foreign_vat)?;
        row.serialize_element(v.declaration)?;
        row.serialize_element(&v.latitude)?;
        row.serialize_element(&v.longitude)?;
        row.serialize_element(&v.address)?;
        row.serialize_element(&v.client_reference)?;
        row.serialize_element(v.channel)?;
        row.serialize_element(v.sender_id)?;
        row.serialize_element(&v.sender_enterprise)?;
        row.serialize_element(&v.created_at)?;
        row.serialize_element(&v.accuracy_m)?;
        row.serialize_element(&v.site_code_issued_at)?;
        row.end()
    }
}

/// The batch as one JSON array of rows, serialised straight from the
/// registrations' borrowed values: building a `serde_json::Value` per row
/// first cost the writer thread an allocation per column and most of its
/// time in copies (`perf`).
fn sqlite_rows(values: &[InsertValues]) -> Result<String> {
    let rows: Vec<SqliteRow> = values.iter().map(SqliteRow).collect();
    serde_json::to_string(&rows).map_err(|e| StoreError::Batch(format!("batch not encoded: {e}")))
}

fn outcome(id: i64, existing: bool) -> Result<RegisterOutcome> {
    Ok(RegisterOutcome { id: RegistrationId::new(id).map_err(|e| StoreError::Corrupt(e.message))?, existing })
}

/// Commits a batch on SQLite in one round trip to the connection's thread
/// (see [`SQLITE_COMMIT_BATCH`]); rows whose clientReference was known take
/// one more query each, after the commit.
pub async fn commit_sqlite(conn: &mut SqliteConnection, items: &[NewRegistration]) -> Result<Vec<RegisterOutcome>> {
    let values: Vec<InsertValues> = items.iter().map(InsertValues::of).collect();
    let rows = sqlite_rows(&values)?;
    let n = values.len() as i64;
    let answered: std::result::Result<Vec<(i64, i64)>, sqlx::Error> =
        sqlx::query_as(SQLITE_COMMIT_BATCH).bind(rows).bind(n).fetch_all(&mut *conn).await;
    let (first, inserted) = match answered {
        Ok(rows) if rows.len() == 1 => rows[0],
        // Every statement ran, `COMMIT` included: nothing to roll back.
        Ok(rows) => return Err(StoreError::Batch(format!("{} answers to a batch's commit", rows.len()))),
        Err(e) => {
            // Whichever statement failed, nothing of the batch is kept; the
            // connection must not stay in the transaction (an error of its
            // own, "no transaction is active", means it did not).
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(e.into());
        }
    };
    let inserted: Option<HashSet<i64>> = if inserted == n {
        None // all of them: the usual case
    } else {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM registrations WHERE id >= $1 AND id < $2")
            .bind(first)
            .bind(first + n)
            .fetch_all(&mut *conn)
            .await?;
        Some(ids.into_iter().collect())
    };
    let mut out = Vec::with_capacity(values.len());
    for (k, v) in values.iter().enumerate() {
        let id = first + k as i64;
        if inserted.as_ref().is_none_or(|s| s.contains(&id)) {
            out.push(outcome(id, false)?);
        } else {
            let existing: i64 = sqlx::query_scalar(FIND_BY_CLIENT_REFERENCE)
                .bind(v.sender_id)
                .bind(v.client_reference)
                .fetch_one(&mut *conn)
                .await?;
            out.push(outcome(existing, true)?);
        }
    }
    Ok(out)
}

/// How long the SQLite writer keeps the write connection across batches
/// while registrations keep coming, before giving the other writers (the
/// validation, the audit log, the channels) their turn.
const HOLD: Duration = Duration::from_millis(20);

/// The SQLite writer's hold on the store's one write connection. Taking the
/// connection from the pool and giving it back costs two round trips to its
/// worker thread (sqlx tests it on release), as much as a small batch's
/// inserts: under load the writer keeps it for consecutive batches (at most
/// [`HOLD`]) and gives it back as soon as no registration is waiting.
/// The connection kept between batches, and since when.
type Held = Option<(PoolConnection<Sqlite>, Instant)>;

#[derive(Clone)]
struct HeldConnection {
    pool: SqlitePool,
    held: Arc<tokio::sync::Mutex<Held>>,
    restart: WalRestart,
}

impl HeldConnection {
    async fn commit(&self, items: &[NewRegistration]) -> Result<Vec<RegisterOutcome>> {
        let mut held = self.held.lock().await;
        if held.as_ref().is_some_and(|(_, since)| since.elapsed() > HOLD) {
            *held = None; // back to the pool: whoever waits for it goes first
        }
        if held.is_none() {
            *held = Some((self.pool.acquire().await?, Instant::now()));
        }
        let Some((conn, _)) = held.as_mut() else {
            return Err(StoreError::WriterGone);
        };
        let result = commit_sqlite(conn, items).await;
        if result.is_err() {
            // Closed rather than given back: the batch's transaction was
            // rolled back, unless the connection is broken, and it is
            // not tested when taken from the pool again.
            if let Some((conn, _)) = held.take() {
                let _ = conn.close().await;
            }
        }
        result
    }

    /// After a batch's commit: restarts the WAL if the checkpointer asked
    /// for it, and gives the connection back if no registration waits.
    async fn after_batch(&self, queue_empty: bool) {
        let mut held = self.held.lock().await;
        if let Some((conn, _)) = held.as_mut()
            && let Err(e) = self.restart.checkpoint_if_requested(conn).await
        {
            tracing::warn!(error = %e, "WAL checkpoint before its restart failed");
            *held = None;
        }
        if queue_empty {
            *held = None;
        }
    }
}

/// The checkpointer's request to the registration writer to start the WAL
/// over (see [`crate::sqlite::Checkpointer`]).
///
/// SQLite starts its WAL over at the beginning of a write transaction when
/// every frame of it has been copied into the database. Under continuous
/// load the checkpointer, on a connection of its own, never sees that
/// moment (the writer commits while it copies); only a checkpoint run by
/// the writer itself, between two of its transactions, does. SQLite's own
/// automatic checkpoint is such a checkpoint, but it runs inside the commit
/// that crosses its threshold, copying up to a checkpoint interval's frames
/// and syncing the database file while that commit's requests and the next
/// batch wait (10–20 ms every 200 ms at 20,000 registrations/s: the p99).
/// Here the checkpointer, after a full pass over a long WAL, asks; the
/// writer, between two batches (the last one's answers going out
/// meanwhile), runs a checkpoint of the few frames committed since.
#[derive(Clone, Default)]
pub struct WalRestart(Arc<std::sync::atomic::AtomicBool>);

impl WalRestart {
    /// Asks the writer to checkpoint after its current batch.
    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// On the writer's connection, between two of its transactions: if a
    /// restart was asked for, a passive checkpoint. Right after the
    /// checkpointer's pass, it copies the few frames committed since, and
    /// the next transaction, finding the WAL fully copied, starts it over.
    pub async fn checkpoint_if_requested(&self, conn: &mut SqliteConnection) -> Result<()> {
        if self.0.swap(false, std::sync::atomic::Ordering::Relaxed) {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(conn).await?;
        }
        Ok(())
    }
}

/// The group-commit functions of the SQLite store's writer.
pub(crate) fn sqlite_writer(pool: SqlitePool, restart: WalRestart) -> (RegistrationCommit, AfterBatchFn) {
    let held = HeldConnection { pool, held: Arc::new(tokio::sync::Mutex::new(None)), restart };
    let after = held.clone();
    (
        Arc::new(move |items: Arc<[NewRegistration]>| {
            let held = held.clone();
            Box::pin(async move { held.commit(&items).await })
        }),
        Arc::new(move |queue_empty| {
            let after = after.clone();
            Box::pin(async move { after.after_batch(queue_empty).await })
        }),
    )
}

/// One statement: number the rows from the identity's sequence, insert
/// them (skipping known clientReferences), queue the inserted ones, and
/// say for each row (in order) its id and whether it was inserted.
const POSTGRES_INSERT_BATCH: &str = "WITH input AS ( \
       SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
         $8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], \
         $16::float8[], $17::bigint[]) WITH ORDINALITY AS t(registration_date, kind, ssin, limosa_id, \
         employer_enterprise, employer_foreign_vat, declaration, latitude, longitude, address, client_reference, \
         channel, sender_id, sender_enterprise, created_at, accuracy_m, site_code_issued_at, ord) \
     ), numbered AS MATERIALIZED ( \
       SELECT nextval(pg_get_serial_sequence('registrations', 'id')) AS id, input.* FROM input ORDER BY ord \
     ), inserted AS ( \
       INSERT INTO registrations (id, registration_date, kind, ssin, limosa_id, employer_enterprise, \
         employer_foreign_vat, declaration, latitude, longitude, address, client_reference, channel, sender_id, \
         sender_enterprise, created_at, accuracy_m, site_code_issued_at, validity, remarks) \
       SELECT id, registration_date, kind, ssin, limosa_id, employer_enterprise, employer_foreign_vat, declaration, \
         latitude, longitude, address, client_reference, channel, sender_id, sender_enterprise, created_at, \
         accuracy_m, site_code_issued_at, 'pending', '[]' FROM numbered ORDER BY ord \
       ON CONFLICT (sender_id, client_reference) WHERE client_reference IS NOT NULL DO NOTHING \
       RETURNING id, created_at \
     ), queued AS ( \
       INSERT INTO validation_queue (registration_id, enqueued_at) SELECT id, created_at FROM inserted \
     ) \
     SELECT n.id, i.id IS NOT NULL FROM numbered n LEFT JOIN inserted i ON i.id = n.id ORDER BY n.ord";

/// Commits a batch on PostgreSQL in one statement (see the module); rows
/// whose clientReference was known take one more query each.
pub async fn commit_postgres(pool: &PgPool, items: &[NewRegistration]) -> Result<Vec<RegisterOutcome>> {
    let values: Vec<InsertValues> = items.iter().map(InsertValues::of).collect();
    // One array per column, borrowing from the registrations.
    fn column<'v, T>(values: &'v [InsertValues], f: impl Fn(&'v InsertValues) -> T) -> Vec<T> {
        values.iter().map(f).collect()
    }
    let rows: Vec<(i64, bool)> = sqlx::query_as(POSTGRES_INSERT_BATCH)
        .bind(column(&values, |v| v.registration_date))
        .bind(column(&values, |v| v.kind))
        .bind(column(&values, |v| v.ssin))
        .bind(column(&values, |v| v.limosa_id))
        .bind(column(&values, |v| v.employer_enterprise))
        .bind(column(&values, |v| v.employer_foreign_vat))
        .bind(column(&values, |v| v.declaration))
        .bind(column(&values, |v| v.latitude))
        .bind(column(&values, |v| v.longitude))
        .bind(column(&values, |v| v.address.as_deref()))
        .bind(column(&values, |v| v.client_reference))
        .bind(column(&values, |v| v.channel))
        .bind(column(&values, |v| v.sender_id))
        .bind(column(&values, |v| v.sender_enterprise))
        .bind(column(&values, |v| v.created_at))
        .bind(column(&values, |v| v.accuracy_m))
        .bind(column(&values, |v| v.site_code_issued_at))
        .fetch_all(pool)
        .await?;
    if rows.len() != values.len() {
        return Err(StoreError::Batch(format!("{} rows answered for {} registrations", rows.len(), values.len())));
    }
    let mut out = Vec::with_capacity(values.len());
    for ((id, inserted), v) in rows.into_iter().zip(&values) {
        if inserted {
            out.push(outcome(id, false)?);
        } else {
            let existing: i64 = sqlx::query_scalar(FIND_BY_CLIENT_REFERENCE)
                .bind(v.sender_id)
                .bind(v.client_reference)
                .fetch_one(pool)
                .await?;
            out.push(outcome(existing, true)?);
        }
    }
    Ok(out)
}

/// The group-commit function of the PostgreSQL store's writers.
pub(crate) fn postgres_writer(pool: PgPool) -> RegistrationCommit {
    Arc::new(move |items: Arc<[NewRegistration]>| {
        let pool = pool.clone();
        Box::pin(async move { commit_postgres(&pool, &items).await })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(client_reference: Option<&str>, latitude: Option<f64>) -> InsertValues<'_> {
        InsertValues {
            registration_date: 1_764_000_000_000_000,
            kind: "IN",
            ssin: Some("85073003328"),
            limosa_id: None,
            employer_enterprise: Some("0123456749"),
            employer_foreign_vat: None,
            declaration: "1Y1003SQ5VSSZ",
            latitude,
            longitude: latitude.map(|l| l / 2.0),
            address: Some(r#"{"street":"Rue \"Haute\" 1","city":"Liège"}"#.into()),
            client_reference,
            channel: "rest",
            sender_id: "client-1",
            sender_enterprise: None,
            created_at: -5,
            accuracy_m: Some(12.5),
            site_code_issued_at: None,
        }
    }

    #[test]
    fn the_batch_is_the_json_of_its_rows_in_column_order() {
        let rows = [values(Some("a\"b\\c\u{1}é"), Some(50.85)), values(None, Some(f64::NAN))];
        let written: serde_json::Value = serde_json::from_str(&sqlite_rows(&rows).expect("encoded")).expect("json");
        let expected = serde_json::Value::Array(
            rows.iter()
                .map(|v| {
                    serde_json::json!([
                        v.registration_date,
                        v.kind,
                        v.ssin,
                        v.limosa_id,
                        v.employer_enterprise,
                        v.employer_foreign_vat,
                        v.declaration,
                        v.latitude,
                        v.longitude,
                        v.address,
                        v.client_reference,
                        v.channel,
                        v.sender_id,
                        v.sender_enterprise,
                        v.created_at,
                        v.accuracy_m,
                        v.site_code_issued_at,
                    ])
                })
                .collect(),
        );
        assert_eq!(written, expected);
        assert_eq!(written[1][7], serde_json::Value::Null, "a non-finite number is written as null");
        assert_eq!(sqlite_rows(&[]).expect("encoded"), "[]");
    }
}
