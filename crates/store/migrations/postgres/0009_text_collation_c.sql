-- Every text column compared byte by byte (collation "C"). The register's
-- text columns are identifiers (SSIN, enterprise and declaration numbers,
-- client references, codes), compared for equality and in B-tree indexes;
-- under a libc collation such as C.UTF-8 or en_US.UTF-8, PostgreSQL 15
-- compares them with strcoll() after copying both into NUL-terminated
-- buffers (`perf` on the search and registration benchmarks: varstr_cmp,
-- strcoll, pg_newlocale_from_collation in every index descent). Equal
-- strings stay equal and identifiers (ASCII) keep their order; only the
-- order of non-ASCII text would change, and the register sorts by no such
-- column. All columns of all tables at once, so that no comparison between
-- two columns mixes two collations (an index serves a comparison only in
-- its own collation). One ALTER TABLE per table: its indexes are rebuilt
-- once.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.table_name,
               string_agg(format('ALTER COLUMN %I TYPE text COLLATE "C"', c.column_name), ', '
                          ORDER BY c.ordinal_position) AS changes
        FROM information_schema.columns c
        JOIN information_schema.tables tb
          ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
        WHERE c.table_schema = current_schema()
          AND c.data_type = 'text'
          AND c.collation_name IS DISTINCT FROM 'C'
        GROUP BY c.table_name
        ORDER BY c.table_name
    LOOP
        EXECUTE format('ALTER TABLE %I %s', t.table_name, t.changes);
    END LOOP;
END
$$;
