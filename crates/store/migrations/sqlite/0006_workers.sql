-- The smartphone channel: the accuracy of given coordinates, the rotating
-- site code a registration came through, and the workers' own sign-in
-- (activation codes, PINs, passkeys) and remembered employer choices.
ALTER TABLE registrations ADD COLUMN accuracy_m REAL;
ALTER TABLE registrations ADD COLUMN site_code_issued_at INTEGER;

-- One-time activation codes, stored as SHA-256 hashes (the code itself is
-- printed once by `ciao person activation-code`).
CREATE TABLE worker_activation_codes (
    code_hash  TEXT PRIMARY KEY,
    ssin       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX worker_activation_codes_ssin ON worker_activation_codes (ssin);

-- A worker's sign-in: PIN (argon2id PHC string), failed attempts and lock,
-- and the instant before which sessions are no longer accepted.
CREATE TABLE worker_credentials (
    ssin                 TEXT PRIMARY KEY,
    pin_hash             TEXT,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER,
    sessions_valid_after INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE TABLE worker_passkeys (
    credential_id TEXT PRIMARY KEY,
    ssin          TEXT NOT NULL,
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX worker_passkeys_ssin ON worker_passkeys (ssin);

CREATE TABLE worker_employer_choices (
    ssin        TEXT NOT NULL,
    declaration TEXT NOT NULL,
    employer    TEXT NOT NULL,
    chosen_at   INTEGER NOT NULL,
    PRIMARY KEY (ssin, declaration)
);

