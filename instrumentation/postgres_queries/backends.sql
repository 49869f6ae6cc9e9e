-- Client backends by database and state, plus the server's connection limit.
-- Returns: datname, state, backends, max_connections (the same on every row).
-- Parameters: none.
SELECT
    a.datname,
    coalesce(a.state, 'unknown') AS state,
    count(*) AS backends,
    current_setting('max_connections')::bigint AS max_connections
FROM pg_stat_activity AS a
WHERE a.datname IS NOT NULL AND a.backend_type = 'client backend'
GROUP BY a.datname, a.state
ORDER BY a.datname, state
