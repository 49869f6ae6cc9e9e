-- exponential_windows: request counts, latency counts and percentiles of
-- exponential-histogram SLOs, per SLO, dimension values and window, in one query, from
-- the rollups; exponential_windows_raw.sql computes the same from the raw table.
--
-- Returns one row per (slo, dims, window), as histogram_windows.sql: slo, dims, window,
-- total, good_requests, good_latency, interpolated, layouts (scales merged), quantiles
-- ((value, error) for p50, p95, p99, window 1 only).
--
-- Rows of different scales are merged at the smallest scale among them (bucket index
-- i >> (scale - smallest), sloscope_exponential_merge_v1); values inside a bucket are
-- interpolated log-linearly, inside the zero bucket linearly; negative observations only
-- count as below any positive threshold. Series matching (cond_*, group_*, s_*), time and
-- windows work as in histogram_windows.sql: whole days from slo_exponential_histogram_1d,
-- other whole hours from slo_exponential_histogram_1h,
-- other whole minutes from slo_exponential_histogram_1m, the parts of minutes a boundary
-- cuts from otel_metrics_exponential_histogram.
--
-- Parameters: db, targets, first_day, last_day, seg_starts, days, hours, edge_minutes,
-- partial_minutes, partial,
-- cond_key, cond_op, cond_values, cond_number, group_first, group_count, group_negate,
-- s_service, s_metric, s_filter, s_good, s_per, s_threshold, s_excluded, s_windows.
WITH
    series AS (
        SELECT ServiceName, MetricName, AttributesHash, any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.slo_exponential_histogram_1d
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix BETWEEN {first_day:DateTime} AND {last_day:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    segments AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            Scale,
            arrayCount(s -> s <= Instant, {seg_starts:Array(UInt64)}) AS segment,
            sum(Count) AS total,
            sum(ZeroCount) AS zero_count,
            max(ZeroThreshold) AS zero_threshold,
            sumMap(Positive) AS positive,
            arraySum(sumMap(Negative).2) AS negative,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM (
            SELECT ServiceName, MetricName, AttributesHash, Scale,
                toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 AS Instant, Count, ZeroCount,
                ZeroThreshold, Positive, Negative, Min, Max, MinMaxMissing
            FROM {db:Identifier}.slo_exponential_histogram_1d
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND TimeUnix IN {days:Array(DateTime)}
            UNION ALL
            SELECT ServiceName, MetricName, AttributesHash, Scale,
                toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 AS Instant, Count, ZeroCount,
                ZeroThreshold, Positive, Negative, Min, Max, MinMaxMissing
            FROM {db:Identifier}.slo_exponential_histogram_1h
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND TimeUnix IN {hours:Array(DateTime)}
            UNION ALL
            SELECT ServiceName, MetricName, AttributesHash, Scale,
                toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 AS Instant, Count, ZeroCount,
                ZeroThreshold, Positive, Negative, Min, Max, MinMaxMissing
            FROM {db:Identifier}.slo_exponential_histogram_1m
            WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
                AND TimeUnix IN {edge_minutes:Array(DateTime)}
            UNION ALL
            SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, Scale,
                TimeUnixNano - 1 AS Instant, Count, ZeroCount, ZeroThreshold,
                (arrayMap(i -> toInt32(PositiveOffset + i), range(length(PositiveBucketCounts))),
                    PositiveBucketCounts) AS Positive,
                (arrayMap(i -> toInt32(NegativeOffset + i), range(length(NegativeBucketCounts))),
                    NegativeBucketCounts) AS Negative,
                if(HasMin, Min, inf) AS Min, if(HasMax, Max, -inf) AS Max,
                toUInt64(NOT (HasMin AND HasMax) AND Count > 0) AS MinMaxMissing
            FROM {db:Identifier}.otel_metrics_exponential_histogram
            ${PARTIAL_ROWS}
        )
        GROUP BY ServiceName, MetricName, AttributesHash, Scale, segment
    ),
    ${EXPONENTIAL_WINDOWS}
