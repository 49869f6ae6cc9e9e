-- histogram_windows: request counts, latency counts and percentiles of explicit-bucket
-- histogram SLOs, per SLO, dimension values and window, in one pass for many SLOs: the
-- series are matched, read, summed per window and judged in this one query.
--
-- Returns one row per (slo, dims, window) with requests: slo (1-based index into the s_*
-- columns), dims (the values of the SLO's `per` attributes), window (1-based index into
-- the SLO's s_windows), total (requests), good_requests (those of series the SLO's good
-- filter accepts), good_latency and interpolated (requests at or under the SLO's
-- threshold; 1 when a bucket had to be split), layouts (bucket layouts merged), quantiles:
-- p50, p95, p99 as (value, error) tuples for window 1 (empty for the others).
--
-- Series: each (service, metric, attributes, bucket layout) with data in the hourly
-- rollup from first_hour to last_hour, or with use_raw = 1 in the raw table from
-- seg_starts[1] to data_to, matched against the SLOs' filters by
-- sloscope_filter_groups_v1: cond_* are conditions (attribute, op, values, number),
-- group_* filters as runs of them (first condition, count, negate).
-- Time is cut into segments (elementary ranges between every window start, exclusion edge
-- and the evaluation instant; seg_starts in order): whole hours come from slo_histogram_1h
-- (the hours no segment start falls inside), other minutes from slo_histogram_1m
-- (edge_minutes); with use_raw = 1 every row of otel_metrics_histogram instead. A window
-- is the segments from its first segment (s_windows) on, less the SLO's excluded segments.
-- Quantiles and threshold counts are taken once per window from the summed buckets.
--
-- Parameters: db, use_raw, targets, first_hour, last_hour, seg_starts, edge_minutes,
-- data_to, cond_key, cond_op, cond_values, cond_number, group_first, group_count,
-- group_negate, s_service, s_metric, s_filter, s_good, s_per, s_threshold, s_excluded,
-- s_windows.
WITH
    specs AS (
        SELECT slo, ServiceName, MetricName, filter_group, good_group, per, threshold, excluded,
            window_segments
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_service:Array(String)}) AS slo,
            {s_service:Array(String)} AS ServiceName,
            {s_metric:Array(String)} AS MetricName,
            {s_filter:Array(UInt32)} AS filter_group,
            {s_good:Array(UInt32)} AS good_group,
            {s_per:Array(Array(String))} AS per,
            {s_threshold:Array(Float64)} AS threshold,
            {s_excluded:Array(Array(UInt32))} AS excluded,
            {s_windows:Array(Array(UInt32))} AS window_segments
    ),
    series AS (
        SELECT ServiceName, MetricName, AttributesHash, BoundsHash,
            any(Attributes) AS SeriesAttributes, any(ExplicitBounds) AS bounds
        FROM {db:Identifier}.slo_histogram_1h
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix BETWEEN {first_hour:DateTime} AND {last_hour:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash
        UNION ALL
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, BoundsHash,
            any(Attributes) AS SeriesAttributes, any(ExplicitBounds) AS bounds
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE {use_raw:UInt8} = 1
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1] AND TimeUnix < {data_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash
    ),
    matched AS (
        SELECT
            slo,
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            bounds,
            toUInt8(good_group = 0 OR group_ok[good_group]) AS good,
            arrayMap(k -> SeriesAttributes[k], per) AS dims,
            threshold,
            excluded,
            window_segments
        FROM (
            SELECT
                *,
                sloscope_filter_groups_v1(SeriesAttributes,
                    {cond_key:Array(String)}, {cond_op:Array(String)},
                    {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
                    {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
                    {group_negate:Array(UInt8)}) AS group_ok
            FROM series
        ) AS evaluated
        INNER JOIN specs USING (ServiceName, MetricName)
        WHERE group_ok[filter_group]
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_histogram_1h
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1]
            AND TimeUnix + 3600 <= {data_to:DateTime}
            AND NOT arrayExists(
                s -> s > TimeUnix AND s < TimeUnix + 3600, {seg_starts:Array(DateTime)})
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_histogram_1m
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix IN {edge_minutes:Array(DateTime)}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            BoundsHash,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sumForEach(BucketCounts) AS buckets,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE {use_raw:UInt8} = 1
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1] AND TimeUnix < {data_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    layouts AS (
        SELECT
            slo,
            dims,
            window,
            any(threshold) AS slo_threshold,
            any(bounds) AS layout_bounds,
            sum(total) AS layout_total,
            sumIf(total, good = 1) AS layout_good,
            sumForEach(buckets) AS layout_buckets,
            min(low) AS layout_low,
            max(high) AS layout_high,
            sum(missing) AS layout_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash, BoundsHash)
        ARRAY JOIN
            arrayFilter(k -> segment >= window_segments[k], arrayEnumerate(window_segments))
            AS window
        WHERE NOT has(excluded, segment)
        GROUP BY slo, dims, window, BoundsHash
    ),
    windows AS (
        SELECT
            slo,
            dims,
            window,
            count() AS layouts,
            sum(layout_total) AS total,
            sum(layout_good) AS good_requests,
            sum(under.1) AS good_latency,
            max(under.2) AS interpolated,
            groupArrayIf(layout_bounds, window = 1) AS all_bounds,
            groupArrayIf(layout_buckets, window = 1) AS all_buckets,
            if(sum(layout_missing) = 0, min(layout_low), inf) AS low,
            if(sum(layout_missing) = 0, max(layout_high), -inf) AS high
        FROM (
            SELECT
                *,
                if(isNaN(slo_threshold), (0., 0),
                    sloscope_histogram_count_le_v1(slo_threshold, layout_bounds, layout_buckets,
                        if(layout_missing = 0, layout_low, inf),
                        if(layout_missing = 0, layout_high, -inf))) AS under
            FROM layouts
        )
        GROUP BY slo, dims, window
    )
SELECT
    slo,
    dims,
    window,
    total,
    good_requests,
    good_latency,
    interpolated,
    layouts,
    if(window = 1,
        arrayMap(q -> sloscope_histogram_quantile_v1(q, shared_bounds, shared_counts, low, high),
            [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM (
    SELECT
        *,
        arraySort(arrayReduce('groupArrayIntersect', all_bounds)) AS shared_bounds,
        sloscope_shared_counts_v1(shared_bounds, all_bounds, all_buckets) AS shared_counts
    FROM windows
)
ORDER BY slo, dims, window
