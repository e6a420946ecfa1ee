-- Passkeys (WebAuthn, ES256) of the users of the employers' online service,
-- a second factor next to the authenticator app: a user signs in with the
-- password and either a TOTP code or one of these passkeys. Text compared
-- byte by byte, as every column since migration 9.
CREATE TABLE employer_passkeys (
    credential_id TEXT COLLATE "C" PRIMARY KEY,
    ssin          TEXT COLLATE "C" NOT NULL,
    public_key    BYTEA NOT NULL,
    sign_count    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX employer_passkeys_ssin ON employer_passkeys (ssin);
