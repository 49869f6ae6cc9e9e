"""Every deployment file parses: YAML (all documents), JSON, XML."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from tests.support.deploy import DEPLOY, ROOT

FILES = sorted(
    path
    for path in [*DEPLOY.rglob("*"), ROOT / "otel-collector.yaml"]
    if path.suffix in (".yaml", ".yml", ".json", ".xml")
)


def test_there_are_files_to_check() -> None:
    kinds = {path.suffix for path in FILES}
    assert kinds == {".yaml", ".yml", ".json", ".xml"}
    assert len(FILES) >= 14


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_each_file_parses(path: Path) -> None:
    text = path.read_text()
    if path.suffix == ".json":
        assert isinstance(json.loads(text), dict)
    elif path.suffix == ".xml":
        assert ElementTree.fromstring(text).tag == "clickhouse"
    else:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
        assert documents
        assert all(isinstance(document, dict) for document in documents)
