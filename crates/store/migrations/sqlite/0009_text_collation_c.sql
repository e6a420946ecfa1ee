-- PostgreSQL's migration 9 makes every text column compare byte by byte
-- (collation "C"). SQLite's text columns already do (its default collation,
-- BINARY, is memcmp): nothing to change here. The migration exists so that
-- both backends count their schema versions alike.
SELECT 1;
