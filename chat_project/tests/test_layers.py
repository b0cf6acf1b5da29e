"""Dependencies flow one way (docs/architecture.md, "Layers"): payments -> messaging ->
conversations -> friends -> accounts, with chat_project beneath them all. A lower app
never imports a higher one, not even inside a function; the project's composition roots
(URLs, the router, the ASGI application) are the only part of chat_project that names
the apps."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "friends", "conversations", "messaging", "payments", "leaving"]  # lowest first
COMPOSITION_ROOTS = {"urls.py", "api_router.py", "asgi.py"}


def _modules(package: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / package).rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def _imported_apps(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names & set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_no_app_above_it(app):
    above = set(APPS[APPS.index(app) + 1 :])
    upward = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path) & above)
        for path in _modules(app)
        if _imported_apps(path) & above
    }
    assert upward == {}


def test_chat_project_imports_no_app_outside_its_composition_roots():
    reaching = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path))
        for path in _modules("chat_project")
        if _imported_apps(path)
        and not (path.parent.name == "chat_project" and path.name in COMPOSITION_ROOTS)
    }
    assert reaching == {}
