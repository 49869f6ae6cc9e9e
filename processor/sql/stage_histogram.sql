-- Flattens a batch of OTLP requests (length-delimited Envelope messages read from
-- ${SOURCE}) into one staging row per histogram data point, with the reason the point is
-- rejected ('' when it is valid). Resource and scope columns are computed once per
-- scope, before the points are unrolled.
-- Parameters: staging, schema (the OTLP .proto: its file and message, path:Envelope, or its text
-- with format_schema_source = 'string' on a server), max_attributes,
-- max_attribute_bytes, oldest_unix_nano and newest_unix_nano (the point times stored, see
-- sloscope_point_time_reason); and the source's: path and structure (file) or structure (input).
INSERT INTO {staging:Identifier}
SELECT
    RequestSeq,
    ResourceAttributes,
    ResourceSchemaUrl,
    ScopeName,
    ScopeVersion,
    ScopeAttributes,
    ScopeDroppedAttrCount,
    ScopeSchemaUrl,
    ServiceName,
    metric.name AS MetricName,
    metric.description AS MetricDescription,
    metric.unit AS MetricUnit,
    sloscope_otlp_attributes(point.attributes) AS Attributes,
    point.start_time_unix_nano AS StartTimeUnixNano,
    point.time_unix_nano AS TimeUnixNano,
    point.count AS Count,
    point.sum AS Sum,
    point.bucket_counts AS BucketCounts,
    point.explicit_bounds AS ExplicitBounds,
    arrayMap(e -> sloscope_otlp_attributes(e.filtered_attributes), point.exemplars) AS `Exemplars.FilteredAttributes`,
    arrayMap(e -> toDateTime(intDiv(e.time_unix_nano, 1000000000)), point.exemplars) AS `Exemplars.TimeUnix`,
    arrayMap(e -> if(e.value = 'as_int', toFloat64(e.as_int), e.as_double), point.exemplars) AS `Exemplars.Value`,
    arrayMap(e -> lower(hex(e.span_id)), point.exemplars) AS `Exemplars.SpanId`,
    arrayMap(e -> lower(hex(e.trace_id)), point.exemplars) AS `Exemplars.TraceId`,
    point.flags AS Flags,
    point.min AS Min,
    point.max AS Max,
    point._min = 'min' AS HasMin,
    point._max = 'max' AS HasMax,
    metric.histogram.aggregation_temporality AS AggregationTemporality,
    cityHash64(ScopeKey, MetricName, Attributes) AS SeriesKey,
    multiIf(
        (sloscope_point_time_reason(point.time_unix_nano, point.start_time_unix_nano,
            {oldest_unix_nano:UInt64}, {newest_unix_nano:UInt64}) AS TimeReason) != '', TimeReason,
        AggregationTemporality NOT IN (1, 2), 'temporality unspecified',
        ScopeOversized
            OR sloscope_otlp_attributes_oversized(point.attributes, {max_attributes:UInt32}, {max_attribute_bytes:UInt32}),
            'attributes over limit',
        bitAnd(point.flags, 1) = 1, '',
        length(point.bucket_counts) != length(point.explicit_bounds) + 1
            AND NOT (empty(point.bucket_counts) AND empty(point.explicit_bounds)),
            'bucket counts do not match bounds',
        NOT arrayAll(bound -> isFinite(bound), point.explicit_bounds)
            OR arrayExists((lower, upper) -> upper <= lower,
                arrayPopBack(point.explicit_bounds), arrayPopFront(point.explicit_bounds)),
            'bounds not increasing',
        point.count >= 9223372036854775808
            OR arrayExists(bucket -> bucket >= 9223372036854775808, point.bucket_counts),
            'negative count',
        NOT empty(point.bucket_counts) AND arraySum(point.bucket_counts) != point.count,
            'count differs from bucket sum',
        (point._sum = 'sum' AND NOT isFinite(point.sum))
            OR (point._min = 'min' AND NOT isFinite(point.min))
            OR (point._max = 'max' AND NOT isFinite(point.max)),
            'non-finite value',
        ''
    ) AS RejectReason,
    -- Converted: a cumulative stream the write turns into deltas, point by point in time order.
    AggregationTemporality = 2 AS Converted
FROM ${SCOPES}
ARRAY JOIN metrics AS metric
ARRAY JOIN metric.histogram.data_points AS point
SETTINGS
    format_schema = {schema:String},
    input_format_protobuf_oneof_presence = 1,
    -- Never queued as an asynchronous insert: see processor/_pipeline.py.
    async_insert = 0
