"""The public surface of the package, and the imports it is allowed to make."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import instrumentation

PACKAGE = Path(instrumentation.__file__).parent
# DESIGN.md section 2, plus the stdlib. psycopg only inside functions (the postgres
# extra); starlette/fastapi only inside the distro's patch, by importlib.
ALLOWED = {"instrumentation", "opentelemetry", "psutil"}
LAZY_ALLOWED = {"psycopg", "opentelemetry"}


def isort_order(names: list[str]) -> list[str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""

    def key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)

    return sorted(names, key=key)


def test_all_is_sorted_and_complete() -> None:
    names = instrumentation.__all__
    assert names == isort_order(names)
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(instrumentation, name), name
    public = {
        name for name in vars(instrumentation)
        if not name.startswith("_") and not isinstance(getattr(instrumentation, name), type(sys))
    }  # fmt: skip
    assert public == set(names)


def test_every_module_declares_a_sorted_all() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        declared = [
            node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        ]
        if path.name == "_conventions.py":
            continue  # a module of constants, imported as a namespace
        assert declared, f"{path.name} has no __all__"
        names = ast.literal_eval(declared[0])
        assert names == isort_order(names), path.name


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(top-level module, imported inside a function) for every import."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                inner = True
            if isinstance(child, ast.Import):
                found.extend((alias.name.split(".")[0], inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module.split(".")[0], inner))
            visit(child, inner)

    visit(tree, False)
    return found


def test_imports_follow_the_design() -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in PACKAGE.glob("*.py"):
        for module, nested in _imports(ast.parse(path.read_text())):
            if module in stdlib or module in ALLOWED:
                continue
            assert module in LAZY_ALLOWED, f"{path.name} imports {module}"
            assert nested, f"{path.name} imports {module} at module level"
