-- The search indexes by person and by declaration, partitioned into runs of
-- 16,384 registrations (by id), so that a new registration's entries go
-- into the current run's small subtree instead of anywhere in a tree of the
-- whole register.
--
-- Keyed (ssin, registration_date) over the whole register, every new
-- registration landed on a leaf page of each of those indexes that the
-- writer's cache did not hold: read back, rewritten into the WAL at the
-- commit and checkpointed, a page of each per registration. They were two
-- thirds of the single writer's work (docs/benchmarks.md, sixth and seventh
-- sessions). Prefixed with the run, the insertion points of a commit are in
-- the last run's subtree (about a hundred leaf pages, always cached): a
-- commit of 1,600 registrations rewrites those pages once.
--
-- A search then looks up its person or declaration once per run whose
-- registrations can fall in its period: registration_runs keeps, for each
-- run, the earliest and latest registration date of its rows (written by
-- the group commit with the rows); the queries that look registrations up
-- by person or declaration join it (crates/store/src/common.rs, RUNS).
-- PostgreSQL keeps its plain indexes: several writers, no such cost.
ALTER TABLE registrations ADD COLUMN index_run INTEGER GENERATED ALWAYS AS (id >> 14) VIRTUAL;

DROP INDEX registrations_ssin;
DROP INDEX registrations_declaration;
CREATE INDEX registrations_run_ssin ON registrations (index_run, ssin, registration_date) WHERE ssin IS NOT NULL;
CREATE INDEX registrations_run_declaration ON registrations (index_run, declaration, registration_date);

CREATE TABLE registration_runs (
    run        INTEGER PRIMARY KEY,
    first_date INTEGER NOT NULL,
    last_date  INTEGER NOT NULL
);
INSERT INTO registration_runs (run, first_date, last_date)
SELECT index_run, MIN(registration_date), MAX(registration_date) FROM registrations GROUP BY index_run;
