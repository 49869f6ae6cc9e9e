-- exponential_windows: request counts, latency counts and percentiles of
-- exponential-histogram SLOs, per SLO, dimension values and window, in one query.
--
-- Returns one row per (slo, dims, window), as histogram_windows.sql: slo, dims, window,
-- total, good_requests, good_latency, interpolated, layouts (scales merged), quantiles
-- ((value, error) for p50, p95, p99, window 1 only).
--
-- Rows of different scales are merged at the smallest scale among them (bucket index
-- i >> (scale - smallest), sloscope_exponential_merge_v1); values inside a bucket are
-- interpolated log-linearly, inside the zero bucket linearly; negative observations only
-- count as below any positive threshold. Series matching (cond_*, group_*, s_*), time and
-- windows work as in histogram_windows.sql: whole hours from
-- slo_exponential_histogram_1h, other minutes from slo_exponential_histogram_1m
-- (edge_minutes), or every row of otel_metrics_exponential_histogram with use_raw = 1.
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
        SELECT ServiceName, MetricName, AttributesHash, any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.slo_exponential_histogram_1h
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix BETWEEN {first_hour:DateTime} AND {last_hour:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash
        UNION ALL
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.otel_metrics_exponential_histogram
        WHERE {use_raw:UInt8} = 1
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1] AND TimeUnix < {data_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    matched AS (
        SELECT
            slo,
            ServiceName,
            MetricName,
            AttributesHash,
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
            Scale,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sum(ZeroCount) AS zero_count,
            max(ZeroThreshold) AS zero_threshold,
            sumMap(Positive) AS positive,
            arraySum(sumMap(Negative).2) AS negative,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_exponential_histogram_1h
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1]
            AND TimeUnix + 3600 <= {data_to:DateTime}
            AND NOT arrayExists(
                s -> s > TimeUnix AND s < TimeUnix + 3600, {seg_starts:Array(DateTime)})
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            Scale,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sum(ZeroCount) AS zero_count,
            max(ZeroThreshold) AS zero_threshold,
            sumMap(Positive) AS positive,
            arraySum(sumMap(Negative).2) AS negative,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_exponential_histogram_1m
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix IN {edge_minutes:Array(DateTime)}
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            Scale,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sum(ZeroCount) AS zero_count,
            max(ZeroThreshold) AS zero_threshold,
            sumMap(
                arrayMap(i -> toInt32(PositiveOffset + i), range(length(PositiveBucketCounts))),
                PositiveBucketCounts) AS positive,
            sum(arraySum(NegativeBucketCounts)) AS negative,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_exponential_histogram
        WHERE {use_raw:UInt8} = 1
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1] AND TimeUnix < {data_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    scales AS (
        SELECT
            slo,
            dims,
            window,
            Scale,
            any(threshold) AS slo_threshold,
            sum(total) AS scale_total,
            sumIf(total, good = 1) AS scale_good,
            sum(zero_count) AS scale_zero,
            max(zero_threshold) AS scale_zero_threshold,
            sumMap(positive) AS scale_positive,
            sum(negative) AS scale_negative,
            min(low) AS scale_low,
            max(high) AS scale_high,
            sum(missing) AS scale_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        ARRAY JOIN
            arrayFilter(k -> segment >= window_segments[k], arrayEnumerate(window_segments))
            AS window
        WHERE NOT has(excluded, segment)
        GROUP BY slo, dims, window, Scale
    ),
    windows AS (
        SELECT
            slo,
            dims,
            window,
            any(slo_threshold) AS threshold,
            count() AS layouts,
            sum(scale_total) AS total,
            sum(scale_good) AS good_requests,
            min(Scale) AS scale,
            sloscope_exponential_merge_v1(groupArray(Scale), groupArray(scale_positive)) AS buckets,
            sum(scale_negative) AS below_zero,
            sum(scale_zero) AS zeros,
            max(scale_zero_threshold) AS zero_width,
            if(sum(scale_missing) = 0, min(scale_low), inf) AS low,
            if(sum(scale_missing) = 0, max(scale_high), -inf) AS high
        FROM scales
        GROUP BY slo, dims, window
    )
SELECT
    slo,
    dims,
    window,
    total,
    good_requests,
    under.1 AS good_latency,
    under.2 AS interpolated,
    layouts,
    if(window = 1,
        arrayMap(q -> sloscope_exponential_quantile_v1(q, scale, below_zero, zeros, zero_width,
            buckets.1, buckets.2, low, high), [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM (
    SELECT
        *,
        if(isNaN(threshold), (0., 0),
            sloscope_exponential_count_le_v1(threshold, scale, below_zero, zeros, zero_width,
                buckets.1, buckets.2, low, high)) AS under
    FROM windows
)
ORDER BY slo, dims, window
