-- sloscope_otlp_value_text(value): any OTLP AnyValue as attribute text; arrays and
-- key-value lists become JSON, as the contrib exporter renders them.
CREATE OR REPLACE FUNCTION sloscope_otlp_value_text AS (v) -> multiIf(
    v.value = 'array_value',
    concat('[', arrayStringConcat(arrayMap(x -> sloscope_otlp_scalar_json(x), v.array_value.values), ','), ']'),
    v.value = 'kvlist_value',
    concat('{', arrayStringConcat(arrayMap(
        kv -> concat(toJSONString(kv.key), ':', sloscope_otlp_scalar_json(kv.value)),
        v.kvlist_value.values), ','), '}'),
    sloscope_otlp_scalar_text(v)
)
