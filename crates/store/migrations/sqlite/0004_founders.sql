-- Founders and self-employed partners of enterprises (enterprises import,
-- optional columns legal_form and founders), for the founder remarks.
ALTER TABLE enterprises ADD COLUMN legal_form TEXT NOT NULL DEFAULT 'legal_entity';

CREATE TABLE enterprise_founders (
    enterprise_number TEXT NOT NULL,
    active_from       TEXT NOT NULL,
    ssin              TEXT NOT NULL,
    PRIMARY KEY (enterprise_number, active_from, ssin)
);
CREATE INDEX enterprise_founders_ssin ON enterprise_founders (ssin);
