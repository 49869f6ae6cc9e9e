-- One chunk of a copy: a table's rows in [start, end) (unix seconds), every column that
-- `SELECT *` returns (copy_columns.sql). Parameters: db, t, start, end.
SELECT *
FROM {db:Identifier}.{t:Identifier}
WHERE TimeUnix >= toDateTime({start:UInt32}) AND TimeUnix < toDateTime({end:UInt32})
