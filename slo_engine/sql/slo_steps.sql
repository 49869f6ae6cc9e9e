-- slo_steps: the requests of request-based SLOs (explicit-bucket histograms) summed over
-- many windows each, for the series of their SLI, budget and burn rates.
--
-- Returns one row per dimension group and window of its SLO: grp (1-based index into
-- g_slo), w (1-based index into w_*, the windows whose w_slo is the group's SLO), then
-- total, good_requests and good_latency in that window; sorted by grp and w. A window
-- holds the grains from w_start (in) to w_end (out): indexes of grains of grain_s
-- seconds from read_from.
--
-- The SLOs' series (m_*: SLO, service, metric, attributes hash, good, dimension group, from
-- series.sql) are read from the minute or hour rollup (table) from read_from to read_to,
-- summed per series and grain (the rollup states become arrays once, before the join:
-- a state copied through the join for each group was 20x slower), then per group and
-- grain: requests, requests of series the SLO's good filter
-- accepts, and requests at or under the SLO's threshold (s_threshold; NaN for none),
-- counted by sloscope_histogram_count_le_v1 per grain and bucket layout. Each group's
-- grains with data carry running sums, and a window is the running sum at the last grain
-- before its end less the one at the last grain before its start (ASOF joins; 0 when
-- there is none): no dense array, and no array captured per window.
--
-- Parameters: db, table, targets, read_from, read_to, grain_s, s_threshold,
-- g_slo, m_slo, m_service, m_metric, m_hash, m_good, m_group, w_slo, w_start, w_end.
WITH
    matched AS (
        SELECT ServiceName, MetricName, AttributesHash, good, grp
        FROM system.one
        ARRAY JOIN
            {m_slo:Array(UInt32)} AS slo,
            {m_service:Array(String)} AS ServiceName,
            {m_metric:Array(String)} AS MetricName,
            {m_hash:Array(UInt64)} AS AttributesHash,
            {m_good:Array(UInt8)} AS good,
            {m_group:Array(UInt32)} AS grp
    ),
    per_series AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            BoundsHash,
            intDiv(toUInt32(TimeUnix) - toUInt32({read_from:DateTime}), {grain_s:UInt32}) AS grain,
            sum(Count) AS series_total,
            any(ExplicitBounds) AS bounds,
            sumForEachMerge(BucketCounts) AS buckets,
            min(Min) AS low,
            max(Max) AS high,
            sum(MinMaxMissing) AS missing
        FROM {db:Identifier}.{table:Identifier}
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND (ServiceName, MetricName, AttributesHash) IN (
                SELECT ServiceName, MetricName, AttributesHash FROM matched)
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash, BoundsHash, grain
    ),
    layouts AS (
        SELECT
            grp,
            grain,
            sum(series_total) AS layout_total,
            sumIf(series_total, good = 1) AS layout_good,
            any({s_threshold:Array(Float64)}[{g_slo:Array(UInt32)}[grp]]) AS threshold,
            if(isNaN(threshold), 0.,
                sloscope_histogram_count_le_v1(threshold, any(bounds), sumForEach(buckets),
                    if(sum(missing) = 0, min(low), inf),
                    if(sum(missing) = 0, max(high), -inf)).1) AS layout_under
        FROM per_series
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        GROUP BY grp, grain, BoundsHash
    ),
    grains AS (
        SELECT
            grp,
            grain,
            sum(sum(layout_total)) OVER running AS c_total,
            sum(sum(layout_good)) OVER running AS c_good,
            sum(sum(layout_under)) OVER running AS c_under
        FROM layouts
        GROUP BY grp, grain
        WINDOW running AS (PARTITION BY grp ORDER BY grain
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    group_windows AS (
        SELECT grp, w, w_start, w_end
        FROM (
            SELECT grp, slo
            FROM system.one
            ARRAY JOIN arrayEnumerate({g_slo:Array(UInt32)}) AS grp, {g_slo:Array(UInt32)} AS slo
        ) AS groups
        INNER JOIN (
            SELECT w, slo, w_start, w_end
            FROM system.one
            ARRAY JOIN
                arrayEnumerate({w_slo:Array(UInt32)}) AS w,
                {w_slo:Array(UInt32)} AS slo,
                {w_start:Array(UInt32)} AS w_start,
                {w_end:Array(UInt32)} AS w_end
        ) AS windows USING (slo)
    )
SELECT
    gw.grp AS grp,
    gw.w AS w,
    ends.c_total - starts.c_total AS total,
    ends.c_good - starts.c_good AS good_requests,
    ends.c_under - starts.c_under AS good_latency
FROM group_windows AS gw
ASOF LEFT JOIN grains AS ends ON gw.grp = ends.grp AND gw.w_end > ends.grain
ASOF LEFT JOIN grains AS starts ON gw.grp = starts.grp AND gw.w_start > starts.grain
ORDER BY grp, w
