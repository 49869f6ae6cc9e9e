"""The API answers 503 when the store cannot serve a query now (by ClickHouse's error
code), 400 when the query itself is at fault."""

from __future__ import annotations

import httpx

from processor.store import Store
from sloscope.config import ApiSettings
from tests.support.api import serving_api


def test_a_query_the_store_cannot_finish_in_time_answers_503(store: Store) -> None:
    settings = ApiSettings(query_timeout_s=1)
    with serving_api(store, settings) as url, httpx.Client(base_url=url, timeout=30) as http:
        slow = http.post("/api/query", json={"sql": "SELECT sleep(3)"})
        wrong = http.post("/api/query", json={"sql": "SELECT nope"})
    assert slow.status_code == 503
    assert "TIMEOUT_EXCEEDED" in slow.json()["error"]
    assert wrong.status_code == 400
