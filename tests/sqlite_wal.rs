//! The SQLite store's WAL restart under continuous load
//! (`ciao_store::sqlite::WalRestart`), on a real SQLite database: the state
//! a continuously committing writer leaves (frames committed while the
//! checkpointer copied) is made deterministically, then the WAL is shown to
//! keep growing without the writer's checkpoint and to start over with it.

use std::str::FromStr;

use ciao_service::ciao_store::sqlite::WalRestart;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

fn database() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("ciao-wal-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir.join("wal.db")
}

async fn connect(path: &std::path::Path) -> SqliteConnection {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .expect("url")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        // No automatic checkpoint: only the ones this test runs.
        .pragma("wal_autocheckpoint", "0");
    SqliteConnection::connect_with(&options).await.expect("connection")
}

async fn commit_rows(writer: &mut SqliteConnection, n: usize) {
    for _ in 0..n {
        sqlx::query("INSERT INTO t (x) VALUES (randomblob(3000))").execute(&mut *writer).await.expect("insert");
    }
}

/// A passive checkpoint from the checkpointer's connection: (frames in the
/// WAL, frames copied into the database).
async fn checkpoint(checkpointer: &mut SqliteConnection) -> (i64, i64) {
    let (busy, frames, copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *checkpointer).await.expect("checkpoint");
    assert_eq!(busy, 0, "nothing else holds the checkpoint lock");
    (frames, copied)
}

/// The writer's state under continuous load: every frame copied but those of
/// a transaction that began (took its snapshot) before the copy ended.
async fn copied_while_committing(writer: &mut SqliteConnection, checkpointer: &mut SqliteConnection) -> i64 {
    commit_rows(writer, 50).await;
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.expect("begin");
    let (frames, copied) = checkpoint(checkpointer).await;
    assert_eq!(frames, copied, "the checkpointer copied the whole WAL it saw");
    sqlx::query("INSERT INTO t (x) VALUES (randomblob(3000))").execute(&mut *tx).await.expect("insert");
    tx.commit().await.expect("commit");
    frames
}

#[tokio::test]
async fn the_wal_starts_over_only_after_a_checkpoint_from_the_writer() {
    let path = database();
    let mut writer = connect(&path).await;
    let mut checkpointer = connect(&path).await;
    sqlx::query("CREATE TABLE t (x BLOB)").execute(&mut writer).await.expect("table");

    // Without the writer's checkpoint, its next transactions append to the
    // WAL: the checkpointer's full passes never let it start over.
    let restart = WalRestart::default();
    let seen = copied_while_committing(&mut writer, &mut checkpointer).await;
    restart.checkpoint_if_requested(&mut writer).await.expect("nothing asked: nothing done");
    commit_rows(&mut writer, 1).await;
    let (frames, _) = checkpoint(&mut checkpointer).await;
    assert!(frames > seen, "the WAL grew on ({frames} frames after {seen})");

    // Asked for, the writer's checkpoint between two of its transactions
    // copies what was committed since, and the next transaction starts the
    // WAL over: only its own frames are in it.
    let seen = copied_while_committing(&mut writer, &mut checkpointer).await;
    restart.request();
    restart.checkpoint_if_requested(&mut writer).await.expect("checkpoint");
    commit_rows(&mut writer, 1).await;
    let (frames, _) = checkpoint(&mut checkpointer).await;
    assert!(frames < 5, "the WAL started over: {frames} frames (it had {seen})");

    // The request is used up: the next transactions append again.
    let seen = copied_while_committing(&mut writer, &mut checkpointer).await;
    restart.checkpoint_if_requested(&mut writer).await.expect("nothing asked");
    commit_rows(&mut writer, 1).await;
    let (frames, _) = checkpoint(&mut checkpointer).await;
    assert!(frames > seen, "no second restart without a second request ({frames} after {seen})");

    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut writer).await.expect("count");
    assert_eq!(rows, 3 * 51 + 3, "every committed row is there");
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
