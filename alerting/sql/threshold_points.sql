-- threshold_points: the aggregates of one metric's points over a window, for threshold
-- rules on gauges and sums (alerting/_evaluate.py).
--
-- Points are the rows of otel_metrics_gauge and otel_metrics_sum of `service` and
-- `metric` whose series match the rule's filter (sloscope_filter_groups_v1, group 1, as
-- the SLO engine's gauge SQL does), with a recorded value (Flags bit 0 clear), whose
-- exact time (TimeUnixNano) is in (window_start, at], both Unix nanoseconds: a point
-- describes the time up to its last instant, so one ending exactly at `at` counts and one
-- ending exactly at the window's start belongs to the window before
-- (sloscope_point_in_v1, migration 0004, the rule of the SLO engine's raw SQL).
-- A sum's value is its delta (the processor stores deltas), so `total` over a window is
-- the counter's increase and `total / window` its rate.
--
-- Returns one row: point count, sum, min, max and average of the values (nan without
-- points).
--
-- Parameters: db, service, metric, window_start, at, cond_key, cond_op, cond_values,
-- cond_number, group_first, group_count, group_negate.
WITH points AS (
    SELECT Attributes, Value
    FROM {db:Identifier}.otel_metrics_gauge
    WHERE ServiceName = {service:String} AND MetricName = {metric:String}
        AND sloscope_point_in_v1(TimeUnix, TimeUnixNano, {window_start:UInt64}, {at:UInt64})
        AND bitAnd(Flags, 1) = 0
    UNION ALL
    SELECT Attributes, Value
    FROM {db:Identifier}.otel_metrics_sum
    WHERE ServiceName = {service:String} AND MetricName = {metric:String}
        AND sloscope_point_in_v1(TimeUnix, TimeUnixNano, {window_start:UInt64}, {at:UInt64})
        AND bitAnd(Flags, 1) = 0
)
SELECT
    count() AS points,
    if(points = 0, nan, sum(Value)) AS total,
    if(points = 0, nan, min(Value)) AS lowest,
    if(points = 0, nan, max(Value)) AS highest,
    if(points = 0, nan, avg(Value)) AS average
FROM points
WHERE sloscope_filter_groups_v1(Attributes,
    {cond_key:Array(String)}, {cond_op:Array(String)},
    {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
    {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
    {group_negate:Array(UInt8)})[1]
