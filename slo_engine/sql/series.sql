-- series: the series of request-based SLOs (explicit and exponential histograms), each
-- matched once against every SLO's filter and good filter.
--
-- Returns one row per (slo, series): slo (1-based index into slos), ServiceName,
-- MetricName, AttributesHash (cityHash64 of the point attributes, as the rollups key
-- them), good (1 when the SLO's good filter accepts the series, or it has none) and dims
-- (the values of the SLO's `per` attributes).
--
-- Series are those with data in the hourly rollups from first_hour to last_hour, or, with
-- use_raw = 1, in the raw tables from raw_from to raw_to. conditions are
-- (attribute, op, values, number) tuples; groups are (first condition, count, negate):
-- a group holds when all its conditions do (or, negated, when not all do). slos are
-- (source, service, metric, filter group, good group or 0, per attributes).
--
-- Parameters: db, targets, use_raw, first_hour, last_hour, raw_from, raw_to, conditions,
-- groups, slos.
WITH
    series AS (
        SELECT
            'histogram' AS Source,
            ServiceName,
            MetricName,
            AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.slo_histogram_1h
        WHERE {use_raw:UInt8} = 0
            AND ('histogram', ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix BETWEEN {first_hour:DateTime} AND {last_hour:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash
        UNION ALL
        SELECT
            'exponential_histogram' AS Source,
            ServiceName,
            MetricName,
            AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.slo_exponential_histogram_1h
        WHERE {use_raw:UInt8} = 0
            AND ('exponential_histogram', ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix BETWEEN {first_hour:DateTime} AND {last_hour:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash
        UNION ALL
        SELECT
            'histogram' AS Source,
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE {use_raw:UInt8} = 1
            AND ('histogram', ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix >= {raw_from:DateTime} AND TimeUnix < {raw_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash
        UNION ALL
        SELECT
            'exponential_histogram' AS Source,
            ServiceName,
            MetricName,
            cityHash64(Attributes) AS AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.otel_metrics_exponential_histogram
        WHERE {use_raw:UInt8} = 1
            AND ('exponential_histogram', ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix >= {raw_from:DateTime} AND TimeUnix < {raw_to:DateTime}
            AND bitAnd(Flags, 1) = 0
            AND AggregationTemporality = 1
        GROUP BY ServiceName, MetricName, AttributesHash
    ),
    evaluated AS (
        SELECT
            Source,
            ServiceName,
            MetricName,
            AttributesHash,
            SeriesAttributes,
            arrayMap(
                c -> multiIf(
                    c.2 = 'in', mapContains(SeriesAttributes, c.1) AND has(c.3, SeriesAttributes[c.1]),
                    c.2 = 'not_in', NOT (mapContains(SeriesAttributes, c.1) AND has(c.3, SeriesAttributes[c.1])),
                    c.2 = 'matches', mapContains(SeriesAttributes, c.1) AND match(SeriesAttributes[c.1], c.3[1]),
                    c.2 = 'exists', mapContains(SeriesAttributes, c.1),
                    c.2 = 'missing', NOT mapContains(SeriesAttributes, c.1),
                    ifNull(multiIf(
                        c.2 = 'lt', toFloat64OrNull(SeriesAttributes[c.1]) < c.4,
                        c.2 = 'le', toFloat64OrNull(SeriesAttributes[c.1]) <= c.4,
                        c.2 = 'gt', toFloat64OrNull(SeriesAttributes[c.1]) > c.4,
                        toFloat64OrNull(SeriesAttributes[c.1]) >= c.4), false)),
                {conditions:Array(Tuple(String, String, Array(String), Float64))}
            ) AS condition_ok,
            arrayMap(
                g -> xor(arrayAll(x -> x, arraySlice(condition_ok, g.1, g.2)), g.3 = 1),
                {groups:Array(Tuple(UInt32, UInt32, UInt8))}
            ) AS group_ok
        FROM series
    )
SELECT
    slo,
    ServiceName,
    MetricName,
    AttributesHash,
    toUInt8({slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[slo].5 = 0
        OR group_ok[{slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[slo].5]) AS good,
    arrayMap(k -> SeriesAttributes[k], {slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[slo].6) AS dims
FROM evaluated
ARRAY JOIN arrayFilter(
    j -> {slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[j].1 = Source
        AND {slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[j].2 = ServiceName
        AND {slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[j].3 = MetricName
        AND group_ok[{slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}[j].4],
    range(1, length({slos:Array(Tuple(String, String, String, UInt32, UInt32, Array(String)))}) + 1)
) AS slo
ORDER BY slo, ServiceName, MetricName, AttributesHash
