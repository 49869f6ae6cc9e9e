"""The API answers 503 when the store cannot serve a query now (by ClickHouse's error
code), 400 when the query itself is at fault."""

from __future__ import annotations

import httpx

from processor.store import Store
from sloscope.api import ApiContext, create_app
from sloscope.api._query import read_only_settings
from sloscope.config import ApiSettings
from tests.support.servers import serving


def test_a_query_the_store_cannot_finish_in_time_answers_503(store: Store) -> None:
    context = ApiContext(
        store=store,
        query_store=store.read_only(read_only_settings(max_rows=5, timeout_s=0.01)),
        settings=ApiSettings(),
        health_checks={},
    )
    heavy = {"sql": "SELECT sum(cityHash64(number)) FROM numbers(10000000000)"}
    with serving(create_app(context)) as url, httpx.Client(base_url=url, timeout=30) as http:
        slow = http.post("/api/query", json=heavy)
        wrong = http.post("/api/query", json={"sql": "SELECT nope"})
    assert slow.status_code == 503
    assert "TIMEOUT_EXCEEDED" in slow.json()["error"]
    assert wrong.status_code == 400
