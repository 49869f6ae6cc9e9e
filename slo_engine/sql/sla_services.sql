-- sla_services: the services that sent a request metric (explicit-bucket histogram rows
-- holding deltas) in [start, end); the SLA report's services when the SLO files name none.
--
-- Returns one row per service name, sorted.
--
-- Parameters: db, metric, start, end.
SELECT DISTINCT ServiceName
FROM {db:Identifier}.otel_metrics_histogram
WHERE MetricName = {metric:String}
    AND TimeUnix >= {start:DateTime}
    AND TimeUnix < {end:DateTime}
    AND bitAnd(Flags, 1) = 0
    AND AggregationTemporality = 1
ORDER BY ServiceName
