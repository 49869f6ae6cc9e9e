-- histogram_windows_raw: the rows of histogram_windows.sql computed from every row of
-- otel_metrics_histogram from seg_starts[1] to data_to instead of the rollups: the path
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
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1] AND TimeUnix < {data_to:DateTime}
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
            arrayCount(s -> s <= TimeUnix, {seg_starts:Array(DateTime)}) AS segment,
            sum(Count) AS total,
            sumForEach(BucketCounts) AS buckets,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {seg_starts:Array(DateTime)}[1] AND TimeUnix < {data_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, segment
    ),
    ${HISTOGRAM_WINDOWS}
