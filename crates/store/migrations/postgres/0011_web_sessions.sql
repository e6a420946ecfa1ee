-- The web sessions of workers (phones) and employer users, one row per
-- sign-in, so that a person sees where they are signed in and signs out one
-- device (the cookie names its row by person and issue instant). A session
-- without a row (issued before this version) stays valid until it expires.
CREATE TABLE web_sessions (
    kind         TEXT COLLATE "C" NOT NULL,
    ssin         TEXT COLLATE "C" NOT NULL,
    issued_at    BIGINT NOT NULL,
    provider     TEXT COLLATE "C" NOT NULL,
    device       TEXT COLLATE "C" NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    PRIMARY KEY (kind, ssin, issued_at)
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
