"""What the deployment files' tests share: reading them, and checking what they say
against the code (the CLI's parser, the settings model, the defaults)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import typer.main
import yaml
from pydantic import BaseModel

from sloscope.cli import app
from sloscope.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_all_yaml(path: Path) -> list[Any]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def project_version() -> str:
    return metadata.version("sloscope")


def accepted_by_the_cli(argv: list[str]) -> Any:
    """Parse ``sloscope ARGV`` down to its command, as the CLI would; raises on a bad one.

    Returns the command's context (typer's click: typer vendors its own copy of click).
    """
    command: Any = typer.main.get_command(app)
    context = command.make_context("sloscope", list(argv))
    remaining = list(argv)
    while hasattr(command, "resolve_command"):  # a group
        name, found, remaining = command.resolve_command(context, remaining)
        assert found is not None, argv
        assert name is not None, argv
        command = found
        context = command.make_context(name, list(remaining), parent=context)
    return context


def settings_field(env_name: str) -> bool:
    """Whether ``SLOSCOPE_A__B`` names a field of Settings (``a.b``)."""
    if env_name in ("SLOSCOPE_CONFIG",):
        return True
    path = env_name.removeprefix("SLOSCOPE_").lower().split("__")
    model: type[BaseModel] = Settings
    for index, part in enumerate(path):
        field = model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if index < len(path) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def interpolated(value: str, environment: Mapping[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}``."""

    def replace(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in environment:
            return environment[name]
        if kind == "-":
            return rest
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return ""

    return _INTERPOLATION.sub(replace, value)


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of nested mappings and lists."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield str(key), value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def port_of(address: str) -> int:
    return int(address.rpartition(":")[2])
