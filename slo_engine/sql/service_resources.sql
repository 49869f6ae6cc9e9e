-- service_resources: one service's resource gauges per step (host and process CPU and
-- memory utilisation, as the instrumentation reports them): the mean of the step's
-- points over every series of the metric (CPUs, instances).
--
-- Returns one row per (metric, step) with points: MetricName, step (0-based index of the
-- step that ends at read_from + (step + 1) * step_s), value; sorted.
--
-- Parameters: db, service, metrics, read_from, read_to, step_s.
SELECT
    MetricName,
    intDiv(toUInt32(TimeUnix) - toUInt32({read_from:DateTime}), {step_s:UInt32}) AS step,
    avg(Value) AS value
FROM {db:Identifier}.otel_metrics_gauge
WHERE ServiceName = {service:String}
    AND MetricName IN {metrics:Array(String)}
    AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
    AND bitAnd(Flags, 1) = 0
GROUP BY MetricName, step
ORDER BY MetricName, step
