-- exponential_slices: time-slice counts of exponential-histogram SLOs, per SLO, dimension
-- values and window or hour block: the same rows and rules as histogram_slices.sql, with each slice's
-- scales merged at the smallest (sloscope_exponential_merge_v1) and the threshold count
-- and quantile taken from sloscope_exponential_count_le_v1 and
-- sloscope_exponential_quantile_v1 (log-linear inside a bucket).
-- Minutes come from slo_exponential_histogram_1m, or with use_raw = 1 from
-- otel_metrics_exponential_histogram. Series (bucket_series: those whose buckets are
-- summed), SLO columns, read hours and blocks as in histogram_slices.sql.
--
-- Parameters: db, series, bucket_series, m_slo, m_service, m_metric, m_hash, m_good, m_group,
-- use_raw, read_from, read_to, read_hours, block_from, block_count, block_modes, s_kind, s_threshold, s_q, s_slice, s_target,
-- s_min_events, s_ratio, s_excluded, s_window_starts, s_end.
WITH
    ${SLICE_SERIES},
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
            sumMapIf(Positive, (ServiceName, MetricName, AttributesHash)
                IN {bucket_series:Array(Tuple(String, String, UInt64))}) AS positive,
            arraySum(sumMap(Negative).2) AS negative,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_exponential_histogram_1m
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName, AttributesHash) IN {series:Array(Tuple(String, String, UInt64))}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
            AND intDiv(toUnixTimestamp(TimeUnix), 3600) IN {read_hours:Array(UInt32)}
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, minute
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            Scale,
            sloscope_point_minute_v1(TimeUnixNano) AS minute,
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
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                toUnixTimestamp({read_from:DateTime}) * 1000000000,
                toUnixTimestamp({read_to:DateTime}) * 1000000000)
            AND intDiv(toUnixTimestamp(sloscope_point_minute_v1(TimeUnixNano)), 3600)
                IN {read_hours:Array(UInt32)}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND (ServiceName, MetricName, cityHash64(Attributes)) IN {series:Array(Tuple(String, String, UInt64))}
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, minute
    ),
    assigned AS (
        SELECT
            slo, dim_group, good, kind, threshold, q, slice_target, min_events, ratio_sum_wanted,
            window_starts, intDiv(toUnixTimestamp(minute), slice_s) * slice_s AS slice,
            Scale, total, zero_count, zero_threshold, positive, negative, low, high, missing
        FROM minutes
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE slice + slice_s <= slices_end AND ${SLICE_MODE} != 0
            AND NOT arrayExists(r -> slice < r.2 AND slice + slice_s > r.1, excluded)
    ),
    scales AS (
        SELECT
            slo,
            dim_group,
            slice,
            Scale,
            any(kind) AS slo_kind,
            any(threshold) AS slo_threshold,
            any(q) AS slo_q,
            any(slice_target) AS slo_target,
            any(min_events) AS slo_min_events,
            any(ratio_sum_wanted) AS slo_ratio_sum_wanted,
            any(window_starts) AS slo_window_starts,
            sum(total) AS scale_total,
            sumIf(total, good = 1) AS scale_good,
            sum(zero_count) AS scale_zero,
            max(zero_threshold) AS scale_zero_threshold,
            if(slo_kind = 'availability', ([], []), sumMap(positive)) AS scale_positive,
            sum(negative) AS scale_negative,
            min(low) AS scale_low,
            max(high) AS scale_high,
            sum(missing) AS scale_missing
        FROM assigned
        GROUP BY slo, dim_group, slice, Scale
    ),
    slices AS (
        SELECT
            slo,
            dim_group,
            slice,
            any(slo_kind) AS kind,
            any(slo_threshold) AS threshold,
            any(slo_q) AS q,
            any(slo_target) AS slice_target,
            any(slo_min_events) AS min_events,
            any(slo_ratio_sum_wanted) AS ratio_sum_wanted,
            any(slo_window_starts) AS window_starts,
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
        GROUP BY slo, dim_group, slice
    ),
    judged AS (
        SELECT
            slo,
            dim_group,
            slice,
            kind,
            threshold,
            slice_target,
            min_events,
            ratio_sum_wanted,
            window_starts,
            events,
            multiIf(
                kind = 'availability', toFloat64(good_requests),
                kind = 'latency',
                    sloscope_exponential_count_le_v1(threshold, scale, below_zero, zeros,
                        zero_width, buckets.1, buckets.2, merged_low, merged_high).1,
                0.) AS good_events,
            if(kind = 'percentile',
                sloscope_exponential_quantile_v1(q, scale, below_zero, zeros, zero_width,
                    buckets.1, buckets.2, merged_low, merged_high).1,
                nan) AS quantile
        FROM slices
        WHERE events > 0
    ),
    verdicts AS (
        SELECT
            *,
            events < greatest(min_events, 1) AS low_traffic,
            if(kind = 'percentile', toFloat64(quantile <= threshold), good_events / events) AS ratio,
            NOT low_traffic AND if(kind = 'percentile', quantile <= threshold, ratio >= slice_target)
                AS good_slice
        FROM judged
    )
${SLICE_TOTALS}
