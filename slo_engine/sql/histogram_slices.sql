-- histogram_slices: time-slice counts of explicit-bucket histogram SLOs, per SLO,
-- dimension values and window or hour block.
--
-- Returns one row per (slo, dim_group, window, block) that had a slice with events: slo
-- (1-based index into the s_* columns), dim_group (as m_group numbers them), window
-- (1-based index into the SLO's window starts, 0 for a block), block (the Unix start of
-- an hour counted as one block, 0 for a window; see _slice_mode.sql), slice_count (slices
-- with events), low_traffic_count (those with fewer than min_events), good_slice_count
-- and, for a ratio_timeslices SLO, ratio_sum (the sum of the per-slice ratios of the
-- slices that are not low traffic; _slice_totals.sql).
--
-- A slice is slice_s seconds long and starts at a multiple of slice_s since the epoch;
-- only slices that lie wholly before slices_end and touch no excluded range count, and a
-- window holds the slices that start at or after its start. Per slice: availability
-- counts the requests of series the good filter accepts; latency the requests at or
-- under the threshold (the rule of sloscope_histogram_count_le_v1, applied per bucket
-- layout to sums taken per minute: the bucket holding the threshold, the requests below
-- and inside it); a slice is good when its ratio reaches slice_target. percentile: a
-- slice is good when its q-quantile (Prometheus' rule, clamped by min/max) is at or
-- under the threshold, which is when the count at or under the threshold reaches
-- q * requests, or, without a known maximum, when the threshold is at or above the last
-- finite bound; with several layouts in one slice, each layout is counted on its own.
-- Minutes come from slo_histogram_1m, or with use_raw = 1 from otel_metrics_histogram,
-- each point in the minute of its last instant (T - 1 ns, sloscope_point_minute_v1).
-- Series (m_*, series) are as in histogram_windows.sql; bucket_series are those a latency
-- or percentile SLO reads (the others need their counts only). The SLOs are columns s_*: kind
-- (availability, latency, percentile), threshold, q, slice length in seconds,
-- slice_target, min_events, excluded (start, end) ranges, window starts and the end of
-- the last whole slice, times in Unix seconds.
--
-- Only minutes of the hours in read_hours are read.
--
-- Parameters: db, series, bucket_series, m_slo, m_service, m_metric, m_hash, m_good, m_group,
-- use_raw, read_from, read_to, read_hours, block_from, block_count, block_modes, s_kind, s_threshold, s_q, s_slice, s_target,
-- s_min_events, s_ratio, s_excluded, s_window_starts, s_end.
WITH
    ${SLICE_SERIES},
    -- Availability SLOs need each slice's counts alone: their minutes are summed per slice
    -- with two sums, apart from the bucket arithmetic of the others.
    counts AS (
        SELECT ServiceName, MetricName, AttributesHash, TimeUnix AS minute, Count AS total
        FROM {db:Identifier}.slo_histogram_1m
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName, AttributesHash) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched
                WHERE kind = 'availability')
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
            AND intDiv(toUnixTimestamp(TimeUnix), 3600) IN {read_hours:Array(UInt32)}
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            sloscope_point_minute_v1(TimeUnixNano) AS minute,
            Count AS total
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE {use_raw:UInt8} = 1
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                toUnixTimestamp({read_from:DateTime}) * 1000000000,
                toUnixTimestamp({read_to:DateTime}) * 1000000000)
            AND intDiv(toUnixTimestamp(sloscope_point_minute_v1(TimeUnixNano)), 3600)
                IN {read_hours:Array(UInt32)}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND (ServiceName, MetricName, cityHash64(Attributes)) IN {series:Array(Tuple(String, String, UInt64))}
    ),
    counted AS (
        SELECT
            slo,
            dim_group,
            intDiv(toUnixTimestamp(minute), slice_s) * slice_s AS slice,
            sum(total) AS events,
            sumIf(total, good = 1) AS good_requests,
            0. AS under,
            inf AS last_bound,
            1 AS extremes_known
        FROM counts
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE kind = 'availability' AND slice + slice_s <= slices_end AND ${SLICE_MODE} != 0
        GROUP BY slo, dim_group, slice
    ),
    minutes AS (
        -- Rows as stored, not grouped: everything below sums over rows, so rows of one
        -- minute that a merge has not combined yet add up the same.
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            TimeUnix AS minute,
            ExplicitBounds AS bounds,
            Count AS total,
            finalizeAggregation(BucketCounts) AS buckets,
            Min AS low,
            Max AS high,
            MinMaxMissing AS missing
        FROM {db:Identifier}.slo_histogram_1m
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName, AttributesHash) IN {bucket_series:Array(Tuple(String, String, UInt64))}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
            AND intDiv(toUnixTimestamp(TimeUnix), 3600) IN {read_hours:Array(UInt32)}
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            BoundsHash,
            sloscope_point_minute_v1(TimeUnixNano) AS minute,
            ExplicitBounds AS bounds,
            Count AS total,
            BucketCounts AS buckets,
            if(HasMin, Min, inf) AS low,
            if(HasMax, Max, -inf) AS high,
            toUInt64(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE {use_raw:UInt8} = 1
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                toUnixTimestamp({read_from:DateTime}) * 1000000000,
                toUnixTimestamp({read_to:DateTime}) * 1000000000)
            AND intDiv(toUnixTimestamp(sloscope_point_minute_v1(TimeUnixNano)), 3600)
                IN {read_hours:Array(UInt32)}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND (ServiceName, MetricName, cityHash64(Attributes)) IN {bucket_series:Array(Tuple(String, String, UInt64))}
    ),
    -- Per row only what the layouts sum: the SLO's spec (its window starts and excluded
    -- ranges) is joined once per slice, in verdicts, not once per minute row.
    assigned AS (
        SELECT
            slo, dim_group, threshold,
            intDiv(toUnixTimestamp(minute), slice_s) * slice_s AS slice,
            BoundsHash, total, low, high, missing,
            length(bounds) AS bound_count,
            arrayFirstIndex(b -> b >= threshold, arrayPushBack(bounds, inf)) AS k,
            arraySum(arraySlice(buckets, 1, k - 1)) AS below,
            buckets[k] AS inside,
            bounds[k - 1] AS low_bound,
            bounds[k] AS high_bound,
            bounds[-1] AS last_bound
        FROM minutes
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE kind != 'availability' AND slice + slice_s <= slices_end AND ${SLICE_MODE} != 0
    ),
    layouts AS (
        SELECT
            slo,
            dim_group,
            slice,
            sum(total) AS layout_total,
            if(sum(missing) = 0, max(high), -inf) AS layout_high,
            sum(missing) AS layout_missing,
            any(last_bound) AS layout_last_bound,
            sloscope_histogram_split_v1(any(threshold), sum(below), sum(inside), layout_total,
                any(k), any(bound_count), any(low_bound), any(high_bound),
                if(layout_missing = 0, min(low), inf), layout_high).1 AS layout_under
        FROM assigned
        GROUP BY slo, dim_group, slice, BoundsHash
    ),
    slices AS (
        SELECT slo, dim_group, slice, events, good_requests, under, last_bound, extremes_known
        FROM counted
        UNION ALL
        SELECT
            slo,
            dim_group,
            slice,
            sum(layout_total) AS events,
            toUInt64(0) AS good_requests,
            sum(layout_under) AS under,
            max(layout_last_bound) AS last_bound,
            sum(layout_missing) = 0 AS extremes_known
        FROM layouts
        GROUP BY slo, dim_group, slice
    ),
    verdicts AS (
        SELECT
            slo,
            dim_group,
            slice,
            window_starts,
            ratio_sum_wanted,
            events,
            multiIf(kind = 'availability', toFloat64(good_requests), under) AS good_events,
            events < greatest(min_events, 1) AS low_traffic,
            -- p_q <= threshold exactly when the count at or under the threshold reaches the
            -- rank q * events (the interpolation is monotonic), except that, without a known
            -- maximum, a rank in the +Inf bucket gives the last finite bound (Prometheus).
            under >= q * events OR (NOT extremes_known AND threshold >= last_bound)
                AS percentile_met,
            if(kind = 'percentile', toFloat64(percentile_met), good_events / events) AS ratio,
            NOT low_traffic AND if(kind = 'percentile', percentile_met, ratio >= slice_target)
                AS good_slice
        FROM slices
        INNER JOIN specs USING (slo)
        WHERE events > 0
            AND NOT arrayExists(r -> slice < r.2 AND slice + slice_s > r.1, excluded)
    )
${SLICE_TOTALS}
