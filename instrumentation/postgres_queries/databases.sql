-- Per-database activity and size, one row per database that accepts connections.
-- Returns: datname, xact_commit, xact_rollback, blks_read, blks_hit, tup_returned,
--   tup_fetched, tup_inserted, tup_updated, tup_deleted, deadlocks, temp_files,
--   temp_bytes, size_bytes (NULL without CONNECT privilege).
-- Parameters: none.
SELECT
    d.datname,
    s.xact_commit,
    s.xact_rollback,
    s.blks_read,
    s.blks_hit,
    s.tup_returned,
    s.tup_fetched,
    s.tup_inserted,
    s.tup_updated,
    s.tup_deleted,
    s.deadlocks,
    s.temp_files,
    s.temp_bytes,
    CASE
        WHEN has_database_privilege(d.datname, 'CONNECT') THEN pg_database_size(d.oid)
    END AS size_bytes
FROM pg_database AS d
JOIN pg_stat_database AS s ON s.datid = d.oid
WHERE d.datallowconn AND NOT d.datistemplate
ORDER BY d.datname
