-- sloscope_point_time_reason(time, start, oldest, newest): why a data point's times reject
-- it, or '' when they do not; all in Unix nanoseconds. The time is unset, beyond what a
-- DateTime holds, before the point's start, ahead of `newest` (an hour past the
-- processor's clock), or older than `oldest`: the oldest time whose rows the retention
-- keeps for the point's type (processor/_retention.py), so that no point is accepted and
-- then dropped by a TTL. The one check of point times every stage_*.sql makes.
CREATE OR REPLACE FUNCTION sloscope_point_time_reason AS (time, start, oldest, newest) ->
    multiIf(
        time = 0, 'timestamp missing',
        time >= 4294967296000000000, 'timestamp out of range',
        start > time, 'start after time',
        time > newest, 'more than an hour ahead',
        time < oldest, 'older than the retention',
        ''
    )
