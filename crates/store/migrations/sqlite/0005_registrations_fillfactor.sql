-- PostgreSQL sets a fill factor on registrations in this version; SQLite has
-- no such setting. The version is kept so both schemas number alike.
SELECT 1;
