-- gauge_slices: time-slice and point counts of gauge SLIs (any gauge, a non-monotonic
-- cumulative sum such as an up-down counter, or the health-check gauge), per SLO,
-- dimension values and window.
--
-- Returns one row per (slo, dims, window) that had a slice with points, as
-- histogram_slices.sql: slo, dims, window, slice_count, low_traffic_count,
-- good_slice_count, ratio_sum, event_count (points) and good_event_count (points whose
-- value meets `value op threshold`).
--
-- Points are the rows of otel_metrics_gauge, and of otel_metrics_sum that are
-- non-monotonic and cumulative (their value is a level), of each SLO's service and
-- metric, in the minute of their last instant (T - 1 ns) from read_from to read_to, with a
-- recorded value (Flags bit 0 clear); their
-- series are matched against the SLO's filter once (sloscope_filter_groups_v1, as in
-- series.sql). A slice (slice_s seconds, epoch-aligned, wholly before slices_end, touching
-- no excluded range) is low traffic below min_events points; otherwise, without a
-- slice_target (nan), it is good when the aggregation (avg, min or max) of its values
-- meets the threshold, with one, when the share of good points reaches it; its ratio is
-- that share. The SLOs are columns s_*: service, metric, filter group, per attributes,
-- op, threshold, aggregation, slice length in seconds, slice_target, min_events,
-- excluded (start, end) ranges, window starts and the end of the last whole slice, times
-- in Unix seconds.
--
-- Parameters: db, targets, read_from, read_to, cond_key, cond_op, cond_values,
-- cond_number, group_first, group_count, group_negate, s_service, s_metric, s_filter,
-- s_per, s_op, s_threshold, s_aggregation, s_slice, s_target, s_min_events, s_excluded,
-- s_window_starts, s_end.
WITH
    points AS (
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, Attributes,
            sloscope_point_minute_v1(TimeUnixNano) AS Minute, Value
        FROM {db:Identifier}.otel_metrics_gauge
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                toUnixTimestamp({read_from:DateTime}) * 1000000000,
                toUnixTimestamp({read_to:DateTime}) * 1000000000)
            AND bitAnd(Flags, 1) = 0
        UNION ALL
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, Attributes,
            sloscope_point_minute_v1(TimeUnixNano) AS Minute, Value
        FROM {db:Identifier}.otel_metrics_sum
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano,
                toUnixTimestamp({read_from:DateTime}) * 1000000000,
                toUnixTimestamp({read_to:DateTime}) * 1000000000)
            AND bitAnd(Flags, 1) = 0
            AND NOT IsMonotonic
            AND AggregationTemporality = 2
    ),
    series AS (
        SELECT ServiceName, MetricName, AttributesHash, any(Attributes) AS Attributes
        FROM points
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    evaluated AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            Attributes,
            sloscope_filter_groups_v1(Attributes,
                {cond_key:Array(String)}, {cond_op:Array(String)},
                {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
                {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
                {group_negate:Array(UInt8)}) AS group_ok
        FROM series
    ),
    specs AS (
        SELECT slo, ServiceName, MetricName, filter_group, per, op, threshold, aggregation,
            slice_s, slice_target, min_events, excluded, window_starts, slices_end
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_service:Array(String)}) AS slo,
            {s_service:Array(String)} AS ServiceName,
            {s_metric:Array(String)} AS MetricName,
            {s_filter:Array(UInt32)} AS filter_group,
            {s_per:Array(Array(String))} AS per,
            {s_op:Array(String)} AS op,
            {s_threshold:Array(Float64)} AS threshold,
            {s_aggregation:Array(String)} AS aggregation,
            {s_slice:Array(UInt32)} AS slice_s,
            {s_target:Array(Float64)} AS slice_target,
            {s_min_events:Array(UInt64)} AS min_events,
            {s_excluded:Array(Array(Tuple(UInt32, UInt32)))} AS excluded,
            {s_window_starts:Array(Array(UInt32))} AS window_starts,
            {s_end:Array(UInt32)} AS slices_end
    ),
    matched AS (
        SELECT
            ServiceName, MetricName, AttributesHash, slo, op, threshold, aggregation, slice_s,
            slice_target, min_events, excluded, window_starts, slices_end,
            arrayMap(k -> Attributes[k], per) AS dims
        FROM evaluated
        INNER JOIN specs USING (ServiceName, MetricName)
        WHERE group_ok[filter_group]
    ),
    assigned AS (
        SELECT
            slo,
            dims,
            aggregation,
            op,
            threshold,
            slice_target,
            min_events,
            window_starts,
            intDiv(toUnixTimestamp(Minute), slice_s) * slice_s AS slice,
            Value,
            multiIf(
                op = 'lt', Value < threshold,
                op = 'le', Value <= threshold,
                op = 'gt', Value > threshold,
                Value >= threshold) AS meets
        FROM points
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE slice + slice_s <= slices_end
            AND NOT arrayExists(r -> slice < r.2 AND slice + slice_s > r.1, excluded)
    ),
    slices AS (
        SELECT
            slo,
            dims,
            slice,
            any(aggregation) AS slice_aggregation,
            any(op) AS slice_op,
            any(threshold) AS slice_threshold,
            any(slice_target) AS target,
            any(min_events) AS minimum,
            any(window_starts) AS starts,
            count() AS events,
            countIf(meets) AS good_events,
            min(Value) AS lowest,
            max(Value) AS highest,
            arraySum(arraySort(groupArray(Value))) / count() AS average
        FROM assigned
        GROUP BY slo, dims, slice
    ),
    judged AS (
        SELECT
            slo,
            dims,
            slice,
            events,
            good_events,
            events < greatest(minimum, 1) AS low_traffic,
            good_events / events AS ratio,
            multiIf(slice_aggregation = 'min', lowest, slice_aggregation = 'max', highest, average)
                AS aggregated,
            NOT low_traffic AND if(isNaN(target),
                multiIf(
                    slice_op = 'lt', aggregated < slice_threshold,
                    slice_op = 'le', aggregated <= slice_threshold,
                    slice_op = 'gt', aggregated > slice_threshold,
                    aggregated >= slice_threshold),
                ratio >= target) AS good_slice,
            starts AS window_starts
        FROM slices
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
    sum(good_events) AS good_event_count
FROM judged
ARRAY JOIN arrayFilter(k -> slice >= window_starts[k], range(1, length(window_starts) + 1)) AS window
GROUP BY slo, dims, window
ORDER BY slo, dims, window
