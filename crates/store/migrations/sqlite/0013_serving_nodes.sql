-- The nodes serving this database, each with the instant it last said it
-- is alive (every few seconds while it serves; its row goes when it stops).
-- What must not run beside a serving node (the secrets key's rotation)
-- looks here first.
CREATE TABLE serving_nodes (
    node         TEXT PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
