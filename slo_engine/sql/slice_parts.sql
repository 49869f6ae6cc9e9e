-- slice_parts: what a minute rollup table's rows are made of, for the block cache of
-- slo_engine/_slice_blocks.py: the table's UUID and engine, and each active part's name
-- with the first and last minute (Unix seconds) of its rows. A part never changes: rows
-- inserted, merged, mutated or deleted by a TTL end up in parts with new names.
--
-- Returns no row when the table does not exist.
--
-- Parameters: db, table.
SELECT
    toString(uuid),
    engine,
    (
        SELECT groupArray((name, toUInt32(toUnixTimestamp(min_time)), toUInt32(toUnixTimestamp(max_time))))
        FROM system.parts
        WHERE database = {db:String} AND table = {table:String} AND active
    )
FROM system.tables
WHERE database = {db:String} AND name = {table:String}
