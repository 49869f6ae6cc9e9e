-- The SLO engine's rollups and helper functions.
--
-- One materialized view per histogram table does the per-point work at ingest: it sums
-- each insert's rows per minute and per series (ServiceName, MetricName, point
-- attributes; resource attributes such as the instance are merged away) and bucket
-- layout, into slo_*_1m. A second view, chained on the first one's output (a few rows per
-- series, not one per point), sums those minutes into slo_*_1h. Only rows that carry data
-- (Flags bit 0 clear) and hold deltas (temporality 1) count, exactly as the engine's raw
-- queries count them, so a window read from the rollups equals the same window read from
-- the raw tables. The attribute map and the bucket bounds are not aggregated: they are
-- grouped on (a hash names them), so no map or array is converted or copied per point.
-- Gauges and sums have no rollup: gauge SLIs read the raw tables, which hold one value
-- per series per export already.
--
-- slo_histogram_1m / slo_exponential_histogram_1m: per-minute sums, for time slices and
-- the ragged minutes of windows; kept as long as the raw rows (the same TTL). Sorted by
-- series first, so one SLO reads only its own series' minutes, in granules of 128 rows (a
-- series has 1,440 rows in a daily part), so a window's ragged edge of a few dozen
-- minutes reads a granule or two per series, not 1,024 rows: at 1,024 these reads were
-- a quarter of a 30-day evaluation (docs/slo.md, "Speed").
-- slo_histogram_1h / slo_exponential_histogram_1h: per-hour sums, for whole hours of long
-- windows; no TTL (a few rows per series per hour), so month and quarter windows outlive
-- the raw retention at hourly precision. Hours are cut in UTC (toStartOfHour(.., 'UTC')),
-- as the engine plans them, whatever the inserting session's time zone: in a zone with a
-- half-hour offset the session's hours would not be the engine's.
-- Min/Max hold the extremes of the rows that recorded them (+inf/-inf when none did);
-- MinMaxMissing counts the rows with data that did not, so a reader knows when the
-- extremes do not bound every observation. Exponential buckets are summed by absolute
-- index (sumMap over offset + position), per scale.
--
-- slo_histogram_1d / slo_exponential_histogram_1d: per-day (UTC) sums, summed from the
-- hourly rows by a third view chained on the second; for the whole days of long windows
-- and as the catalogue of series (30 rows per series for 30 days instead of 720).
--
-- slo_series_1d: a view of the series seen per day (hash and attribute map), read from the
-- daily rollups: the catalogue SLO filters are matched against, instead of every row.
--
-- sloscope_*_v1 functions: Prometheus' histogram_quantile rule clamped by the observed
-- min/max, with an error bound, and the count of observations at or under a threshold
-- (docs/slo.md). SQL functions are global to a server, so their names carry a version.

CREATE TABLE IF NOT EXISTS {db:Identifier}.slo_histogram_1m ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    AttributesHash UInt64,
    BoundsHash UInt64,
    TimeUnix DateTime CODEC(Delta, ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    MinMaxMissing SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${AGGREGATING_MERGE_TREE}
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, AttributesHash, BoundsHash, TimeUnix)
${TTL}
SETTINGS index_granularity = 128, ttl_only_drop_parts = 1,
    non_replicated_deduplication_window = 1000, allow_dimensions_outside_sorting_key = 1;

CREATE TABLE IF NOT EXISTS {db:Identifier}.slo_histogram_1h ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    TimeUnix DateTime,
    AttributesHash UInt64,
    BoundsHash UInt64,
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    MinMaxMissing SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${AGGREGATING_MERGE_TREE}
PARTITION BY toYYYYMM(TimeUnix)
ORDER BY (ServiceName, MetricName, TimeUnix, AttributesHash, BoundsHash)
SETTINGS non_replicated_deduplication_window = 1000, allow_dimensions_outside_sorting_key = 1;

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
        toStartOfMinute(TimeUnix) AS Minute,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.slo_histogram_1h_mv ${ON_CLUSTER}
