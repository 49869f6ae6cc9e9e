-- sloscope_otlp_scalar_json(value): an OTLP AnyValue scalar as a JSON value, for the
-- elements of array and key-value-list attributes.
CREATE OR REPLACE FUNCTION sloscope_otlp_scalar_json AS (v) -> multiIf(
    v.value = 'string_value', toJSONString(v.string_value),
    v.value = 'bytes_value', toJSONString(base64Encode(v.bytes_value)),
    v.value = 'none', 'null',
    sloscope_otlp_scalar_text(v)
)
