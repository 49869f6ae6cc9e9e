-- Fragment of histogram_windows.sql and histogram_windows_raw.sql: from the series and
-- segments CTEs (read from the rollups or the raw table), everything else.
    ${WINDOW_SPECS},
    matched AS (
        SELECT
            slo,
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            bounds,
            toUInt8(good_group = 0 OR group_ok[good_group]) AS good,
            arrayMap(k -> SeriesAttributes[k], per) AS dims,
            threshold,
            excluded,
            window_segments
        FROM (
            SELECT
                *,
                sloscope_filter_groups_v1(SeriesAttributes,
                    {cond_key:Array(String)}, {cond_op:Array(String)},
                    {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
                    {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
                    {group_negate:Array(UInt8)}) AS group_ok
            FROM series
        ) AS evaluated
        INNER JOIN specs USING (ServiceName, MetricName)
        WHERE group_ok[filter_group]
    ),
    layouts AS (
        SELECT
            slo,
            dims,
            window,
            any(threshold) AS slo_threshold,
            any(bounds) AS layout_bounds,
            sum(total) AS layout_total,
            sumIf(total, good = 1) AS layout_good,
            sumForEach(buckets) AS layout_buckets,
            min(low) AS layout_low,
            max(high) AS layout_high,
            sum(missing) AS layout_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash, BoundsHash)
        ARRAY JOIN
            arrayFilter(k -> segment >= window_segments[k], arrayEnumerate(window_segments))
            AS window
        WHERE NOT has(excluded, segment)
        GROUP BY slo, dims, window, BoundsHash
    ),
    windows AS (
        SELECT
            slo,
            dims,
            window,
            count() AS layouts,
            sum(layout_total) AS total,
            sum(layout_good) AS good_requests,
            sum(under.1) AS good_latency,
            max(under.2) AS interpolated,
            groupArrayIf(layout_bounds, window = 1) AS all_bounds,
            groupArrayIf(layout_buckets, window = 1) AS all_buckets,
            if(sum(layout_missing) = 0, min(layout_low), inf) AS low,
            if(sum(layout_missing) = 0, max(layout_high), -inf) AS high
        FROM (
            SELECT
                *,
                if(isNaN(slo_threshold), (0., 0),
                    sloscope_histogram_count_le_v1(slo_threshold, layout_bounds, layout_buckets,
                        if(layout_missing = 0, layout_low, inf),
                        if(layout_missing = 0, layout_high, -inf))) AS under
            FROM layouts
        )
        GROUP BY slo, dims, window
    )
SELECT
    slo,
    dims,
    window,
    total,
    good_requests,
    good_latency,
    interpolated,
    layouts,
    if(window = 1,
        arrayMap(q -> sloscope_histogram_quantile_v1(q, shared_bounds, shared_counts, low, high),
            [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM (
    SELECT
        *,
        arraySort(arrayReduce('groupArrayIntersect', all_bounds)) AS shared_bounds,
        sloscope_shared_counts_v1(shared_bounds, all_bounds, all_buckets) AS shared_counts
    FROM windows
)
ORDER BY slo, dims, window
