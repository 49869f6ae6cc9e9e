-- The series counts per metric, summed, for a copy: what the summing table reads as.
-- Parameters: db, counts.
SELECT
    ServiceName,
    MetricName,
    sum(AdmittedSeries) AS AdmittedSeries,
    sum(OverflowSeries) AS OverflowSeries
FROM {db:Identifier}.{counts:Identifier}
GROUP BY ServiceName, MetricName
