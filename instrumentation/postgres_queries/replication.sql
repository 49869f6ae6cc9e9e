-- Standbys streaming from this server (none on a standby or a server without replicas).
-- Returns: client (address, or 'unix' for a socket), replay_known (whether the standby
--   has reported its replay position yet), data_delay_bytes (NULL during recovery or
--   while unknown), write_lag_s, flush_lag_s, replay_lag_s (NULL once the standby has
--   caught up and is idle, or while unknown).
-- Parameters: none.
SELECT
    coalesce(host(r.client_addr), 'unix') AS client,
    r.replay_lsn IS NOT NULL AS replay_known,
    CASE
        WHEN NOT pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint
    END AS data_delay_bytes,
    extract(EPOCH FROM r.write_lag)::float8 AS write_lag_s,
    extract(EPOCH FROM r.flush_lag)::float8 AS flush_lag_s,
    extract(EPOCH FROM r.replay_lag)::float8 AS replay_lag_s
FROM pg_stat_replication AS r
ORDER BY client, r.pid
