-- Scans and sizes of the largest user indexes of the connected database.
-- Returns: schemaname, relname, indexrelname, idx_scan, size_bytes.
-- Parameters: {max_indexes} (psycopg.sql.Literal, bigint).
SELECT
    i.schemaname,
    i.relname,
    i.indexrelname,
    i.idx_scan,
    pg_relation_size(i.indexrelid) AS size_bytes
FROM pg_stat_user_indexes AS i
ORDER BY pg_relation_size(i.indexrelid) DESC, i.schemaname, i.indexrelname
LIMIT {max_indexes}
