-- Passkeys (WebAuthn, ES256) of the users of the employers' online service,
-- a second factor next to the authenticator app: a user signs in with the
-- password and either a TOTP code or one of these passkeys.
CREATE TABLE employer_passkeys (
    credential_id TEXT PRIMARY KEY,
    ssin          TEXT NOT NULL,
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX employer_passkeys_ssin ON employer_passkeys (ssin);
