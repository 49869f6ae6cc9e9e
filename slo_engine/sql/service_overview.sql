-- service_overview: every service that sent a request metric (explicit-bucket
-- histograms, as the minute rollup holds them) in [start, end), with its requests and
-- failed requests (a status code of 500 or more) in that range, and its routes.
--
-- Returns one row per service: ServiceName, total, errors, routes (the distinct
-- http.route values, sorted, at most 200); sorted by name.
--
-- Parameters: db, metric, start, end.
SELECT
    ServiceName,
    sum(Count) AS total,
    sumIf(Count, toUInt16OrZero(Attributes['http.response.status_code']) >= 500) AS errors,
    arraySort(groupUniqArrayIf(200)(Attributes['http.route'], mapContains(Attributes, 'http.route')))
        AS routes
FROM {db:Identifier}.slo_histogram_1m
WHERE MetricName = {metric:String}
    AND TimeUnix >= {start:DateTime}
    AND TimeUnix < {end:DateTime}
GROUP BY ServiceName
ORDER BY ServiceName
