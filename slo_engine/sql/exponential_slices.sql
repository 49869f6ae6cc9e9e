-- exponential_slices: time-slice counts of exponential-histogram SLOs, per SLO, dimension
-- values and window: the same rows and rules as histogram_slices.sql, with each slice's
-- scales merged at the smallest (sloscope_exponential_merge_v1) and the threshold count
-- and quantile taken from sloscope_exponential_count_le_v1 and
-- sloscope_exponential_quantile_v1 (log-linear inside a bucket).
-- Minutes come from slo_exponential_histogram_1m, or with use_raw = 1 from
-- otel_metrics_exponential_histogram. slos are (kind, threshold, q, slice_s,
-- slice_target, min_events, excluded (start, end) ranges, window starts, slices_end), times
-- in Unix seconds.
--
-- Parameters: db, targets, hashes, matched, use_raw, read_from, read_to, slos.
WITH
    matched AS (
        SELECT m.1 AS slo, m.2 AS ServiceName, m.3 AS MetricName, m.4 AS AttributesHash,
            m.5 AS good, m.6 AS dims
        FROM (
            SELECT arrayJoin({matched:Array(Tuple(UInt32, String, String, UInt64, UInt8, Array(String)))}) AS m
        )
    ),
    minutes AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            Scale,
            TimeUnix AS minute,
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
            AND AttributesHash IN {hashes:Array(UInt64)}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, minute
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            Scale,
            toStartOfMinute(TimeUnix) AS minute,
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
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND cityHash64(Attributes) IN {hashes:Array(UInt64)}
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, minute
    ),
    assigned AS (
        SELECT
            slo,
            dims,
            good,
            {slos:Array(Tuple(String, Float64, Float64, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS spec,
            intDiv(toUnixTimestamp(minute), spec.4) * spec.4 AS slice,
            Scale,
            total,
            zero_count,
            zero_threshold,
            positive,
            negative,
            low,
            high,
            missing
        FROM minutes
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE slice + spec.4 <= spec.9
            AND NOT arrayExists(r -> slice < r.2 AND slice + spec.4 > r.1, spec.7)
    ),
    scales AS (
        SELECT
            slo,
            dims,
            slice,
            Scale,
            {slos:Array(Tuple(String, Float64, Float64, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS slo_spec,
            sum(total) AS scale_total,
            sumIf(total, good = 1) AS scale_good,
            sum(zero_count) AS scale_zero,
            max(zero_threshold) AS scale_zero_threshold,
            if(slo_spec.1 = 'availability', ([], []), sumMap(positive)) AS scale_positive,
            sum(negative) AS scale_negative,
            min(low) AS scale_low,
            max(high) AS scale_high,
            sum(missing) AS scale_missing
        FROM assigned
        GROUP BY slo, dims, slice, Scale
    ),
    slices AS (
        SELECT
            slo,
            dims,
            slice,
            {slos:Array(Tuple(String, Float64, Float64, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS s,
            sum(scale_total) AS events,
            sum(scale_good) AS good_requests,
            min(Scale) AS scale,
            sloscope_exponential_merge_v1(groupArray(Scale), groupArray(scale_positive)) AS buckets,
            sum(scale_negative) AS below_zero,
            sum(scale_zero) AS zeros,
            max(scale_zero_threshold) AS zero_width,
            if(sum(scale_missing) = 0, min(scale_low), inf) AS merged_low,
            if(sum(scale_missing) = 0, max(scale_high), -inf) AS merged_high
        FROM scales
        GROUP BY slo, dims, slice
    ),
    judged AS (
        SELECT
            slo,
            dims,
            slice,
            events,
            multiIf(
                s.1 = 'availability', toFloat64(good_requests),
                s.1 = 'latency',
                    sloscope_exponential_count_le_v1(s.2, scale, below_zero, zeros, zero_width,
                        buckets.1, buckets.2, merged_low, merged_high).1,
                0.) AS good_events,
            if(s.1 = 'percentile',
                sloscope_exponential_quantile_v1(s.3, scale, below_zero, zeros, zero_width,
                    buckets.1, buckets.2, merged_low, merged_high).1,
                nan) AS quantile,
            events < greatest(s.6, 1) AS low_traffic,
            if(s.1 = 'percentile', toFloat64(quantile <= s.2), good_events / events) AS ratio,
            NOT low_traffic AND if(s.1 = 'percentile', quantile <= s.2, ratio >= s.5) AS good_slice,
            s.8 AS window_starts
        FROM slices
        WHERE events > 0
    )
SELECT
    slo,
    dims,
    window,
    count() AS slice_count,
    countIf(low_traffic) AS low_traffic_count,
    countIf(good_slice) AS good_slice_count,
    arraySum(arraySort(groupArrayIf(ratio, NOT low_traffic))) AS ratio_sum,
    sum(events) AS event_count,
    arraySum(arraySort(groupArray(toFloat64(good_events)))) AS good_event_count
FROM judged
ARRAY JOIN arrayFilter(k -> slice >= window_starts[k], range(1, length(window_starts) + 1)) AS window
GROUP BY slo, dims, window
ORDER BY slo, dims, window
