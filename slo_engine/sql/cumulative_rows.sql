-- cumulative_rows: the cumulative rows (AggregationTemporality = 2) of each request-based
-- SLO's histogram table, service and metric in its window, which the engine does not
-- count. sloscope's processor stores deltas (it converts cumulative streams as they
-- arrive), so such rows come from another writer of the same tables (the Collector's
-- ClickHouse exporter stores what it receives, often cumulative); a cumulative row holds
-- a running total, not the requests of its interval, and is named in the SLO's notes.
--
-- Returns one row per SLO with such rows: slo (1-based index into slos), rows. A row
-- belongs to a window (start, end] by its time, as the interval it ends.
--
-- Parameters: db, slos (per request-based SLO: source, service, metric, window start, end).
WITH
    specs AS (
        SELECT slo, spec.1 AS Source, spec.2 AS ServiceName, spec.3 AS MetricName,
            spec.4 AS WindowStart, spec.5 AS WindowEnd
        FROM system.one
        ARRAY JOIN
            {slos:Array(Tuple(String, String, String, DateTime, DateTime))} AS spec,
            arrayEnumerate({slos:Array(Tuple(String, String, String, DateTime, DateTime))}) AS slo
    ),
    cumulative AS (
        -- both histogram tables at once (\\z ends the name: a dollar sign would open a
        -- fragment placeholder); Source is the table name less 'otel_metrics_'
        SELECT substring(_table, 14) AS Source, ServiceName, MetricName, TimeUnix, count() AS Rows
        FROM merge({db:String}, '^otel_metrics_(exponential_)?histogram\\z')
        WHERE (Source, ServiceName, MetricName) IN (SELECT Source, ServiceName, MetricName FROM specs)
            AND TimeUnix > (SELECT min(WindowStart) FROM specs)
            AND TimeUnix <= (SELECT max(WindowEnd) FROM specs)
            AND AggregationTemporality = 2
        GROUP BY Source, ServiceName, MetricName, TimeUnix
    )
SELECT slo, sum(Rows) AS rows
FROM specs
INNER JOIN cumulative USING (Source, ServiceName, MetricName)
WHERE TimeUnix > WindowStart AND TimeUnix <= WindowEnd
GROUP BY slo
ORDER BY slo
