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
-- metric, from read_from to read_to, with a recorded value (Flags bit 0 clear); their
-- series are matched against the SLO's filter once (conditions and groups as in
-- series.sql). A slice (slice_s seconds, epoch-aligned, wholly before slices_end, touching
-- no excluded range) is low traffic below min_events points; otherwise, without a
-- slice_target (nan), it is good when the aggregation (avg, min or max) of its values
-- meets the threshold, with one, when the share of good points reaches it; its ratio is
-- that share. slos are (service, metric, filter group, per attributes, op, threshold,
-- aggregation, slice_s, slice_target, min_events, excluded (start, end) ranges, window
-- starts, slices_end), times in Unix seconds.
--
-- Parameters: db, targets, read_from, read_to, conditions, groups, slos.
WITH
    points AS (
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, Attributes, TimeUnix, Value
        FROM {db:Identifier}.otel_metrics_gauge
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
            AND bitAnd(Flags, 1) = 0
        UNION ALL
        SELECT ServiceName, MetricName, cityHash64(Attributes) AS AttributesHash, Attributes, TimeUnix, Value
        FROM {db:Identifier}.otel_metrics_sum
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
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
            arrayMap(
                c -> multiIf(
                    c.2 = 'in', mapContains(Attributes, c.1) AND has(c.3, Attributes[c.1]),
                    c.2 = 'not_in', NOT (mapContains(Attributes, c.1) AND has(c.3, Attributes[c.1])),
                    c.2 = 'matches', mapContains(Attributes, c.1) AND match(Attributes[c.1], c.3[1]),
                    c.2 = 'exists', mapContains(Attributes, c.1),
                    c.2 = 'missing', NOT mapContains(Attributes, c.1),
                    ifNull(multiIf(
                        c.2 = 'lt', toFloat64OrNull(Attributes[c.1]) < c.4,
                        c.2 = 'le', toFloat64OrNull(Attributes[c.1]) <= c.4,
                        c.2 = 'gt', toFloat64OrNull(Attributes[c.1]) > c.4,
                        toFloat64OrNull(Attributes[c.1]) >= c.4), false)),
                {conditions:Array(Tuple(String, String, Array(String), Float64))}
            ) AS condition_ok,
            arrayMap(
                g -> xor(arrayAll(x -> x, arraySlice(condition_ok, g.1, g.2)), g.3 = 1),
                {groups:Array(Tuple(UInt32, UInt32, UInt8))}
            ) AS group_ok
        FROM series
    ),
    matched AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            slo,
            arrayMap(k -> Attributes[k], {slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo].4) AS dims
        FROM evaluated
        ARRAY JOIN arrayFilter(
            j -> {slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[j].1 = ServiceName
                AND {slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[j].2 = MetricName
                AND group_ok[{slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[j].3],
            range(1, length({slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}) + 1)
        ) AS slo
    ),
    assigned AS (
        SELECT
            slo,
            dims,
            {slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS spec,
            intDiv(toUnixTimestamp(TimeUnix), spec.8) * spec.8 AS slice,
            Value,
            multiIf(
                spec.5 = 'lt', Value < spec.6,
                spec.5 = 'le', Value <= spec.6,
                spec.5 = 'gt', Value > spec.6,
                Value >= spec.6) AS meets
        FROM points
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE slice + spec.8 <= spec.13
            AND NOT arrayExists(r -> slice < r.2 AND slice + spec.8 > r.1, spec.11)
    ),
    slices AS (
        SELECT
            slo,
            dims,
            slice,
            {slos:Array(Tuple(String, String, UInt32, Array(String), String, Float64, String, UInt32, Float64, UInt64, Array(Tuple(UInt32, UInt32)), Array(UInt32), UInt32))}[slo] AS s,
            count() AS events,
            countIf(meets) AS good_events,
            multiIf(
                s.7 = 'min', min(Value),
                s.7 = 'max', max(Value),
                arraySum(arraySort(groupArray(Value))) / count()) AS aggregated
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
            events < greatest(s.10, 1) AS low_traffic,
            good_events / events AS ratio,
            NOT low_traffic AND if(isNaN(s.9),
                multiIf(
                    s.5 = 'lt', aggregated < s.6,
                    s.5 = 'le', aggregated <= s.6,
                    s.5 = 'gt', aggregated > s.6,
                    aggregated >= s.6),
                ratio >= s.9) AS good_slice,
            s.12 AS window_starts
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
