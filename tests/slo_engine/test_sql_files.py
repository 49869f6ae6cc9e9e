from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slo_engine._loader import load
from slo_engine._plan import plan
from slo_engine._sql import names, placeholders, sql
from slo_engine._status import contexts, histogram_parameters


def _parameters(name: str) -> dict[str, Any]:
    if name == "histogram_windows":
        end = datetime(2026, 1, 2, tzinfo=UTC)
        slo_set = load(
            {"a.yaml": "service: s\nslos: [{name: a, objective: 0.9, sli: {availability: {}}}]\n"}
        )
        found = contexts(slo_set, end)
        boundaries = {end} | {r.start for c in found for r in c.windows.values()}
        return histogram_parameters(found, plan(sorted(boundaries)))
    if name.startswith("sla_"):
        return _sla_parameters(name)
    raise AssertionError(f"no parameters for {name}")


def _sla_parameters(name: str) -> dict[str, Any]:
    from datetime import timedelta

    from slo_engine._model import SlaPolicy
    from slo_engine._sla_minutes import ServiceInput, minute_parameters, service_parameters
    from slo_engine._windows import Range, local_days

    span = Range(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    if name == "sla_services":
        return service_parameters("http.server.request.duration", span)
    excluded = (Range(span.start, span.start + timedelta(hours=1)),)
    services = [ServiceInput("s", SlaPolicy(), excluded)]
    return minute_parameters(services, span, local_days(span, "UTC"))


@pytest.mark.parametrize("name", names())
def test_placeholders_and_parameters_match_both_ways(name, store):
    text = sql(name)
    assert "%(" not in text
    parameters = _parameters(name)
    assert placeholders(text) == set(parameters) | {"db"}
    store.query(text, parameters)
