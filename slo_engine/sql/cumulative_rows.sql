-- cumulative_rows: the cumulative rows (AggregationTemporality = 2) of each request-based
-- SLO's histogram table, service and metric in its window, which the engine does not
-- count. sloscope's processor stores deltas (it converts cumulative streams as they
-- arrive), so such rows come from another writer of the same tables (the Collector's
-- ClickHouse exporter stores what it receives, often cumulative); a cumulative row holds
-- a running total, not the requests of its interval, and is named in the SLO's notes.
--
-- Returns one row per SLO with such rows: slo (1-based index into s_*), rows. A row
-- belongs to a window (start, end] by its time, as the interval it ends.
--
-- Parameters: db, targets (source, service, metric), read_from, read_to, s_source,
-- s_service, s_metric, s_start, s_end.
WITH
    cumulative AS (
        -- both histogram tables at once (\\z ends the name: a dollar sign would open a
        -- fragment placeholder); Source is the table name less 'otel_metrics_'
        SELECT substring(_table, 14) AS Source, ServiceName, MetricName, TimeUnix, count() AS Rows
        FROM merge({db:String}, '^otel_metrics_(exponential_)?histogram\\z')
        WHERE (substring(_table, 14), ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix > {read_from:DateTime} AND TimeUnix <= {read_to:DateTime}
            AND AggregationTemporality = 2
        GROUP BY Source, ServiceName, MetricName, TimeUnix
    ),
    specs AS (
        SELECT slo, Source, ServiceName, MetricName, WindowStart, WindowEnd
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_source:Array(String)}) AS slo,
            {s_source:Array(String)} AS Source,
            {s_service:Array(String)} AS ServiceName,
            {s_metric:Array(String)} AS MetricName,
            {s_start:Array(DateTime)} AS WindowStart,
            {s_end:Array(DateTime)} AS WindowEnd
    )
SELECT slo, sum(Rows) AS rows
FROM specs
INNER JOIN cumulative USING (Source, ServiceName, MetricName)
WHERE TimeUnix > WindowStart AND TimeUnix <= WindowEnd
GROUP BY slo
ORDER BY slo
