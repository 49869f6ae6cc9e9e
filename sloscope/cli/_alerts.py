"""``sloscope alerts list|show|ack|resolve|annotate|silence|evaluate``.

These open the store themselves, as ``slo status`` does, when no server holds it. When
``sloscope serve`` holds the data directory, they go through its API
(``/api/alerts``, ``/api/silences``) with the token of the same settings; ``evaluate``
then says that serve evaluates on its own (exit 2).
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from alerting import (
    AlertDetail,
    AlertEngine,
    AlertingError,
    AlertList,
    AlertView,
    EvaluationView,
    EventView,
    NotFound,
    SilenceView,
    load_alerting,
)
from alerting._matchers import ConditionSpec
from processor import open_store
from slo_engine import load, read_sources
from sloscope._api_client import call_json
from sloscope._local_server import find_running_server
from sloscope.cli._context import api_token, fail, load_settings
from sloscope.cli._slo import engine_errors, parse_instant
from sloscope.errors import UsageError

alerts_app = typer.Typer(
    name="alerts", help="Evaluate, list and handle alerts; silence them.", no_args_is_help=True
)
DataDir = Annotated[Path | None, typer.Option(help="Embedded store directory [./sloscope-data].")]
Dsn = Annotated[str | None, typer.Option(help="Store DSN (overrides --data-dir).")]
Slos = Annotated[
    Path | None, typer.Option("--slos", help="SLO files or directory [settings: slo.slos_dir].")
]
Actor = Annotated[str, typer.Option("--by", help="Who makes the change (recorded).")]
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app)


@dataclass(frozen=True, slots=True)
class Remote:
    """The running server's API, for a data directory it holds."""

    url: str
    token: str | None

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return call_json(method, self.url, path, body=body, token=self.token)


@contextlib.contextmanager
def _target(
    ctx: typer.Context, slos: Path | None, data_dir: Path | None, dsn: str | None
) -> Iterator[AlertEngine | Remote]:
    """The running server's API when it holds the store, else a local engine."""
    with engine_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        server = find_running_server(settings.store)
        if server is not None:
            yield Remote(server.api_url, api_token(settings))
            return
    with _engine(ctx, slos, data_dir, dsn) as engine:
        yield engine


@contextlib.contextmanager
def _engine(
    ctx: typer.Context, slos: Path | None, data_dir: Path | None, dsn: str | None
) -> Iterator[AlertEngine]:
    with engine_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        if find_running_server(settings.store) is not None:
            raise UsageError(
                "sloscope serve holds the store and evaluates the alerts every interval: "
                "see `sloscope alerts list`"
            )
        sources = read_sources([slos or settings.slo.slos_dir])
        config = load_alerting(sources)
        slo_set = load(sources)
        store = open_store(settings.store.options(), migrate=False)
        try:
            yield AlertEngine(store, config, slo_set)
        except NotFound as exc:
            raise fail(str(exc)) from None
        except AlertingError as exc:
            raise fail(str(exc)) from None
        finally:
            store.close()


