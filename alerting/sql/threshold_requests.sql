-- threshold_requests: requests and good requests of one service's histogram metric over a
-- window, for threshold rules' count, rate and error_ratio (alerting/_evaluate.py).
--
-- Points are the rows of `table` (otel_metrics_histogram or
-- otel_metrics_exponential_histogram) of `service` and `metric` with a recorded value
-- (Flags bit 0 clear) whose exact time (TimeUnixNano) is in (window_start, at], both
-- Unix nanoseconds: every point up to the evaluation instant counts, not only whole
-- minutes; one ending exactly at `at` counts, one ending exactly at the window's start
-- belongs to the window before (sloscope_point_in_v1, migration 0004, the rule of the SLO
-- engine's raw SQL). A point counts when its series
-- matches the rule's filter (sloscope_filter_groups_v1 group 1); its requests are good
-- when it also matches the SLO engine's good rule for the rule (group 2: by default a
-- status code under 500, or the rule's good/bad filter, built by the engine).
--
-- Returns one row: requests, good requests.
--
-- Parameters: db, table, service, metric, window_start, at, cond_key, cond_op,
-- cond_values, cond_number, group_first, group_count, group_negate.
WITH matched AS (
    SELECT
        Count,
        sloscope_filter_groups_v1(Attributes,
            {cond_key:Array(String)}, {cond_op:Array(String)},
            {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
            {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
            {group_negate:Array(UInt8)}) AS group_ok
    FROM {db:Identifier}.{table:Identifier}
    WHERE ServiceName = {service:String} AND MetricName = {metric:String}
        AND sloscope_point_in_v1(TimeUnix, TimeUnixNano, {window_start:UInt64}, {at:UInt64})
        AND bitAnd(Flags, 1) = 0
)
SELECT
    sumIf(Count, group_ok[1]) AS requests,
    sumIf(Count, group_ok[1] AND group_ok[2]) AS good
FROM matched
