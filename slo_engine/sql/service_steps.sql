-- service_steps: one service's requests per step: count, failed requests (a status code
-- of 500 or more) and the p50, p95 and p99 latency of the step's merged buckets.
--
-- Returns one row per step with requests: step (0-based index of the step that ends at
-- read_from + (step + 1) * step_s), total, errors, quantiles ([p50, p95, p99] values,
-- NaN when unknown), sorted by step.
--
-- Rows of the minute or hour rollup (table) of the service's request metric from
-- read_from to read_to, of every route or of route alone ('' for every route), summed per
-- step and bucket layout; the layouts of a step are merged on the bounds they share and
-- each quantile is the Prometheus rule clamped by the observed min/max, as the SLO
-- engine takes them (sloscope_shared_quantile_v1).
--
-- Parameters: db, table, service, metric, route, read_from, read_to, step_s.
WITH
    layouts AS (
        SELECT
            intDiv(toUInt32(TimeUnix) - toUInt32({read_from:DateTime}), {step_s:UInt32}) AS step,
            sum(Count) AS layout_total,
            sumIf(Count, toUInt16OrZero(Attributes['http.response.status_code']) >= 500)
                AS layout_errors,
            any(ExplicitBounds) AS layout_bounds,
            sumForEachMerge(BucketCounts) AS layout_buckets,
            sum(MinMaxMissing) AS layout_missing,
            min(Min) AS layout_low,
            max(Max) AS layout_high
        FROM {db:Identifier}.{table:Identifier}
        WHERE ServiceName = {service:String}
            AND MetricName = {metric:String}
            AND ({route:String} = '' OR Attributes['http.route'] = {route:String})
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
        GROUP BY step, BoundsHash
    ),
    steps AS (
        SELECT
            step,
            sum(layout_total) AS total,
            sum(layout_errors) AS errors,
            groupArray(layout_bounds) AS all_bounds,
            groupArray(layout_buckets) AS all_buckets,
            if(sum(layout_missing) = 0, min(layout_low), inf) AS low,
            if(sum(layout_missing) = 0, max(layout_high), -inf) AS high
        FROM layouts
        GROUP BY step
    )
SELECT
    step,
    total,
    errors,
    arrayMap(q -> sloscope_shared_quantile_v1(q, all_bounds, all_buckets, low, high).1,
        [0.5, 0.95, 0.99]) AS quantiles
FROM steps
ORDER BY step
