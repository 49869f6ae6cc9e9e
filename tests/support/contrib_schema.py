"""The OpenTelemetry Collector ClickHouse exporter's metric tables, as the exporter creates
them, for tests of a database someone else set up first.

``CURRENT`` is the newest generation (``exporter/clickhouseexporter/internal/sqltemplates/
metrics_*_table.sql``: ``DateTime`` times, ``LowCardinality`` metric names, sorted by hour
and attribute hash, a minmax index on ``TimeUnix``; /work/shared/research/
clickhouse-otel-schema.md, section 1.1), ``OLDER`` the generation before it
(``DateTime64(9)`` times, sorted by the attribute map). The exporter's ``%s`` placeholders
are filled as it fills them for one node: the database, the table, no ``ON CLUSTER``,
``MergeTree()`` and a TTL clause (``ttl: 0`` leaves it empty).
"""

from __future__ import annotations

from processor.store import Store

_COMMON = """
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName {metric_name} CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix {time} CODEC(Delta, ZSTD(1)),
    TimeUnix {time} CODEC(Delta, ZSTD(1)),"""
_EXEMPLARS = """
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix {time},
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),"""
_INDEXES = """
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1"""
_SPECIFIC = {
    "otel_metrics_gauge": """
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),{exemplars}""",
    "otel_metrics_sum": """
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32  CODEC(ZSTD(1)),{exemplars}
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),""",
    "otel_metrics_histogram": """
    Count UInt64 CODEC(Delta(8), ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),{exemplars}
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),""",
    "otel_metrics_exponential_histogram": """
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),{exemplars}
    Flags UInt32  CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),""",
    "otel_metrics_summary": """
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    ValueAtQuantiles Nested(
        Quantile Float64,
        Value Float64
    ) CODEC(ZSTD(1)),
    Flags UInt32  CODEC(ZSTD(1)),""",
}
_GENERATIONS = {
    "current": {
        "time": "DateTime",
        "metric_name": "LowCardinality(String)",
        "minmax": ",\n    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1",
        "order_by": (
            "ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix"
        ),
    },
    "older": {
        "time": "DateTime64(9)",
        "metric_name": "String",
        "minmax": "",
        "order_by": "ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix)",
    },
}


def table_ddl(table: str, generation: str = "current", ttl_days: int = 0) -> str:
    """The exporter's CREATE TABLE for ``table`` in database ``{db:Identifier}``."""
    shape = _GENERATIONS[generation]
    columns = _COMMON + _SPECIFIC[table].replace("{exemplars}", _EXEMPLARS)
    ttl = f"TTL toDateTime(TimeUnix) + toIntervalDay({ttl_days})" if ttl_days else ""
    return (
        (
            f'CREATE TABLE IF NOT EXISTS {{db:Identifier}}."{table}" ({columns}{_INDEXES}'
            f"{shape['minmax']}\n    ) ENGINE = MergeTree()\n    {ttl}\n"
            "    PARTITION BY toDate(TimeUnix)\n"
            f"    ORDER BY ({shape['order_by']})\n"
            "    SETTINGS index_granularity=8192, ttl_only_drop_parts = 1\n"
        )
        .replace("{time}", shape["time"])
        .replace("{metric_name}", shape["metric_name"])
    )


TABLES = tuple(_SPECIFIC)


def create_tables(
    store: Store,
    database: str,
    generation: str = "current",
    ttl_days: int = 0,
    tables: tuple[str, ...] = TABLES,
) -> None:
    """Create the exporter's metric tables in ``database`` (through ``store``'s client),
    as the exporter does."""
    for table in tables:
        store.command(table_ddl(table, generation, ttl_days), {"db": database})
