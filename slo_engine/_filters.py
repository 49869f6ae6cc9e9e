"""Attribute filters as SREs write them, and their typed form.

A filter is a mapping from attribute name to a condition::

    http.route: /checkout                  # equals
    http.request.method: [GET, POST]       # one of
    http.response.status_code: {lt: 500}   # numeric comparison
    error.type: {exists: false}            # attribute absent
    http.route: {matches: "^/api/.*"}      # RE2 regular expression
    http.route: {not_in: [/health]}

Every condition must hold. Values reach SQL only as query parameters.

Two mistakes are refused here rather than left to read a wrong number: a key that is one
of the SLI's shorthands (``route``, ``method``, ``metric``), which no OpenTelemetry series
carries, so its condition would never hold; and a ``matches`` pattern that is not valid
RE2, which ClickHouse's ``match`` would refuse only when the SLO is evaluated. The check
is RE2 itself (the ``google-re2`` binding), so it refuses exactly what RE2 refuses.
"""

from __future__ import annotations

from typing import Annotated, Any

import re2
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from slo_engine._conventions import METHOD, ROUTE
from slo_engine._model import Condition, Filter, Op

Scalar = str | int | float
MAX_FILTER_VALUES = 1000
MAX_PATTERN_CHARS = 1024
_SHORTHANDS = {
    "route": f"write the attribute {ROUTE} (route: is a shorthand of the SLI, not of a filter)",
    "method": f"write the attribute {METHOD} (method: is a shorthand of the SLI, not of a filter)",
    "metric": "a filter selects series of the SLI's metric: set metric: on the SLI instead",
}
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def _attribute_key(key: str) -> str:
    hint = _SHORTHANDS.get(key)
    if hint is not None:
        raise PydanticCustomError(
            "shorthand_key", "'{key}' is not an attribute: {hint}", {"key": key, "hint": hint}
        )
    return key


def _re2_pattern(pattern: str) -> str:
    """``pattern`` if RE2 (ClickHouse's ``match``) compiles it; else RE2's own reason."""
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc.args[0])
        raise PydanticCustomError(
            "re2_pattern", "not a valid RE2 pattern: {reason}", {"reason": reason}
        ) from None
    return pattern


Pattern = Annotated[str, Field(max_length=MAX_PATTERN_CHARS), AfterValidator(_re2_pattern)]


class OpsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    equals: Scalar | None = None
    not_equals: Scalar | None = None
    in_: Annotated[list[Scalar] | None, Field(alias="in", max_length=MAX_FILTER_VALUES)] = None
    not_in: Annotated[list[Scalar], Field(max_length=MAX_FILTER_VALUES)] | None = None
    matches: Pattern | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    exists: bool | None = None


ConditionSpec = Annotated[list[Scalar], Field(max_length=MAX_FILTER_VALUES)] | OpsSpec | Scalar
AttributeKey = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_attribute_key)]
FilterSpec = dict[AttributeKey, ConditionSpec]


def _text(value: Scalar) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def conditions(key: str, spec: ConditionSpec) -> list[Condition]:
    if isinstance(spec, list):
        return [Condition(key, Op.IN, tuple(_text(v) for v in spec))]
    if not isinstance(spec, OpsSpec):
        return [Condition(key, Op.IN, (_text(spec),))]
    found: list[Condition] = []
    if spec.equals is not None:
        found.append(Condition(key, Op.IN, (_text(spec.equals),)))
    if spec.not_equals is not None:
        found.append(Condition(key, Op.NOT_IN, (_text(spec.not_equals),)))
    if spec.in_ is not None:
        found.append(Condition(key, Op.IN, tuple(_text(v) for v in spec.in_)))
    if spec.not_in is not None:
        found.append(Condition(key, Op.NOT_IN, tuple(_text(v) for v in spec.not_in)))
    if spec.matches is not None:
        found.append(Condition(key, Op.MATCHES, (spec.matches,)))
    for op, number in ((Op.LT, spec.lt), (Op.LE, spec.le), (Op.GT, spec.gt), (Op.GE, spec.ge)):
        if number is not None:
            found.append(Condition(key, op, number=number))
    if spec.exists is not None:
        found.append(Condition(key, Op.EXISTS if spec.exists else Op.MISSING))
    return found


def to_filter(
    spec: FilterSpec | None, extra: dict[str, Any] | None = None, *, negate: bool = False
) -> Filter:
    """The typed filter of ``spec`` plus shorthand conditions (route, method)."""
    found: list[Condition] = []
    for key, value in (extra or {}).items():
        if value is not None:
            found.extend(conditions(key, value))
    for key, condition in (spec or {}).items():
        found.extend(conditions(key, condition))
    return Filter(tuple(found), negate)


def describe(filter_: Filter) -> str:
    """A short human form: ``http.route in [/a], status < 500``."""
    parts = []
    for c in filter_.conditions:
        if c.op in (Op.IN, Op.NOT_IN):
            word = "=" if c.op is Op.IN and len(c.values) == 1 else c.op.value.replace("_", " ")
            shown = c.values[0] if len(c.values) == 1 else "[" + ", ".join(c.values) + "]"
            parts.append(
                f"{c.key} {'!=' if word == 'not in' and len(c.values) == 1 else word} {shown}"
            )
        elif c.op is Op.MATCHES:
            parts.append(f"{c.key} =~ {c.values[0]}")
        elif c.op in (Op.EXISTS, Op.MISSING):
            parts.append(f"{c.key} {c.op.value}")
        else:
            symbol = {Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}[c.op]
            parts.append(f"{c.key} {symbol} {c.number:g}")
    text = ", ".join(parts) or "all"
    return f"not ({text})" if filter_.negate else text
