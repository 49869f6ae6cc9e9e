-- sloscope_otlp_scalar_text(value): an OTLP AnyValue scalar as the text the contrib
-- exporter stores in its attribute maps (pcommon.Value.AsString): strings as they are,
-- numbers in decimal, booleans as true/false, bytes in base64.
CREATE OR REPLACE FUNCTION sloscope_otlp_scalar_text AS (v) -> multiIf(
    v.value = 'string_value', v.string_value,
    v.value = 'int_value', toString(v.int_value),
    v.value = 'double_value', toString(v.double_value),
    v.value = 'bool_value', if(v.bool_value, 'true', 'false'),
    v.value = 'bytes_value', base64Encode(v.bytes_value),
    ''
)
