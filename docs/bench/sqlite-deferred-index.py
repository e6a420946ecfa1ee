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
import glob, os, random, sqlite3, sys, time
HERE = os.path.dirname(os.path.abspath(__file__))
MIGRATIONS = sorted(glob.glob(os.path.join(HERE, "../../crates/store/migrations/sqlite/*.sql")))
DB = "/tmp/ciao-sqlite-deferred-index.db"
COLUMNS = ("id, registration_date, kind, ssin, limosa_id, employer_enterprise, employer_foreign_vat, declaration, "
           "latitude, longitude, address, client_reference, channel, sender_id, sender_enterprise, created_at, "
           "accuracy_m, site_code_issued_at, validity, remarks, indexed")
INSERT = f"INSERT INTO registrations ({COLUMNS}) VALUES ({','.join('?' * 21)})"
SSINS = [f"{random.randrange(10**10, 10**11):011d}" for _ in range(20000)]
DECLS = [f"D{i:012d}" for i in range(1000)]
EMPS = [f"0{random.randrange(10**8,10**9)}" for _ in range(2000)]
def rows(next_id, n, ind):
    now = int(time.time() * 1e6)
    return [(next_id + k, now, "IN", random.choice(SSINS), None, random.choice(EMPS), None, random.choice(DECLS),
             None, None, None, f"{random.randrange(1<<60):x}", "rest", "client1", "0123456749",
             now, None, None, "pending", "[]", ind) for k in range(n)]
def run(K, present, batch=64, seconds=5.0):
    for f in (DB, DB + "-wal", DB + "-shm"):
        if os.path.exists(f): os.remove(f)
    c = sqlite3.connect(DB, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    for m in MIGRATIONS: c.executescript(open(m).read())
    c.executescript("""ALTER TABLE registrations ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
    DROP INDEX registrations_ssin; DROP INDEX registrations_limosa; DROP INDEX registrations_employer; DROP INDEX registrations_declaration;
    CREATE INDEX registrations_ssin ON registrations (ssin, registration_date) WHERE indexed = 1 AND ssin IS NOT NULL;
    CREATE INDEX registrations_limosa ON registrations (limosa_id, registration_date) WHERE indexed = 1 AND limosa_id IS NOT NULL;
    CREATE INDEX registrations_employer ON registrations (employer_enterprise, registration_date) WHERE indexed = 1;
    CREATE INDEX registrations_declaration ON registrations (declaration, registration_date) WHERE indexed = 1;
    CREATE INDEX registrations_unindexed ON registrations (id) WHERE indexed = 0;""")
    c.execute("BEGIN"); c.executemany(INSERT, rows(1, present, 1)); c.execute("COMMIT")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.execute("PRAGMA synchronous=FULL")
    next_id, n, tx, start, worst, chunkt = present + 1, 0, 0, time.time(), 0, []
    while time.time() - start < seconds:
        r = rows(next_id, batch, 0 if K else 1)
        next_id += batch
        t0=time.time()
        c.execute("BEGIN IMMEDIATE")
        c.executemany(INSERT, r)
        c.executemany("INSERT INTO validation_queue (registration_id, enqueued_at) VALUES (?, ?)", [(x[0], x[15]) for x in r])
        c.execute("COMMIT")
        n += batch; tx += 1
        if K and tx % K == 0:
            t1=time.time()
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE registrations SET indexed = 1 WHERE id IN (SELECT id FROM registrations WHERE indexed = 0 ORDER BY id LIMIT ?)", (K*batch,))
            c.execute("COMMIT")
            chunkt.append(time.time()-t1)
    el = time.time() - start
    chunkt.sort()
    print(f"K={K:<4} present={present:<8} {n / el:>8.0f} rows/s  {el*1000/tx:6.2f} ms/batch  chunk p50 {1000*chunkt[len(chunkt)//2] if chunkt else 0:.1f} ms max {1000*chunkt[-1] if chunkt else 0:.1f} ms", flush=True)
for present in (200_000, 2_000_000):
  for K in (0, 1, 8, 32, 128):
    run(K, present)
