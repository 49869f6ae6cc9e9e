"""A real ``sloscope serve`` with an API token: what it leaves on disk (nothing another
local user can read) and how the other commands reach it (with the token, by themselves)."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sloscope.cli import app as cli
from sloscope.cli._exit import EXIT_OK, EXIT_USAGE
from tests.support import otlp
from tests.support.serve import ServeProcess
from tests.support.servers import wait_for

TOKEN = "t0k-" + "y" * 28


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    root = tmp_path_factory.mktemp("served")
    data = root / "data"
    data.mkdir()
    data.chmod(0o755)  # as an older version left it
    env = {"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1", "SLOSCOPE_API__TOKEN": TOKEN}
    server = ServeProcess(data, env=env, log_file=root / "serve.log")
    server.start()
    yield server
    assert server.stop() == 0


def _modes(root: Path) -> dict[str, int]:
    found = {}
    for directory, names, files in os.walk(root):
        for name in [*names, *files]:
            path = Path(directory) / name
            if not path.is_symlink():
                found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_the_data_directory_and_everything_in_it_are_private(served: ServeProcess) -> None:
    """0755 and 0644 once let every local user read every metric; the spool was in /tmp."""
    request = otlp.request("private")
    otlp.sum_point(otlp.metric(request, "hits"), 3, time.time())
    otlp.export(served.otlp_endpoint, request)
    sql = "SELECT count() FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'private'"
    arguments = ["query", sql, "--json", "--data-dir", str(served.data_dir)]

    def written() -> bool:
        answer = CliRunner().invoke(cli, arguments, env={"SLOSCOPE_API__TOKEN": TOKEN})
        return answer.exit_code == EXIT_OK and json.loads(answer.stdout)["rows"] == [[1]]

    wait_for(written, what="the point to be written")
    modes = _modes(served.data_dir)
    assert stat.S_IMODE(served.data_dir.stat().st_mode) == 0o700
    assert modes["sloscope-spool"] == 0o700
    assert modes["sloscope-serve.json"] == 0o600
    assert {path: mode for path, mode in modes.items() if mode & 0o077} == {}
    assert served.log_file is not None
    (narrowed,) = [
        json.loads(line)
        for line in served.log_file.read_text().splitlines()
        if "data directory made private" in line
    ]
    assert (narrowed["mode_was"], narrowed["mode"]) == ("0o755", "0o700")


def test_the_cli_sends_the_token_it_reads_from_the_same_settings(served: ServeProcess) -> None:
    arguments = ["query", "SELECT 1 AS one", "--json", "--data-dir", str(served.data_dir)]
    allowed = CliRunner().invoke(cli, arguments, env={"SLOSCOPE_API__TOKEN": TOKEN})
    assert allowed.exit_code == EXIT_OK, allowed.output
    assert json.loads(allowed.stdout)["rows"] == [[1]]
    refused = CliRunner().invoke(cli, arguments)
    assert refused.exit_code == EXIT_USAGE
    assert refused.stderr.startswith("error: missing or wrong token")
