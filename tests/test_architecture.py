"""The apps depend on each other in one direction (docs/decisions/0009-app-layering.md).

Every import in every module of an app counts, including those inside
functions and under ``TYPE_CHECKING``; migrations are history and are left
out. ``newsroom``'s helper modules (http, api, admin, env, throttles, cache) are a base every
app may use, so they import no app; its wiring modules (settings, urls,
celery, health) sit on top.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each app, and the project apps it may import.
ALLOWED = {
    "articles": set(),
    "detection": set(),
    "comments": {"articles", "detection"},
    "moderation": {"articles", "detection", "comments"},
    "partners": {"articles", "comments"},
}
BASE = {
    "newsroom.http", "newsroom.api", "newsroom.admin", "newsroom.env", "newsroom.throttles",
    "newsroom.cache",
}
PROJECT = set(ALLOWED) | {"newsroom"}


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path


def _imports(path: Path) -> set[str]:
    """Every absolute module name the file imports, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from comments import hooks`` names the module comments.hooks.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _app_edges() -> dict[str, set[tuple[str, str]]]:
    edges = {app: set() for app in ALLOWED}
    for app in ALLOWED:
        for path in _modules(app):
            for name in _imports(path):
                top = name.split(".")[0]
                if top in PROJECT and top != app:
                    edges[app].add((top, f"{path.relative_to(ROOT)} imports {name}"))
    return edges


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_the_apps_below_it(app):
    wrong = sorted(
        why
        for target, why in _app_edges()[app]
        if target != "newsroom" and target not in ALLOWED[app]
    )
    assert wrong == [], f"{app} may import only {sorted(ALLOWED[app])}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_apps_use_only_newsrooms_base_modules(app):
    wrong = sorted(
        why
        for target, why in _app_edges()[app]
        if target == "newsroom"
        and not any(why.endswith(f"imports {m}") or f"imports {m}." in why for m in BASE)
        # ``from newsroom import X`` also lists the package itself.
        and not why.endswith("imports newsroom")
    )
    assert wrong == [], "apps may import only " + ", ".join(sorted(BASE)) + ":\n" + "\n".join(wrong)


def test_newsrooms_base_modules_import_no_app():
    wrong = []
    for module in sorted(BASE):
        path = ROOT / (module.replace(".", "/") + ".py")
        wrong += [
            f"{module} imports {name}"
            for name in _imports(path)
            if name.split(".")[0] in ALLOWED
        ]
    assert wrong == []


def test_the_graph_has_no_cycle():
    graph = {app: {t for t, _ in edges if t in ALLOWED} for app, edges in _app_edges().items()}
    seen, stack = set(), []

    def visit(app):
        if app in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(app):] + [app]))
        if app in seen:
            return
        stack.append(app)
        for target in sorted(graph[app]):
            visit(target)
        stack.pop()
        seen.add(app)

    for app in sorted(graph):
        visit(app)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The rule would be toothless if a function-level import slipped by."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from partners.services import x\n    import moderation.selectors\n")
    assert {"partners.services", "moderation.selectors"} <= _imports(module)