TO {db:Identifier}.slo_histogram_1h AS
SELECT
    ServiceName,
    MetricName,
    Hour AS TimeUnix,
    AttributesHash,
    BoundsHash,
    MinuteAttributes AS Attributes,
    MinuteBounds AS ExplicitBounds,
    sum(MinuteCount) AS Count,
    sumForEachMergeState(MinuteBuckets) AS BucketCounts,
    min(MinuteMin) AS Min,
    max(MinuteMax) AS Max,
    sum(MinuteMissing) AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        toStartOfHour(TimeUnix, 'UTC') AS Hour,
        AttributesHash,
        BoundsHash,
        Attributes AS MinuteAttributes,
        ExplicitBounds AS MinuteBounds,
        Count AS MinuteCount,
        BucketCounts AS MinuteBuckets,
        Min AS MinuteMin,
        Max AS MinuteMax,
        MinMaxMissing AS MinuteMissing
    FROM {db:Identifier}.slo_histogram_1m
)
GROUP BY ServiceName, MetricName, Hour, AttributesHash, BoundsHash, MinuteAttributes, MinuteBounds;

CREATE TABLE IF NOT EXISTS {db:Identifier}.slo_histogram_1d ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    TimeUnix DateTime,
    AttributesHash UInt64,
    BoundsHash UInt64,
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    MinMaxMissing SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${AGGREGATING_MERGE_TREE}
PARTITION BY toYear(TimeUnix)
ORDER BY (ServiceName, MetricName, TimeUnix, AttributesHash, BoundsHash)
SETTINGS non_replicated_deduplication_window = 1000, allow_dimensions_outside_sorting_key = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.slo_histogram_1d_mv ${ON_CLUSTER}
TO {db:Identifier}.slo_histogram_1d AS
SELECT
    ServiceName,
    MetricName,
    Day AS TimeUnix,
    AttributesHash,
    BoundsHash,
    HourAttributes AS Attributes,
    HourBounds AS ExplicitBounds,
    sum(HourCount) AS Count,
    sumForEachMergeState(HourBuckets) AS BucketCounts,
    min(HourMin) AS Min,
    max(HourMax) AS Max,
    sum(HourMissing) AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        toStartOfDay(TimeUnix, 'UTC') AS Day,
        AttributesHash,
        BoundsHash,
        Attributes AS HourAttributes,
        ExplicitBounds AS HourBounds,
        Count AS HourCount,
        BucketCounts AS HourBuckets,
        Min AS HourMin,
        Max AS HourMax,
        MinMaxMissing AS HourMissing
    FROM {db:Identifier}.slo_histogram_1h
)
GROUP BY ServiceName, MetricName, Day, AttributesHash, BoundsHash, HourAttributes, HourBounds;

CREATE TABLE IF NOT EXISTS {db:Identifier}.slo_exponential_histogram_1m ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    AttributesHash UInt64,
    Scale Int32,
    TimeUnix DateTime CODEC(Delta, ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    ZeroThreshold SimpleAggregateFunction(max, Float64),
    Positive SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Negative SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    MinMaxMissing SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${AGGREGATING_MERGE_TREE}
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, AttributesHash, Scale, TimeUnix)
${TTL}
SETTINGS index_granularity = 128, ttl_only_drop_parts = 1,
    non_replicated_deduplication_window = 1000, allow_dimensions_outside_sorting_key = 1;

CREATE TABLE IF NOT EXISTS {db:Identifier}.slo_exponential_histogram_1h ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    TimeUnix DateTime,
    AttributesHash UInt64,
    Scale Int32,
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    ZeroThreshold SimpleAggregateFunction(max, Float64),
    Positive SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Negative SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    MinMaxMissing SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${AGGREGATING_MERGE_TREE}
PARTITION BY toYYYYMM(TimeUnix)
ORDER BY (ServiceName, MetricName, TimeUnix, AttributesHash, Scale)
SETTINGS non_replicated_deduplication_window = 1000, allow_dimensions_outside_sorting_key = 1;

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
        toStartOfMinute(TimeUnix) AS Minute,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.slo_exponential_histogram_1h_mv ${ON_CLUSTER}
