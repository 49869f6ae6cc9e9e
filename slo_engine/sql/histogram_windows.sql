-- histogram_windows: request counts, latency counts and percentiles of explicit-bucket
-- histogram SLOs, per SLO, dimension values and window, in one pass for many SLOs.
--
-- Returns one row per (slo, dims, window): slo (1-based index into slos), dims (values of
-- the SLO's `per` attributes), window (1-based index into window_first_segment), total
-- (requests), good_requests (those of series the SLO's good filter accepts),
-- good_latency and interpolated (requests at or under the SLO's threshold; 1 when a
-- bucket had to be split), layouts (bucket layouts merged), quantiles: p50, p95, p99 as
-- (value, error) tuples, for each SLO's first window only (empty for the others).
--
-- matched lists each SLO's series, (slo, service, metric, attributes hash, good, dims)
-- as series.sql returns them; hashes are their distinct attribute hashes. Time is cut
-- into segments (elementary ranges between every window start, exclusion edge and the
-- evaluation instant; seg_starts in order): whole hours come from slo_histogram_1h
-- (hour_keys), other minutes from slo_histogram_1m (edge_minutes), and, for the raw path,
-- every row of otel_metrics_histogram from raw_from to raw_to (the other two lists empty).
-- A window is the segments from window_first_segment on, less the SLO's excluded
-- segments. slos are (threshold or nan, excluded segments, first window, window count).
--
-- Parameters: db, targets, hashes, matched, seg_starts, hour_keys, edge_minutes,
-- raw_from, raw_to, slos, window_first_segment.
WITH
    matched AS (
        SELECT m.1 AS slo, m.2 AS ServiceName, m.3 AS MetricName, m.4 AS AttributesHash,
            m.5 AS good, m.6 AS dims
        FROM (
            SELECT arrayJoin({matched:Array(Tuple(UInt32, String, String, UInt64, UInt8, Array(String)))}) AS m
        )
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
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix IN {hour_keys:Array(DateTime)}
            AND AttributesHash IN {hashes:Array(UInt64)}
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
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND AttributesHash IN {hashes:Array(UInt64)}
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
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {raw_from:DateTime} AND TimeUnix < {raw_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND cityHash64(Attributes) IN {hashes:Array(UInt64)}
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
            slo, good, dims, segment, BoundsHash, segment_bounds, segment_total,
            segment_buckets, segment_low, segment_high, segment_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE NOT has({slos:Array(Tuple(Float64, Array(UInt32), UInt32, UInt32))}[slo].2, segment)
    ),
    layouts AS (
        SELECT
            slo,
            dims,
            window,
            BoundsHash,
            any(segment_bounds) AS bounds,
            sum(segment_total) AS total,
            sumIf(segment_total, good = 1) AS good_requests,
            sumForEach(segment_buckets) AS buckets,
            min(segment_low) AS low,
            max(segment_high) AS high,
            sum(segment_missing) AS missing
        FROM assigned
        ARRAY JOIN arrayFilter(
            k -> segment >= {window_first_segment:Array(UInt32)}[k],
            range({slos:Array(Tuple(Float64, Array(UInt32), UInt32, UInt32))}[slo].3,
                  {slos:Array(Tuple(Float64, Array(UInt32), UInt32, UInt32))}[slo].3
                  + {slos:Array(Tuple(Float64, Array(UInt32), UInt32, UInt32))}[slo].4)
        ) AS window
        GROUP BY slo, dims, window, BoundsHash
    ),
    counted AS (
        SELECT
            *,
            {slos:Array(Tuple(Float64, Array(UInt32), UInt32, UInt32))}[slo].1 AS threshold,
            if(isNaN(threshold), (0., 0),
                sloscope_histogram_count_le_v1(threshold, bounds, buckets,
                    if(missing = 0, low, inf), if(missing = 0, high, -inf))) AS under
        FROM layouts
    ),
    merged AS (
        SELECT
            slo,
            dims,
            window,
            window = {slos:Array(Tuple(Float64, Array(UInt32), UInt32, UInt32))}[slo].3 AS first_window,
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
        GROUP BY slo, dims, window
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
    dims,
    window,
    window_total AS total,
    window_good AS good_requests,
    good_latency,
    interpolated,
    layouts,
    if(first_window,
        arrayMap(q -> sloscope_histogram_quantile_v1(q, shared_bounds, shared_counts, merged_low, merged_high),
            [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM shared
ORDER BY slo, dims, window
