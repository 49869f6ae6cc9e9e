-- Fragment of _histogram_windows.sql and _exponential_windows.sql: the SLOs, one row
-- per entry of the s_* columns.
    specs AS (
        SELECT slo, ServiceName, MetricName, filter_group, good_group, per, threshold, excluded,
            window_segments
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_service:Array(String)}) AS slo,
            {s_service:Array(String)} AS ServiceName,
            {s_metric:Array(String)} AS MetricName,
            {s_filter:Array(UInt32)} AS filter_group,
            {s_good:Array(UInt32)} AS good_group,
            {s_per:Array(Array(String))} AS per,
            {s_threshold:Array(Float64)} AS threshold,
            {s_excluded:Array(Array(UInt32))} AS excluded,
            {s_windows:Array(Array(UInt32))} AS window_segments
    )
