#!/usr/bin/env python3
"""Would an FTS5 index (SQLite's own log-structured merge tree) serve as the
register's index by person and by declaration, in place of B-trees whose
keys arrive in random order?

Measures, with Python's sqlite3 (compare the lines with each other, not with
ciao's figures):
1. durable commits of BATCH keys (20,000 persons, keys in random order),
   into a B-tree index and into a contentless FTS5 table (detail=none,
   columnsize=0), on an empty table and with PRESENT keys already there:
   rows/s and bytes written to the disk per row;
2. the FTS5 rows written by a trigger on the registrations table against
   one INSERT ... SELECT per commit (FTS5 flushes its pending terms at every
   statement's savepoint: a trigger fired by row-at-a-time inserts makes
   a segment per row);
3. lookups of N keys: one FTS5 MATCH of N terms joined by OR against one
   B-tree `IN (N values)`, on 2,000,000 rows written in commits of BATCH.

    python3 docs/bench/sqlite-fts5-keys.py [BATCH] [PRESENT]   (1600, 1000000)
"""
import importlib.util
import os
import random
import sys
import time

# A fresh database: from the index-cost experiment beside this file.
_spec = importlib.util.spec_from_file_location(
    "index_cost", os.path.join(os.path.dirname(os.path.abspath(__file__)), "sqlite-index-cost.py"))
cost = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cost)

DB = "/tmp/ciao-sqlite-fts5-keys.db"
SSINS = [f"{random.randrange(10**10, 10**11):011d}" for _ in range(20000)]
FTS = "CREATE VIRTUAL TABLE t USING fts5(k, content='', detail=none, columnsize=0, tokenize='ascii');"
BTREE = "CREATE TABLE t(k TEXT); CREATE INDEX t_k ON t(k);"


def fresh(ddl):
    return cost.fresh(DB, ddl)


def written():
    with open("/proc/self/io") as f:
        return int(f.read().split("write_bytes: ")[1].split()[0])


def key():
    return "p1000638x" + random.choice(SSINS)


def commits(label, ddl, batch, present, seconds=6.0):
    c = fresh(ddl)
    c.execute("BEGIN")
    c.executemany("INSERT INTO t(rowid, k) VALUES (?, ?)", [(i, key()) for i in range(1, present + 1)])
    c.execute("COMMIT")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.execute("PRAGMA synchronous=FULL")
    next_id, n, w0, start = present + 1, 0, written(), time.time()
    while time.time() - start < seconds:
        c.execute("BEGIN")
        c.executemany("INSERT INTO t(rowid, k) VALUES (?, ?)", [(next_id + i, key()) for i in range(batch)])
        c.execute("COMMIT")
        next_id += batch
        n += batch
    el = time.time() - start
    print(f"{label:<34} present {present:>8}: {n / el:>8.0f} rows/s, {(written() - w0) / n:>6.0f} B/row written",
          flush=True)


def trigger_or_statement(batch, present, seconds=6.0):
    base = "CREATE TABLE r(id INTEGER PRIMARY KEY, ssin TEXT, d INTEGER); " \
           "CREATE VIRTUAL TABLE kk USING fts5(k, content='', detail=none, columnsize=0, tokenize='ascii');"
    keys = "'p' || (d / 2764800000000 + 1000000) || 'x' || ssin"
    trigger = f"CREATE TRIGGER rk AFTER INSERT ON r BEGIN INSERT INTO kk(rowid, k) SELECT new.id, {keys.replace('d /', 'new.d /').replace('|| ssin', '|| new.ssin')}; END;"
    for label, ddl, statement in [("registrations only", base, False), ("FTS5 row by a trigger", base + trigger, False),
                                  ("FTS5 rows by one INSERT SELECT", base, True)]:
        c = fresh(ddl)
        ins = "INSERT INTO r(id, ssin, d) VALUES (?, ?, 1764000000000000)"
        c.execute("BEGIN")
        c.executemany(ins, [(i, random.choice(SSINS)) for i in range(1, present + 1)])
        if statement:
            c.execute(f"INSERT INTO kk(rowid, k) SELECT id, {keys} FROM r")
        c.execute("COMMIT")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA synchronous=FULL")
        next_id, n, start = present + 1, 0, time.time()
        while time.time() - start < seconds:
            c.execute("BEGIN")
            c.executemany(ins, [(next_id + i, random.choice(SSINS)) for i in range(batch)])
            if statement:
                c.execute(f"INSERT INTO kk(rowid, k) SELECT id, {keys} FROM r WHERE id >= ?", (next_id,))
            c.execute("COMMIT")
            next_id += batch
            n += batch
        print(f"{label:<34} present {present:>8}: {n / (time.time() - start):>8.0f} rows/s", flush=True)


def lookups(batch, rows=2_000_000):
    for label, ddl in [("FTS5, MATCH 'a OR b OR ...'", FTS), ("B-tree, k IN (a, b, ...)", BTREE)]:
        c = fresh(ddl)
        c.execute("PRAGMA synchronous=OFF")
        for s in range(1, rows + 1, batch):
            c.execute("BEGIN")
            c.executemany("INSERT INTO t(rowid, k) VALUES (?, ?)",
                          [(i, f"p{1000000 + i // 200000}x{random.choice(SSINS)}") for i in range(s, s + batch)])
            c.execute("COMMIT")
        for n in (1, 10, 100, 500):
            terms = [f"p{1000000 + random.randrange(10)}x{random.choice(SSINS)}" for _ in range(n)]
            if ddl == FTS:
                sql, args = "SELECT rowid FROM t WHERE t MATCH ?", (" OR ".join(f'"{x}"' for x in terms),)
            else:
                sql, args = f"SELECT rowid FROM t WHERE k IN ({','.join('?' * n)})", terms
            start = time.time()
            for _ in range(20):
                found = c.execute(sql, args).fetchall()
            ms = (time.time() - start) / 20 * 1000
            print(f"{label:<34} {n:>4} keys: {ms:7.2f} ms ({len(found)} rows)", flush=True)


if __name__ == "__main__":
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 1600
    present = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    for p in (0, present):
        commits("B-tree index", BTREE, batch, p)
        commits("FTS5 contentless, detail=none", FTS, batch, p)
    trigger_or_statement(batch, present)
    lookups(batch)
