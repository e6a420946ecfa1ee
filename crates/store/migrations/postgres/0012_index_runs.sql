-- SQLite's migration 12 partitions its search indexes by person and by
-- declaration into runs of registrations (its single writer's cost);
-- PostgreSQL keeps its plain indexes. The version is kept so that both
-- schemas number alike.
SELECT 1;
