-- Flattens a batch of OTLP requests (length-delimited Envelope messages read from
-- ${SOURCE}) into one staging row per gauge data point, with the reason the point is
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
    if(point.value = 'as_int', toFloat64(point.as_int), point.as_double) AS Value,
    point.flags AS Flags,
    arrayMap(e -> sloscope_otlp_attributes(e.filtered_attributes), point.exemplars) AS `Exemplars.FilteredAttributes`,
    arrayMap(e -> toDateTime(intDiv(e.time_unix_nano, 1000000000)), point.exemplars) AS `Exemplars.TimeUnix`,
    arrayMap(e -> if(e.value = 'as_int', toFloat64(e.as_int), e.as_double), point.exemplars) AS `Exemplars.Value`,
    arrayMap(e -> lower(hex(e.span_id)), point.exemplars) AS `Exemplars.SpanId`,
    arrayMap(e -> lower(hex(e.trace_id)), point.exemplars) AS `Exemplars.TraceId`,
    cityHash64(ScopeKey, MetricName, Attributes) AS SeriesKey,
    multiIf(
        (sloscope_point_time_reason(point.time_unix_nano, point.start_time_unix_nano,
            {oldest_unix_nano:UInt64}, {newest_unix_nano:UInt64}) AS TimeReason) != '', TimeReason,
        ScopeOversized
            OR sloscope_otlp_attributes_oversized(point.attributes, {max_attributes:UInt32}, {max_attribute_bytes:UInt32}),
            'attributes over limit',
        bitAnd(point.flags, 1) = 1, '',
        NOT isFinite(Value), 'non-finite value',
        ''
    ) AS RejectReason,
    -- Converted: a cumulative stream the write turns into deltas, point by point in time order.
    false AS Converted
FROM ${SCOPES}
ARRAY JOIN metrics AS metric
ARRAY JOIN metric.gauge.data_points AS point
SETTINGS
    format_schema = {schema:String},
    input_format_protobuf_oneof_presence = 1,
    -- Never queued as an asynchronous insert: see processor/_pipeline.py.
    async_insert = 0
