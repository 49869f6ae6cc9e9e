-- exponential_windows_raw: the rows of exponential_windows.sql computed from every row
-- of otel_metrics_exponential_histogram from seg_starts[1] to data_to instead of the
-- rollups (see histogram_windows_raw.sql for why it is a file of its own).
--
-- Parameters: db, targets, seg_starts, data_to, cond_key, cond_op, cond_values,
-- cond_number, group_first, group_count, group_negate, s_service, s_metric, s_filter,
-- s_good, s_per, s_threshold, s_excluded, s_windows.
WITH
    series AS (
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.otel_metrics_exponential_histogram
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                {seg_starts:Array(UInt64)}[1], {data_to:UInt64})
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            Scale,
            arrayCount(s -> s < TimeUnixNano, {seg_starts:Array(UInt64)}) AS segment,
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
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                {seg_starts:Array(UInt64)}[1], {data_to:UInt64})
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    ${EXPONENTIAL_WINDOWS}
