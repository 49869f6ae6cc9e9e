-- Fragment of exponential_windows.sql and exponential_windows_raw.sql: from the series and
-- segments CTEs (read from the rollups or the raw table), everything else.
    ${WINDOW_SPECS},
    matched AS (
        SELECT
            slo,
            ServiceName,
            MetricName,
            AttributesHash,
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
    scales AS (
        SELECT
            slo,
            dims,
            window,
            Scale,
            any(threshold) AS slo_threshold,
            sum(total) AS scale_total,
            sumIf(total, good = 1) AS scale_good,
            sum(zero_count) AS scale_zero,
            max(zero_threshold) AS scale_zero_threshold,
            sumMap(positive) AS scale_positive,
            sum(negative) AS scale_negative,
            min(low) AS scale_low,
            max(high) AS scale_high,
            sum(missing) AS scale_missing
        FROM segments
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        ARRAY JOIN
            arrayFilter(k -> segment >= window_segments[k], arrayEnumerate(window_segments))
            AS window
        WHERE NOT has(excluded, segment)
        GROUP BY slo, dims, window, Scale
    ),
    windows AS (
        SELECT
            slo,
            dims,
            window,
            any(slo_threshold) AS threshold,
            count() AS layouts,
            sum(scale_total) AS total,
            sum(scale_good) AS good_requests,
            min(Scale) AS scale,
            sloscope_exponential_merge_v1(groupArray(Scale), groupArray(scale_positive)) AS buckets,
            sum(scale_negative) AS below_zero,
            sum(scale_zero) AS zeros,
            max(scale_zero_threshold) AS zero_width,
            if(sum(scale_missing) = 0, min(scale_low), inf) AS low,
            if(sum(scale_missing) = 0, max(scale_high), -inf) AS high
        FROM scales
        GROUP BY slo, dims, window
    )
SELECT
    slo,
    dims,
    window,
    total,
    good_requests,
    under.1 AS good_latency,
    under.2 AS interpolated,
    layouts,
    if(window = 1,
        arrayMap(q -> sloscope_exponential_quantile_v1(q, scale, below_zero, zeros, zero_width,
            buckets.1, buckets.2, low, high), [0.5, 0.95, 0.99]),
        []) AS quantiles
FROM (
    SELECT
        *,
        if(isNaN(threshold), (0., 0),
            sloscope_exponential_count_le_v1(threshold, scale, below_zero, zeros, zero_width,
                buckets.1, buckets.2, low, high)) AS under
    FROM windows
)
ORDER BY slo, dims, window
