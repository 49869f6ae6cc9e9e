-- A raw table's rows per minute in [start, end) (unix seconds): the minute, its rows, and
-- its measure (the rows again: a raw row never merges with another). Parameters: db, t,
-- start, end.
SELECT toUInt32(toStartOfMinute(TimeUnix)) AS Minute, count() AS Rows, Rows AS Measure
FROM {db:Identifier}.{t:Identifier}
WHERE TimeUnix >= toDateTime({start:UInt32}) AND TimeUnix < toDateTime({end:UInt32})
GROUP BY Minute
ORDER BY Minute
