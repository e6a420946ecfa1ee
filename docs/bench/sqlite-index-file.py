#!/usr/bin/env python3
"""The read side and the builder's cost of a register whose person and
declaration keys are indexed off the commit path (docs/benchmarks.md, "The
sixth session": what would meet the 150,000 items/s bulk target).

Takes a register made by `ciao bench search --keep-register` (10,000,000
registrations: 20,000 persons, 400 declarations, 125 days), opened read-only,
and builds beside it an index file: `reg_ssin (ssin, registration_date, id)`
and `reg_decl (declaration, registration_date, id)`, WITHOUT ROWID, for
every registration up to a watermark TAIL registrations before the last.
Then it measures:

1. the full build (what a rebuild of a lost index file costs);
2. the two everyday searches (a 50-row page by declaration and day, by
   person and month, with their count) in today's form (the register's own
   indexes) and in the proposed form (ids from the index file up to the
   watermark, UNION ALL the tail after it, scanned by id), same answers;
3. the builder: runs of new entries (random persons and declarations,
   ids after the last), put in a temporary table first (not timed), then
   inserted sorted into both tables by `INSERT ... SELECT ... ORDER BY` in
   one transaction (WAL, synchronous=NORMAL): SQLite's own work per item,
   by run size.

Python's sqlite3 (the system's SQLite, older than ciao's bundled one):
compare the lines with each other.

    python3 docs/bench/sqlite-index-file.py REGISTER.db [TAIL [CACHE_KIB]]

The register keeps its own ssin and declaration indexes (today's form
uses them); the proposed form scans the tail by id (`+key`: no index).
"""
import os
import random
import sqlite3
import sys
import time

REGISTER = sys.argv[1]
TAIL = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
CACHE_KIB = int(sys.argv[3]) if len(sys.argv) > 3 else 8192
INDEX = REGISTER + "-experiment-index.db"


