-- histogram_windows: request counts, latency counts and percentiles of explicit-bucket
-- histogram SLOs, per SLO, dimension values and window, in one pass for many SLOs, from
-- the rollups: the series are matched, read, summed per window and judged in this one
-- query. histogram_windows_raw.sql computes the same from the raw table.
--
-- Returns one row per (slo, dims, window) with requests: slo (1-based index into the s_*
-- columns), dims (the values of the SLO's `per` attributes), window (1-based index into
-- the SLO's s_windows), total (requests), good_requests (those of series the SLO's good
-- filter accepts), good_latency and interpolated (requests at or under the SLO's
-- threshold; 1 when a bucket had to be split), layouts (bucket layouts merged), quantiles:
-- p50, p95, p99 as (value, error) tuples for window 1 (empty for the others).
--
-- Series: each (service, metric, attributes, bucket layout) with data in the daily
-- rollup from first_day to last_day, matched against the SLOs' filters by
-- sloscope_filter_groups_v1: cond_* are conditions (attribute, op, values, number),
-- group_* filters as runs of them (first condition, count, negate).
-- Time is cut into segments (elementary ranges between every window start, exclusion edge
-- and the evaluation instant; seg_starts in order, Unix nanoseconds, slo_engine/_plan.py):
-- whole UTC days come from slo_histogram_1d (days), their other whole hours from
-- slo_histogram_1h (hours), other whole minutes from slo_histogram_1m (edge_minutes), and
-- the parts of minutes a boundary cuts (partial: (from, to) nanoseconds) from the raw rows
-- whose points describe time inside them (sloscope_point_in_v1; partial_minutes, the
-- minutes their TimeUnix lies in, only narrows the read). A rollup row belongs to the
-- segment holding its first instant, a raw point to the one holding its last (T - 1 ns).
-- A window is the segments from its first segment (s_windows) on, less the SLO's excluded
-- segments. Quantiles and threshold counts are taken once per window from the summed
-- buckets.
--
-- Parameters: db, targets, first_day, last_day, seg_starts, days, hours, edge_minutes,
-- partial_minutes, partial,
-- cond_key, cond_op, cond_values, cond_number, group_first, group_count, group_negate,
-- s_service, s_metric, s_filter, s_good, s_per, s_threshold, s_excluded, s_windows.
WITH
    series AS (
        SELECT ServiceName, MetricName, AttributesHash, BoundsHash,
            any(Attributes) AS SeriesAttributes, any(ExplicitBounds) AS bounds
        FROM {db:Identifier}.slo_histogram_1d
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix BETWEEN {first_day:DateTime} AND {last_day:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            arrayCount(s -> s <= Instant, {seg_starts:Array(UInt64)}) AS segment,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM (
            SELECT ServiceName, MetricName, AttributesHash, BoundsHash,
                toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 AS Instant, Count,
                BucketCounts, Min, Max, MinMaxMissing
            FROM {db:Identifier}.slo_histogram_1d
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND TimeUnix IN {days:Array(DateTime)}
            UNION ALL
            SELECT ServiceName, MetricName, AttributesHash, BoundsHash,
                toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 AS Instant, Count,
                BucketCounts, Min, Max, MinMaxMissing
            FROM {db:Identifier}.slo_histogram_1h
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND TimeUnix IN {hours:Array(DateTime)}
            UNION ALL
            SELECT ServiceName, MetricName, AttributesHash, BoundsHash,
                toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 AS Instant, Count,
                BucketCounts, Min, Max, MinMaxMissing
            FROM {db:Identifier}.slo_histogram_1m
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND TimeUnix IN {edge_minutes:Array(DateTime)}
            UNION ALL
            SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, BoundsHash,
                TimeUnixNano - 1 AS Instant, Count,
                initializeAggregation('sumForEachState', BucketCounts) AS BucketCounts,
                if(HasMin, Min, inf) AS Min, if(HasMax, Max, -inf) AS Max,
                toUInt64(NOT (HasMin AND HasMax) AND Count > 0) AS MinMaxMissing
            FROM {db:Identifier}.otel_metrics_histogram
            ${PARTIAL_ROWS}
        )
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    ${HISTOGRAM_WINDOWS}
