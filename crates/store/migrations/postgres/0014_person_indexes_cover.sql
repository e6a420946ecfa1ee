-- The person indexes carry each registration's declaration and employer
-- (INCLUDE: stored in the entries, not part of the key). A search by person
-- and period first counts the person's registrations per (declaration,
-- employer), for the access rule and the total; with these columns in the
-- index that count is an index-only scan (a few index pages) instead of a
-- heap page per registration (about 35 random reads for a month of a
-- person in `ciao bench search`'s register; on a machine whose page cache
-- does not hold the register, each a disk read). The same key as before, so
-- every other lookup by person (validation's neighbours, the worker's
-- days) is served as it was. Building the new indexes takes a while on a
-- large register (about 9 s per 10,000,000 registrations on 2 cores),
-- during which registrations wait and reads go on; both are built before
-- the old ones are dropped, as a DROP INDEX locks the table against reads
-- too until the migrations' transaction commits.
CREATE INDEX registrations_ssin_cover ON registrations (ssin, registration_date)
    INCLUDE (declaration, employer_enterprise) WHERE ssin IS NOT NULL;
CREATE INDEX registrations_limosa_cover ON registrations (limosa_id, registration_date)
    INCLUDE (declaration, employer_enterprise) WHERE limosa_id IS NOT NULL;
DROP INDEX registrations_ssin;
ALTER INDEX registrations_ssin_cover RENAME TO registrations_ssin;
DROP INDEX registrations_limosa;
ALTER INDEX registrations_limosa_cover RENAME TO registrations_limosa;
