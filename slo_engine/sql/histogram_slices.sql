-- histogram_slices: time-slice counts of explicit-bucket histogram SLOs, per SLO,
-- dimension values and window.
--
-- Returns one row per (slo, dims, window) that had a slice with events: slo (1-based
-- index into slos), dims, window (1-based index into the SLO's window starts),
-- slice_count (slices with events), low_traffic_count (those with fewer than
-- min_events), good_slice_count, ratio_sum (the sum of the per-slice ratios of the
-- slices that are not low traffic, added in sorted order so that it does not depend on
-- how rows arrive), event_count and good_event_count (requests, and good ones, in those
-- slices).
--
-- A slice is slice_s seconds long and starts at a multiple of slice_s since the epoch;
-- only slices that lie wholly before slices_end and touch no excluded range count, and a
-- window holds the slices that start at or after its start. Per slice: availability
-- counts the requests of series the good filter accepts; latency the requests at or
-- under the threshold (sloscope_histogram_count_le_v1 per bucket layout); a slice is good
-- when its ratio reaches slice_target. percentile: a slice is good when its q-quantile
-- (sloscope_histogram_quantile_v1 on the merged buckets) is at or under the threshold.
-- Minutes come from slo_histogram_1m, or with use_raw = 1 from otel_metrics_histogram.
-- matched and hashes are as in histogram_windows.sql. slos are (kind, threshold, q,
-- slice_s, slice_target, min_events, excluded (start, end) ranges in Unix seconds,
-- window starts in Unix seconds, slices_end in Unix seconds).
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
            BoundsHash,
            TimeUnix AS minute,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.slo_histogram_1m
        WHERE {use_raw:UInt8} = 0
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND AttributesHash IN {hashes:Array(UInt64)}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, minute
        UNION ALL
        SELECT
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            BoundsHash,
            toStartOfMinute(TimeUnix) AS minute,
            any(ExplicitBounds) AS bounds,
            sum(Count) AS total,
            sumForEach(BucketCounts) AS buckets,
            min(if(HasMin, Min, inf)) AS low,
            max(if(HasMax, Max, -inf)) AS high,
            countIf(NOT (HasMin AND HasMax) AND Count > 0) AS missing
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE {use_raw:UInt8} = 1
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
            AND cityHash64(Attributes) IN {hashes:Array(UInt64)}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, minute
    ),
    assigned AS (
        SELECT
            slo,
            dims,
            good,
            {slos:Array(Tuple(String, Float64, Float64, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS spec,
            intDiv(toUnixTimestamp(minute), spec.4) * spec.4 AS slice,
            BoundsHash,
            bounds,
            total,
            buckets,
            low,
            high,
            missing
        FROM minutes
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE slice + spec.4 <= spec.9
            AND NOT arrayExists(r -> slice < r.2 AND slice + spec.4 > r.1, spec.7)
    ),
    layouts AS (
        SELECT
            slo,
            dims,
            slice,
            {slos:Array(Tuple(String, Float64, Float64, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS slo_spec,
            any(bounds) AS layout_bounds,
            sum(total) AS layout_total,
            sumIf(total, good = 1) AS layout_good,
            if(slo_spec.1 = 'availability', [], sumForEach(buckets)) AS layout_buckets,
            if(sum(missing) = 0, min(low), inf) AS layout_low,
            if(sum(missing) = 0, max(high), -inf) AS layout_high,
            sum(missing) AS layout_missing
        FROM assigned
        GROUP BY slo, dims, slice, BoundsHash
    ),
    slices AS (
        SELECT
            slo,
            dims,
            slice,
            {slos:Array(Tuple(String, Float64, Float64, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS s,
            sum(layout_total) AS events,
            multiIf(
                s.1 = 'availability', toFloat64(sum(layout_good)),
                s.1 = 'latency',
                    sum(sloscope_histogram_count_le_v1(s.2, layout_bounds, layout_buckets, layout_low, layout_high).1),
                0.) AS good_events,
            if(s.1 = 'percentile',
                sloscope_shared_quantile_v1(
                    s.3,
                    groupArray(layout_bounds),
                    groupArray(layout_buckets),
                    if(sum(layout_missing) = 0, min(layout_low), inf),
                    if(sum(layout_missing) = 0, max(layout_high), -inf)).1,
                nan) AS quantile
        FROM layouts
        GROUP BY slo, dims, slice
    ),
    judged AS (
        SELECT
            slo,
            dims,
            slice,
            events,
            good_events,
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
