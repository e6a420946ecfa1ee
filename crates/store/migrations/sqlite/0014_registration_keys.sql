-- EXPERIMENT: registrations by person and declaration in an FTS5 index
CREATE VIRTUAL TABLE registration_keys USING fts5(k, content='', detail=none, columnsize=0, tokenize='ascii');
INSERT INTO registration_keys (rowid, k) SELECT id, concat_ws(' ', 'p' || (registration_date / 2764800000000 + 1000000) || 'x' || ssin, 'd' || (registration_date / 86400000000 + 10000000) || 'x' || declaration, 'e' || (registration_date / 2764800000000 + 1000000) || 'x' || declaration) FROM registrations;
DROP INDEX registrations_ssin;
DROP INDEX registrations_declaration;
