"""Batching between the gRPC handlers and the store.

Handlers ``submit`` a parsed request and wait; the batcher gathers requests until a batch
holds ``batch_points`` points or its oldest request has waited ``flush_interval_s``, then
hands the batch to the pipeline in a single worker thread (ClickHouse calls block) and
answers every waiting handler with what became of its points. A request is answered only
after its batch is written, so an acknowledged point is a stored point.

Admission: the points queued and in flight are bounded by ``queue_points``; beyond that
``submit`` raises ``Overloaded`` at once, and the receiver answers UNAVAILABLE with a
retry delay. A flush that fails is retried with the same token (the pipeline makes that
safe) until ``retry_deadline_s``; then its requests fail with ``StoreUnavailable``.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from processor._pipeline import BatchRequest, FlushResult, Pipeline
from processor._points import PointCounts
from processor.errors import Overloaded, ProcessorError, QueryFailed, StoreUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchOptions:
    batch_points: int = 50_000
    flush_interval_s: float = 1.0
    queue_points: int = 500_000
    retry_deadline_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one request's points: those rejected (per reason), and those
    stored into the SLO rollups only, being older than the raw retention."""

    rejected: int
    reasons: Mapping[str, int]
    rollup_only: int = 0


@dataclass(slots=True)
class _Waiting:
    request: BatchRequest
    future: asyncio.Future[Outcome]
    enqueued_at: float


@dataclass(slots=True)
class FlushReport:
    """One flush, as the self-metrics see it."""

    points: int
    rejected: int
    bytes: int
    duration_s: float
    ok: bool
    reasons: dict[str, int] = field(default_factory=dict)
    overflowing: dict[tuple[str, str], int] = field(default_factory=dict)


class Batcher:
    """Gathers requests into batches and writes them, one flush at a time."""

    def __init__(
        self,
        pipeline: Pipeline,
        options: BatchOptions,
        on_flush: Callable[[FlushReport], None] | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._options = options
        self._on_flush = on_flush
        self._pending: collections.deque[_Waiting] = collections.deque()
        self._pending_points = 0
        self._in_flight_points = 0
        self._next_seq = 0
        self._wakeup = asyncio.Event()
        self._closing = False
        self._draining = False
        self._executor = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="sloscope-flush"
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def queued_points(self) -> int:
        """Points accepted and not yet written."""
        return self._pending_points + self._in_flight_points

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sloscope-batcher")

    async def submit(self, payload: bytes, points: PointCounts) -> Outcome:
        """Queue one request's bytes and wait until its batch is written."""
        total = points.total
        if self._closing:
            raise Overloaded("the processor is shutting down")
        if self.queued_points + total > self._options.queue_points and self.queued_points > 0:
            raise Overloaded(f"ingest queue full ({self.queued_points} points waiting)")
        self._next_seq += 1
        waiting = _Waiting(
            BatchRequest(self._next_seq, payload, points.points, points.converted),
            asyncio.get_running_loop().create_future(),
            time.monotonic(),
        )
        self._pending.append(waiting)
        self._pending_points += total
        if self._pending_points >= self._options.batch_points or len(self._pending) == 1:
            self._wakeup.set()
        return await waiting.future

    def drain(self) -> None:
        """Write what is queued without waiting for the interval (shutdown is coming)."""
        self._draining = True
        self._wakeup.set()

    async def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop taking requests and write everything already accepted. Idempotent."""
        if self._closing:
            return
        self._closing = True
        self._draining = True
        self._wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            except asyncio.TimeoutError:
                logger.error(
                    "shutdown timed out with points unwritten", extra={"points": self.queued_points}
                )
                self._task.cancel()
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        while True:
            await self._wait_for_batch()
            if not self._pending:
                if self._closing:
                    return
                continue
            batch = self._take_batch()
            await self._write(batch)

    async def _wait_for_batch(self) -> None:
        while not self._closing:
            if self._pending_points >= self._options.batch_points or (
                self._draining and self._pending
            ):
                return
            if self._pending:
                age = time.monotonic() - self._pending[0].enqueued_at
                remaining = self._options.flush_interval_s - age
                if remaining <= 0:
                    return
            else:
                remaining = None
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except asyncio.TimeoutError:
                return

    def _take_batch(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        points = 0
        while self._pending and (
            not batch
            or points + self._pending[0].request.total_points <= self._options.batch_points
        ):
            waiting = self._pending.popleft()
            points += waiting.request.total_points
            batch.append(waiting)
        self._pending_points -= points
        self._in_flight_points = points
        return batch

    async def _write(self, batch: list[_Waiting]) -> None:
        requests = [waiting.request for waiting in batch]
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, self._flush_with_retries, requests)
        except QueryFailed as exc:
            if len(batch) > 1:
                # One request ClickHouse cannot take must not sink the others: write each
                # alone, so that only the one at fault fails.
                logger.warning(
                    "batch refused, writing its requests one by one", extra={"error": str(exc)}
                )
                for waiting in batch:
                    self._in_flight_points = waiting.request.total_points
                    await self._write([waiting])
                return
            self._fail(batch, exc, started)
            return
        except ProcessorError as exc:
            self._fail(batch, exc, started)
            return
        report = FlushReport(
            result.points,
            0,
            result.bytes,
            time.monotonic() - started,
            True,
            overflowing=result.overflowing,
        )
        for waiting in batch:
            reasons: Mapping[str, int] = result.rejected.get(waiting.request.seq, {})
            rejected = sum(reasons.values())
            report.rejected += rejected
            for reason, count in reasons.items():
                report.reasons[reason] = report.reasons.get(reason, 0) + count
            if not waiting.future.done():
                waiting.future.set_result(
                    Outcome(rejected, dict(reasons), result.rollup_only[waiting.request.seq])
                )
        self._in_flight_points = 0
        self._report(report)

    def _fail(self, batch: list[_Waiting], exc: ProcessorError, started: float) -> None:
        self._report(FlushReport(self._in_flight_points, 0, 0, time.monotonic() - started, False))
        self._in_flight_points = 0
        for waiting in batch:
            if not waiting.future.done():
                waiting.future.set_exception(exc)

    def _flush_with_retries(self, requests: list[BatchRequest]) -> FlushResult:
        # A retry must write the same rows: the same token, the same instant to check
        # point times against.
        token = uuid.uuid4().hex
        now_unix_nano = time.time_ns()
        deadline = time.monotonic() + self._options.retry_deadline_s
        delay_s = 0.1
        while True:
            try:
                return self._pipeline.flush(token, requests, now_unix_nano)
            except StoreUnavailable as exc:
                if time.monotonic() + delay_s > deadline:
                    raise
                logger.warning(
                    "flush failed, retrying", extra={"error": str(exc), "delay_s": delay_s}
                )
                time.sleep(delay_s)
                delay_s = min(delay_s * 2, 1.0)

    def _report(self, report: FlushReport) -> None:
        if report.ok:
            logger.debug(
                "batch written",
                extra={
                    "points": report.points,
                    "rejected": report.rejected,
                    "bytes": report.bytes,
                    "duration_s": round(report.duration_s, 4),
                },
            )
        else:
            logger.error("batch failed", extra={"points": report.points})
        if self._on_flush is not None:
            self._on_flush(report)