@alerts_app.command("evaluate")
def evaluate_command(
    ctx: typer.Context,
    *,
    at: Annotated[
        str | None, typer.Option("--at", help="Evaluate as of this instant [now].")
    ] = None,
    slos: Slos = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """Evaluate every rule and SLO alert once (for cron, and to replay an instant)."""
    with _engine(ctx, slos, data_dir, dsn) as engine:
        result = engine.evaluate(parse_instant(at))
        view = EvaluationView(
            evaluated_at=result.at,
            observations=result.observed,
            fired=[AlertView.of(a) for a in result.fired],
            resolved=[AlertView.of(a) for a in result.resolved],
        )
        if as_json:
            typer.echo(view.model_dump_json(indent=2))
            return
        for alert in view.fired:
            typer.echo(f"firing    {alert.id}  {_labels(alert)}  value={alert.value}")
        for alert in view.resolved:
            typer.echo(f"resolved  {alert.id}  {_labels(alert)}")
        typer.echo(f"evaluated {view.observations} conditions at {view.evaluated_at.isoformat()}")


@alerts_app.command("list")
def list_command(
    ctx: typer.Context,
    *,
    state: Annotated[
        list[str] | None, typer.Option("--state", help="Only these states (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 100,
    slos: Slos = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """Alerts, most recent first."""
    with _target(ctx, slos, data_dir, dsn) as target:
        if isinstance(target, Remote):
            query = urllib.parse.urlencode([("limit", limit), *(("state", s) for s in state or ())])
            found = AlertList.model_validate(target.call("GET", f"/api/alerts?{query}"))
        else:
            found = AlertList(
                alerts=[AlertView.of(a) for a in target.state.alerts(state or (), limit=limit)]
            )
        if as_json:
            typer.echo(found.model_dump_json(indent=2))
            return
        for alert in found.alerts:
            typer.echo(
                f"{alert.id}  {alert.state:<12}  {alert.starts_at.isoformat()}  {_labels(alert)}"
            )


@alerts_app.command("show")
def show_command(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")],
    *,
    slos: Slos = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """One alert and its history: who changed what, when."""
    with _target(ctx, slos, data_dir, dsn) as target:
        if isinstance(target, Remote):
            detail = AlertDetail.model_validate(target.call("GET", f"/api/alerts/{_id(alert_id)}"))
        else:
            alert, events = target.alert(alert_id)
            detail = AlertDetail(
                alert=AlertView.of(alert), history=[EventView.of(e) for e in events]
            )
        if as_json:
            typer.echo(detail.model_dump_json(indent=2))
            return
        view = detail.alert
        typer.echo(f"{view.id}  {view.state}  {_labels(view)}")
        typer.echo(f"value {view.value}  threshold {view.threshold}")
        for key, text in view.annotations.items():
            typer.echo(f"{key}: {text}")
        for event in detail.history:
            note = f"  [{event.note_kind}] {event.note}" if event.note else ""
            typer.echo(f"{event.at.isoformat()}  {event.kind:<12}  {event.actor}{note}")


@alerts_app.command("ack")
def ack_command(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")],
    by: Actor,
    *,
    note: Annotated[str, typer.Option(help="A note kept with the change.")] = "",
    slos: Slos = None,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """Acknowledge a firing alert: no repeats, no escalation."""
    with _target(ctx, slos, data_dir, dsn) as target:
        if isinstance(target, Remote):
            body = {"by": by, "note": note}
            view = AlertView.model_validate(
                target.call("POST", f"/api/alerts/{_id(alert_id)}/ack", body)
            )
        else:
            view = AlertView.of(target.acknowledge(alert_id, _bounded(by), _bounded(note, 4096)))
        typer.echo(f"{view.id} acknowledged by {view.acknowledged_by}")


@alerts_app.command("resolve")
def resolve_command(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")],
    by: Actor,
    *,
    note: Annotated[str, typer.Option(help="The resolution, kept with the alert.")] = "",
    slos: Slos = None,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """Resolve an alert by hand (it fires again once its condition has cleared)."""
    with _target(ctx, slos, data_dir, dsn) as target:
        if isinstance(target, Remote):
            body = {"by": by, "note": note}
            view = AlertView.model_validate(
                target.call("POST", f"/api/alerts/{_id(alert_id)}/resolve", body)
            )
        else:
            view = AlertView.of(target.resolve(alert_id, _bounded(by), _bounded(note, 4096)))
        typer.echo(f"{view.id} resolved by {view.resolved_by}")


@alerts_app.command("annotate")
def annotate_command(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")],
    text: Annotated[str, typer.Argument(help="The annotation.")],
    by: Actor,
    *,
    kind: Annotated[
        Literal["note", "action", "resolution"], typer.Option(help="What the text records.")
    ] = "note",
    slos: Slos = None,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """Add a note, an action taken or the resolution to an alert's record."""
    with _target(ctx, slos, data_dir, dsn) as target:
        if isinstance(target, Remote):
            body = {"by": by, "kind": kind, "text": text}
            target.call("POST", f"/api/alerts/{_id(alert_id)}/annotations", body)
        else:
            target.annotate(alert_id, _bounded(by), kind, _bounded(text, 4096))
        typer.echo(f"{alert_id} annotated ({kind})")


@alerts_app.command("silence")
def silence_command(
    ctx: typer.Context,
    matcher: Annotated[
        list[str], typer.Argument(help="label=value or label=~regex, all must hold.")
    ],
    by: Actor,
    until: Annotated[str, typer.Option(help="ISO-8601 instant the silence ends.")],
    *,
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    slos: Slos = None,
    data_dir: DataDir = None,
    dsn: Dsn = None,
) -> None:
    """Silence the alerts matching every matcher, from now until --until."""
    with _target(ctx, slos, data_dir, dsn) as target:
        spec: dict[str, str | list[str] | ConditionSpec] = {}
        for text in matcher:
            label, sep, value = text.partition("=")
            if not sep or not label:
                raise UsageError(f"a matcher is label=value or label=~regex, got {text!r}")
            spec[label] = ConditionSpec(matches=value[1:]) if value.startswith("~") else value
        ends = parse_instant(until)
        if isinstance(target, Remote):
            written = {
                k: v.model_dump(exclude_none=True) if isinstance(v, ConditionSpec) else v
                for k, v in spec.items()
            }
            body = {"matchers": written, "ends_at": ends.isoformat(), "by": by, "comment": comment}
            view = SilenceView.model_validate(target.call("POST", "/api/silences", body))
        else:
            view = SilenceView.of(
                target.add_silence(spec, None, ends, _bounded(by), _bounded(comment, 4096))
            )
        typer.echo(view.model_dump_json())


def _id(alert_id: str) -> str:
    """An id as a path segment: the API's own form, checked before it is sent."""
    if not _ID.fullmatch(alert_id):
        raise UsageError(f"an alert id is letters, digits, _ and -, got {alert_id!r}")
    return alert_id


def _bounded(text: str, limit: int = 256) -> str:
    if len(text) > limit:
        raise UsageError(f"at most {limit} characters, got {len(text)}")
    return text


def _labels(alert: AlertView) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
