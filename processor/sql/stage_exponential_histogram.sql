-- Flattens a batch of OTLP requests (length-delimited Envelope messages read from
-- ${SOURCE}) into one staging row per exponential histogram data point, with the reason the point is
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
    point.scale AS Scale,
    point.zero_count AS ZeroCount,
    point.zero_threshold AS ZeroThreshold,
    point.positive.offset AS PositiveOffset,
    point.positive.bucket_counts AS PositiveBucketCounts,
    point.negative.offset AS NegativeOffset,
    point.negative.bucket_counts AS NegativeBucketCounts,
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
    metric.exponential_histogram.aggregation_temporality AS AggregationTemporality,
    cityHash64(ScopeKey, MetricName, Attributes) AS SeriesKey,
    multiIf(
        (sloscope_point_time_reason(point.time_unix_nano, point.start_time_unix_nano,
            {oldest_unix_nano:UInt64}, {newest_unix_nano:UInt64}) AS TimeReason) != '', TimeReason,
        AggregationTemporality NOT IN (1, 2), 'temporality unspecified',
        ScopeOversized
            OR sloscope_otlp_attributes_oversized(point.attributes, {max_attributes:UInt32}, {max_attribute_bytes:UInt32}),
            'attributes over limit',
        bitAnd(point.flags, 1) = 1, '',
        point.scale < -10 OR point.scale > 20, 'scale out of range',
        -- base^index must stay a finite double: |index| * 2^-scale < 1023
        greatest(abs(point.positive.offset), abs(point.positive.offset + length(point.positive.bucket_counts)),
                 abs(point.negative.offset), abs(point.negative.offset + length(point.negative.bucket_counts)))
            >= 1023 * exp2(point.scale),
            'bucket index out of range',
        point.count >= 9223372036854775808
            OR arrayMax(point.positive.bucket_counts) >= 9223372036854775808
            OR arrayMax(point.negative.bucket_counts) >= 9223372036854775808
            OR point.zero_count >= 9223372036854775808,
            'negative count',
        point.zero_count + arraySum(point.positive.bucket_counts) + arraySum(point.negative.bucket_counts) != point.count,
            'count differs from bucket sum',
        NOT isFinite(point.zero_threshold) OR point.zero_threshold < 0
            OR (point._sum = 'sum' AND NOT isFinite(point.sum))
            OR (point._min = 'min' AND NOT isFinite(point.min))
            OR (point._max = 'max' AND NOT isFinite(point.max)),
            'non-finite value',
        ''
    ) AS RejectReason,
    -- Converted: a cumulative stream the write turns into deltas, point by point in time order.
    AggregationTemporality = 2 AS Converted
FROM ${SCOPES}
ARRAY JOIN metrics AS metric
ARRAY JOIN metric.exponential_histogram.data_points AS point
SETTINGS
    format_schema = {schema:String},
    input_format_protobuf_oneof_presence = 1,
    -- Never queued as an asynchronous insert: see processor/_pipeline.py.
    async_insert = 0
