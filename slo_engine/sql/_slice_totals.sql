-- Fragment of histogram_slices.sql and exponential_slices.sql: the final SELECT, the
-- verdicts summed per (slo, dim_group, window, block). A slice of a block (mode 1) is
-- summed once under its hour's start (block, window 0); any other under each window that
-- holds it (window k, block 0). ratio_sum adds the ratios in sorted order, so that it does
-- not depend on how rows arrive; 0 for SLOs that have no use for it (sorting every
-- window's slices is most of the last step).
SELECT
    slo,
    dim_group,
    window,
    block,
    count() AS slice_count,
    countIf(low_traffic) AS low_traffic_count,
    countIf(good_slice) AS good_slice_count,
    arraySum(arraySort(groupArrayIf(ratio, ratio_sum_wanted AND NOT low_traffic))) AS ratio_sum
FROM (
    SELECT
        slo, dim_group, slice, window_starts, low_traffic, good_slice, ratio, ratio_sum_wanted,
        ${SLICE_MODE} AS mode,
        if(mode = 1, intDiv(slice, 3600) * 3600, 0) AS block
    FROM verdicts
)
ARRAY JOIN
    if(mode = 1, [0], arrayFilter(k -> slice >= window_starts[k], range(1, length(window_starts) + 1)))
    AS window
GROUP BY slo, dim_group, window, block
ORDER BY slo, dim_group, window, block
