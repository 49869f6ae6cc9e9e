-- service_overview: every service that sent a request metric (explicit-bucket
-- histograms, as the rollups hold them) in [start, end), with its requests and failed
-- requests (a status code of 500 or more) in that range, and its routes.
--
-- The whole UTC hours of the range, [hours_start, hours_end), are read from the hour
-- rollup (60 times fewer rows; it is summed from the minute rollup, so the counts are the
-- same), the minutes before and after them from the minute rollup. A range without a
-- whole hour has hours_start = hours_end = start: all its minutes from the minute rollup.
--
-- Returns one row per service: ServiceName, total, errors, routes (the distinct
-- http.route values, sorted, at most 200); sorted by name.
--
-- Parameters: db, metric, start, end, hours_start, hours_end.
SELECT
    ServiceName,
    sum(Count) AS total,
    sumIf(Count, toUInt16OrZero(Attributes['http.response.status_code']) >= 500) AS errors,
    arraySort(groupUniqArrayIf(200)(Attributes['http.route'], mapContains(Attributes, 'http.route')))
        AS routes
FROM (
    SELECT ServiceName, Count, Attributes
    FROM {db:Identifier}.slo_histogram_1h
    WHERE MetricName = {metric:String}
        AND TimeUnix >= {hours_start:DateTime}
        AND TimeUnix < {hours_end:DateTime}
    UNION ALL
    SELECT ServiceName, Count, Attributes
    FROM {db:Identifier}.slo_histogram_1m
    WHERE MetricName = {metric:String}
        AND ((TimeUnix >= {start:DateTime} AND TimeUnix < {hours_start:DateTime})
            OR (TimeUnix >= {hours_end:DateTime} AND TimeUnix < {end:DateTime}))
)
GROUP BY ServiceName
ORDER BY ServiceName
