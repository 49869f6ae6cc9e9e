-- sla_services: the services that sent a request metric (explicit-bucket histograms, as
-- the minute rollup slo_histogram_1m holds them) in [start, end); the SLA report's
-- services when the SLO files name none.
--
-- Returns one row per service name, sorted.
--
-- Parameters: db, metric, start, end.
SELECT DISTINCT ServiceName
FROM {db:Identifier}.slo_histogram_1m
WHERE MetricName = {metric:String}
    AND TimeUnix >= {start:DateTime}
    AND TimeUnix < {end:DateTime}
ORDER BY ServiceName
