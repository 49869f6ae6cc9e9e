-- sloscope_recent_times(previous, added, keep): a series' recent point times after a
-- write, ascending: the newest `keep` of those it had and those just stored.
CREATE OR REPLACE FUNCTION sloscope_recent_times AS (previous, added, keep) ->
    arraySlice(arraySort(arrayDistinct(arrayConcat(previous, added))), -keep)
