-- histogram_windows: request counts, latency counts and quantiles of explicit-bucket
-- histogram SLOs, per SLO, dimension values and window, in one pass for many SLOs.
--
-- Returns one row per (slo, dims, window): slo (1-based index into the slo_* arrays),
-- dims (values of the SLO's `per` attributes), window (1-based index into window_*),
-- total (requests), good_requests (those the SLO's good filter accepts), good_latency
-- and interpolated (requests at or under the SLO's threshold; 1 when a bucket had to be
-- split), layouts (bucket layouts merged), quantiles: p50, p95, p99 as (value, error) tuples.
--
-- Time is cut into segments (elementary ranges between every window start, exclusion
-- edge and the evaluation instant). Whole hours come from slo_histogram_1h (hour_keys ->
-- hour_segments), the ragged minutes from otel_metrics_histogram (raw_hours to prune,
-- raw_minutes -> raw_segments); with rollups off every minute is a raw minute. A window
-- is the segments from window_first_segment on, less the SLO's slo_excluded segments.
-- Series are matched against SLO filters once, in the daily catalogue slo_series_1d:
-- conditions (cond_*) form groups (group_*), each SLO has a filter group and a good group
-- (0 = every request is good).
--
-- Parameters: db, targets, first_day, last_day, hour_keys, hour_segments, raw_hours,
-- raw_minutes, raw_segments, cond_key, cond_op, cond_values, cond_number, group_first,
-- group_count, group_negate, slo_service, slo_metric, slo_filter, slo_good, slo_per,
-- slo_threshold, slo_excluded, slo_window_first, slo_window_count, window_first_segment.
WITH
    series AS (
        SELECT ServiceName, MetricName, AttributesHash, any(Attributes) AS Attributes
        FROM {db:Identifier}.slo_series_1d
        WHERE Source = 'histogram'
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND Day BETWEEN {first_day:Date} AND {last_day:Date}
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    evaluated AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            Attributes,
            arrayMap(
                c -> multiIf(
                    {cond_op:Array(String)}[c] = 'in',
                        mapContains(Attributes, {cond_key:Array(String)}[c])
                        AND has({cond_values:Array(Array(String))}[c], Attributes[{cond_key:Array(String)}[c]]),
                    {cond_op:Array(String)}[c] = 'not_in',
                        NOT (mapContains(Attributes, {cond_key:Array(String)}[c])
                        AND has({cond_values:Array(Array(String))}[c], Attributes[{cond_key:Array(String)}[c]])),
                    {cond_op:Array(String)}[c] = 'matches',
                        mapContains(Attributes, {cond_key:Array(String)}[c])
                        AND match(Attributes[{cond_key:Array(String)}[c]], {cond_values:Array(Array(String))}[c][1]),
                    {cond_op:Array(String)}[c] = 'exists', mapContains(Attributes, {cond_key:Array(String)}[c]),
                    {cond_op:Array(String)}[c] = 'missing', NOT mapContains(Attributes, {cond_key:Array(String)}[c]),
                    ifNull(multiIf(
                        {cond_op:Array(String)}[c] = 'lt',
                            toFloat64OrNull(Attributes[{cond_key:Array(String)}[c]]) < {cond_number:Array(Float64)}[c],
                        {cond_op:Array(String)}[c] = 'le',
                            toFloat64OrNull(Attributes[{cond_key:Array(String)}[c]]) <= {cond_number:Array(Float64)}[c],
                        {cond_op:Array(String)}[c] = 'gt',
                            toFloat64OrNull(Attributes[{cond_key:Array(String)}[c]]) > {cond_number:Array(Float64)}[c],
                        toFloat64OrNull(Attributes[{cond_key:Array(String)}[c]]) >= {cond_number:Array(Float64)}[c]),
                        false)
                ),
                range(1, length({cond_op:Array(String)}) + 1)
            ) AS condition_ok,
            arrayMap(
                g -> xor(
                    arrayAll(x -> x, arraySlice(condition_ok, {group_first:Array(UInt32)}[g], {group_count:Array(UInt32)}[g])),
                    {group_negate:Array(UInt8)}[g] = 1),
                range(1, length({group_first:Array(UInt32)}) + 1)
            ) AS group_ok
        FROM series
    ),
    matched AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            slo,
            {slo_good:Array(UInt32)}[slo] = 0 OR group_ok[{slo_good:Array(UInt32)}[slo]] AS good,
            arrayMap(k -> Attributes[k], {slo_per:Array(Array(String))}[slo]) AS dims
        FROM evaluated
        ARRAY JOIN arrayFilter(
            j -> {slo_service:Array(String)}[j] = ServiceName
                AND {slo_metric:Array(String)}[j] = MetricName
                AND group_ok[{slo_filter:Array(UInt32)}[j]],
            range(1, length({slo_service:Array(String)}) + 1)
        ) AS slo
    ),
    hourly AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            transform(TimeUnix, {hour_keys:Array(DateTime)}, {hour_segments:Array(UInt32)}, toUInt32(0)) AS segment,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_histogram_1h
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix IN {hour_keys:Array(DateTime)}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    edges AS (
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            BoundsHash,
            transform(toStartOfMinute(TimeUnix), {raw_minutes:Array(DateTime)}, {raw_segments:Array(UInt32)}, toUInt32(0)) AS segment,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEach(BucketCounts) AS buckets,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND toStartOfHour(TimeUnix) IN {raw_hours:Array(DateTime)}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
        HAVING segment > 0
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            segment,
            any(bounds) AS segment_bounds,
            sum(total) AS segment_total,
            sumForEach(buckets) AS segment_buckets,
            min(low) AS segment_low,
            max(high) AS segment_high,
            sum(missing) AS segment_missing
        FROM (SELECT * FROM hourly UNION ALL SELECT * FROM edges)
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    assigned AS (
        SELECT
            slo, good, dims, segment, BoundsHash, segment_bounds, segment_total,
            segment_buckets, segment_low, segment_high, segment_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE NOT has({slo_excluded:Array(Array(UInt32))}[slo], segment)
    ),
    layouts AS (
        SELECT
            slo,
            dims,
            window,
            BoundsHash,
            any(segment_bounds) AS bounds,
            sum(segment_total) AS total,
            sumIf(segment_total, good) AS good_requests,
            sumForEach(segment_buckets) AS buckets,
            min(segment_low) AS low,
            max(segment_high) AS high,
            sum(segment_missing) AS missing
        FROM assigned
        ARRAY JOIN arrayFilter(
            k -> segment >= {window_first_segment:Array(UInt32)}[k],
            range({slo_window_first:Array(UInt32)}[slo],
                  {slo_window_first:Array(UInt32)}[slo] + {slo_window_count:Array(UInt32)}[slo])
        ) AS window
        GROUP BY slo, dims, window, BoundsHash
    ),
    common AS (
        SELECT
            *,
            if(missing = 0, low, inf) AS known_low,
            if(missing = 0, high, -inf) AS known_high,
            if(isNaN({slo_threshold:Array(Float64)}[slo]), (0., 0),
               sloscope_histogram_count_le_v1({slo_threshold:Array(Float64)}[slo], bounds, buckets, known_low, known_high)) AS under,
            arraySort(groupArrayIntersect(bounds) OVER (PARTITION BY slo, dims, window)) AS shared,
            arrayMap(b -> arrayCumSum(buckets)[indexOf(bounds, b)], shared) AS cumulative
        FROM layouts
    ),
    merged AS (
        SELECT
            slo,
            dims,
            window,
            count() AS layouts,
            sum(total) AS window_total,
            sum(good_requests) AS window_good,
            sum(under.1) AS good_latency,
            max(under.2) AS interpolated,
            any(shared) AS shared_bounds,
            sumForEach(cumulative) AS shared_cumulative,
            if(sum(missing) = 0, min(low), inf) AS merged_low,
            if(sum(missing) = 0, max(high), -inf) AS merged_high
        FROM common
        GROUP BY slo, dims, window
    )
SELECT
    slo,
    dims,
    window,
    window_total AS total,
    window_good AS good_requests,
    good_latency,
    interpolated,
    layouts,
    arrayMap(q -> sloscope_histogram_quantile_v1(q, shared_bounds, counts, merged_low, merged_high),
        [0.5, 0.95, 0.99]) AS quantiles
FROM (
    SELECT
        *,
        arrayPopFront(arrayDifference(arrayConcat([toUInt64(0)], shared_cumulative, [window_total]))) AS counts
    FROM merged
)
ORDER BY slo, dims, window
