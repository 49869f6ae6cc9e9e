-- The columns of a table a copy reads and inserts, in order: those `SELECT *` returns
-- (not MATERIALIZED, ALIAS or EPHEMERAL). Parameters: db, t.
SELECT name
FROM system.columns
WHERE database = {db:String} AND table = {t:String}
    AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL')
ORDER BY position
