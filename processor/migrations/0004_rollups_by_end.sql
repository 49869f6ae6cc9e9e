-- Rollups by the end of each point: a point with start S and time T counts what happened
-- in (S, T] (the OpenTelemetry metrics data model), so it belongs to the minute that holds
-- its last instant, T - 1 ns. 0003 filed it under toStartOfMinute(TimeUnix): a point
-- ending exactly on a minute boundary (10:00:00.000) was counted in the minute after
-- (10:00), not the one it describes (09:59), and so in the next window, slice or month.
--
-- sloscope_point_minute_v1(time_unix_nano) -> DateTime: the minute of a point's last
-- instant, from its exact time (TimeUnixNano; TimeUnix is whole seconds and cannot tell
-- 10:00:00.000 from 10:00:00.500). The minute views file by it, and the engine's raw
-- queries (slo_engine/sql) cut time by the same rule, so the rollups and the raw path
-- agree to the point.
--
-- sloscope_point_in_v1(time_unix, time_unix_nano, from_ns, to_ns) -> Bool: whether a raw
-- row's point describes time inside [from, to) (Unix nanoseconds): T - 1 ns in [from, to),
-- that is T in (from, to]. The conditions on TimeUnix (whole seconds, in the tables'
-- partition and sorting keys) only let a read skip parts and granules; the ones on
-- TimeUnixNano decide.
--
-- Nothing has shipped, so the rollups are rebuilt from the raw rows: the two minute views
-- are replaced, the minute, hour and day rollups emptied, and every raw histogram row
-- summed into the minute rollups again; the hour and day views, chained on the minute
-- rollups, refill their tiers from that insert. History older than the raw retention is
-- not in the raw rows and is not rebuilt. `sloscope serve` applies migrations before it
-- receives, so no point arrives between the new views and the rebuild (a point that did
-- would be counted twice). On a cluster the views and the emptied tables are the shards'
-- local ones, and the rebuild reads and writes the cluster-wide tables
-- (processor/_cluster.py).

CREATE FUNCTION IF NOT EXISTS sloscope_point_minute_v1 ${ON_CLUSTER} AS
(time_unix_nano) -> toDateTime(intDiv(time_unix_nano - 1, 60000000000) * 60);

CREATE FUNCTION IF NOT EXISTS sloscope_point_in_v1 ${ON_CLUSTER} AS
(time_unix, time_unix_nano, from_ns, to_ns) ->
    time_unix >= toDateTime(intDiv(from_ns, 1000000000))
    AND time_unix <= toDateTime(intDiv(to_ns, 1000000000))
    AND time_unix_nano > from_ns AND time_unix_nano <= to_ns;

DROP VIEW IF EXISTS {db:Identifier}.slo_histogram_1m_mv ${ON_CLUSTER};

DROP VIEW IF EXISTS {db:Identifier}.slo_exponential_histogram_1m_mv ${ON_CLUSTER};

TRUNCATE TABLE IF EXISTS {db:Identifier}.slo_histogram_1m ${ON_CLUSTER};

TRUNCATE TABLE IF EXISTS {db:Identifier}.slo_histogram_1h ${ON_CLUSTER};

TRUNCATE TABLE IF EXISTS {db:Identifier}.slo_histogram_1d ${ON_CLUSTER};

TRUNCATE TABLE IF EXISTS {db:Identifier}.slo_exponential_histogram_1m ${ON_CLUSTER};

TRUNCATE TABLE IF EXISTS {db:Identifier}.slo_exponential_histogram_1h ${ON_CLUSTER};

