-- A rollup table's rows per minute in [start, end) (unix seconds): the minute, its rows,
-- and its measure, the requests it counts (rows of one key merge, their counts do not
-- change). Parameters: db, t, start, end.
SELECT toUInt32(toStartOfMinute(TimeUnix)) AS Minute, count() AS Rows, sum(Count) AS Measure
FROM {db:Identifier}.{t:Identifier}
WHERE TimeUnix >= toDateTime({start:UInt32}) AND TimeUnix < toDateTime({end:UInt32})
GROUP BY Minute
ORDER BY Minute
