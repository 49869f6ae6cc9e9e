-- sla_minutes: the monthly SLA's verdict on every minute of every service, summed per
-- local day, with the down minutes themselves.
--
-- A minute's requests are the counts of the service's request metric in the minute
-- rollup slo_histogram_1m (the delta rows with data, summed per series and minute at
-- ingest); its failed requests those of series the service's good filter rejects (the
-- series catalogue slo_series_1d is matched once, with the engine's condition rules).
-- Each minute of [start, start + minutes) is, in this order:
--   excluded     inside one of the service's maintenance ranges (svc_excluded_*);
--   silent       no request at all: down when svc_silence_down = 1, else up;
--   low_traffic  fewer than svc_min_requests requests: up, however many failed;
--   down         failed / requests above svc_threshold;
--   up           otherwise.
--
-- Returns one row per (service, day): service (1-based index into svc_*), day (1-based
-- index into day_starts, the UTC instants local days start at), minutes,
-- excluded_minutes, down_minutes (silent ones included when they count), silent_minutes,
-- low_traffic_minutes, requests and failed (outside exclusions), and down: the day's
-- down minutes in order, as (minute, requests, failed) tuples.
--
-- Parameters: db, targets, first_day, last_day, start, minutes, day_starts, cond_key,
-- cond_op, cond_values, cond_number, group_first, group_count, group_negate, svc_name,
-- svc_metric, svc_good, svc_threshold, svc_min_requests, svc_silence_down,
-- svc_excluded_start, svc_excluded_end.
WITH
    series AS (
        SELECT ServiceName, MetricName, AttributesHash, any(Attributes) AS Attributes
        FROM {db:Identifier}.slo_series_1d
        WHERE Source = 'histogram'
            AND (ServiceName, MetricName) IN {targets:Array(Tuple(String, String))}
            AND Day BETWEEN {first_day:Date} AND {last_day:Date}
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    evaluated AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            sloscope_filter_groups_v1(Attributes,
                {cond_key:Array(String)}, {cond_op:Array(String)},
                {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
                {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
                {group_negate:Array(UInt8)}) AS group_ok
        FROM series
    ),
    matched AS (
        SELECT
            ServiceName,
            MetricName,
            AttributesHash,
            service,
            group_ok[{svc_good:Array(UInt32)}[service]] AS good
        FROM evaluated
        ARRAY JOIN arrayFilter(
            j -> {svc_name:Array(String)}[j] = ServiceName AND {svc_metric:Array(String)}[j] = MetricName,
            range(1, length({svc_name:Array(String)}) + 1)
        ) AS service
    ),
    counted AS (
        SELECT
            service,
            minutes.TimeUnix AS minute,
            sum(minutes.Count) AS minute_requests,
            sumIf(minutes.Count, NOT good) AS minute_failed
        FROM {db:Identifier}.slo_histogram_1m AS minutes
        INNER JOIN matched
            ON minutes.ServiceName = matched.ServiceName
            AND minutes.MetricName = matched.MetricName
            AND minutes.AttributesHash = matched.AttributesHash
        WHERE (minutes.ServiceName, minutes.MetricName) IN {targets:Array(Tuple(String, String))}
            AND minutes.TimeUnix >= {start:DateTime}
            AND minutes.TimeUnix < {start:DateTime} + toIntervalMinute({minutes:UInt32})
        GROUP BY service, minute
    ),
    grid AS (
        SELECT service, {start:DateTime} + toIntervalMinute(number) AS minute
        FROM numbers({minutes:UInt32})
        ARRAY JOIN range(1, length({svc_name:Array(String)}) + 1) AS service
    ),
    classified AS (
        SELECT
            service,
            minute,
            minute_requests,
            minute_failed,
            arrayCount(s -> s <= minute, {day_starts:Array(DateTime)}) AS day,
            arrayExists(
                (s, e) -> minute >= s AND minute < e,
                {svc_excluded_start:Array(Array(DateTime))}[service],
                {svc_excluded_end:Array(Array(DateTime))}[service]) AS excluded,
            multiIf(
                excluded, 'excluded',
                minute_requests = 0, if({svc_silence_down:Array(UInt8)}[service] = 1, 'silent_down', 'silent'),
                minute_requests < {svc_min_requests:Array(UInt64)}[service], 'low_traffic',
                minute_failed / minute_requests > {svc_threshold:Array(Float64)}[service], 'down',
                'up') AS state
        FROM grid
        LEFT JOIN counted USING (service, minute)
    )
SELECT
    service,
    day,
    count() AS minutes,
    countIf(excluded) AS excluded_minutes,
    countIf(state IN ('down', 'silent_down')) AS down_minutes,
    countIf(state IN ('silent', 'silent_down')) AS silent_minutes,
    countIf(state = 'low_traffic') AS low_traffic_minutes,
    sumIf(minute_requests, NOT excluded) AS requests,
    sumIf(minute_failed, NOT excluded) AS failed,
    arraySort(groupArrayIf((minute, minute_requests, minute_failed), state IN ('down', 'silent_down'))) AS down
FROM classified
GROUP BY service, day
ORDER BY service, day
