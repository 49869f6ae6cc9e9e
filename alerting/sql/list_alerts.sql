-- list_alerts: alerts, newest version of each, most recent first; states in `states`
-- (every state when empty), started at or after `since`, at most `limit`.
--
-- Parameters: db, states, since, limit.
SELECT ${ALERT_COLUMNS}
FROM {db:Identifier}.sloscope_alerts FINAL
WHERE (empty({states:Array(String)}) OR has({states:Array(String)}, State))
    AND StartsAt >= {since:DateTime64(3)}
ORDER BY StartsAt DESC, AlertId
LIMIT {limit:UInt32}
