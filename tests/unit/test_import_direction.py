"""The house has one direction: each app imports only the apps below it (docs/architecture.md).

An AST walk over every module under apps/ and deskadmin/ (imports inside functions and under
TYPE_CHECKING count too, so a cycle cannot hide in a lazy import). A new app must be given its floor
here before it can import anything: the map is the place where that decision is written down.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each console app and the apps it may import (besides itself). Lower floors first.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    # ops (metrics, logs, first admin) sits just above core; apps feed it through apps.ops.hooks, which
    # imports no app, so the Desk client may call it too.
    "ops": {"core"},
    "desk": {"ops"},
    "connections": {"core", "desk", "ops"},
    "mirror": {"connections", "desk"},
    "customers": {"core", "desk", "connections", "mirror"},
    "team": {"core", "desk", "connections", "mirror"},
    "tickets": {"core", "desk", "connections", "mirror", "customers", "team"},
    "sync": {"core", "desk", "connections", "mirror", "customers", "team", "tickets"},
    # Nothing imports webhooks: it reaches sync through apps.mirror.freshness's registry.
    "webhooks": {"core", "desk", "connections", "mirror", "customers", "team", "tickets", "ops"},
    # Insights reads every entity's mirror and adds the Overview's org cards through apps.core.shell.
    "insights": {"core", "desk", "connections", "mirror", "customers", "team", "tickets", "ops"},
    "sandbox": set(),  # the emulator stands alone: it talks to the console only over HTTP
}
ENTITY_APPS = {"tickets", "customers", "team"}
# httpx is the Desk client's business; the sandbox's webhook sender posts to the console as Desk would.
HTTPX_ALLOWED = {"apps/sandbox/webhooks_out.py"}


def _modules() -> list[Path]:
    paths = [*sorted((ROOT / "apps").rglob("*.py")), *sorted((ROOT / "deskadmin").rglob("*.py"))]
    return [p for p in paths if "migrations" not in p.parts]


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module name an import statement in ``path`` names, with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            # "from apps import sync" names the app in the alias, not the module.
            if node.module == "apps":
                found += [(f"apps.{alias.name}", node.lineno) for alias in node.names]
    return found


def _app_of(path: Path) -> str | None:
    relative = path.relative_to(ROOT)
    if relative.parts[0] == "apps" and len(relative.parts) > 2:
        return relative.parts[1]
    return None


def _imported_app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "apps" and len(parts) > 1 else None


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_every_app_has_a_floor():
    apps = {p.name for p in (ROOT / "apps").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps <= set(ALLOWED), f"give {sorted(apps - set(ALLOWED))} a floor in ALLOWED"


def test_each_app_imports_only_the_apps_below_it():
    wrong = []
    for path in _modules():
        app = _app_of(path)
        for module, line in _imports(path):
            target = _imported_app(module)
            if app is None or target is None or target == app:
                continue
            if target not in ALLOWED[app]:
                wrong.append(f"{_where(path, line)}: apps.{app} imports apps.{target}")
    assert not wrong, "imports against the house's direction:\n" + "\n".join(wrong)


def test_entity_apps_never_import_sync():
    wrong = [
        _where(path, line)
        for path in _modules()
        if _app_of(path) in ENTITY_APPS
        for module, line in _imports(path)
        if _imported_app(module) == "sync"
    ]
    assert not wrong, f"entity apps import apps.sync: {wrong}"


def test_nothing_outside_the_sandbox_imports_it():
    wrong = [
        _where(path, line)
        for path in _modules()
        if _app_of(path) != "sandbox"
        for module, line in _imports(path)
        if _imported_app(module) == "sandbox"
    ]
    assert not wrong, f"the console imports the sandbox (it must only reach it over HTTP): {wrong}"


def test_only_the_desk_client_imports_httpx():
    wrong = []
    for path in _modules():
        relative = str(path.relative_to(ROOT))
        if _app_of(path) == "desk" or relative in HTTPX_ALLOWED:
            continue
        wrong += [_where(path, line) for module, line in _imports(path) if module.split(".")[0] == "httpx"]
    assert not wrong, f"httpx imported outside apps/desk: {wrong}"


def test_no_view_imports_httpx():
    views = [p for p in _modules() if p.name == "views.py" or p.parent.name == "views"]
    assert views, "no view modules found"
    wrong = [
        _where(path, line) for path in views for module, line in _imports(path) if module.startswith("httpx")
    ]
    assert not wrong, f"views import httpx: {wrong}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from apps.sync.engine import sync_run", ["apps.sync.engine"]),
        ("def f():\n    from apps.sync import engine", ["apps.sync"]),
        ("from apps import sync", ["apps", "apps.sync"]),
        ("import httpx", ["httpx"]),
    ],
)
def test_the_walk_sees_lazy_and_aliased_imports(tmp_path, source, expected):
    module = tmp_path / "m.py"
    module.write_text(source)
    assert [name for name, _ in _imports(module)] == expected
