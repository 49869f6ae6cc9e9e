"""Health checks with dependencies: the ``health_checks:`` models, ``run_probe`` (HTTP(S),
TCP, the gRPC health protocol, sloscope's store), ``health_tree`` (healthy, degraded,
unhealthy, and why) and ``service_subtree`` (one service and those it depends on),
``health_metrics`` (results as the ``sloscope.health_check.up`` and ``.duration`` gauges,
so checks are SLIs), ``probe_loop`` for ``sloscope serve``, and ``HealthBoard`` (the
latest results) with its JSON form ``HealthReport``. ``load_health_checks`` reads the
``health_checks:`` lists of the SLO files.
"""

from alerting.probes._board import HealthBoard
from alerting.probes._config import (
    GrpcProbe,
    HealthCheck,
    HealthChecks,
    HttpProbe,
    ProbeKind,
    StoreProbe,
    TcpProbe,
)
from alerting.probes._load import load_health_checks
from alerting.probes._loop import OnResult, probe_loop
from alerting.probes._metrics import DURATION_METRIC, UP_METRIC, health_metrics
from alerting.probes._report import CheckReport, HealthReport, ServiceReport
from alerting.probes._result import ProbeResult
from alerting.probes._run import run_probe
from alerting.probes._tree import (
    CheckHealth,
    HealthStatus,
    ServiceHealth,
    health_tree,
    service_subtree,
)

__all__ = [
    "DURATION_METRIC",
    "UP_METRIC",
    "CheckHealth",
    "CheckReport",
    "GrpcProbe",
    "HealthBoard",
    "HealthCheck",
    "HealthChecks",
    "HealthReport",
    "HealthStatus",
    "HttpProbe",
    "OnResult",
    "ProbeKind",
    "ProbeResult",
    "ServiceHealth",
    "ServiceReport",
    "StoreProbe",
    "TcpProbe",
    "health_metrics",
    "health_tree",
    "load_health_checks",
    "probe_loop",
    "run_probe",
    "service_subtree",
]
