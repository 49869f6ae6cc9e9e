"""The import rules of DESIGN.md section 2, the public names of each package, and the
Collector configuration at the root."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("instrumentation", "processor", "slo_engine", "alerting", "sloscope")
# What each part may import of the others: a tree, never a cycle.
ALLOWED = {
    "instrumentation": set(),
    "processor": set(),
    "slo_engine": {"processor.store", "processor.errors"},
    "alerting": {"slo_engine", "processor.store", "processor.errors"},
    "sloscope": {"instrumentation", "processor", "slo_engine", "alerting"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_parts_import_only_what_design_allows(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package:
                allowed = ALLOWED[package]
                if not any(module == rule or module.startswith(rule + ".") for rule in allowed):
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


@pytest.mark.parametrize("package", PACKAGES)
def test_public_names_are_listed_sorted_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    names = module.__all__
    assert names == sorted(names, key=_isort_style)
    for name in names:
        assert hasattr(module, name), name


def _isort_style(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions, each alphabetical (ruff's RUF022 order)."""
    if name.isupper():
        return 0, name
    return (1 if name[:1].isupper() else 2), name


def test_the_collector_configuration_wires_what_it_defines() -> None:
    config = yaml.safe_load((ROOT / "otel-collector.yaml").read_text())
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for name in pipeline.get(kind, []):
                assert name in config[kind], f"{kind}: {name} is used but not defined"
    exporter = config["exporters"]["otlp/sloscope"]
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["sending_queue"]["batch"]["min_size"] > 0
