-- exponential_windows: request counts, latency counts and percentiles of
-- exponential-histogram SLOs, per SLO, dimension values and window.
--
-- Returns one row per (slo, dim_group, window), as histogram_windows.sql: slo, dim_group,
-- window, total, good_requests, good_latency, interpolated, layouts (scales merged),
-- quantiles ((value, error) for p50, p95, p99, first window of each SLO only).
--
-- Rows of different scales are merged at the smallest scale among them (bucket index
-- i >> (scale - smallest), sloscope_exponential_merge_v1); values inside a bucket are
-- interpolated log-linearly, inside the zero bucket linearly; negative observations only
-- count as below any positive threshold. Series (m_*, series), time and windows work as
-- in histogram_windows.sql: whole hours from slo_exponential_histogram_1h,
-- other minutes from slo_exponential_histogram_1m (edge_minutes), or every row of
-- otel_metrics_exponential_histogram from raw_from to raw_to.
--
-- Parameters: db, use_raw, m_slo, m_service, m_metric, m_hash, m_good, m_group,
-- seg_starts, edge_minutes, raw_from, raw_to, s_threshold, s_excluded,
-- s_first_window, s_window_count, window_first_segment.
WITH
    specs AS (
        SELECT slo, threshold, excluded, range(first_window, first_window + window_count) AS windows
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_threshold:Array(Float64)}) AS slo,
            {s_threshold:Array(Float64)} AS threshold,
            {s_excluded:Array(Array(UInt32))} AS excluded,
            {s_first_window:Array(UInt32)} AS first_window,
            {s_window_count:Array(UInt32)} AS window_count
    ),
    matched AS (
        SELECT slo, ServiceName, MetricName, AttributesHash, good, dim_group, threshold, excluded, windows
        FROM (
            SELECT slo, ServiceName, MetricName, AttributesHash, good, dim_group
        FROM system.one
        ARRAY JOIN
            {m_slo:Array(UInt32)} AS slo,
            {m_service:Array(String)} AS ServiceName,
            {m_metric:Array(String)} AS MetricName,
            {m_hash:Array(UInt64)} AS AttributesHash,
            {m_good:Array(UInt8)} AS good,
            {m_group:Array(UInt32)} AS dim_group
        ) AS series
        INNER JOIN specs USING (slo)
    ),
    hourly AS (
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
            sumMap(Negative).2 AS negative,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_exponential_histogram_1h
        WHERE (ServiceName, MetricName, AttributesHash) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
            AND {use_raw:UInt8} = 0
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1]
            AND TimeUnix + 3600 <= {raw_to:DateTime}
            AND NOT arrayExists(
                s -> s > TimeUnix AND s < TimeUnix + 3600, {seg_starts:Array(DateTime)})
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    minutes AS (
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
            sumMap(Negative).2 AS negative,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_exponential_histogram_1m
        WHERE (ServiceName, MetricName, AttributesHash) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
            AND TimeUnix IN {edge_minutes:Array(DateTime)}
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    raw AS (
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
            sumMap(
                arrayMap(i -> toInt32(NegativeOffset + i), range(length(NegativeBucketCounts))),
                NegativeBucketCounts).2 AS negative,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_exponential_histogram
        WHERE TimeUnix >= {raw_from:DateTime} AND TimeUnix < {raw_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND (ServiceName, MetricName, cityHash64(Attributes)) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            Scale,
            segment,
            sum(total) AS segment_total,
            sum(zero_count) AS segment_zero,
            max(zero_threshold) AS segment_zero_threshold,
            sumMap(positive) AS segment_positive,
            sum(arraySum(negative)) AS segment_negative,
            min(low) AS segment_low,
            max(high) AS segment_high,
            sum(missing) AS segment_missing
        FROM (SELECT * FROM hourly UNION ALL SELECT * FROM minutes UNION ALL SELECT * FROM raw)
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    assigned AS (
        SELECT
            slo, good, dim_group, threshold, windows, segment, Scale, segment_total, segment_zero,
            segment_zero_threshold, segment_positive, segment_negative, segment_low,
            segment_high, segment_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE NOT has(excluded, segment)
    ),
    scales AS (
        SELECT
            slo,
            dim_group,
            window,
            Scale,
            any(threshold) AS slo_threshold,
            window = any(windows[1]) AS first_window,
            sum(segment_total) AS total,
            sumIf(segment_total, good = 1) AS good_requests,
            sum(segment_zero) AS zero_count,
            max(segment_zero_threshold) AS zero_threshold,
            sumMap(segment_positive) AS positive,
            sum(segment_negative) AS negative,
            min(segment_low) AS low,
            max(segment_high) AS high,
            sum(segment_missing) AS missing
        FROM assigned
        ARRAY JOIN arrayFilter(k -> segment >= {window_first_segment:Array(UInt32)}[k], windows) AS window
        GROUP BY slo, dim_group, window, Scale
    ),
    merged AS (
        SELECT
            slo,
            dim_group,
            window,
            any(slo_threshold) AS threshold,
            any(first_window) AS quantiles_wanted,
            count() AS layouts,
            sum(total) AS window_total,
            sum(good_requests) AS window_good,
            min(Scale) AS scale,
            sloscope_exponential_merge_v1(groupArray(Scale), groupArray(positive)) AS buckets,
            sum(negative) AS below_zero,
            sum(zero_count) AS zeros,
            max(zero_threshold) AS zero_width,
            if(sum(missing) = 0, min(low), inf) AS merged_low,
            if(sum(missing) = 0, max(high), -inf) AS merged_high
        FROM scales
        GROUP BY slo, dim_group, window
    ),
    counted AS (
        SELECT
            *,
            if(isNaN(threshold), (0., 0),
                sloscope_exponential_count_le_v1(threshold, scale, below_zero, zeros, zero_width,
                    buckets.1, buckets.2, merged_low, merged_high)) AS under
        FROM merged
    )
SELECT
    slo,
    dim_group,
    window,
    window_total AS total,
    window_good AS good_requests,
    under.1 AS good_latency,
    under.2 AS interpolated,
    layouts,
    if(quantiles_wanted,
        arrayMap(q -> sloscope_exponential_quantile_v1(q, scale, below_zero, zeros, zero_width,
            buckets.1, buckets.2, merged_low, merged_high), [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM counted
ORDER BY slo, dim_group, window
