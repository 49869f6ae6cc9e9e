-- Fragment of histogram_slices.sql and exponential_slices.sql: the block mode of a slice
-- (columns slo and slice) under the block plan of slo_engine/_slice_blocks.py. 0: its hour
-- is counted already (kept from an earlier evaluation) or no window needs it; 1: its hour
-- is counted as one block, the same for every window that holds it; 2: counted per
-- window. block_modes holds block_count modes per SLO, hour by hour from block_from (an
-- hour number: Unix seconds / 3600).
{block_modes:Array(UInt8)}[(slo - 1) * {block_count:UInt32} + intDiv(slice, 3600) - {block_from:UInt32} + 1]
