-- sloscope_otlp_attributes(key_values): an OTLP KeyValue list as the sorted
-- Map(String, String) the contrib schema stores. Sorting makes the map, and every hash
-- of it (the series key, the sort key's cityHash64(Attributes)), independent of the
-- order a sender happened to use.
CREATE OR REPLACE FUNCTION sloscope_otlp_attributes AS (key_values) -> mapSort(mapFromArrays(
    arrayMap(kv -> kv.key, key_values),
    arrayMap(kv -> sloscope_otlp_value_text(kv.value), key_values)
))
