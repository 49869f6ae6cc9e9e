-- histogram_windows: request counts, latency counts and percentiles of explicit-bucket
-- histogram SLOs, per SLO, dimension values and window, in one pass for many SLOs.
--
-- Returns one row per (slo, dim_group, window): slo (1-based index into the s_* columns),
-- dim_group (the SLO's series with the same `per` values, as m_group numbers them),
-- window (1-based index into window_first_segment), total (requests), good_requests
-- (those of series the SLO's good filter accepts), good_latency and interpolated (requests at or under the SLO's threshold; 1 when a
-- bucket had to be split), layouts (bucket layouts merged), quantiles: p50, p95, p99 as
-- (value, error) tuples, for each SLO's first window only (empty for the others).
--
-- m_* list each SLO's series (slo, service, metric, attributes hash, good, and the
-- dimension group: one id per SLO and values of its `per` attributes). Time is cut
-- into segments (elementary ranges between every window start, exclusion edge and the
-- evaluation instant; seg_starts in order): whole hours come from slo_histogram_1h
-- (the hours no segment start falls inside), other minutes from slo_histogram_1m
-- (edge_minutes); with use_raw = 1 every row of otel_metrics_histogram from raw_from to
-- raw_to instead. A window is the segments from window_first_segment on, less the SLO's excluded
-- segments. The SLOs are columns s_*: threshold (nan for none), excluded segments, first
-- window and window count.
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
            BoundsHash,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_histogram_1h
        WHERE (ServiceName, MetricName, AttributesHash) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
            AND {use_raw:UInt8} = 0
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1]
            AND TimeUnix + 3600 <= {raw_to:DateTime}
            AND NOT arrayExists(
                s -> s > TimeUnix AND s < TimeUnix + 3600, {seg_starts:Array(DateTime)})
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    minutes AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_histogram_1m
        WHERE (ServiceName, MetricName, AttributesHash) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
            AND TimeUnix IN {edge_minutes:Array(DateTime)}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    raw AS (
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            BoundsHash,
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEach(BucketCounts) AS buckets,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE TimeUnix >= {raw_from:DateTime} AND TimeUnix < {raw_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND (ServiceName, MetricName, cityHash64(Attributes)) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
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
        FROM (SELECT * FROM hourly UNION ALL SELECT * FROM minutes UNION ALL SELECT * FROM raw)
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    assigned AS (
        SELECT
            slo, good, dim_group, threshold, windows, segment, BoundsHash, segment_bounds,
            segment_total, segment_buckets, segment_low, segment_high, segment_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE NOT has(excluded, segment)
    ),
    layouts AS (
        SELECT
            slo,
            dim_group,
            window,
            BoundsHash,
            any(threshold) AS slo_threshold,
            window = any(windows[1]) AS first_window,
            any(segment_bounds) AS bounds,
            sum(segment_total) AS total,
            sumIf(segment_total, good = 1) AS good_requests,
            sumForEach(segment_buckets) AS buckets,
            min(segment_low) AS low,
            max(segment_high) AS high,
            sum(segment_missing) AS missing
        FROM assigned
        ARRAY JOIN arrayFilter(k -> segment >= {window_first_segment:Array(UInt32)}[k], windows) AS window
        GROUP BY slo, dim_group, window, BoundsHash
    ),
    counted AS (
        SELECT
            *,
            if(isNaN(slo_threshold), (0., 0),
                sloscope_histogram_count_le_v1(slo_threshold, bounds, buckets,
                    if(missing = 0, low, inf), if(missing = 0, high, -inf))) AS under
        FROM layouts
    ),
    merged AS (
        SELECT
            slo,
            dim_group,
            window,
            any(first_window) AS quantiles_wanted,
            count() AS layouts,
            sum(total) AS window_total,
            sum(good_requests) AS window_good,
            sum(under.1) AS good_latency,
            max(under.2) AS interpolated,
            groupArrayIf(bounds, first_window) AS all_bounds,
            groupArrayIf(buckets, first_window) AS all_buckets,
            if(sum(missing) = 0, min(low), inf) AS merged_low,
            if(sum(missing) = 0, max(high), -inf) AS merged_high
        FROM counted
        GROUP BY slo, dim_group, window
    ),
    shared AS (
        SELECT
            *,
            arraySort(arrayReduce('groupArrayIntersect', all_bounds)) AS shared_bounds,
            sloscope_shared_counts_v1(shared_bounds, all_bounds, all_buckets) AS shared_counts
        FROM merged
    )
SELECT
    slo,
    dim_group,
    window,
    window_total AS total,
    window_good AS good_requests,
    good_latency,
    interpolated,
    layouts,
    if(quantiles_wanted,
        arrayMap(q -> sloscope_histogram_quantile_v1(q, shared_bounds, shared_counts, merged_low, merged_high),
            [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM shared
ORDER BY slo, dim_group, window
