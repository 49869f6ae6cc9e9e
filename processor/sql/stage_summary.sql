-- Flattens a batch of OTLP requests (length-delimited Envelope messages read from
-- ${SOURCE}) into one staging row per summary data point, with the reason the point is
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
    arrayMap(q -> q.quantile, point.quantile_values) AS `ValueAtQuantiles.Quantile`,
    arrayMap(q -> q.value, point.quantile_values) AS `ValueAtQuantiles.Value`,
    point.flags AS Flags,
    cityHash64(ScopeKey, MetricName, Attributes) AS SeriesKey,
    multiIf(
        (sloscope_point_time_reason(point.time_unix_nano, point.start_time_unix_nano,
            {oldest_unix_nano:UInt64}, {newest_unix_nano:UInt64}) AS TimeReason) != '', TimeReason,
        ScopeOversized
            OR sloscope_otlp_attributes_oversized(point.attributes, {max_attributes:UInt32}, {max_attribute_bytes:UInt32}),
            'attributes over limit',
        bitAnd(point.flags, 1) = 1, '',
        point.count >= 9223372036854775808, 'negative count',
        NOT isFinite(point.sum)
            OR NOT isFinite(arraySum(arrayMap(q -> q.value, point.quantile_values))),
            'non-finite value',
        arrayExists(q -> q.quantile < 0 OR q.quantile > 1 OR q.value < 0, point.quantile_values)
            OR arrayExists((lower, upper) -> upper.quantile <= lower.quantile,
                arrayPopBack(point.quantile_values), arrayPopFront(point.quantile_values)),
            'invalid quantiles',
        ''
    ) AS RejectReason,
    -- Converted: a cumulative stream the write turns into deltas, point by point in time order.
    false AS Converted
FROM ${SCOPES}
ARRAY JOIN metrics AS metric
ARRAY JOIN metric.summary.data_points AS point
SETTINGS
    format_schema = {schema:String},
    input_format_protobuf_oneof_presence = 1,
    -- Never queued as an asynchronous insert: see processor/_pipeline.py.
    async_insert = 0
