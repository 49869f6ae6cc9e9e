-- series: the series of request-based SLOs (explicit and exponential histograms), each
-- matched once against every SLO's filter and good filter.
--
-- Returns one row per (slo, series): slo (1-based index into slos), ServiceName,
-- MetricName, AttributesHash (cityHash64 of the point attributes, as the rollups key
-- them), good (1 when the SLO's good filter accepts the series, or it has none) and dims
-- (the values of the SLO's `per` attributes).
--
-- Series are those with data in the daily rollups from first_day to last_day, or, with
-- use_raw = 1, in the raw tables from raw_from to raw_to, matched by
-- sloscope_filter_groups_v1 against the filter table (cond_*: conditions, group_*: runs
-- of them). The SLOs are
-- columns s_*: source, service, metric, filter group, good group (0 for none) and the
-- per attributes.
--
-- Parameters: db, targets, use_raw, first_day, last_day, raw_from, raw_to, cond_key,
-- cond_op, cond_values, cond_number, group_first, group_count, group_negate, s_source,
-- s_service, s_metric, s_filter, s_good, s_per.
WITH
    series AS (
        SELECT
            'histogram' AS Source,
            ServiceName,
            MetricName,
            AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.slo_histogram_1d
        WHERE {use_raw:UInt8} = 0
            AND ('histogram', ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix BETWEEN {first_day:DateTime} AND {last_day:DateTime}
        GROUP BY ServiceName, MetricName, AttributesHash
        UNION ALL
        SELECT
            'exponential_histogram' AS Source,
            ServiceName,
            MetricName,
            AttributesHash,
            any(Attributes) AS SeriesAttributes
        FROM {db:Identifier}.slo_exponential_histogram_1d
        WHERE {use_raw:UInt8} = 0
            AND ('exponential_histogram', ServiceName, MetricName) IN {targets:Array(Tuple(String, String, String))}
            AND TimeUnix BETWEEN {first_day:DateTime} AND {last_day:DateTime}
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
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano, {raw_from:UInt64}, {raw_to:UInt64})
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
            AND sloscope_point_in_v1(TimeUnix, TimeUnixNano, {raw_from:UInt64}, {raw_to:UInt64})
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
            sloscope_filter_groups_v1(SeriesAttributes,
                {cond_key:Array(String)}, {cond_op:Array(String)},
                {cond_values:Array(Array(String))}, {cond_number:Array(Float64)},
                {group_first:Array(UInt32)}, {group_count:Array(UInt32)},
                {group_negate:Array(UInt8)}) AS group_ok
        FROM series
    ),
    specs AS (
        SELECT slo, Source, ServiceName, MetricName, filter_group, good_group, per
        FROM system.one
        ARRAY JOIN
            arrayEnumerate({s_source:Array(String)}) AS slo,
            {s_source:Array(String)} AS Source,
            {s_service:Array(String)} AS ServiceName,
            {s_metric:Array(String)} AS MetricName,
            {s_filter:Array(UInt32)} AS filter_group,
            {s_good:Array(UInt32)} AS good_group,
            {s_per:Array(Array(String))} AS per
    )
SELECT
    slo,
    ServiceName,
    MetricName,
    AttributesHash,
    toUInt8(good_group = 0 OR group_ok[good_group]) AS good,
    arrayMap(k -> SeriesAttributes[k], per) AS dims
FROM evaluated
INNER JOIN specs USING (Source, ServiceName, MetricName)
WHERE group_ok[filter_group]
ORDER BY slo, ServiceName, MetricName, AttributesHash
