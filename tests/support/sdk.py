"""The OTel SDK as a service uses it: a MeterProvider whose OTLP/gRPC exporter exports
only when flushed, with the exporter's own retries."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource

DELTA: dict[type, AggregationTemporality] = {
    Counter: AggregationTemporality.DELTA,
    Histogram: AggregationTemporality.DELTA,
    UpDownCounter: AggregationTemporality.CUMULATIVE,
    ObservableUpDownCounter: AggregationTemporality.CUMULATIVE,
    ObservableGauge: AggregationTemporality.CUMULATIVE,
}


class Sender:
    """A MeterProvider exporting over OTLP/gRPC only when flushed; ``timeout_s`` bounds
    one export with all the exporter's retries."""

    def __init__(
        self,
        endpoint: str,
        service: str,
        delta: bool,
        views: Sequence[View] = (),
        timeout_s: float = 10.0,
    ) -> None:
        exporter = OTLPMetricExporter(
            endpoint=endpoint,
            insecure=True,
            preferred_temporality=DELTA if delta else None,
            timeout=timeout_s,
        )
        self.reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
        self.provider = MeterProvider(
            resource=Resource.create({"service.name": service}),
            metric_readers=[self.reader],
            views=list(views),
        )
        self.meter = self.provider.get_meter("tests")

    def flush(self) -> None:
        assert self.reader.force_flush(timeout_millis=60_000)
