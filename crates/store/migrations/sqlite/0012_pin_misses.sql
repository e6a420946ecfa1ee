-- Wrong PINs tried for an SSIN that has no PIN (unknown, or a worker who
-- signs in with a passkey only), counted and locked as worker_credentials
-- counts and locks a real PIN, so that the sign-in's answers do not tell
-- which SSINs have a PIN. In the store, not in a node's memory: on several
-- nodes the count is the same on each. The key is an opaque MAC of the
-- SSIN under the server's secret, not the SSIN (these rows are made by
-- whoever types an SSIN). Rows not touched for 30 days are deleted.
CREATE TABLE pin_misses (
    key             TEXT PRIMARY KEY,
    failed_attempts INTEGER NOT NULL,
    locked_until    INTEGER,
    last_at         INTEGER NOT NULL
);
CREATE INDEX pin_misses_last ON pin_misses (last_at);
