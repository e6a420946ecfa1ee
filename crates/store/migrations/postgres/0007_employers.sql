-- The employers' online service: users of enterprises (enterprise_users)
-- sign in with a password (argon2id) and a TOTP second factor. Invitations
-- are one-time codes, stored as SHA-256 hashes.
CREATE TABLE employer_credentials (
    ssin                 TEXT PRIMARY KEY,
    password_hash        TEXT NOT NULL,
    totp_secret          BYTEA NOT NULL,
    totp_last_step       BIGINT,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         BIGINT,
    sessions_valid_after BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE employer_invitations (
    code_hash  TEXT PRIMARY KEY,
    ssin       TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX employer_invitations_ssin ON employer_invitations (ssin);

-- The enterprise's audit log: who did what, and who consulted what.
ALTER TABLE audit_log ADD COLUMN enterprise_number TEXT;
CREATE INDEX audit_log_enterprise ON audit_log (enterprise_number, id);