TO {db:Identifier}.slo_exponential_histogram_1h AS
SELECT
    ServiceName,
    MetricName,
    Hour AS TimeUnix,
    AttributesHash,
    Scale,
    MinuteAttributes AS Attributes,
    sum(MinuteCount) AS Count,
    sum(MinuteZeroCount) AS ZeroCount,
    max(MinuteZeroThreshold) AS ZeroThreshold,
    sumMap(MinutePositive) AS Positive,
    sumMap(MinuteNegative) AS Negative,
    min(MinuteMin) AS Min,
    max(MinuteMax) AS Max,
    sum(MinuteMissing) AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        toStartOfHour(TimeUnix, 'UTC') AS Hour,
        AttributesHash,
        Scale,
        Attributes AS MinuteAttributes,
        Count AS MinuteCount,
        ZeroCount AS MinuteZeroCount,
        ZeroThreshold AS MinuteZeroThreshold,
        Positive AS MinutePositive,
        Negative AS MinuteNegative,
        Min AS MinuteMin,
        Max AS MinuteMax,
        MinMaxMissing AS MinuteMissing
    FROM {db:Identifier}.slo_exponential_histogram_1m
)
GROUP BY ServiceName, MetricName, Hour, AttributesHash, Scale, MinuteAttributes;

CREATE TABLE IF NOT EXISTS {db:Identifier}.slo_exponential_histogram_1d ${ON_CLUSTER} (
    ServiceName LowCardinality(String),
    MetricName LowCardinality(String),
    TimeUnix DateTime,
    AttributesHash UInt64,
    Scale Int32,
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    ZeroThreshold SimpleAggregateFunction(max, Float64),
    Positive SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Negative SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    MinMaxMissing SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${AGGREGATING_MERGE_TREE}
PARTITION BY toYear(TimeUnix)
ORDER BY (ServiceName, MetricName, TimeUnix, AttributesHash, Scale)
SETTINGS non_replicated_deduplication_window = 1000, allow_dimensions_outside_sorting_key = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.slo_exponential_histogram_1d_mv ${ON_CLUSTER}
TO {db:Identifier}.slo_exponential_histogram_1d AS
SELECT
    ServiceName,
    MetricName,
    Day AS TimeUnix,
    AttributesHash,
    Scale,
    HourAttributes AS Attributes,
    sum(HourCount) AS Count,
    sum(HourZeroCount) AS ZeroCount,
    max(HourZeroThreshold) AS ZeroThreshold,
    sumMap(HourPositive) AS Positive,
    sumMap(HourNegative) AS Negative,
    min(HourMin) AS Min,
    max(HourMax) AS Max,
    sum(HourMissing) AS MinMaxMissing
FROM (
    SELECT
        ServiceName,
        MetricName,
        toStartOfDay(TimeUnix, 'UTC') AS Day,
        AttributesHash,
        Scale,
        Attributes AS HourAttributes,
        Count AS HourCount,
        ZeroCount AS HourZeroCount,
        ZeroThreshold AS HourZeroThreshold,
        Positive AS HourPositive,
        Negative AS HourNegative,
        Min AS HourMin,
        Max AS HourMax,
        MinMaxMissing AS HourMissing
    FROM {db:Identifier}.slo_exponential_histogram_1h
)
GROUP BY ServiceName, MetricName, Day, AttributesHash, Scale, HourAttributes;

CREATE VIEW IF NOT EXISTS {db:Identifier}.slo_series_1d ${ON_CLUSTER} AS
SELECT
    'histogram' AS Source,
    ServiceName,
    MetricName,
    toDate(TimeUnix, 'UTC') AS Day,
    AttributesHash,
    any(Attributes) AS Attributes
FROM slo_histogram_1d
GROUP BY ServiceName, MetricName, Day, AttributesHash
UNION ALL
SELECT
    'exponential_histogram' AS Source,
    ServiceName,
    MetricName,
    toDate(TimeUnix, 'UTC') AS Day,
    AttributesHash,
    any(Attributes) AS Attributes
FROM slo_exponential_histogram_1d
GROUP BY ServiceName, MetricName, Day, AttributesHash;

-- The functions are SQL macros: each call is expanded in place, arguments substituted as
-- written. A heavy argument used several times would be expanded, and planned, as many
-- times (nested calls multiply it), so every value used more than once is bound once with
-- a one-element lambda: arrayMap(x -> body, [value])[1].

-- sloscope_filter_groups_v1(attributes, cond_key, cond_op, cond_values, cond_number,
--   group_first, group_count, group_negate) -> Array(Bool): whether each filter group of
--   an SLO file's filter table accepts a series' attribute map. Conditions are
--   (attribute, op, values, number) columns; op is in, not_in, matches (values[1], a
--   regular expression), exists, missing, or lt/le/gt/ge against number (false when the
--   value is not a number). A group is a run of conditions (first, count) that all hold,
--   or with negate = 1 that do not all hold.
CREATE FUNCTION IF NOT EXISTS sloscope_filter_groups_v1 ${ON_CLUSTER} AS
(attributes, cond_key, cond_op, cond_values, cond_number, group_first, group_count, group_negate)
-> arrayMap(
    condition_ok -> arrayMap(
        (first, count, negate) -> xor(arrayAll(x -> x, arraySlice(condition_ok, first, count)), negate = 1),
        group_first, group_count, group_negate),
    [arrayMap(
        (value, present, op, values, number) -> multiIf(
            op = 'in', present AND has(values, value),
            op = 'not_in', NOT (present AND has(values, value)),
            op = 'matches', present AND match(value, values[1]),
            op = 'exists', present,
            op = 'missing', NOT present,
            ifNull(multiIf(
                op = 'lt', toFloat64OrNull(value) < number,
                op = 'le', toFloat64OrNull(value) <= number,
                op = 'gt', toFloat64OrNull(value) > number,
                toFloat64OrNull(value) >= number), false)),
        arrayMap(k -> attributes[k], cond_key),
        arrayMap(k -> mapContains(attributes, k), cond_key),
        cond_op, cond_values, cond_number)])[1];

-- sloscope_histogram_quantile_v1(q, bounds, counts, observed_min, observed_max)
--   -> (value, error). counts are per bucket (length(bounds) + 1); observed_min/max are
--   +inf/-inf when unknown. The value is Prometheus' linear interpolation in the bucket
--   where the rank q * total falls, with the bucket's edges clamped by min/max; error is
--   the largest distance from the value to those edges, so the true quantile lies within
--   value ± error. Without min/max: the +Inf bucket gives the last finite bound and a
--   first bucket with a bound <= 0 gives that bound, both with an infinite error; no
--   observations give (nan, nan).
CREATE FUNCTION IF NOT EXISTS sloscope_histogram_quantile_v1 ${ON_CLUSTER} AS
(q, bounds, counts, observed_min, observed_max) -> arrayMap(
    cumulative -> sloscope_histogram_rank_v1(
        q * cumulative[-1], bounds, cumulative, observed_min, observed_max),
    [arrayCumSum(counts)])[1];

CREATE FUNCTION IF NOT EXISTS sloscope_histogram_rank_v1 ${ON_CLUSTER} AS
(rank, bounds, cumulative, observed_min, observed_max) -> arrayMap(
    i -> sloscope_histogram_bucket_v1(rank, bounds, cumulative, i, observed_min, observed_max),
    [arrayFirstIndex(c -> c >= rank, cumulative)])[1];

CREATE FUNCTION IF NOT EXISTS sloscope_histogram_bucket_v1 ${ON_CLUSTER} AS
(rank, bounds, cumulative, i, observed_min, observed_max) -> multiIf(
    length(cumulative) = 0 OR cumulative[-1] = 0, (nan, nan),
    i = length(bounds) + 1 AND NOT isFinite(observed_max),
        if(length(bounds) = 0, (nan, nan), (bounds[-1], inf)),
    i = 1 AND NOT isFinite(observed_min) AND length(bounds) > 0 AND bounds[1] <= 0,
        (bounds[1], inf),
    arrayMap(
        before -> sloscope_interpolate_v1(
            rank - before,
            cumulative[i] - before,
            sloscope_bucket_low_v1(bounds, i, observed_min),
            sloscope_bucket_high_v1(bounds, i, observed_max),
            0),
        [if(i = 1, 0, cumulative[i - 1])])[1]);

-- sloscope_shared_counts_v1(shared, layout_bounds, layout_buckets) -> per-bucket counts on
--   the bounds `shared` (sorted, present in every layout) of several bucket layouts added
--   up: each layout's cumulative count at every shared bound, summed, then differenced;
--   the last bucket holds everything above the last shared bound. Counts stay exact, the
--   resolution is that of the coarsest layout.
CREATE FUNCTION IF NOT EXISTS sloscope_shared_counts_v1 ${ON_CLUSTER} AS
(shared, layout_bounds, layout_buckets) -> arrayPopFront(arrayDifference(arrayConcat(
    [toUInt64(0)],
    arrayReduce('sumForEach', arrayMap(
        (b, c) -> arrayMap(
            cumulative -> arrayMap(x -> cumulative[indexOf(b, x)], shared),
            [arrayCumSum(c)])[1],
        layout_bounds, layout_buckets)),
    [arraySum(arrayMap(c -> arraySum(c), layout_buckets))])));

-- sloscope_shared_quantile_v1(q, layout_bounds, layout_buckets, observed_min, observed_max)
--   -> (value, error): the quantile of several bucket layouts merged on their shared bounds.
CREATE FUNCTION IF NOT EXISTS sloscope_shared_quantile_v1 ${ON_CLUSTER} AS
(q, layout_bounds, layout_buckets, observed_min, observed_max) -> arrayMap(
    shared -> sloscope_histogram_quantile_v1(
        q, shared, sloscope_shared_counts_v1(shared, layout_bounds, layout_buckets),
        observed_min, observed_max),
    [arraySort(arrayReduce('groupArrayIntersect', layout_bounds))])[1];

-- The lower edge of explicit bucket i (1-based), clamped by the observed minimum; the
-- first bucket starts at 0 (Prometheus) unless the minimum is known.
CREATE FUNCTION IF NOT EXISTS sloscope_bucket_low_v1 ${ON_CLUSTER} AS
(bounds, i, observed_min) -> if(
    i = 1,
    if(isFinite(observed_min), observed_min, 0.),
    if(isFinite(observed_min), greatest(bounds[i - 1], observed_min), bounds[i - 1]));

-- The upper edge of explicit bucket i (1-based; length(bounds) + 1 is the +Inf bucket),
-- clamped by the observed maximum.
CREATE FUNCTION IF NOT EXISTS sloscope_bucket_high_v1 ${ON_CLUSTER} AS
(bounds, i, observed_max) -> if(
    i = length(bounds) + 1,
    observed_max,
    if(isFinite(observed_max), least(bounds[i], observed_max), bounds[i]));

-- (value, error) for a rank that lies `into` observations into a bucket of `width`
-- observations spanning [low, high]; log = 1 interpolates log-linearly (exponential
-- buckets), 0 linearly.
CREATE FUNCTION IF NOT EXISTS sloscope_interpolate_v1 ${ON_CLUSTER} AS
(into, width, low, high, log) -> arrayMap(
    (l, h) -> sloscope_with_error_v1(
        if(log = 1 AND l > 0 AND h > l, l * pow(h / l, into / width), l + (h - l) * into / width),
        l, h),
    [low], [greatest(high, low)])[1];

CREATE FUNCTION IF NOT EXISTS sloscope_with_error_v1 ${ON_CLUSTER} AS
(value, low, high) -> arrayMap(v -> (v, greatest(v - low, high - v)), [value])[1];

-- sloscope_histogram_count_le_v1(threshold, bounds, counts, observed_min, observed_max)
--   -> (count, interpolated): the observations at or under threshold. Exact when the
--   threshold is a bucket bound or outside [min, max]; otherwise the bucket holding it
--   is split linearly and interpolated is 1.
CREATE FUNCTION IF NOT EXISTS sloscope_histogram_count_le_v1 ${ON_CLUSTER} AS
(threshold, bounds, counts, observed_min, observed_max) -> arrayMap(
    k -> sloscope_histogram_split_v1(
        threshold, arraySum(arraySlice(counts, 1, k - 1)), counts[k], arraySum(counts),
        k, length(bounds), bounds[k - 1], bounds[k], observed_min, observed_max),
    [arrayFirstIndex(b -> b >= threshold, arrayPushBack(bounds, inf))])[1];

-- sloscope_histogram_split_v1(threshold, below, inside, total, k, bound_count, low_bound,
--   high_bound, observed_min, observed_max) -> (count, interpolated): the rule of
--   sloscope_histogram_count_le_v1 from scalars alone: the threshold lies in bucket k
--   (1-based; bound_count + 1 is the +Inf bucket) spanning (low_bound, high_bound], with
--   `below` observations in the buckets before it and `inside` in it, `total` in all.
--   Every argument sums over rows of one layout (or is the same for all of them), so a
--   slice's count is this function of its rows' sums: no array is needed per slice.
CREATE FUNCTION IF NOT EXISTS sloscope_histogram_split_v1 ${ON_CLUSTER} AS
(threshold, below, inside, total, k, bound_count, low_bound, high_bound, observed_min,
 observed_max) -> multiIf(
    total = 0, (0., 0),
    isFinite(observed_max) AND threshold >= observed_max, (toFloat64(total), 0),
    isFinite(observed_min) AND threshold < observed_min, (0., 0),
    k <= bound_count AND high_bound = threshold, (toFloat64(below + inside), 0),
    inside = 0, (toFloat64(below), 0),
    arrayMap(
        (low, high) -> (below + inside * least(1., greatest(0., (threshold - low) / (high - low))), 1),
        [if(k = 1,
            if(isFinite(observed_min), observed_min, 0.),
            if(isFinite(observed_min), greatest(low_bound, observed_min), low_bound))],
        [if(k = bound_count + 1,
            observed_max,
            if(isFinite(observed_max), least(high_bound, observed_max), high_bound))])[1]);

-- sloscope_exponential_quantile_v1(q, scale, below_zero, zero_count, zero_threshold,
--   indexes, counts, observed_min, observed_max) -> (value, error): the same rule for an
--   exponential histogram already merged at one scale (indexes ascending, bucket i
--   covering (2^(i*2^-scale), 2^((i+1)*2^-scale)]), interpolating log-linearly inside a
--   bucket and linearly inside the zero bucket. below_zero counts the observations in
--   negative buckets; a rank among them gives (nan, nan).
CREATE FUNCTION IF NOT EXISTS sloscope_exponential_quantile_v1 ${ON_CLUSTER} AS
(q, scale, below_zero, zero_count, zero_threshold, indexes, counts, observed_min, observed_max)
-> arrayMap(
    cumulative -> sloscope_exponential_rank_v1(
        q * (below_zero + zero_count + cumulative[-1]), scale, below_zero, zero_count,
        zero_threshold, indexes, counts, arrayMap(c -> c + below_zero + zero_count, cumulative),
        observed_min, observed_max),
    [arrayCumSum(counts)])[1];

CREATE FUNCTION IF NOT EXISTS sloscope_exponential_rank_v1 ${ON_CLUSTER} AS
(rank, scale, below_zero, zero_count, zero_threshold, indexes, counts, cumulative,
 observed_min, observed_max) -> multiIf(
    below_zero + zero_count + arraySum(counts) = 0, (nan, nan),
    rank <= below_zero, (nan, nan),
    rank <= below_zero + zero_count,
        sloscope_interpolate_v1(
            rank - below_zero, zero_count,
            if(isFinite(observed_min), greatest(-zero_threshold, observed_min), -zero_threshold),
            if(isFinite(observed_max), least(zero_threshold, observed_max), zero_threshold),
            0),
    arrayMap(
        i -> sloscope_exponential_bucket_v1(
            rank, scale, indexes, counts, cumulative, i, observed_min, observed_max),
        [arrayFirstIndex(c -> c >= rank, cumulative)])[1]);

CREATE FUNCTION IF NOT EXISTS sloscope_exponential_bucket_v1 ${ON_CLUSTER} AS
(rank, scale, indexes, counts, cumulative, i, observed_min, observed_max) -> arrayMap(
    (low, high) -> sloscope_interpolate_v1(
        rank - (cumulative[i] - counts[i]),
        counts[i],
        if(isFinite(observed_min), least(greatest(low, observed_min), high), low),
        if(isFinite(observed_max), least(high, observed_max), high),
        1),
    [exp2(indexes[i] * exp2(-scale))], [exp2((indexes[i] + 1) * exp2(-scale))])[1];

-- sloscope_exponential_merge_v1(scales, positives) -> (indexes, counts): positive buckets
--   of several scales ((indexes, counts) per scale) merged at the smallest scale: at
--   scale s - n, bucket i becomes i >> n (an arithmetic shift: floor division, so negative
--   indexes merge correctly), and counts of the same index are added.
CREATE FUNCTION IF NOT EXISTS sloscope_exponential_merge_v1 ${ON_CLUSTER} AS
(scales, positives) -> arrayMap(
    smallest -> arrayReduce('sumMap',
        arrayMap((s, p) -> arrayMap(i -> bitShiftRight(i, s - smallest), p.1), scales, positives),
        arrayMap(p -> p.2, positives)),
    [arrayMin(scales)])[1];

-- sloscope_exponential_count_le_v1(threshold, scale, below_zero, zero_count,
--   zero_threshold, indexes, counts, observed_min, observed_max) -> (count, interpolated):
--   observations at or under a positive threshold; the bucket holding it is split
--   log-linearly (interpolated = 1) unless the threshold is its upper bound.
CREATE FUNCTION IF NOT EXISTS sloscope_exponential_count_le_v1 ${ON_CLUSTER} AS
(threshold, scale, below_zero, zero_count, zero_threshold, indexes, counts,
 observed_min, observed_max) -> if(
    isFinite(observed_max) AND threshold >= observed_max,
        (toFloat64(below_zero + zero_count + arraySum(counts)), 0),
    arrayMap(
        position -> sloscope_exponential_split_v1(
            threshold, scale, below_zero + zero_count, indexes, counts, position,
            observed_min, observed_max),
        [log2(threshold) * exp2(scale)])[1]);

CREATE FUNCTION IF NOT EXISTS sloscope_exponential_split_v1 ${ON_CLUSTER} AS
(threshold, scale, below, indexes, counts, position, observed_min, observed_max) -> (
    below
    + arraySum(arrayMap((i, c) -> if(i + 1 <= position + 1e-9, c, 0), indexes, counts))
    + arraySum(arrayMap((i, c) -> if(i + 1 > position + 1e-9 AND i < position - 1e-9,
        c * sloscope_log_share_v1(threshold,
            if(isFinite(observed_min), greatest(exp2(i * exp2(-scale)), observed_min),
               exp2(i * exp2(-scale))),
            if(isFinite(observed_max), least(exp2((i + 1) * exp2(-scale)), observed_max),
               exp2((i + 1) * exp2(-scale)))),
        0), indexes, counts)),
    toUInt8(arrayExists((i, c) -> c > 0 AND i + 1 > position + 1e-9 AND i < position - 1e-9,
        indexes, counts)));

-- The share of a bucket [low, high] at or under threshold, log-linearly.
CREATE FUNCTION IF NOT EXISTS sloscope_log_share_v1 ${ON_CLUSTER} AS
(threshold, low, high) -> multiIf(
    threshold >= high, 1.,
    threshold <= low, 0.,
    log(threshold / low) / log(high / low));
