#!/usr/bin/env python3
"""What each index of the register costs a durable SQLite commit.

Creates the register with ciao's own SQLite migrations, fills 200,000
registrations, then commits batches of BATCH registrations (and their
validation-queue rows) for 4 seconds per variant: with every index, without
the append-only ones, without the two whose keys are random (ssin,
declaration), with the unique (sender, clientReference) index only, and
with the append-only indexes only;
each with synchronous=FULL and with synchronous=OFF and no checkpoint (what
is left when the disk costs nothing). Python's sqlite3, so the figures are a
lower bound of what the engine does; compare the variants with each other.

    python3 docs/bench/sqlite-index-cost.py [BATCH]   (default 64)
"""
import glob
import os
import random
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MIGRATIONS = sorted(glob.glob(os.path.join(HERE, "../../crates/store/migrations/sqlite/*.sql")))
DB = "/tmp/ciao-sqlite-index-cost.db"
COLUMNS = ("id, registration_date, kind, ssin, limosa_id, employer_enterprise, employer_foreign_vat, declaration, "
           "latitude, longitude, address, client_reference, channel, sender_id, sender_enterprise, created_at, "
           "accuracy_m, site_code_issued_at, validity, remarks")
INSERT = f"INSERT INTO registrations ({COLUMNS}) VALUES ({','.join('?' * 20)})"
SSINS = [f"{random.randrange(10**10, 10**11):011d}" for _ in range(20000)]
DECLARATIONS = [f"D{i:012d}" for i in range(1000)]


def rows(next_id, n, run):
    now = int(time.time() * 1e6)
    return [(next_id + k, now, "IN", random.choice(SSINS), None, "0123456749", None, random.choice(DECLARATIONS),
             None, None, None, f"{run:06x}-{random.randrange(64)}-{next_id + k}", "rest", "client1", "0123456749",
             now, None, None, "pending", "[]") for k in range(n)]


def fresh(db, ddl=None):
    """A new database at `db` in WAL mode, with ciao's SQLite schema (or `ddl`)."""
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    for script in [ddl] if ddl else [open(m).read() for m in MIGRATIONS]:
        c.executescript(script)
    return c


def commit(c, insert, r):
    """One durable transaction: the registrations `r` and their queue rows."""
    c.execute("BEGIN IMMEDIATE")
    c.executemany(insert, r)
    c.executemany("INSERT INTO validation_queue (registration_id, enqueued_at) VALUES (?, ?)",
                  [(x[0], x[15]) for x in r])
    c.execute("COMMIT")


def run(label, pragmas, drops, batch, seconds=4.0):
    c = fresh(DB)
    c.execute("BEGIN")
    c.executemany(INSERT, rows(1, 200_000, 1))
    c.execute("COMMIT")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for d in drops:
        c.execute(f"DROP INDEX {d}")
    for p in pragmas:
        c.execute(f"PRAGMA {p}")
    next_id, n, tx, start = 200_001, 0, 0, time.time()
    while time.time() - start < seconds:
        r = rows(next_id, batch, 2)
        next_id += batch
        commit(c, INSERT, r)
        n += batch
        tx += 1
    el = time.time() - start
    print(f"{label:<55} {n / el:>8.0f} rows/s {el * 1000 / tx:>7.2f} ms per commit", flush=True)
    c.close()


if __name__ == "__main__":
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    APPEND = ["registrations_created", "registrations_date", "registrations_employer"]
    RANDOM = ["registrations_ssin", "registrations_declaration"]
    for label, drops in [("every index", []), ("without the append-only indexes", APPEND),
                         ("without the ssin and declaration indexes", RANDOM),
                         ("unique (sender, clientReference) only", APPEND + RANDOM + ["registrations_limosa"]),
                         ("the append-only indexes only", RANDOM + ["registrations_limosa", "registrations_client_reference"])]:
        run(f"{label}, FULL", ["synchronous=FULL"], drops, batch)
        run(f"{label}, OFF, no checkpoint", ["synchronous=OFF", "wal_autocheckpoint=0"], drops, batch)
