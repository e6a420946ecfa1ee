#!/usr/bin/env python3
"""Would deferring the register's random-keyed indexes help a durable SQLite writer?

Creates the register with ciao's own SQLite migrations, turns the ssin,
Limosa, employer and declaration indexes into partial indexes
(`WHERE indexed = 1`, plus an index of the not yet indexed rows), fills
PRESENT registrations, then for 5 seconds commits batches of 64 new rows
(synchronous=FULL) and, after every K batches, indexes the K*64 oldest
unindexed rows in a transaction of its own (`UPDATE ... SET indexed = 1`)
on the same connection, as a background indexer sharing SQLite's one write
lock would. K=0 is today's schema (every index written at once). Prints the
rate and how long the indexing transactions hold the write lock. Python's
sqlite3: compare the lines with each other, not with ciao's figures.

    python3 docs/bench/sqlite-deferred-index.py
"""
import importlib.util
import os
import random
import time

# The schema, the persons and declarations, and a fresh database: from the
# index-cost experiment beside this file.
_spec = importlib.util.spec_from_file_location(
    "index_cost", os.path.join(os.path.dirname(os.path.abspath(__file__)), "sqlite-index-cost.py"))
cost = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cost)

DB = "/tmp/ciao-sqlite-deferred-index.db"
INSERT = f"INSERT INTO registrations ({cost.COLUMNS}, indexed) VALUES ({','.join('?' * 21)})"
EMPLOYERS = [f"0{random.randrange(10**8, 10**9)}" for _ in range(2000)]
DEFERRED = """ALTER TABLE registrations ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
DROP INDEX registrations_ssin; DROP INDEX registrations_limosa;
DROP INDEX registrations_employer; DROP INDEX registrations_declaration;
CREATE INDEX registrations_ssin ON registrations (ssin, registration_date) WHERE indexed = 1 AND ssin IS NOT NULL;
CREATE INDEX registrations_limosa ON registrations (limosa_id, registration_date)
    WHERE indexed = 1 AND limosa_id IS NOT NULL;
CREATE INDEX registrations_employer ON registrations (employer_enterprise, registration_date) WHERE indexed = 1;
CREATE INDEX registrations_declaration ON registrations (declaration, registration_date) WHERE indexed = 1;
CREATE INDEX registrations_unindexed ON registrations (id) WHERE indexed = 0;"""


def rows(next_id, n, indexed):
    """Registrations of random persons, employers and declarations, with
    random clientReferences (every index takes its keys in random order)."""
    now = int(time.time() * 1e6)
    return [(next_id + k, now, "IN", random.choice(cost.SSINS), None, random.choice(EMPLOYERS), None,
             random.choice(cost.DECLARATIONS), None, None, None, f"{random.randrange(1 << 60):x}", "rest", "client1",
             "0123456749", now, None, None, "pending", "[]", indexed) for k in range(n)]


def run(k, present, batch=64, seconds=5.0):
    c = cost.fresh(DB)
    c.executescript(DEFERRED)
    c.execute("BEGIN")
    c.executemany(INSERT, rows(1, present, 1))
    c.execute("COMMIT")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.execute("PRAGMA synchronous=FULL")
    next_id, n, tx, held, start = present + 1, 0, 0, [], time.time()
    while time.time() - start < seconds:
        r = rows(next_id, batch, 0 if k else 1)
        next_id += batch
        cost.commit(c, INSERT, r)
        n += batch
        tx += 1
        if k and tx % k == 0:
            t = time.time()
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE registrations SET indexed = 1 WHERE id IN "
                      "(SELECT id FROM registrations WHERE indexed = 0 ORDER BY id LIMIT ?)", (k * batch,))
            c.execute("COMMIT")
            held.append(time.time() - t)
    el = time.time() - start
    held.sort()
    lock = f"indexing holds the lock p50 {1000 * held[len(held) // 2]:.1f} ms, max {1000 * held[-1]:.1f} ms" if held else ""
    print(f"K={k:<4} present={present:<8} {n / el:>8.0f} rows/s {el * 1000 / tx:6.2f} ms per batch  {lock}", flush=True)
    c.close()


if __name__ == "__main__":
    for present in (200_000, 2_000_000):
        for k in (0, 1, 8, 32, 128):
            run(k, present)
