"""The sloscope application shell: the CLI, ``serve``, the JSON API and the dashboard."""

__all__: list[str] = []
