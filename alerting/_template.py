"""Annotation templates: ``{{ name }}`` and ``{{ name | filter }}``, nothing else.

A template sees the alert's labels by name, plus ``value`` and ``threshold`` (numbers)::

    summary: "{{ service }} fails {{ value | percent }} (over {{ threshold | percent }})"

Filters: ``percent`` (0.0512 -> ``5.12%``), ``round`` (3 significant digits),
``seconds`` (0.250 -> ``250ms``, 90 -> ``1.5m``), ``upper``, ``lower``. An unknown name or
filter is an error when the file is loaded, not when the alert fires.

Substituted values are inserted once and never read as template text again, so a label
value cannot inject a placeholder; they are HTML-escaped (``<``, ``>``, ``&``, quotes),
as Jinja2's autoescape would, because receivers render annotations in HTML (mail, chat)
and a label value comes from whoever sends metrics. The literal text of a template, which
the SRE wrote, is kept as written. A rendered annotation is at most ``MAX_CHARS`` long.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from typing import Final

MAX_CHARS: Final = 4096
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\|\s*([a-z]+)\s*)?\}\}")


def _percent(value: float | str) -> str:
    number = _number(value)
    return "-" if number is None else f"{number * 100:.3g}%"


def _round(value: float | str) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:.3g}"


def _seconds(value: float | str) -> str:
    number = _number(value)
    if number is None:
        return "-"
    if abs(number) < 1:
        return f"{number * 1000:.3g}ms"
    if abs(number) < 60:
        return f"{number:.3g}s"
    return f"{number / 60:.3g}m" if abs(number) < 3600 else f"{number / 3600:.3g}h"


def _number(value: float | str) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return None if math.isnan(value) else value


FILTERS: Final[Mapping[str, Callable[[float | str], str]]] = {
    "percent": _percent,
    "round": _round,
    "seconds": _seconds,
    "upper": lambda value: str(value).upper(),
    "lower": lambda value: str(value).lower(),
}


def check(template: str) -> str | None:
    """Why ``template`` would not render, or None. Names are checked against labels at
    render time (an absent label renders empty), filters here."""
    stripped = _PLACEHOLDER.sub("", template)
    if "{{" in stripped or "}}" in stripped:
        return "a placeholder is {{ name }} or {{ name | filter }}"
    for match in _PLACEHOLDER.finditer(template):
        if match.group(2) is not None and match.group(2) not in FILTERS:
            known = ", ".join(sorted(FILTERS))
            return f"unknown filter {match.group(2)!r} (known: {known})"
    return None


def render(template: str, labels: Mapping[str, str], value: float, threshold: float) -> str:
    """``template`` with its placeholders filled, escaped, bounded."""

    def fill(match: re.Match[str]) -> str:
        name, filter_name = match.group(1), match.group(2)
        found: float | str
        if name == "value":
            found = value
        elif name == "threshold":
            found = threshold
        else:
            found = labels.get(name, "")
        text = FILTERS[filter_name](found) if filter_name else _plain(found)
        return html.escape(text)

    return _PLACEHOLDER.sub(fill, template)[:MAX_CHARS]


def _plain(found: float | str) -> str:
    return f"{found:.6g}" if isinstance(found, float) else found


def render_all(
    templates: Mapping[str, str], labels: Mapping[str, str], value: float, threshold: float
) -> dict[str, str]:
    return {key: render(text, labels, value, threshold) for key, text in templates.items()}
