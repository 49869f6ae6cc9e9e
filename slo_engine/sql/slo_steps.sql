-- slo_steps: the requests of request-based SLOs (explicit-bucket histograms) summed over
-- many windows each, for the series of their SLI, budget and burn rates.
--
-- Returns one row per dimension group with data: grp (1-based index into g_slo), then
-- total, good_requests and good_latency, arrays with one entry per window of the group's
-- SLO (the entries of w_* whose w_slo is that SLO, in order). A window holds the grains
-- from w_start (in) to w_end (out): indexes of grains of grain_s seconds from read_from.
--
-- The SLOs' series (m_*: service, metric, attributes hash, good and dimension group, from
-- series.sql) are read from the minute or hour rollup (table) from read_from to read_to
-- and summed per group and grain: requests, requests of series the SLO's good filter
-- accepts, and requests at or under the SLO's threshold (s_threshold; NaN for none),
-- counted by sloscope_histogram_count_le_v1 per grain and bucket layout. Each group's
-- grains become dense running sums, so a window is one subtraction.
--
-- Parameters: db, table, targets, read_from, read_to, grain_s, grains, s_threshold,
-- g_slo, m_service, m_metric, m_hash, m_good, m_group, w_slo, w_start, w_end.
WITH
    matched AS (
        SELECT ServiceName, MetricName, AttributesHash, good, grp
        FROM system.one
        ARRAY JOIN
            {m_service:Array(String)} AS ServiceName,
            {m_metric:Array(String)} AS MetricName,
            {m_hash:Array(UInt64)} AS AttributesHash,
            {m_good:Array(UInt8)} AS good,
            {m_group:Array(UInt32)} AS grp
    ),
    layouts AS (
        SELECT
            grp,
            intDiv(toUInt32(TimeUnix) - toUInt32({read_from:DateTime}), {grain_s:UInt32}) AS grain,
            sum(Count) AS layout_total,
            sumIf(Count, good = 1) AS layout_good,
            any({s_threshold:Array(Float64)}[{g_slo:Array(UInt32)}[grp]]) AS threshold,
            if(isNaN(threshold), 0.,
                sloscope_histogram_count_le_v1(threshold, any(ExplicitBounds),
                    sumForEachMerge(BucketCounts),
                    if(sum(MinMaxMissing) = 0, min(Min), inf),
                    if(sum(MinMaxMissing) = 0, max(Max), -inf)).1) AS layout_under
        FROM {db:Identifier}.{table:Identifier}
        INNER JOIN matched USING (ServiceName, MetricName, AttributesHash)
        WHERE (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND TimeUnix >= {read_from:DateTime} AND TimeUnix < {read_to:DateTime}
        GROUP BY grp, grain, BoundsHash
    ),
    grains AS (
        SELECT
            grp,
            CAST((groupArray(toUInt32(grain + 1)), groupArray(toFloat64(grain_total))),
                'Map(UInt32, Float64)') AS totals,
            CAST((groupArray(toUInt32(grain + 1)), groupArray(toFloat64(grain_good))),
                'Map(UInt32, Float64)') AS goods,
            CAST((groupArray(toUInt32(grain + 1)), groupArray(toFloat64(grain_under))),
                'Map(UInt32, Float64)') AS unders
        FROM (
            SELECT grp, grain, sum(layout_total) AS grain_total, sum(layout_good) AS grain_good,
                sum(layout_under) AS grain_under
            FROM layouts
            GROUP BY grp, grain
        )
        GROUP BY grp
    ),
    running AS (
        SELECT
            grp,
            arrayConcat([0.], arrayCumSum(arrayMap(g -> totals[g], range(1, {grains:UInt32} + 1))))
                AS c_total,
            arrayConcat([0.], arrayCumSum(arrayMap(g -> goods[g], range(1, {grains:UInt32} + 1))))
                AS c_good,
            arrayConcat([0.], arrayCumSum(arrayMap(g -> unders[g], range(1, {grains:UInt32} + 1))))
                AS c_under,
            arrayFilter(i -> {w_slo:Array(UInt32)}[i] = {g_slo:Array(UInt32)}[grp],
                arrayEnumerate({w_slo:Array(UInt32)})) AS own
        FROM grains
    )
SELECT
    grp,
    arrayMap(i -> c_total[{w_end:Array(UInt32)}[i] + 1] - c_total[{w_start:Array(UInt32)}[i] + 1], own)
        AS total,
    arrayMap(i -> c_good[{w_end:Array(UInt32)}[i] + 1] - c_good[{w_start:Array(UInt32)}[i] + 1], own)
        AS good_requests,
    arrayMap(i -> c_under[{w_end:Array(UInt32)}[i] + 1] - c_under[{w_start:Array(UInt32)}[i] + 1], own)
        AS good_latency
FROM running
ORDER BY grp
