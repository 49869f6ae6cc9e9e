-- sloscope_exp_downscaled(offset, counts, shift): exponential-histogram buckets (bucket
-- i is index offset + i - 1) merged down by `shift` scale steps, as sparse
-- (indexes, counts) arrays. Downscaling merges 2^shift adjacent buckets exactly; the
-- arithmetic shift is a floor division, so negative indexes merge correctly.
CREATE OR REPLACE FUNCTION sloscope_exp_downscaled AS (offset, counts, shift) -> arrayReduce(
    'sumMap',
    [arrayMap((count, i) -> bitShiftRight(toInt64(offset + i - 1), shift), counts, arrayEnumerate(counts))],
    [arrayMap(count -> toInt64(count), counts)]
)
