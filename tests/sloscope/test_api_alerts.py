"""The alert routes on a served app: lifecycle with who and when, silences, the token
on writes, and bad input answered as JSON 4xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

from alerting import AlertDetail, AlertEngine, AlertList, AlertView, SilenceView, load_alerting
from processor.store import Store
from slo_engine import load
from sloscope.config import ApiSettings
from tests.alerting.test_evaluate import FILES, T0, _traffic
from tests.support.api import serving_api


def _engine(store: Store) -> AlertEngine:
    engine = AlertEngine(store, load_alerting(FILES), load(FILES))
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    engine.evaluate(T0 + timedelta(minutes=1))
    return engine


def test_alerts_are_listed_acknowledged_annotated_and_resolved(store: Store) -> None:
    engine = _engine(store)
    with serving_api(store, alerts=engine) as url, httpx.Client(base_url=url) as client:
        listed = AlertList.model_validate(client.get("/api/alerts?state=firing").json())
        errors = next(a for a in listed.alerts if a.labels["alertname"] == "checkout-errors")
        acked = client.post(f"/api/alerts/{errors.id}/ack", json={"by": "alice", "note": "on it"})
        assert acked.status_code == 200, acked.text
        assert AlertView.model_validate(acked.json()).acknowledged_by == "alice"
        again = client.post(f"/api/alerts/{errors.id}/ack", json={"by": "bob"})
        assert again.status_code == 400
        assert "acknowledged by alice" in again.json()["error"]
        noted = client.post(
            f"/api/alerts/{errors.id}/annotations",
            json={"by": "bob", "kind": "action", "text": "scaled up"},
        )
        assert noted.status_code == 200, noted.text
        done = client.post(f"/api/alerts/{errors.id}/resolve", json={"by": "bob"})
        assert done.status_code == 200, done.text
        detail = AlertDetail.model_validate(client.get(f"/api/alerts/{errors.id}").json())
        assert [(e.kind, e.actor) for e in detail.history] == [
            ("firing", "sloscope"),
            ("acknowledged", "alice"),
            ("annotation", "bob"),
            ("resolved", "bob"),
        ]
        assert client.get("/api/alerts/nope").status_code == 404
        assert client.get("/api/alerts/a%20b").status_code == 400
        bad = client.post(f"/api/alerts/{errors.id}/ack", json={"by": ""})
        assert bad.status_code == 400
        assert "error" in bad.json()


def test_silences_are_added_listed_and_expired(store: Store) -> None:
    engine = _engine(store)
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    with serving_api(store, alerts=engine) as url, httpx.Client(base_url=url) as client:
        body = {"matchers": {"service": "checkout"}, "ends_at": ends, "by": "bob", "comment": "x"}
        added = client.post("/api/silences", json=body)
        assert added.status_code == 200, added.text
        silence = SilenceView.model_validate(added.json())
        assert silence.matchers == {"service": "checkout"}
        listed = [SilenceView.model_validate(s) for s in client.get("/api/silences").json()]
        assert [s.id for s in listed] == [silence.id]
        ended = client.request("DELETE", f"/api/silences/{silence.id}", json={"by": "carol"})
        assert ended.status_code == 200, ended.text
        assert SilenceView.model_validate(ended.json()).updated_by == "carol"
        twice = client.request("DELETE", f"/api/silences/{silence.id}", json={"by": "carol"})
        assert twice.status_code == 400


def test_writes_need_the_token_when_one_is_set(store: Store) -> None:
    engine = _engine(store)
    settings = ApiSettings(token=SecretStr("s3cret-token-for-tests"))
    with serving_api(store, settings, alerts=engine) as url, httpx.Client(base_url=url) as client:
        alert_id = engine.open_alerts()[0].id
        refused = client.post(f"/api/alerts/{alert_id}/ack", json={"by": "mallory"})
        assert refused.status_code == 401
        accepted = client.post(
            f"/api/alerts/{alert_id}/ack",
            json={"by": "alice"},
            headers={"authorization": "Bearer s3cret-token-for-tests"},
        )
        assert accepted.status_code == 200, accepted.text
