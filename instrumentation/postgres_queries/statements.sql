-- Statement totals of the connected database, and its slowest statements by mean time.
-- Returns: queryid (NULL on the totals row), query, calls, total_exec_time_ms, is_total.
--   The first row (is_total) sums every tracked statement; the next rows are the
--   statements whose mean execution time is at least the threshold, slowest first.
-- Parameters: {threshold_ms} (psycopg.sql.Literal, float8),
--   {max_statements} (psycopg.sql.Literal, bigint).
WITH mine AS (
    SELECT s.queryid, s.query, s.calls, s.total_exec_time
    FROM pg_stat_statements AS s
    JOIN pg_database AS d ON d.oid = s.dbid
    WHERE d.datname = current_database()
)
(
    SELECT
        NULL::bigint AS queryid,
        NULL::text AS query,
        coalesce(sum(m.calls), 0)::bigint AS calls,
        coalesce(sum(m.total_exec_time), 0)::float8 AS total_exec_time_ms,
        TRUE AS is_total
    FROM mine AS m
)
UNION ALL
(
    SELECT
        m.queryid,
        m.query,
        m.calls,
        m.total_exec_time AS total_exec_time_ms,
        FALSE AS is_total
    FROM mine AS m
    WHERE m.calls > 0 AND m.total_exec_time / m.calls >= {threshold_ms}
    ORDER BY m.total_exec_time / m.calls DESC, m.queryid
    LIMIT {max_statements}
)
