"""The OTLP metrics schema as ClickHouse's ``Protobuf`` input format needs it.

ClickHouse parses the request bytes itself (see DESIGN.md section 7): that needs one
self-contained ``.proto`` text, but the opentelemetry-proto package ships compiled
descriptors and no ``.proto`` files, and ClickHouse does not resolve imports across files.
So the text is rendered here from the installed descriptors into a single package.

One message is added, ``Envelope``: an ``ExportMetricsServiceRequest`` plus a
``request_seq`` field with a field number OTLP will not use. The receiver appends that
field to each request's bytes (protobuf concatenation merges messages), so every row
ClickHouse produces knows which request it came from, at the cost of a few bytes.
"""

from __future__ import annotations

import functools

from google.protobuf import descriptor_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.resource.v1 import resource_pb2

ENVELOPE_MESSAGE = "Envelope"
REQUEST_SEQ_FIELD_NUMBER = 1_000_000

_Field = descriptor_pb2.FieldDescriptorProto
_SCALAR_TYPES = {
    _Field.TYPE_DOUBLE: "double",
    _Field.TYPE_FLOAT: "float",
    _Field.TYPE_INT64: "int64",
    _Field.TYPE_UINT64: "uint64",
    _Field.TYPE_INT32: "int32",
    _Field.TYPE_FIXED64: "fixed64",
    _Field.TYPE_FIXED32: "fixed32",
    _Field.TYPE_BOOL: "bool",
    _Field.TYPE_STRING: "string",
    _Field.TYPE_BYTES: "bytes",
    _Field.TYPE_UINT32: "uint32",
    _Field.TYPE_SFIXED32: "sfixed32",
    _Field.TYPE_SFIXED64: "sfixed64",
    _Field.TYPE_SINT32: "sint32",
    _Field.TYPE_SINT64: "sint64",
}
_SOURCE_FILES = (
    common_pb2.DESCRIPTOR,
    resource_pb2.DESCRIPTOR,
    metrics_pb2.DESCRIPTOR,
    metrics_service_pb2.DESCRIPTOR,
)


@functools.cache
def proto_schema() -> str:
    """The single-file ``.proto`` text: every OTLP metrics message plus ``Envelope``."""
    lines = ['syntax = "proto3";', "package sloscope.otlp;", ""]
    for file_descriptor in _SOURCE_FILES:
        file_proto = descriptor_pb2.FileDescriptorProto()
        file_descriptor.CopyToProto(file_proto)
        for enum in file_proto.enum_type:
            lines += _render_enum(enum, "")
        for message in file_proto.message_type:
            lines += _render_message(message, "")
    lines += [
        f"message {ENVELOPE_MESSAGE} {{",
        "  repeated ResourceMetrics resource_metrics = 1;",
        f"  uint64 request_seq = {REQUEST_SEQ_FIELD_NUMBER};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _type_name(field: descriptor_pb2.FieldDescriptorProto) -> str:
    if field.type in (_Field.TYPE_MESSAGE, _Field.TYPE_ENUM):
        # Every message now lives in one package, so the short name resolves.
        return field.type_name.rsplit(".", 1)[1]
    return _SCALAR_TYPES[field.type]


def _render_enum(enum: descriptor_pb2.EnumDescriptorProto, indent: str) -> list[str]:
    body = [f"{indent}  {value.name} = {value.number};" for value in enum.value]
    return [f"{indent}enum {enum.name} {{", *body, f"{indent}}}"]


def _render_message(message: descriptor_pb2.DescriptorProto, indent: str) -> list[str]:
    lines = [f"{indent}message {message.name} {{"]
    for enum in message.enum_type:
        lines += _render_enum(enum, indent + "  ")
    for nested in message.nested_type:
        lines += _render_message(nested, indent + "  ")
    rendered_oneofs: set[int] = set()
    for field in message.field:
        in_real_oneof = field.HasField("oneof_index") and not field.proto3_optional
        if not in_real_oneof:
            lines.append(
                f"{indent}  {_label(field)}{_type_name(field)} {field.name} = {field.number};"
            )
            continue
        if field.oneof_index in rendered_oneofs:
            continue
        rendered_oneofs.add(field.oneof_index)
        members = [f for f in message.field if f.HasField("oneof_index") and not f.proto3_optional]
        lines.append(f"{indent}  oneof {message.oneof_decl[field.oneof_index].name} {{")
        lines += [
            f"{indent}    {_type_name(member)} {member.name} = {member.number};"
            for member in members
            if member.oneof_index == field.oneof_index
        ]
        lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")
    return lines


def _label(field: descriptor_pb2.FieldDescriptorProto) -> str:
    if field.label == _Field.LABEL_REPEATED:
        return "repeated "
    return "optional " if field.proto3_optional else ""
