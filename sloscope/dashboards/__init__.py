"""The dashboards sloscope ships (YAML, read by ``sloscope._dashboards``)."""
