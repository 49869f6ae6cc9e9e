-- Row counts, row operations, block reads and sizes of the largest user tables of the
-- connected database.
-- Returns: schemaname, relname, n_live_tup, n_dead_tup, n_tup_ins, n_tup_upd,
--   n_tup_del, n_tup_hot_upd, vacuum_count, heap_blks_read, heap_blks_hit,
--   idx_blks_read, idx_blks_hit, toast_blks_read, toast_blks_hit, tidx_blks_read,
--   tidx_blks_hit, size_bytes, table_count (all user tables, the same on every row).
-- Parameters: {max_tables} (psycopg.sql.Literal, bigint).
SELECT
    t.schemaname,
    t.relname,
    t.n_live_tup,
    t.n_dead_tup,
    t.n_tup_ins,
    t.n_tup_upd,
    t.n_tup_del,
    t.n_tup_hot_upd,
    t.vacuum_count,
    coalesce(io.heap_blks_read, 0) AS heap_blks_read,
    coalesce(io.heap_blks_hit, 0) AS heap_blks_hit,
    coalesce(io.idx_blks_read, 0) AS idx_blks_read,
    coalesce(io.idx_blks_hit, 0) AS idx_blks_hit,
    coalesce(io.toast_blks_read, 0) AS toast_blks_read,
    coalesce(io.toast_blks_hit, 0) AS toast_blks_hit,
    coalesce(io.tidx_blks_read, 0) AS tidx_blks_read,
    coalesce(io.tidx_blks_hit, 0) AS tidx_blks_hit,
    pg_relation_size(t.relid) AS size_bytes,
    count(*) OVER () AS table_count
FROM pg_stat_user_tables AS t
LEFT JOIN pg_statio_user_tables AS io ON io.relid = t.relid
ORDER BY pg_total_relation_size(t.relid) DESC, t.schemaname, t.relname
LIMIT {max_tables}
