-- Fragment of histogram_slices.sql and exponential_slices.sql: the SLOs (specs, one row
-- per s_* column entry) and their matched series (m_* columns), each with its SLO's spec.
    specs AS (
        SELECT slo, kind, threshold, q, slice_s, slice_target, min_events, ratio_sum_wanted,
            excluded, window_starts, slices_end
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_kind:Array(String)}) AS slo,
            {s_kind:Array(String)} AS kind,
            {s_threshold:Array(Float64)} AS threshold,
            {s_q:Array(Float64)} AS q,
            {s_slice:Array(UInt32)} AS slice_s,
            {s_target:Array(Float64)} AS slice_target,
            {s_min_events:Array(UInt64)} AS min_events,
            {s_ratio:Array(UInt8)} AS ratio_sum_wanted,
            {s_excluded:Array(Array(Tuple(UInt32, UInt32)))} AS excluded,
            {s_window_starts:Array(Array(UInt32))} AS window_starts,
            {s_end:Array(UInt32)} AS slices_end
    ),
    matched AS (
        SELECT *
        FROM (
            SELECT slo, ServiceName, MetricName, AttributesHash, good, dim_group
            FROM system.one
            ARRAY JOIN
                {m_slo:Array(UInt32)} AS slo,
                {m_service:Array(String)} AS ServiceName,
                {m_metric:Array(String)} AS MetricName,
                {m_hash:Array(UInt64)} AS AttributesHash,
                {m_good:Array(UInt8)} AS good,
                {m_group:Array(UInt32)} AS dim_group
        ) AS series
        INNER JOIN specs USING (slo)
    )
