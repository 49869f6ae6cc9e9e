"""What a service installs to report latency, errors and resources over OTLP."""

__all__: list[str] = []
