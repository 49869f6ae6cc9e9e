"""OpenSLO AlertPolicies and AlertConditions to burn windows.

A ``burnrate`` condition has one ``lookbackWindow``: it becomes the long window, a
twelfth of it the short one (the SRE Workbook's ratio), its ``threshold`` the factor, its
``op`` the comparison (``gt`` when left out: the README's "exceeds") and its
``alertAfter`` how long the condition must hold before it alerts. Severities page,
critical, high, p1 and sev1 page; any other opens a ticket.
"""

from __future__ import annotations

from datetime import timedelta

from slo_engine import _build
from slo_engine._build import Problem
from slo_engine._model import BurnWindow, Op, Severity
from slo_engine._openslo import AlertConditionSpec, AlertPolicySpec, ConditionRef, duration_text
from slo_engine._openslo import TargetRef as TargetRefSpec
from slo_engine._openslo_objects import Catalog
from slo_engine._spec_issues import Findings, Where

PAGE_SEVERITIES = frozenset({"page", "critical", "high", "p1", "sev1"})
OPS = {"lt": Op.LT, "lte": Op.LE, "gt": Op.GT, "gte": Op.GE}

Windows = tuple[BurnWindow, ...]


def condition_window(
    spec: AlertConditionSpec, where: Where, findings: Findings
) -> BurnWindow | None:
    """The burn window of an AlertCondition's ``spec`` (at ``where``)."""
    body = spec.condition
    try:
        long = _build.duration(duration_text(body.lookbackWindow), ("condition", "lookbackWindow"))
        after = (
            _build.duration(duration_text(body.alertAfter), ("condition", "alertAfter"))
            if body.alertAfter is not None
            else timedelta(0)
        )
    except Problem as problem:
        findings.error(where, problem.path, problem.message)
        return None
    return BurnWindow(
        Severity.PAGE if spec.severity.lower() in PAGE_SEVERITIES else Severity.TICKET,
        long,
        long / 12,
        factor=body.threshold,
        op=OPS[body.op or "gt"],
        alert_after=after,
    )


def policy_windows(
    spec: AlertPolicySpec,
    where: Where,
    conditions: dict[str, BurnWindow | None],
    catalog: Catalog,
    findings: Findings,
) -> Windows | None:
    """The burn windows of an AlertPolicy's ``spec``; ``None`` once a problem was reported
    (here, or at a condition it names)."""
    windows: list[BurnWindow] = []
    complete = True
    for index, condition in enumerate(spec.conditions):
        if isinstance(condition, ConditionRef):
            name = condition.conditionRef
            if name not in conditions:
                findings.error(
                    where,
                    ("conditions", index, "conditionRef"),
                    f"no AlertCondition named {name!r} in the files given",
                )
            window = conditions.get(name)
        else:
            window = condition_window(
                condition.spec, where.inner("conditions", index, "spec"), findings
            )
        complete = complete and window is not None
        windows += [window] if window is not None else []
    for index, target in enumerate(spec.notificationTargets):
        if isinstance(target, TargetRefSpec) and (
            catalog.find("AlertNotificationTarget", target.targetRef) is None
        ):
            findings.error(
                where,
                ("notificationTargets", index, "targetRef"),
                f"no AlertNotificationTarget named {target.targetRef!r} in the files given",
            )
            complete = False
    return tuple(windows) if complete else None