def connect():
    c = sqlite3.connect(INDEX, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    c.execute(f"ATTACH 'file:{REGISTER}?mode=ro' AS reg")
    return c


def build(c, upto):
    c.executescript("""
        DROP TABLE IF EXISTS reg_ssin; DROP TABLE IF EXISTS reg_decl; DROP TABLE IF EXISTS watermark;
        CREATE TABLE reg_ssin (ssin TEXT, registration_date INTEGER, id INTEGER,
            PRIMARY KEY (ssin, registration_date, id)) WITHOUT ROWID;
        CREATE TABLE reg_decl (declaration TEXT, registration_date INTEGER, id INTEGER,
            PRIMARY KEY (declaration, registration_date, id)) WITHOUT ROWID;
        CREATE TABLE watermark (upto INTEGER NOT NULL);""")
    t = time.time()
    c.execute("BEGIN")
    c.execute("INSERT INTO reg_ssin SELECT ssin, registration_date, id FROM reg.registrations "
              "WHERE id <= ? AND ssin IS NOT NULL ORDER BY 1, 2, 3", (upto,))
    c.execute("INSERT INTO reg_decl SELECT declaration, registration_date, id FROM reg.registrations "
              "WHERE id <= ? ORDER BY 1, 2, 3", (upto,))
    c.execute("INSERT INTO watermark VALUES (?)", (upto,))
    c.execute("COMMIT")
    print(f"full build of {upto:,} registrations: {time.time() - t:.1f} s", flush=True)


COLUMNS = "r.id, r.registration_date, r.kind, r.ssin, r.declaration, r.employer_enterprise, r.validity"
TODAY = {
    "ssin": f"SELECT {COLUMNS} FROM reg.registrations r WHERE r.registration_date >= ? AND r.registration_date < ? "
            "AND r.ssin = ? ORDER BY r.registration_date, r.id LIMIT 50",
    "declaration": f"SELECT {COLUMNS} FROM reg.registrations r WHERE r.registration_date >= ? "
                   "AND r.registration_date < ? AND r.declaration = ? ORDER BY r.registration_date, r.id LIMIT 50",
}
TODAY_COUNT = {k: v.replace(f"SELECT {COLUMNS}", "SELECT COUNT(*)").split(" ORDER BY")[0] for k, v in TODAY.items()}


def proposed(key, table, count=False):
    ids = (f"SELECT id FROM {table} WHERE {key} = ?3 AND registration_date >= ?1 AND registration_date < ?2 "
           f"UNION ALL SELECT id FROM reg.registrations WHERE id > (SELECT upto FROM watermark) AND +{key} = ?3")
    what = "COUNT(*)" if count else COLUMNS
    tail = "" if count else " ORDER BY r.registration_date, r.id LIMIT 50"
    return (f"SELECT {what} FROM reg.registrations r WHERE r.id IN ({ids}) "
            f"AND r.registration_date >= ?1 AND r.registration_date < ?2{tail}")


def searches(c, label, sql, count_sql, args_list):
    times = []
    for args in args_list:
        t = time.perf_counter()
        rows = c.execute(sql, args).fetchall()
        n = c.execute(count_sql, args).fetchone()[0]
        times.append(time.perf_counter() - t)
    times.sort()
    p = lambda q: 1000 * times[min(len(times) - 1, int(q * len(times)))]
    print(f"  {label:<44} p50 {p(0.5):6.2f} ms  p99 {p(0.99):6.2f} ms  (last: {len(rows)} rows of {n})", flush=True)
    return rows


def main():
    c = connect()
    last = c.execute("SELECT MAX(id) FROM reg.registrations").fetchone()[0]
    upto = last - TAIL
    build(c, upto)
    persons = [r[0] for r in c.execute("SELECT DISTINCT ssin FROM reg_ssin LIMIT 20000")]
    declarations = [r[0] for r in c.execute("SELECT DISTINCT declaration FROM reg_decl")]
    first, end = c.execute("SELECT MIN(registration_date), MAX(registration_date) FROM reg.registrations").fetchone()
    day = 86_400_000_000
    random.seed(1)
    by_day = []
    for _ in range(300):
        d = first + random.randrange((end - first) // day + 1) * day
        by_day.append((d, d + day, random.choice(declarations)))
    # The last day too: the tail (registrations after the watermark) is there.
    by_day += [(end - end % day, end + 1, random.choice(declarations)) for _ in range(100)]
    by_month = []
    for _ in range(300):
        d = first + random.randrange(max(1, (end - first) // day - 30)) * day
        by_month.append((d, d + 30 * day, random.choice(persons)))
    by_month += [(end - 30 * day, end + 1, random.choice(persons)) for _ in range(100)]
    print(f"searches ({TAIL:,} registrations after the watermark; 400 of each):", flush=True)
    for key, table, args in [("declaration", "reg_decl", by_day), ("ssin", "reg_ssin", by_month)]:
        for a in args[:20]:  # warm both forms
            c.execute(TODAY[key], a).fetchall()
            c.execute(proposed(key, table), a).fetchall()
        a1 = searches(c, f"by {key}, today's form", TODAY[key], TODAY_COUNT[key], args)
        a2 = searches(c, f"by {key}, index file + tail", proposed(key, table), proposed(key, table, True), args)
        same = all(c.execute(TODAY[key], a).fetchall() == c.execute(proposed(key, table), a).fetchall() for a in args)
        print(f"  same pages in both forms: {same}", flush=True)
        plan = c.execute("EXPLAIN QUERY PLAN " + proposed(key, table), args[0]).fetchall()
        print("  plan: " + " | ".join(r[3] for r in plan), flush=True)

    print("builder: sorted runs into both tables, one transaction each (synchronous=NORMAL), "
          "the run read from a table as the builder would read the register's tail:", flush=True)
    c.execute("CREATE TEMP TABLE tail (id INTEGER PRIMARY KEY, ssin TEXT, declaration TEXT, registration_date INTEGER)")
    next_id = last + 1
    now = end + day
    for run in [20_000, 50_000, 200_000]:
        total, spent = 0, 0.0
        while total < 600_000:
            c.execute("DELETE FROM temp.tail")
            c.executemany("INSERT INTO temp.tail VALUES (?, ?, ?, ?)",
                          [(next_id + k, random.choice(persons), random.choice(declarations), now + k) for k in range(run)])
            t = time.perf_counter()
            c.execute("BEGIN")
            c.execute("INSERT INTO reg_ssin SELECT ssin, registration_date, id FROM temp.tail ORDER BY 1, 2, 3")
            c.execute("INSERT INTO reg_decl SELECT declaration, registration_date, id FROM temp.tail ORDER BY 1, 2, 3")
            c.execute("UPDATE watermark SET upto = ?", (next_id + run - 1,))
            c.execute("COMMIT")
            spent += time.perf_counter() - t
            next_id += run
            total += run
        print(f"  runs of {run:>7,}: {total / spent:>9,.0f} items/s, {1e6 * spent / total:5.2f} µs per item, "
              f"{1000 * spent * run / total:6.1f} ms per run", flush=True)
    c.close()
    for f in (INDEX, INDEX + "-wal", INDEX + "-shm"):
        if os.path.exists(f):
            os.remove(f)


main()
