"""The OTLP ``MetricsService/Export`` server (gRPC, asyncio).

The handler takes the raw request bytes (a generic handler: grpcio would otherwise
answer an undecodable request with INTERNAL before our code runs), parses them once to
check and count them, and hands the bytes to the batcher; ClickHouse parses them again
to store them. Answers follow the OTLP specification:

* all points stored: success, ``partial_success`` unset;
* some points invalid: success with ``partial_success.rejected_data_points`` and a short
  message (clients must not retry);
* points stored into the SLO rollups only (older than the raw retention, a backfill of
  history): success with a warning in ``partial_success.error_message`` and
  ``rejected_data_points`` 0 for them;
* undecodable request: INVALID_ARGUMENT; wrong or missing token: UNAUTHENTICATED;
* queue full or store down: UNAVAILABLE with RetryInfo, in both trailer forms
  (``grpc-status-details-bin`` for Go clients, ``google.rpc.retryinfo-bin`` for Python's).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from processor._auth import bearer_matches
from processor._batcher import Batcher, BatchOptions, FlushReport
from processor._pipeline import Limits, Pipeline
from processor._points import count_points
from processor._self_metrics import SelfMetrics
from processor.errors import Overloaded, ProcessorError, QueryFailed, StoreUnavailable
from processor.store import Store

logger = logging.getLogger(__name__)

EXPORT_METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
_EMPTY_RESPONSE = ExportMetricsServiceResponse().SerializeToString()
_MAX_ERROR_MESSAGE = 1024


@dataclass(frozen=True, slots=True)
class TlsFiles:
    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class ReceiverOptions:
    """How the receiver listens and writes. Loopback by default; token and TLS optional."""

    host: str = "127.0.0.1"
    port: int = 4317
    token: str | None = None
    tls: TlsFiles | None = None
    max_receive_bytes: int = 64 * 1024 * 1024
    retry_after_s: float = 2.0
    self_metrics_interval_s: float = 60.0
    limits: Limits = field(default_factory=Limits)
    batch: BatchOptions = field(default_factory=BatchOptions)


class Receiver:
    """The OTLP receiver with its batcher and self-metrics; ``start`` then ``shutdown``."""

    def __init__(self, store: Store, options: ReceiverOptions, spool_dir: Path | None) -> None:
        """``spool_dir`` holds batches for the embedded store to read; None for a server."""
        self._options = options
        self.metrics = SelfMetrics()
        self._pipeline = Pipeline(store, options.limits, spool_dir)
        self._batcher: Batcher | None = None
        self._server: grpc.aio.Server | None = None
        self._self_metrics_task: asyncio.Task[None] | None = None
        self._stopped = False
        self._warned_overflow: set[tuple[str, str]] = set()
        self.port = 0

    @property
    def queued_points(self) -> int:
        return self._batcher.queued_points if self._batcher else 0

    async def start(self) -> None:
        """Prepare the store, then listen. Raises if the port cannot be bound."""
        await asyncio.get_running_loop().run_in_executor(None, self._pipeline.prepare)
        self._batcher = Batcher(self._pipeline, self._options.batch, self._on_flush)
        self._batcher.start()
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", self._options.max_receive_bytes),
                ("grpc.so_reuseport", 0),
            ]
        )
        server.add_generic_rpc_handlers((_ExportHandler(self),))
        address = f"{self._options.host}:{self._options.port}"
        if self._options.tls is None:
            self.port = server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials(
                [(self._options.tls.key.read_bytes(), self._options.tls.cert.read_bytes())]
            )
            self.port = server.add_secure_port(address, credentials)
        await server.start()
        self._server = server
        self._self_metrics_task = asyncio.get_running_loop().create_task(
            self._report_self_metrics()
        )
        logger.info(
            "otlp receiver listening",
            extra={
                "address": f"{self._options.host}:{self.port}",
                "tls": self._options.tls is not None,
            },
        )

    async def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop listening, answer the requests in flight, write everything accepted."""
        if self._stopped:
            return
        self._stopped = True
        if self._batcher is not None:
            self._batcher.drain()
        if self._server is not None:
            # In-flight handlers wait for their batch, which the batcher writes at once.
            await self._server.stop(grace=timeout_s / 2)
        if self._self_metrics_task is not None:
            self._self_metrics_task.cancel()
            await asyncio.gather(self._self_metrics_task, return_exceptions=True)
        if self._batcher is not None:
            try:
                await self.write_self_metrics()
            except ProcessorError as exc:
                logger.warning("self-metrics not written", extra={"error": str(exc)})
            await self._batcher.shutdown(timeout_s / 2)
        self._pipeline.close()
        logger.info("otlp receiver stopped", extra=dict(self.metrics.totals))

    async def export(self, payload: bytes, context: grpc.aio.ServicerContext) -> bytes:
        """One Export call: authorise, parse, count, queue, answer once written."""
        if not self._authorised(context):
            self.metrics.refused(0, "unauthenticated")
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")
        try:
            points = count_points(ExportMetricsServiceRequest.FromString(payload))
        except DecodeError:
            self.metrics.refused(0, "undecodable")
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "request is not a valid ExportMetricsServiceRequest",
            )
        total = points.total
        if total == 0:
            return _EMPTY_RESPONSE
        assert self._batcher is not None
        try:
            outcome = await self._batcher.submit(payload, points)
        except QueryFailed as exc:
            self.metrics.refused(total, "store refused")
            logger.error("request refused by the store", extra={"error": str(exc), "points": total})
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "the store could not take this request"
            )
        except (Overloaded, StoreUnavailable) as exc:
            self.metrics.refused(total, "unavailable")
            await self._abort_unavailable(context, str(exc))
        except ProcessorError as exc:  # pragma: no cover - every branch is named above
            self.metrics.refused(total, "error")
            await context.abort(grpc.StatusCode.INTERNAL, str(exc))
        self.metrics.accepted(total - outcome.rejected)
        if not outcome.rejected and not outcome.rollup_only:
            return _EMPTY_RESPONSE
        self.metrics.rejected(dict(outcome.reasons))
        messages = [rejection_message(outcome.reasons)] if outcome.rejected else []
        if outcome.rollup_only:
            messages.append(
                rollup_only_message(outcome.rollup_only, self._pipeline.retention.raw_days)
            )
        response = ExportMetricsServiceResponse()
        response.partial_success.rejected_data_points = outcome.rejected
        response.partial_success.error_message = "; ".join(messages)[:_MAX_ERROR_MESSAGE]
        return response.SerializeToString()

    def _authorised(self, context: grpc.aio.ServicerContext) -> bool:
        if self._options.token is None:
            return True
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                return bearer_matches(value, self._options.token)
        return False

    async def _abort_unavailable(self, context: grpc.aio.ServicerContext, message: str) -> None:
        retry = error_details_pb2.RetryInfo(retry_delay=_duration(self._options.retry_after_s))
        detail = any_pb2.Any()
        detail.Pack(retry)
        status = status_pb2.Status(code=code_pb2.UNAVAILABLE, message=message, details=[detail])
        rich = rpc_status.to_status(status)
        trailers = (
            *rich.trailing_metadata,
            ("google.rpc.retryinfo-bin", retry.SerializeToString()),
        )
        await context.abort(grpc.StatusCode.UNAVAILABLE, message, trailing_metadata=trailers)

    def _on_flush(self, report: FlushReport) -> None:
        self.metrics.flushed(report)
        if report.reasons:
            logger.warning("points rejected", extra={"reasons": report.reasons})
        for (service, metric), series in report.overflowing.items():
            if (service, metric) not in self._warned_overflow:
                self._warned_overflow.add((service, metric))
                logger.warning(
                    "series limit reached",
                    extra={
                        "service": service,
                        "metric": metric,
                        "limit": self._options.limits.series_limit,
                        "overflow_series": series,
                    },
                )

    async def _report_self_metrics(self) -> None:
        while True:
            await asyncio.sleep(self._options.self_metrics_interval_s)
            try:
                await self.write_self_metrics()
            except ProcessorError as exc:
                logger.warning("self-metrics not written", extra={"error": str(exc)})

    async def write_self_metrics(self) -> None:
        """Write the self-metrics gathered since the last report (also done every interval)."""
        assert self._batcher is not None
        request = self.metrics.collect(
            self._batcher.queued_points, self._options.batch.queue_points
        )
        await self.submit(request)

    async def submit(self, request: ExportMetricsServiceRequest) -> None:
        """Write metrics made inside this process (the self-metrics, health-check results)
        through the batcher like a client's; returns once they are written."""
        assert self._batcher is not None
        await self._batcher.submit(request.SerializeToString(), count_points(request))


def rejection_message(reasons: Mapping[str, int]) -> str:
    """A short English summary, e.g. ``rejected 3 points: 2 bounds not increasing, 1 ...``."""
    total = sum(reasons.values())
    parts = ", ".join(
        f"{count} {reason}" for reason, count in sorted(reasons.items(), key=lambda item: -item[1])
    )
    return f"rejected {total} points: {parts}"[:_MAX_ERROR_MESSAGE]


def rollup_only_message(points: int, raw_days: int) -> str:
    """The warning for points stored older than the raw retention."""
    return (
        f"warning: {points} points older than the raw retention ({raw_days} days) "
        "were stored in the SLO rollups only"
    )


def _duration(seconds: float) -> duration_pb2.Duration:
    whole = int(seconds)
    return duration_pb2.Duration(seconds=whole, nanos=int((seconds - whole) * 1e9))


class _ExportHandler(grpc.GenericRpcHandler):  # type: ignore[misc]  # grpc ships no type stubs
    """Routes Export calls to the receiver with the request as raw bytes."""

    def __init__(self, receiver: Receiver) -> None:
        self._handler = grpc.unary_unary_rpc_method_handler(receiver.export)

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        if handler_call_details.method == EXPORT_METHOD:
            return self._handler
        return None
