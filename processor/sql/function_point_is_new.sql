-- sloscope_point_is_new(time, previous_time, recent_times, converted, keep): whether a
-- point is not stored yet. A point converted from cumulative must be newer than its
-- series' newest point, as its delta is taken from that point. Any other point may arrive
-- late (a sender retried one export while the next got through, or exports in parallel):
-- it is stored unless its time is one of the series' recent point times (a retry of a
-- stored point) or, the list being full, older than all of them (too late to tell).
CREATE OR REPLACE FUNCTION sloscope_point_is_new AS
(time, previous_time, recent_times, converted, keep) ->
    time > previous_time
    OR (NOT converted
        AND NOT has(recent_times, time)
        AND (length(recent_times) < keep OR time > recent_times[1]))
