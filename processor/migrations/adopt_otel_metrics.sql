-- Adopting metric tables someone else created (the OpenTelemetry Collector's ClickHouse
-- exporter, ClickStack), run before migration 0001 on a database that has them: 0001
-- creates only the tables that do not exist, and 0002 onwards need sloscope's columns.
-- The tables get the columns sloscope adds to the exporter's, exactly as 0001 defines them
-- (DEFAULT or MATERIALIZED, so the exporter's INSERTs still work and its rows get values),
-- and the deduplication window that makes a retried batch a no-op. The first statement
-- runs for each of the five tables that exists ({table:Identifier}), the others when
-- their table exists; processor/_foreign_tables.py first refuses tables it cannot adopt.

ALTER TABLE {db:Identifier}.{table:Identifier} ${ON_CLUSTER}
    ADD COLUMN IF NOT EXISTS TimeUnixNano UInt64 DEFAULT toUInt64(toUnixTimestamp(TimeUnix)) * 1000000000 CODEC(Delta, ZSTD(1)),
    ADD COLUMN IF NOT EXISTS StartTimeUnixNano UInt64 DEFAULT toUInt64(toUnixTimestamp(StartTimeUnix)) * 1000000000 CODEC(Delta, ZSTD(1)),
    ADD COLUMN IF NOT EXISTS SeriesKey UInt64 DEFAULT cityHash64(cityHash64(ResourceAttributes, ScopeName, ScopeVersion), MetricName, Attributes) CODEC(ZSTD(1)),
    MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE {db:Identifier}.otel_metrics_histogram ${ON_CLUSTER}
    ADD COLUMN IF NOT EXISTS HasMin Bool DEFAULT NOT (Min = 0 AND Max = 0) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS HasMax Bool DEFAULT NOT (Min = 0 AND Max = 0) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS BoundsHash UInt64 MATERIALIZED cityHash64(ExplicitBounds) CODEC(ZSTD(1));

ALTER TABLE {db:Identifier}.otel_metrics_exponential_histogram ${ON_CLUSTER}
    ADD COLUMN IF NOT EXISTS ZeroThreshold Float64 DEFAULT 0 CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS HasMin Bool DEFAULT NOT (Min = 0 AND Max = 0) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS HasMax Bool DEFAULT NOT (Min = 0 AND Max = 0) CODEC(ZSTD(1));
