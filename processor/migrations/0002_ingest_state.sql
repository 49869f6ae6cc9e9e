-- The processor's own tables.
--
-- sloscope_series_state: one row per series (ReplacingMergeTree on the point time, read
-- with FINAL), what the processor needs to take the next point of a series: the newest
-- point time stored and the recent ones (RecentTimes, ascending: a point with one of
-- these times is a retry or a duplicate and is dropped; see sloscope_point_is_new), and
-- for cumulative streams the last cumulative values, from which the next delta is
-- computed. Series beyond the per-metric limit are marked Overflow and stay so.
-- Rows of series that send nothing for the retention period expire.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_series_state ${ON_CLUSTER} (
    SeriesKey UInt64,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricType LowCardinality(String),
    TimeUnixNano UInt64,
    StartTimeUnixNano UInt64,
    Overflow Bool,
    Value Float64,
    Count UInt64,
    Sum Float64,
    BucketCounts Array(UInt64),
    ExplicitBounds Array(Float64),
    Scale Int32,
    ZeroCount UInt64,
    ZeroThreshold Float64,
    PositiveOffset Int32,
    PositiveBucketCounts Array(UInt64),
    NegativeOffset Int32,
    NegativeBucketCounts Array(UInt64),
    Min Float64,
    Max Float64,
    HasMin Bool,
    HasMax Bool,
    RecentTimes Array(UInt64),
    LastSeen DateTime MATERIALIZED toDateTime(intDiv(TimeUnixNano, 1000000000))
)
ENGINE = ${REPLACING_MERGE_TREE}(TimeUnixNano)
ORDER BY SeriesKey
${STATE_TTL}
SETTINGS non_replicated_deduplication_window = 1000;

-- sloscope_series_counts: how many series each metric has had admitted, and sent to the
-- overflow series, for the per-metric series limit; one row per flush that saw new
-- series, summed.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_series_counts ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    AdmittedSeries UInt64,
    OverflowSeries UInt64
)
ENGINE = ${SUMMING_MERGE_TREE}
ORDER BY (ServiceName, MetricName)
SETTINGS non_replicated_deduplication_window = 1000;

