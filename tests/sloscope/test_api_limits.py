"""What a request may cost (issue 8): bounded bodies, answers, concurrency and inputs;
a stalled or hostile request never stalls ``/healthz``; every mistake is a 4xx with a
message, never a 500; every ClickHouse type comes back as JSON.

Every test speaks HTTP to a real uvicorn-served app on 127.0.0.1 over a real store, and
asserts outcomes, never durations.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from processor.store import Store
from sloscope.config import ApiSettings
from tests.sloscope.conftest import TRAFFIC_END
from tests.support.api import serving_api
from tests.support.servers import wait_for

SLOTS = 2
SLO = """\
service: shop
slos:
  - name: availability
    objective: 0.9
    window: {window}
    sli: {{availability: {{route: /a}}}}
"""
UUID_TEXT = "00000000-0000-0000-0000-000000000001"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


@pytest.fixture(scope="module")
def api(module_store: Store) -> Iterator[httpx.Client]:
    settings = ApiSettings(max_concurrent_queries=SLOTS, query_max_result_mib=4)
    with (
        serving_api(module_store, settings) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        yield client


def query(client: httpx.Client, sql: str, **parameters: Any) -> httpx.Response:
    return client.post("/api/query", json={"sql": sql, "parameters": parameters})


def status(client: httpx.Client, text: str, at: str = TRAFFIC_END.isoformat()) -> httpx.Response:
    return client.post("/api/slos/status", json={"files": {"s.yaml": text}, "at": at})


def error(response: httpx.Response, status_code: int) -> str:
    assert response.status_code == status_code, response.text
    message = response.json()["error"]
    assert isinstance(message, str)
    assert "Traceback" not in message
    return message


# Concurrency --------------------------------------------------------------------------


def test_slow_queries_take_their_slots_the_next_gets_429_and_healthz_answers(
    api: httpx.Client,
) -> None:
    """Six sleeps once ran one after another behind one lock while /healthz waited 17 s.
    Now each runs on a session of its own: the ones beyond the slots are told to come
    back, and /healthz answers while the slots are full."""

    def slow() -> int:
        while True:  # a polite client: retry when told to
            answer = query(api, "SELECT sleep(3)")
            if answer.status_code != 429:
                return answer.status_code

    with concurrent.futures.ThreadPoolExecutor(SLOTS) as pool:
        sleepers = [pool.submit(slow) for _ in range(SLOTS)]
        turned_away: list[httpx.Response] = []

        def full() -> bool:
            answer = api.post("/api/slos/status", json={"files": {"s.yaml": ""}})
            if answer.status_code == 429:
                turned_away.append(answer)
            return bool(turned_away)

        wait_for(full, what="every slot taken by a sleeping query")
        health = api.get("/healthz")
        assert (health.status_code, health.json()["status"]) == (200, "ok")
        busy = turned_away[0]
        assert busy.headers["retry-after"] == "1"
        assert f"{SLOTS} requests are reading the store" in busy.json()["error"]
        assert [sleeper.result() for sleeper in sleepers] == [200] * SLOTS
    assert query(api, "SELECT 1").status_code == 200


# Bodies -------------------------------------------------------------------------------


def test_a_query_body_over_256_kib_is_refused_413(api: httpx.Client) -> None:
    sql = "SELECT '" + "x" * (256 * 1024) + "'"
    assert "larger than 262,144 bytes" in error(query(api, sql), 413)


def test_a_chunked_body_is_counted_as_it_comes(api: httpx.Client) -> None:
    """No Content-Length to trust: the limit holds on the bytes themselves."""

    def chunks() -> Iterator[bytes]:
        yield b'{"sql": "SELECT \''
        for _ in range(300):
            yield b"x" * 1024
        yield b"'\"}"

    response = api.post(
        "/api/query", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert "larger than 262,144 bytes" in error(response, 413)


def test_slo_files_may_be_larger_but_not_beyond_4_mib(api: httpx.Client) -> None:
    comment = "#" + "x" * 1023 + "\n"
    three_mib = SLO.format(window="1d") + comment * 3 * 1024
    assert status(api, three_mib).status_code == 200
    five_mib = comment * 5 * 1024
    assert "larger than 4,194,304 bytes" in error(status(api, five_mib), 413)
    report = {"files": {"s.yaml": five_mib}, "month": "2026-11"}
    assert error(api.post("/api/reports/sla", json=report), 413)


# Inputs that once cost minutes or answered 500 ----------------------------------------


def test_a_yaml_alias_bomb_is_refused_and_healthz_answers(api: httpx.Client) -> None:
    response = status(api, ALIAS_BOMB)
    assert error(response, 422).startswith("s.yaml:1:1: invalid YAML: the document expands to")
    assert response.json()["issues"] == [
        "s.yaml:1:1: invalid YAML: the document expands to more than 200,000 nodes "
        "(an alias counts as the nodes it repeats)"
    ]
    assert api.get("/healthz").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("request_body", "status_code", "fragment"),
    [
        (
            {"files": {"s.yaml": SLO.format(window="99999999d")}},
            422,
            "slos[0].window: '99999999d' is longer than 10 years",
        ),
        (
            {"files": {"s.yaml": SLO.format(window="{calendar: day, start: 9999-12-31T00:00:00}")}},
            422,
            "slos[0].window.start: the year 9999 is outside 1970 to 2200",
        ),
        (
            {"files": {"s.yaml": SLO.format(window="1d")}, "at": "0001-01-01T00:00:00+00:00"},
            400,
            "the evaluation instant 0001-01-01T00:00:00+00:00: the year 1 is outside 1970 to 2200",
        ),
        (
            {"files": {"s.yaml": "[" * 5000 + "]" * 5000}},
            422,
            "s.yaml:1:66: invalid YAML: nested deeper than 64 levels",
        ),
        (
            {"files": {"s.yaml": "maintenance:\n  - {name: m, start: 0001-01-01, duration: 1h}\n"}},
            422,
            "maintenance[0].start: the year 1 is outside",
        ),
    ],
    ids=["huge-window", "far-anchor", "year-1", "deep-yaml", "maintenance-year-1"],
)
def test_slo_status_mistakes_are_4xx_with_a_message(
    api: httpx.Client, request_body: dict[str, Any], status_code: int, fragment: str
) -> None:
    assert fragment in error(api.post("/api/slos/status", json=request_body), status_code)


def test_a_far_but_allowed_calendar_anchor_evaluates(api: httpx.Client) -> None:
    """Anchored in 2200: computed, not stepped to day by day (14 s of CPU from 9999)."""
    window = "{calendar: day, count: 3, start: 2200-12-31T00:00:00}"
    response = status(api, SLO.format(window=window))
    assert response.status_code == 200, response.text
    (slo,) = response.json()["slos"]
    assert (slo["window_start"], slo["window_end"]) == (
        "2026-11-19T00:00:00Z",
        "2026-11-20T12:00:00Z",
    )
    assert (slo["good"], slo["total"]) == (30.0, 60.0)


@pytest.mark.parametrize(
    ("month", "fragment"),
    [("9999-12", "month 9999-12: the year 9999 is outside 1970 to 2200"), ("2026-13", "YYYY-MM")],
)
def test_a_month_out_of_range_is_400(api: httpx.Client, month: str, fragment: str) -> None:
    body = {"files": {"s.yaml": SLO.format(window="1d")}, "month": month}
    assert fragment in error(api.post("/api/reports/sla", json=body), 400)


def test_5000_nested_brackets_anywhere_are_400(api: httpx.Client) -> None:
    """In the JSON body, in SQL (the YAML case is with the SLO mistakes above)."""
    text = "[" * 5000 + "1" + "]" * 5000
    body = '{"sql": "SELECT 1", "parameters": {"x": ' + text + "}}"
    in_json = api.post("/api/query", content=body, headers={"content-type": "application/json"})
    assert error(in_json, 400).startswith("bad request body: maximum recursion depth exceeded")
    for sql in (f"SELECT {text}", "SELECT " + "(" * 5000 + "1" + ")" * 5000):
        assert "Maximum parse depth (1000) exceeded" in error(query(api, sql), 400)


# Answers ------------------------------------------------------------------------------


def test_a_300_mb_answer_is_refused_before_it_is_built(api: httpx.Client) -> None:
    big = "SELECT repeat(repeat('x', 1000000), 100) AS s FROM (SELECT arrayJoin(range(3)))"
    assert "Limit for result exceeded, max bytes: 4.00 MiB" in error(query(api, big), 400)
    # Without FROM, ClickHouse checks the result limits only because `limit` is set.
    constant = "SELECT repeat(repeat('x', 1000000), 100) AS s, arrayJoin(range(3))"
    assert "Limit for result exceeded, max bytes" in error(query(api, constant), 400)
    rows = "SELECT arrayJoin(range(20000))"
    assert "Limit for result exceeded, max rows: 10.00 thousand" in error(query(api, rows), 400)
    assert api.get("/healthz").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("expression", "type_name", "value"),
    [
        ("toIPv4('1.2.3.4')", "IPv4", "1.2.3.4"),
        ("toIPv6('2001:db8::1')", "IPv6", "2001:db8::1"),
        ("map('a', 1, 'b', 2)", "Map(String, UInt8)", {"a": 1, "b": 2}),
        ("map(toIPv4('10.0.0.1'), 'x')", "Map(IPv4, String)", {"10.0.0.1": "x"}),
        ("map(7, 'x')", "Map(UInt8, String)", {"7": "x"}),
        ("map(toDate('2026-01-02'), 1)", "Map(Date, UInt8)", {"2026-01-02": 1}),
        ("map(tuple(1, 'a'), 1)", "Map(Tuple(UInt8, String), UInt8)", {'[1, "a"]': 1}),
        (
            "CAST([(1, 'a'), (2, 'b')], 'Nested(n UInt8, s String)')",
            "Nested(n UInt8, s String)",
            [{"n": 1, "s": "a"}, {"n": 2, "s": "b"}],
        ),
        ("(1, 'x', [2.5])", "Tuple(UInt8, String, Array(Float64))", [1, "x", [2.5]]),
        (
            "CAST((1, 'x'), 'Tuple(a UInt8, b String)')",
            "Tuple(`a` UInt8, `b` String)",
            {"a": 1, "b": "x"},
        ),
        ("CAST('b', 'Enum8(\\'a\\' = 1, \\'b\\' = 2)')", "Enum8('a' = 1, 'b' = 2)", "b"),
        ("toUInt64(18446744073709551615)", "UInt64", 18446744073709551615),
        ("toInt128('-170141183460469231731687303715884105728')", "Int128", -(2**127)),
        (
            "toUInt256('115792089237316195423570985008687907853269984665640564039457584007913129639935')",
            "UInt256",
            2**256 - 1,
        ),
        ("[nan, inf, -inf, 1.5]", "Array(Float64)", ["nan", "inf", "-inf", 1.5]),
        ("unhex('ff00')", "String", "ff00"),  # clickhouse-connect: invalid UTF-8 as hex
        ("toFixedString('ab', 3)", "FixedString(3)", "ab\x00"),
        ("toDecimal64('1.50', 2)", "Decimal(18, 2)", "1.50"),
        (
            "toUUID('00000000-0000-0000-0000-000000000001')",
            "UUID",
            "00000000-0000-0000-0000-000000000001",
        ),
        ("toDate('2026-11-20')", "Date", "2026-11-20"),
        (
            "toDateTime64('2026-11-20 12:00:00.123', 3, 'UTC')",
            "DateTime64(3, 'UTC')",
            "2026-11-20T12:00:00.123000+00:00",
        ),
        ("true", "Bool", True),
        ("CAST(NULL, 'Nullable(String)')", "Nullable(String)", None),
        ("toLowCardinality('x')", "LowCardinality(String)", "x"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_every_type_comes_back_as_json(
    api: httpx.Client, expression: str, type_name: str, value: Any
) -> None:
    response = query(api, f"SELECT {expression} AS v")
    assert response.status_code == 200, response.text
    assert response.json() == {"columns": ["v"], "types": [type_name], "rows": [[value]]}
