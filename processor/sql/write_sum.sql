-- Writes one round ({round}) of the valid sum points staged for a flush: a point
-- of a series converted from cumulative waits for the round after the series' previous
-- point; every other point goes in round 1. A point already stored (a retry or a
-- duplicate) is dropped: see sloscope_point_is_new. The sink fans each row out to
-- otel_metrics_sum, and each series' newest to sloscope_series_state.
-- A delta sum, and a cumulative non-monotonic sum (an up-down counter: its value is a
-- level, not a flow), are stored as they are. A cumulative monotonic sum becomes the delta
-- from the previous point of its stream; a new start time or a lower value is a reset,
-- whose own value is the delta from its start time, or which only re-bases the stream
-- when its start is unknown (0, or equal to its time). A zero delta stores no row.
-- Series new to a metric beyond {series_limit} are written to the overflow series
-- (attributes {'otel.metric.overflow': 'true'}) and stay there.
-- Parameters: db, staging, sink, state, counts, series_limit, round (1, 2, ...),
-- recent_points (how many recent point times the state keeps per series).
INSERT INTO {db:Identifier}.{sink:Identifier}
WITH
    known AS MATERIALIZED (
        SELECT
            SeriesKey,
            TimeUnixNano AS PrevTime,
            StartTimeUnixNano AS PrevStart,
            Overflow AS PrevOverflow,
            RecentTimes AS PrevRecent,
            Value AS PrevValue
        FROM {db:Identifier}.{state:Identifier} FINAL
        WHERE SeriesKey IN (SELECT SeriesKey FROM {staging:Identifier})
    ),
    ${ROUND},
    points AS (
        SELECT
            *,
            PrevTime > 0 AS HasPrevious,
            if(HasPrevious, PrevOverflow, NewOverflow) AS IsOverflow,
            Converted AS IsConverted,
            IsConverted AND HasPrevious AND StartTimeUnixNano = PrevStart AND Value >= PrevValue
                AS IsContinuation,
            StartTimeUnixNano > 0 AND StartTimeUnixNano < TimeUnixNano AS HasKnownStart
        FROM {staging:Identifier}
        INNER JOIN round USING (SeriesKey, TimeUnixNano)
        LEFT JOIN known USING (SeriesKey)
        LEFT JOIN new_series USING (SeriesKey)
        LEFT JOIN stored USING (SeriesKey)
        WHERE RejectReason = ''
            AND sloscope_point_is_new(
                TimeUnixNano, PrevTime, PrevRecent, Converted, {recent_points:UInt32})
        LIMIT 1 BY SeriesKey, TimeUnixNano
    )
SELECT
    ResourceAttributes,
    ResourceSchemaUrl,
    ScopeName,
    ScopeVersion,
    ScopeAttributes,
    ScopeDroppedAttrCount,
    ScopeSchemaUrl,
    ServiceName,
    MetricName,
    MetricDescription,
    MetricUnit,
    if(IsOverflow, map('otel.metric.overflow', 'true'), Attributes) AS StoredAttributes,
    toDateTime(intDiv(StoredStartTimeUnixNano, 1000000000)) AS StartTimeUnix,
    toDateTime(intDiv(TimeUnixNano, 1000000000)) AS TimeUnix,
    if(IsContinuation, Value - PrevValue, Value) AS StoredValue,
    Flags,
    `Exemplars.FilteredAttributes`,
    `Exemplars.TimeUnix`,
    `Exemplars.Value`,
    `Exemplars.SpanId`,
    `Exemplars.TraceId`,
    if(IsConverted, 1, AggregationTemporality) AS StoredAggregationTemporality,
    IsMonotonic,
    TimeUnixNano,
    -- A reset's delta starts at its stream's start, but never before the previous point:
    -- deltas of one series must not overlap.
    multiIf(
        IsContinuation, PrevTime,
        IsConverted AND HasPrevious, greatest(StartTimeUnixNano, PrevTime),
        StartTimeUnixNano
    ) AS StoredStartTimeUnixNano,
    cityHash64(cityHash64(ResourceAttributes, ScopeName, ScopeVersion), MetricName, StoredAttributes)
        AS StoredSeriesKey,
    multiIf(
        NOT IsConverted, true,
        IsContinuation, StoredValue != 0,
        HasKnownStart AND Value != 0
    ) AS Emit,
    TimeUnixNano = NewestStored AS IsLatest,
    IsOverflow AS Overflow,
    NOT HasPrevious AS IsNewSeries,
    SeriesKey AS SourceSeriesKey,
    -- The state's version: a late point leaves the series' newest time as it was.
    greatest(TimeUnixNano, PrevTime) AS SourceTimeUnixNano,
    RecentAfter AS SourceRecentTimes,
    if(IsConverted, StartTimeUnixNano, 0) AS SourceStartTimeUnixNano,
    Value AS SourceValue
FROM points
-- Never queued as an asynchronous insert: see processor/_pipeline.py.
SETTINGS join_use_nulls = 0, enable_materialized_cte = 1, async_insert = 0