-- ingest_staging_*: scratch tables (Memory) holding one flush's points, flattened and
-- validated, between parsing and writing. Their columns are the stage_*.sql SELECTs', in
-- order. Emptied after every flush.

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_staging_gauge ${ON_CLUSTER} (
    RequestSeq UInt64,
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnixNano UInt64,
    TimeUnixNano UInt64,
    Value Float64,
    Flags UInt32,
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    SeriesKey UInt64,
    RejectReason LowCardinality(String),
    Converted Bool
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_staging_sum ${ON_CLUSTER} (
    RequestSeq UInt64,
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnixNano UInt64,
    TimeUnixNano UInt64,
    Value Float64,
    Flags UInt32,
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    AggregationTemporality Int32,
    IsMonotonic Bool,
    SeriesKey UInt64,
    RejectReason LowCardinality(String),
    Converted Bool
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_staging_histogram ${ON_CLUSTER} (
    RequestSeq UInt64,
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnixNano UInt64,
    TimeUnixNano UInt64,
    Count UInt64,
    Sum Float64,
    BucketCounts Array(UInt64),
    ExplicitBounds Array(Float64),
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    Flags UInt32,
    Min Float64,
    Max Float64,
    HasMin Bool,
    HasMax Bool,
    AggregationTemporality Int32,
    SeriesKey UInt64,
    RejectReason LowCardinality(String),
    Converted Bool
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_staging_exponential_histogram ${ON_CLUSTER} (
    RequestSeq UInt64,
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnixNano UInt64,
    TimeUnixNano UInt64,
    Count UInt64,
    Sum Float64,
    Scale Int32,
    ZeroCount UInt64,
    ZeroThreshold Float64,
    PositiveOffset Int32,
    PositiveBucketCounts Array(UInt64),
    NegativeOffset Int32,
    NegativeBucketCounts Array(UInt64),
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    Flags UInt32,
    Min Float64,
    Max Float64,
    HasMin Bool,
    HasMax Bool,
    AggregationTemporality Int32,
    SeriesKey UInt64,
    RejectReason LowCardinality(String),
    Converted Bool
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_staging_summary ${ON_CLUSTER} (
    RequestSeq UInt64,
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnixNano UInt64,
    TimeUnixNano UInt64,
    Count UInt64,
    Sum Float64,
    `ValueAtQuantiles.Quantile` Array(Float64),
    `ValueAtQuantiles.Value` Array(Float64),
    Flags UInt32,
    SeriesKey UInt64,
    RejectReason LowCardinality(String),
    Converted Bool
)
ENGINE = Memory;

-- ingest_sink_*: Null tables the processor writes a flush into, one INSERT per round.
-- Materialized views fan each row out to its metric table (when it carries data) and to
-- sloscope_series_state (when it is the series' newest point) and to sloscope_series_counts (when the series
-- is new), so that the data and the
-- state it implies are written by one statement and a restart finds them consistent.

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_sink_gauge ${ON_CLUSTER} (
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnix DateTime,
    TimeUnix DateTime,
    Value Float64,
    Flags UInt32,
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    TimeUnixNano UInt64,
    StartTimeUnixNano UInt64,
    SeriesKey UInt64,
    Emit Bool,
    IsLatest Bool,
    Overflow Bool,
    IsNewSeries Bool,
    SourceSeriesKey UInt64,
    SourceTimeUnixNano UInt64,
    SourceRecentTimes Array(UInt64),
    SourceStartTimeUnixNano UInt64
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_gauge_data ${ON_CLUSTER}
TO {db:Identifier}.otel_metrics_gauge AS
SELECT
    ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricName, MetricDescription,
    MetricUnit, Attributes, StartTimeUnix, TimeUnix, Value,
    Flags, `Exemplars.FilteredAttributes`, `Exemplars.TimeUnix`, `Exemplars.Value`, `Exemplars.SpanId`,
    `Exemplars.TraceId`, TimeUnixNano, StartTimeUnixNano, SeriesKey
FROM {db:Identifier}.ingest_sink_gauge
WHERE Emit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_gauge_state ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_state AS
SELECT
    ServiceName, MetricName, SourceSeriesKey AS SeriesKey, 'gauge' AS MetricType,
    SourceTimeUnixNano AS TimeUnixNano, SourceStartTimeUnixNano AS StartTimeUnixNano, Overflow,
    SourceRecentTimes AS RecentTimes
FROM {db:Identifier}.ingest_sink_gauge
WHERE IsLatest;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_gauge_counts ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_counts AS
SELECT
    ServiceName,
    MetricName,
    uniqExactIf(SourceSeriesKey, NOT Overflow) AS AdmittedSeries,
    uniqExactIf(SourceSeriesKey, Overflow) AS OverflowSeries
FROM {db:Identifier}.ingest_sink_gauge
WHERE IsNewSeries
GROUP BY ServiceName, MetricName;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_sink_sum ${ON_CLUSTER} (
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnix DateTime,
    TimeUnix DateTime,
    Value Float64,
    Flags UInt32,
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    AggregationTemporality Int32,
    IsMonotonic Bool,
    TimeUnixNano UInt64,
    StartTimeUnixNano UInt64,
    SeriesKey UInt64,
    Emit Bool,
    IsLatest Bool,
    Overflow Bool,
    IsNewSeries Bool,
    SourceSeriesKey UInt64,
    SourceTimeUnixNano UInt64,
    SourceRecentTimes Array(UInt64),
    SourceStartTimeUnixNano UInt64,
    SourceValue Float64
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_sum_data ${ON_CLUSTER}
TO {db:Identifier}.otel_metrics_sum AS
SELECT
    ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricName, MetricDescription,
    MetricUnit, Attributes, StartTimeUnix, TimeUnix, Value,
    Flags, `Exemplars.FilteredAttributes`, `Exemplars.TimeUnix`, `Exemplars.Value`, `Exemplars.SpanId`,
    `Exemplars.TraceId`, AggregationTemporality, IsMonotonic, TimeUnixNano, StartTimeUnixNano,
    SeriesKey
FROM {db:Identifier}.ingest_sink_sum
WHERE Emit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_sum_state ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_state AS
SELECT
    ServiceName, MetricName, SourceSeriesKey AS SeriesKey, 'sum' AS MetricType,
    SourceTimeUnixNano AS TimeUnixNano, SourceStartTimeUnixNano AS StartTimeUnixNano, Overflow,
    SourceRecentTimes AS RecentTimes,
    SourceValue AS Value
FROM {db:Identifier}.ingest_sink_sum
WHERE IsLatest;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_sum_counts ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_counts AS
SELECT
    ServiceName,
    MetricName,
    uniqExactIf(SourceSeriesKey, NOT Overflow) AS AdmittedSeries,
    uniqExactIf(SourceSeriesKey, Overflow) AS OverflowSeries
FROM {db:Identifier}.ingest_sink_sum
WHERE IsNewSeries
GROUP BY ServiceName, MetricName;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_sink_histogram ${ON_CLUSTER} (
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnix DateTime,
    TimeUnix DateTime,
    Count UInt64,
    Sum Float64,
    BucketCounts Array(UInt64),
    ExplicitBounds Array(Float64),
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    Flags UInt32,
    Min Float64,
    Max Float64,
    AggregationTemporality Int32,
    TimeUnixNano UInt64,
    StartTimeUnixNano UInt64,
    SeriesKey UInt64,
    HasMin Bool,
    HasMax Bool,
    Emit Bool,
    IsLatest Bool,
    Overflow Bool,
    IsNewSeries Bool,
    SourceSeriesKey UInt64,
    SourceTimeUnixNano UInt64,
    SourceRecentTimes Array(UInt64),
    SourceStartTimeUnixNano UInt64,
    SourceCount UInt64,
    SourceSum Float64,
    SourceBucketCounts Array(UInt64),
    SourceMin Float64,
    SourceMax Float64,
    SourceHasMin Bool,
    SourceHasMax Bool
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_histogram_data ${ON_CLUSTER}
TO {db:Identifier}.otel_metrics_histogram AS
SELECT
    ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricName, MetricDescription,
    MetricUnit, Attributes, StartTimeUnix, TimeUnix, Count,
    Sum, BucketCounts, ExplicitBounds, `Exemplars.FilteredAttributes`, `Exemplars.TimeUnix`,
    `Exemplars.Value`, `Exemplars.SpanId`, `Exemplars.TraceId`, Flags, Min,
    Max, AggregationTemporality, TimeUnixNano, StartTimeUnixNano, SeriesKey,
    HasMin, HasMax
FROM {db:Identifier}.ingest_sink_histogram
WHERE Emit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_histogram_state ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_state AS
SELECT
    ServiceName, MetricName, SourceSeriesKey AS SeriesKey, 'histogram' AS MetricType,
    SourceTimeUnixNano AS TimeUnixNano, SourceStartTimeUnixNano AS StartTimeUnixNano, Overflow,
    SourceRecentTimes AS RecentTimes,
    SourceCount AS Count,
    SourceSum AS Sum,
    SourceBucketCounts AS BucketCounts,
    ExplicitBounds AS ExplicitBounds,
    SourceMin AS Min,
    SourceMax AS Max,
    SourceHasMin AS HasMin,
    SourceHasMax AS HasMax
FROM {db:Identifier}.ingest_sink_histogram
WHERE IsLatest;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_histogram_counts ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_counts AS
SELECT
    ServiceName,
    MetricName,
    uniqExactIf(SourceSeriesKey, NOT Overflow) AS AdmittedSeries,
    uniqExactIf(SourceSeriesKey, Overflow) AS OverflowSeries
FROM {db:Identifier}.ingest_sink_histogram
WHERE IsNewSeries
GROUP BY ServiceName, MetricName;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_sink_exponential_histogram ${ON_CLUSTER} (
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnix DateTime,
    TimeUnix DateTime,
    Count UInt64,
    Sum Float64,
    Scale Int32,
    ZeroCount UInt64,
    PositiveOffset Int32,
    PositiveBucketCounts Array(UInt64),
    NegativeOffset Int32,
    NegativeBucketCounts Array(UInt64),
    `Exemplars.FilteredAttributes` Array(Map(LowCardinality(String), String)),
    `Exemplars.TimeUnix` Array(DateTime),
    `Exemplars.Value` Array(Float64),
    `Exemplars.SpanId` Array(String),
    `Exemplars.TraceId` Array(String),
    Flags UInt32,
    Min Float64,
    Max Float64,
    AggregationTemporality Int32,
    TimeUnixNano UInt64,
    StartTimeUnixNano UInt64,
    SeriesKey UInt64,
    ZeroThreshold Float64,
    HasMin Bool,
    HasMax Bool,
    Emit Bool,
    IsLatest Bool,
    Overflow Bool,
    IsNewSeries Bool,
    SourceSeriesKey UInt64,
    SourceTimeUnixNano UInt64,
    SourceRecentTimes Array(UInt64),
    SourceStartTimeUnixNano UInt64,
    SourceCount UInt64,
    SourceSum Float64,
    SourceScale Int32,
    SourceZeroCount UInt64,
    SourcePositiveOffset Int32,
    SourcePositiveBucketCounts Array(UInt64),
    SourceNegativeOffset Int32,
    SourceNegativeBucketCounts Array(UInt64),
    SourceMin Float64,
    SourceMax Float64,
    SourceHasMin Bool,
    SourceHasMax Bool
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_exponential_histogram_data ${ON_CLUSTER}
TO {db:Identifier}.otel_metrics_exponential_histogram AS
SELECT
    ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricName, MetricDescription,
    MetricUnit, Attributes, StartTimeUnix, TimeUnix, Count,
    Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts,
    NegativeOffset, NegativeBucketCounts, `Exemplars.FilteredAttributes`, `Exemplars.TimeUnix`, `Exemplars.Value`,
    `Exemplars.SpanId`, `Exemplars.TraceId`, Flags, Min, Max,
    AggregationTemporality, TimeUnixNano, StartTimeUnixNano, SeriesKey, ZeroThreshold,
    HasMin, HasMax
FROM {db:Identifier}.ingest_sink_exponential_histogram
WHERE Emit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_exponential_histogram_state ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_state AS
SELECT
    ServiceName, MetricName, SourceSeriesKey AS SeriesKey, 'exponential_histogram' AS MetricType,
    SourceTimeUnixNano AS TimeUnixNano, SourceStartTimeUnixNano AS StartTimeUnixNano, Overflow,
    SourceRecentTimes AS RecentTimes,
    SourceCount AS Count,
    SourceSum AS Sum,
    SourceScale AS Scale,
    SourceZeroCount AS ZeroCount,
    ZeroThreshold AS ZeroThreshold,
    SourcePositiveOffset AS PositiveOffset,
    SourcePositiveBucketCounts AS PositiveBucketCounts,
    SourceNegativeOffset AS NegativeOffset,
    SourceNegativeBucketCounts AS NegativeBucketCounts,
    SourceMin AS Min,
    SourceMax AS Max,
    SourceHasMin AS HasMin,
    SourceHasMax AS HasMax
FROM {db:Identifier}.ingest_sink_exponential_histogram
WHERE IsLatest;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_exponential_histogram_counts ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_counts AS
SELECT
    ServiceName,
    MetricName,
    uniqExactIf(SourceSeriesKey, NOT Overflow) AS AdmittedSeries,
    uniqExactIf(SourceSeriesKey, Overflow) AS OverflowSeries
FROM {db:Identifier}.ingest_sink_exponential_histogram
WHERE IsNewSeries
GROUP BY ServiceName, MetricName;

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_sink_summary ${ON_CLUSTER} (
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeDroppedAttrCount UInt32,
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnix DateTime,
    TimeUnix DateTime,
    Count UInt64,
    Sum Float64,
    `ValueAtQuantiles.Quantile` Array(Float64),
    `ValueAtQuantiles.Value` Array(Float64),
    Flags UInt32,
    TimeUnixNano UInt64,
    StartTimeUnixNano UInt64,
    SeriesKey UInt64,
    Emit Bool,
    IsLatest Bool,
    Overflow Bool,
    IsNewSeries Bool,
    SourceSeriesKey UInt64,
    SourceTimeUnixNano UInt64,
    SourceRecentTimes Array(UInt64),
    SourceStartTimeUnixNano UInt64
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_summary_data ${ON_CLUSTER}
TO {db:Identifier}.otel_metrics_summary AS
SELECT
    ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricName, MetricDescription,
    MetricUnit, Attributes, StartTimeUnix, TimeUnix, Count,
    Sum, `ValueAtQuantiles.Quantile`, `ValueAtQuantiles.Value`, Flags, TimeUnixNano,
    StartTimeUnixNano, SeriesKey
FROM {db:Identifier}.ingest_sink_summary
WHERE Emit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_summary_state ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_state AS
SELECT
    ServiceName, MetricName, SourceSeriesKey AS SeriesKey, 'summary' AS MetricType,
    SourceTimeUnixNano AS TimeUnixNano, SourceStartTimeUnixNano AS StartTimeUnixNano, Overflow,
    SourceRecentTimes AS RecentTimes
FROM {db:Identifier}.ingest_sink_summary
WHERE IsLatest;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.ingest_sink_summary_counts ${ON_CLUSTER}
TO {db:Identifier}.sloscope_series_counts AS
SELECT
    ServiceName,
    MetricName,
    uniqExactIf(SourceSeriesKey, NOT Overflow) AS AdmittedSeries,
    uniqExactIf(SourceSeriesKey, Overflow) AS OverflowSeries
FROM {db:Identifier}.ingest_sink_summary
WHERE IsNewSeries
GROUP BY ServiceName, MetricName;
