"""What ``sloscope serve`` leaves on disk: nothing another local user can read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support import otlp
from tests.support.serve import ServeProcess
from tests.support.servers import wait_for


def _modes(root: Path) -> dict[str, int]:
    found = {}
    for directory, names, files in os.walk(root):
        for name in [*names, *files]:
            path = Path(directory) / name
            if not path.is_symlink():
                found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_the_data_directory_and_everything_in_it_are_private(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """0755 and 0644 once let every local user read every metric; the spool was in /tmp."""
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)  # as an older version left it
    server = ServeProcess(data, env={"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1"})
    server.start()
    try:
        request = otlp.request("private")
        otlp.sum_point(otlp.metric(request, "hits"), 3, 1_800_000_000.0)
        otlp.export(server.otlp_endpoint, request)
        sql = "SELECT count() FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'private'"
        wait_for(lambda: server.query(sql) == [[1]], what="the point to be written")
        modes = _modes(data)
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert modes["sloscope-spool"] == 0o700
        assert modes["sloscope-serve.json"] == 0o600
        assert {path: mode for path, mode in modes.items() if mode & 0o077} == {}
    finally:
        assert server.stop() == 0
    assert "data directory made private" in capfd.readouterr().err