TRUNCATE TABLE IF EXISTS {db:Identifier}.slo_exponential_histogram_1d ${ON_CLUSTER};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.slo_histogram_1m_mv ${ON_CLUSTER}
TO {db:Identifier}.slo_histogram_1m AS
SELECT
    ServiceName,
    MetricName,
    cityHash64(PointAttributes) AS AttributesHash,
    BoundsHash,
    Minute AS TimeUnix,
    PointAttributes AS Attributes,
    PointBounds AS ExplicitBounds,
    MinuteCount AS Count,
    MinuteBuckets AS BucketCounts,
    MinuteMin AS Min,
    MinuteMax AS Max,
    MinuteMissing AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        sloscope_point_minute_v1(TimeUnixNano) AS Minute,
        Attributes AS PointAttributes,
        BoundsHash,
        ExplicitBounds AS PointBounds,
        sum(Count) AS MinuteCount,
        sumForEachState(BucketCounts) AS MinuteBuckets,
        min(if(HasMin, Min, inf)) AS MinuteMin,
        max(if(HasMax, Max, -inf)) AS MinuteMax,
        countIf(NOT (HasMin AND HasMax) AND Count > 0) AS MinuteMissing
    FROM {db:Identifier}.otel_metrics_histogram
    WHERE bitAnd(Flags, 1) = 0 AND AggregationTemporality = 1
    GROUP BY ServiceName, MetricName, Minute, PointAttributes, BoundsHash, PointBounds
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.slo_exponential_histogram_1m_mv ${ON_CLUSTER}
TO {db:Identifier}.slo_exponential_histogram_1m AS
SELECT
    ServiceName,
    MetricName,
    cityHash64(PointAttributes) AS AttributesHash,
    Scale,
    Minute AS TimeUnix,
    PointAttributes AS Attributes,
    MinuteCount AS Count,
    MinuteZeroCount AS ZeroCount,
    MinuteZeroThreshold AS ZeroThreshold,
    MinutePositive AS Positive,
    MinuteNegative AS Negative,
    MinuteMin AS Min,
    MinuteMax AS Max,
    MinuteMissing AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        sloscope_point_minute_v1(TimeUnixNano) AS Minute,
        Attributes AS PointAttributes,
        Scale,
        sum(Count) AS MinuteCount,
        sum(ZeroCount) AS MinuteZeroCount,
        max(ZeroThreshold) AS MinuteZeroThreshold,
        sumMap(
            arrayMap(i -> toInt32(PositiveOffset + i), range(length(PositiveBucketCounts))),
            PositiveBucketCounts) AS MinutePositive,
        sumMap(
            arrayMap(i -> toInt32(NegativeOffset + i), range(length(NegativeBucketCounts))),
            NegativeBucketCounts) AS MinuteNegative,
        min(if(HasMin, Min, inf)) AS MinuteMin,
        max(if(HasMax, Max, -inf)) AS MinuteMax,
        countIf(NOT (HasMin AND HasMax) AND Count > 0) AS MinuteMissing
    FROM {db:Identifier}.otel_metrics_exponential_histogram
    WHERE bitAnd(Flags, 1) = 0 AND AggregationTemporality = 1
    GROUP BY ServiceName, MetricName, Minute, PointAttributes, Scale
);

INSERT INTO {db:Identifier}.slo_histogram_1m
SETTINGS distributed_foreground_insert = 1
SELECT
    ServiceName,
    MetricName,
    cityHash64(PointAttributes) AS AttributesHash,
    BoundsHash,
    Minute AS TimeUnix,
    PointAttributes AS Attributes,
    PointBounds AS ExplicitBounds,
    MinuteCount AS Count,
    MinuteBuckets AS BucketCounts,
    MinuteMin AS Min,
    MinuteMax AS Max,
    MinuteMissing AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        sloscope_point_minute_v1(TimeUnixNano) AS Minute,
        Attributes AS PointAttributes,
        BoundsHash,
        ExplicitBounds AS PointBounds,
        sum(Count) AS MinuteCount,
        sumForEachState(BucketCounts) AS MinuteBuckets,
        min(if(HasMin, Min, inf)) AS MinuteMin,
        max(if(HasMax, Max, -inf)) AS MinuteMax,
        countIf(NOT (HasMin AND HasMax) AND Count > 0) AS MinuteMissing
    FROM {db:Identifier}.otel_metrics_histogram
    WHERE bitAnd(Flags, 1) = 0 AND AggregationTemporality = 1
    GROUP BY ServiceName, MetricName, Minute, PointAttributes, BoundsHash, PointBounds
);

INSERT INTO {db:Identifier}.slo_exponential_histogram_1m
SETTINGS distributed_foreground_insert = 1
SELECT
    ServiceName,
    MetricName,
    cityHash64(PointAttributes) AS AttributesHash,
    Scale,
    Minute AS TimeUnix,
    PointAttributes AS Attributes,
    MinuteCount AS Count,
    MinuteZeroCount AS ZeroCount,
    MinuteZeroThreshold AS ZeroThreshold,
    MinutePositive AS Positive,
    MinuteNegative AS Negative,
    MinuteMin AS Min,
    MinuteMax AS Max,
    MinuteMissing AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        sloscope_point_minute_v1(TimeUnixNano) AS Minute,
        Attributes AS PointAttributes,
        Scale,
        sum(Count) AS MinuteCount,
        sum(ZeroCount) AS MinuteZeroCount,
        max(ZeroThreshold) AS MinuteZeroThreshold,
        sumMap(
            arrayMap(i -> toInt32(PositiveOffset + i), range(length(PositiveBucketCounts))),
            PositiveBucketCounts) AS MinutePositive,
        sumMap(
            arrayMap(i -> toInt32(NegativeOffset + i), range(length(NegativeBucketCounts))),
            NegativeBucketCounts) AS MinuteNegative,
        min(if(HasMin, Min, inf)) AS MinuteMin,
        max(if(HasMax, Max, -inf)) AS MinuteMax,
        countIf(NOT (HasMin AND HasMax) AND Count > 0) AS MinuteMissing
    FROM {db:Identifier}.otel_metrics_exponential_histogram
    WHERE bitAnd(Flags, 1) = 0 AND AggregationTemporality = 1
    GROUP BY ServiceName, MetricName, Minute, PointAttributes, Scale
);
