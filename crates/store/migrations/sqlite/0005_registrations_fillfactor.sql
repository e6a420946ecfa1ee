-- PostgreSQL sets fill factors on registrations and the validation queue in this version; SQLite has
-- no such setting. The version is kept so both schemas number alike.
SELECT 1;
