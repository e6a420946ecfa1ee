-- Channel management: who manages an enterprise's channels, its REST
-- accounts and their certificates; the memory of client-assertion ids
-- (replay protection shared by every node); server secrets.

CREATE TABLE enterprise_users (
    enterprise_number TEXT NOT NULL,
    ssin              TEXT NOT NULL,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    appointed_by      TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (enterprise_number, ssin, role)
);
CREATE INDEX enterprise_users_ssin ON enterprise_users (ssin);

CREATE TABLE rest_accounts (
    sender_number      INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id          TEXT NOT NULL UNIQUE,
    enterprise_number  TEXT NOT NULL,
    name               TEXT NOT NULL,
    permissions        TEXT NOT NULL,
    state              TEXT NOT NULL,
    tokens_valid_after INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE INDEX rest_accounts_enterprise ON rest_accounts (enterprise_number);

CREATE TABLE rest_certificates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_number INTEGER NOT NULL REFERENCES rest_accounts (sender_number),
    name          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL UNIQUE,
    der           BLOB NOT NULL,
    subject       TEXT NOT NULL,
    not_after     INTEGER NOT NULL,
    added_at      INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX rest_certificates_account ON rest_certificates (sender_number);

-- Bumped by every change of accounts or certificates: nodes poll it to
-- refresh their in-memory view without a query per request.
CREATE TABLE channel_version (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO channel_version (id, version) VALUES (1, 1);

CREATE TABLE assertion_jti (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX assertion_jti_expires ON assertion_jti (expires_at);

CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
