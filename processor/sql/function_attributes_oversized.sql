-- sloscope_otlp_attributes_oversized(key_values, max_count, max_bytes): whether an OTLP
-- KeyValue list is beyond the receiver's limits (too many attributes, or one key or
-- value longer than max_bytes). Such a point is rejected rather than truncated, so that
-- what is stored is always what was sent.
CREATE OR REPLACE FUNCTION sloscope_otlp_attributes_oversized AS (key_values, max_count, max_bytes) ->
    length(key_values) > max_count
    OR arrayExists(
        kv -> length(kv.key) > max_bytes
            OR length(kv.value.string_value) > max_bytes
            OR length(kv.value.bytes_value) > max_bytes
            OR length(kv.value.array_value.values) > max_count
            OR length(kv.value.kvlist_value.values) > max_count,
        key_values
    )
