-- Writes one round ({round}) of the valid histogram points staged for a flush: a point
-- of a series converted from cumulative waits for the round after the series' previous
-- point; every other point goes in round 1. A point already stored (a retry or a
-- duplicate) is dropped: see sloscope_point_is_new. The sink fans each row out to
-- otel_metrics_histogram, and each series' newest to sloscope_series_state.
--
-- For a point and the previous point of its series (from sloscope_series_state):
--   * a delta point is stored as it is;
--   * a cumulative point becomes the delta from the previous point of its stream. A new
--     start time, a lower count or bucket, or changed bounds is a reset: the point's own
--     values are the delta, from its start time; when that start is unknown (0, or equal
--     to its time) the point only re-bases the stream. A zero delta stores no row.
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
            Count AS PrevCount,
            Sum AS PrevSum,
            BucketCounts AS PrevBuckets,
            ExplicitBounds AS PrevBounds,
            Min AS PrevMin,
            Max AS PrevMax,
            HasMin AS PrevHasMin,
            HasMax AS PrevHasMax
        FROM {db:Identifier}.{state:Identifier} FINAL
        WHERE SeriesKey IN (SELECT SeriesKey FROM {staging:Identifier})
    ),
    ${ROUND},
    points AS (
        SELECT
            *,
            PrevTime > 0 AS HasPrevious,
            Converted AS IsCumulative,
            IsCumulative AND HasPrevious
                AND StartTimeUnixNano = PrevStart
                AND Count >= PrevCount
                AND ExplicitBounds = PrevBounds
                AND NOT arrayExists((now, before) -> now < before, BucketCounts,
                    if(length(PrevBuckets) = length(BucketCounts), PrevBuckets, BucketCounts))
                AS IsContinuation,
            StartTimeUnixNano > 0 AND StartTimeUnixNano < TimeUnixNano AS HasKnownStart,
            if(HasPrevious, PrevOverflow, NewOverflow) AS IsOverflow
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
    if(IsContinuation, Count - PrevCount, Count) AS StoredCount,
    if(IsContinuation, Sum - PrevSum, Sum) AS StoredSum,
    if(IsContinuation, arrayMap((now, before) -> now - before, BucketCounts, PrevBuckets), BucketCounts)
        AS StoredBucketCounts,
    ExplicitBounds,
    `Exemplars.FilteredAttributes`,
    `Exemplars.TimeUnix`,
    `Exemplars.Value`,
    `Exemplars.SpanId`,
    `Exemplars.TraceId`,
    Flags,
    if(StoredHasMin, Min, 0) AS StoredMin,
    if(StoredHasMax, Max, 0) AS StoredMax,
    1 AS StoredAggregationTemporality,
    TimeUnixNano,
    -- A reset's delta starts at its stream's start, but never before the previous point:
    -- deltas of one series must not overlap.
    multiIf(
        IsContinuation, PrevTime,
        IsCumulative AND HasPrevious, greatest(StartTimeUnixNano, PrevTime),
        StartTimeUnixNano
    ) AS StoredStartTimeUnixNano,
    cityHash64(cityHash64(ResourceAttributes, ScopeName, ScopeVersion), MetricName, StoredAttributes)
        AS StoredSeriesKey,
    -- A delta's min (max) is known when the cumulative min (max) moved in its interval.
    if(IsContinuation, HasMin AND (NOT PrevHasMin OR Min < PrevMin), HasMin) AS StoredHasMin,
    if(IsContinuation, HasMax AND (NOT PrevHasMax OR Max > PrevMax), HasMax) AS StoredHasMax,
    multiIf(
        NOT IsCumulative, true,
        IsContinuation, StoredCount > 0,
        HasKnownStart AND Count > 0
    ) AS Emit,
    TimeUnixNano = NewestStored AS IsLatest,
    IsOverflow AS Overflow,
    NOT HasPrevious AS IsNewSeries,
    SeriesKey AS SourceSeriesKey,
    -- The state's version: a late point leaves the series' newest time as it was.
    greatest(TimeUnixNano, PrevTime) AS SourceTimeUnixNano,
    RecentAfter AS SourceRecentTimes,
    if(IsCumulative, StartTimeUnixNano, 0) AS SourceStartTimeUnixNano,
    Count AS SourceCount,
    Sum AS SourceSum,
    if(IsCumulative, BucketCounts, []) AS SourceBucketCounts,
    Min AS SourceMin,
    Max AS SourceMax,
    HasMin AS SourceHasMin,
    HasMax AS SourceHasMax
FROM points
-- Never queued as an asynchronous insert: see processor/_pipeline.py.
SETTINGS join_use_nulls = 0, enable_materialized_cte = 1, async_insert = 0
