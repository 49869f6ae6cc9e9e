-- The metrics that have sent series to the overflow series (the counts table holds one
-- row per metric once merged, so reading it whole is cheap). Parameters: db, counts.
SELECT ServiceName, MetricName, sum(OverflowSeries) AS Series
FROM {db:Identifier}.{counts:Identifier}
GROUP BY ServiceName, MetricName
HAVING Series > 0
