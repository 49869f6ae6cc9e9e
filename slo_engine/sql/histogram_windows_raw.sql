-- histogram_windows_raw: the rows of histogram_windows.sql computed from every row of
-- otel_metrics_histogram whose points describe time from seg_starts[1] to data_to (Unix
-- nanoseconds; a point with time T in (seg_starts[1], data_to], in the segment holding
-- T - 1 ns) instead of the rollups: the path
-- with rollups off, and the reference the tests and bench/slo.py hold the rollups to.
-- A file of its own rather than a parameter switching branches of one query, because
-- ClickHouse plans every branch, even one a parameter turns off.
--
-- Parameters: db, targets, seg_starts, data_to, cond_key, cond_op, cond_values,
-- cond_number, group_first, group_count, group_negate, s_service, s_metric, s_filter,
-- s_good, s_per, s_threshold, s_excluded, s_windows.
WITH
    series AS (
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, BoundsHash,
            any(Attributes) AS SeriesAttributes, any(ExplicitBounds) AS bounds
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                {seg_starts:Array(UInt64)}[1], {data_to:UInt64})
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            BoundsHash,
            arrayCount(s -> s < TimeUnixNano, {seg_starts:Array(UInt64)}) AS segment,
            sum(Count) AS total,
            sumForEach(BucketCounts) AS buckets,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                {seg_starts:Array(UInt64)}[1], {data_to:UInt64})
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    ${HISTOGRAM_WINDOWS}
