"""Every feature of every service has the same shape (STYLE.md, "A service, as we lay it out").

A feature is a folder of a service package with a `routes.py`. It has all six files, and each
keeps to its job: routes parse, authorise and shape (no SQL, no database driver, no commits);
SQL lives in queries.py (and tables.py), nowhere else; rules.py is pure (no I/O imports).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tzsb_common.settings import REPO_ROOT

FEATURE_FILES = ("routes.py", "schemas.py", "service.py", "rules.py", "queries.py", "tables.py")
_SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S
)
_DATABASE_MODULES = ("sqlalchemy", "asyncpg")
_IO_MODULES = (*_DATABASE_MODULES, "httpx", "aiokafka", "fastapi", "starlette")


def _features() -> list[Path]:
    return sorted(
        routes.parent
        for routes in REPO_ROOT.glob("services/*/src/*/*/routes.py")
        if "migrations" not in routes.parts
    )


FEATURES = _features()


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _string_constants(tree: ast.AST) -> list[str]:
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _sql_literals(tree: ast.AST) -> list[str]:
    skip = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and _SQL.search(node.value)
    ]


def test_there_are_features_to_check() -> None:
    assert any(f.name == "equipment" for f in FEATURES)


@pytest.mark.parametrize("feature", FEATURES, ids=[f"{f.parent.name}/{f.name}" for f in FEATURES])
def test_every_feature_folder_is_complete(feature: Path) -> None:
    missing = [name for name in FEATURE_FILES if not (feature / name).is_file()]
    assert not missing, f"{feature.relative_to(REPO_ROOT)} lacks {', '.join(missing)}"


@pytest.mark.parametrize("feature", FEATURES, ids=[f"{f.parent.name}/{f.name}" for f in FEATURES])
def test_routes_hold_no_sql_and_no_database_access(feature: Path) -> None:
    tree = ast.parse((feature / "routes.py").read_text())
    database_imports = sorted(
        m for m in _imported_modules(tree) if m.split(".")[0] in _DATABASE_MODULES
    )
    assert not database_imports, f"routes.py imports {database_imports}"
    assert not _sql_literals(tree), "routes.py holds SQL"
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"execute", "commit", "fetch", "fetchrow", "fetchval", "transaction"}


@pytest.mark.parametrize(
    "module",
    [f / name for f in FEATURES for name in ("service.py", "rules.py", "routes.py", "schemas.py")],
    ids=[
        f"{f.name}/{name}" for f in FEATURES for name in ("service", "rules", "routes", "schemas")
    ],
)
def test_sql_lives_only_in_queries_and_tables(module: Path) -> None:
    if not module.is_file():
        pytest.skip("reported by the completeness test")
    assert not _sql_literals(ast.parse(module.read_text())), f"{module.name} holds SQL"


_STATEMENT_METHODS = frozenset(
    {"execute", "scalar", "scalars", "fetch", "fetchrow", "fetchval", "copy_records_to_table"}
)
_STATEMENT_BUILDERS = frozenset({"select", "insert", "update", "delete", "text"})


@pytest.mark.parametrize("feature", FEATURES, ids=[f"{f.parent.name}/{f.name}" for f in FEATURES])
def test_services_run_statements_only_through_queries(feature: Path) -> None:
    service = feature / "service.py"
    if not service.is_file():
        pytest.skip("reported by the completeness test")
    calls = [node.func for node in ast.walk(ast.parse(service.read_text()))
             if isinstance(node, ast.Call)]  # fmt: skip
    methods = {f.attr for f in calls if isinstance(f, ast.Attribute)} & _STATEMENT_METHODS
    builders = {f.id for f in calls if isinstance(f, ast.Name)} & _STATEMENT_BUILDERS
    assert not methods | builders, f"service.py calls {sorted(methods | builders)}"


@pytest.mark.parametrize("feature", FEATURES, ids=[f"{f.parent.name}/{f.name}" for f in FEATURES])
def test_rules_are_pure(feature: Path) -> None:
    rules = feature / "rules.py"
    if not rules.is_file():
        pytest.skip("reported by the completeness test")
    imports = _imported_modules(ast.parse(rules.read_text()))
    io = sorted(m for m in imports if m.split(".")[0] in _IO_MODULES)
    assert not io, f"rules.py imports {io}"
    assert not {m for m in imports if m.endswith((".queries", ".service", ".routes"))}
