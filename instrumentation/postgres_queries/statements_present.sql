-- Whether the pg_stat_statements extension is installed in the connected database
-- (querying it still fails when the library is not in shared_preload_libraries).
-- Returns: present (boolean).
-- Parameters: none.
SELECT EXISTS (
    SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'
) AS present
