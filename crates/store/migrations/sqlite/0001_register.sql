-- ciao schema v1 (SQLite). Instants are INTEGER microseconds since the Unix
-- epoch (UTC); dates are TEXT YYYY-MM-DD; JSON values are TEXT.

CREATE TABLE enterprises (
    enterprise_number TEXT PRIMARY KEY,
    name              TEXT NOT NULL
);

CREATE TABLE enterprise_periods (
    enterprise_number TEXT NOT NULL,
    active_from       TEXT NOT NULL,
    active_to         TEXT,
    PRIMARY KEY (enterprise_number, active_from)
);

CREATE TABLE persons (
    ssin       TEXT PRIMARY KEY,
    last_name  TEXT NOT NULL,
    first_name TEXT NOT NULL
);

CREATE TABLE employments (
    ssin      TEXT NOT NULL,
    employer  TEXT NOT NULL,
    date_from TEXT NOT NULL,
    date_to   TEXT,
    PRIMARY KEY (ssin, employer, date_from)
);
CREATE INDEX employments_employer ON employments (employer, ssin);

CREATE TABLE limosa_declarations (
    limosa_id            TEXT PRIMARY KEY,
    ssin                 TEXT NOT NULL,
    foreign_employer_vat TEXT NOT NULL,
    belgian_client       TEXT,
    date_from            TEXT NOT NULL,
    date_to              TEXT
);
CREATE INDEX limosa_declarations_ssin ON limosa_declarations (ssin);

CREATE TABLE declarations (
    number                  TEXT PRIMARY KEY,
    technical_number        TEXT NOT NULL UNIQUE,
    sector                  TEXT NOT NULL,
    site_name               TEXT NOT NULL,
    street                  TEXT NOT NULL,
    house_number            TEXT NOT NULL,
    post_code               TEXT NOT NULL,
    municipality            TEXT NOT NULL,
    latitude                REAL,
    longitude               REAL,
    start_date              TEXT NOT NULL,
    end_date                TEXT,
    amount_excl_vat_cents   INTEGER NOT NULL,
    principal               TEXT,
    declaring_contractor    TEXT NOT NULL,
    subject_to_registration BOOLEAN NOT NULL
);
CREATE INDEX declarations_declaring_contractor ON declarations (declaring_contractor);
CREATE INDEX declarations_principal ON declarations (principal);

CREATE TABLE subcontractors (
    declaration       TEXT NOT NULL,
    enterprise_number TEXT NOT NULL,
    parent            TEXT NOT NULL,
    date_from         TEXT NOT NULL,
    date_to           TEXT,
    PRIMARY KEY (declaration, enterprise_number)
);
CREATE INDEX subcontractors_enterprise ON subcontractors (enterprise_number);

-- Who may see or register what on a declaration, derived from its chain
-- (employer '*' = every employer). Rebuilt on each import of the declaration
-- or its subcontractors.
CREATE TABLE access_grants (
    viewer      TEXT NOT NULL,
    declaration TEXT NOT NULL,
    employer    TEXT NOT NULL,
    role        TEXT NOT NULL,
    PRIMARY KEY (viewer, declaration, employer)
);
CREATE INDEX access_grants_declaration ON access_grants (declaration);

-- The register. Facts are written once; validity and remarks are the
-- current state derived from registration_events, kept here to be searched.
CREATE TABLE registrations (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_date    INTEGER NOT NULL,
    kind                 TEXT NOT NULL,
    ssin                 TEXT,
    limosa_id            TEXT,
    employer_enterprise  TEXT,
    employer_foreign_vat TEXT,
    declaration          TEXT NOT NULL,
    latitude             REAL,
    longitude            REAL,
    address              TEXT,
    client_reference     TEXT,
    channel              TEXT NOT NULL,
    sender_id            TEXT NOT NULL,
    sender_enterprise    TEXT,
    created_at           INTEGER NOT NULL,
    validity             TEXT NOT NULL,
    remarks              TEXT NOT NULL
);
CREATE UNIQUE INDEX registrations_client_reference ON registrations (sender_id, client_reference)
    WHERE client_reference IS NOT NULL;
CREATE INDEX registrations_date ON registrations (registration_date, id);
CREATE INDEX registrations_ssin ON registrations (ssin, registration_date) WHERE ssin IS NOT NULL;
CREATE INDEX registrations_limosa ON registrations (limosa_id, registration_date) WHERE limosa_id IS NOT NULL;
CREATE INDEX registrations_employer ON registrations (employer_enterprise, registration_date);
CREATE INDEX registrations_declaration ON registrations (declaration, registration_date);
CREATE INDEX registrations_created ON registrations (created_at);

CREATE TABLE registration_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    at              INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    validity        TEXT NOT NULL,
    remarks         TEXT,
    reason          TEXT,
    comment         TEXT,
    actor           TEXT
);
CREATE INDEX registration_events_registration ON registration_events (registration_id, id);

CREATE TABLE registration_remarks (
    code            TEXT NOT NULL,
    registration_id INTEGER NOT NULL,
    PRIMARY KEY (code, registration_id)
);

-- Outbox of the asynchronous validation: filled in the same transaction as
-- the registration.
CREATE TABLE validation_queue (
    registration_id INTEGER PRIMARY KEY,
    enqueued_at     INTEGER NOT NULL,
    lease_until     INTEGER
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
