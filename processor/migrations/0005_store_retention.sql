-- sloscope_retention: the retention in force, kept in the store itself
-- (processor/_retention.py): one row per change, the newest in force. RawDays: the metric
-- tables' rows; RollupDays: the SLO engine's minute, hour and day rollups, which SLOs and
-- SLA reports read (0 keeps forever); ChangedBy: `serve` (started with a value, or the
-- first start) or `store retention` (the command). Only those write it: a read command
-- never changes a retention or a TTL.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_retention ${ON_CLUSTER} (
    RawDays UInt32,
    RollupDays UInt32,
    ChangedAt DateTime64(3) DEFAULT now64(3),
    ChangedBy LowCardinality(String)
)
ENGINE = ${MERGE_TREE}
ORDER BY ChangedAt;
