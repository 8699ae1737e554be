"""The direction of imports between the project package and the apps, read from the source.

The project package (`alphacode/`) is the frame every app plugs into: it names no app, and
each app registers what it contributes when Django loads it. Within an app, services import
tasks at the top and tasks import services inside their bodies (HackSoft's rule), so nothing
imports in a circle at import time.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The apps' domain layers, lowest first. A domain module (models, services, selectors, tasks and
# every other module that is not one of COMPOSING) imports from its own app and the apps before
# it only; views, the admin, URLs, app configs, allauth's adapter, commands and template tags
# compose across apps.
LAYERS = (
    "pages",
    "accounts",
    "mail",
    "articles",
    "billing",
    "gifts",
    "study",
    "practice",
    "mocks",
    "teams",
    "mailings",
    "stats",
    "reader",
)
APPS = frozenset(LAYERS)
COMPOSING = {"views", "admin", "admin_editor", "urls", "apps", "adapter"}
COMPOSING_PACKAGES = {"management", "templatetags"}


def imported_modules(path: Path, *, deferred: bool) -> set[str]:
    """The modules a file imports: at its top level, or (deferred) inside its functions."""
    tree = ast.parse(path.read_text())
    top = set(tree.body)
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or (node in top) == deferred:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif node.level:
            package = path.relative_to(ROOT).parent.as_posix().replace("/", ".")
            found.add(f"{package}.{node.module}" if node.module else package)
        else:
            found.add(node.module or "")
    return found


def source_files(package: str) -> list[Path]:
    return [path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts]


def test_the_project_package_imports_no_app() -> None:
    offending = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in source_files("alphacode")
        for module in imported_modules(path, deferred=False) | imported_modules(path, deferred=True)
        if module.split(".")[0] in APPS
    }
    assert not offending


def test_every_app_is_in_a_layer() -> None:
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} - {"alphacode"}
    assert apps == APPS


def test_the_domain_layers_depend_one_way() -> None:
    offending = set()
    for index, app in enumerate(LAYERS):
        allowed = set(LAYERS[: index + 1])
        for path in source_files(app):
            parts = path.relative_to(ROOT / app).parts
            if path.stem in COMPOSING or COMPOSING_PACKAGES.intersection(parts):
                continue
            modules = imported_modules(path, deferred=False) | imported_modules(path, deferred=True)
            offending |= {
                f"{path.relative_to(ROOT)} imports {module}"
                for module in modules
                if module.split(".")[0] in APPS and module.split(".")[0] not in allowed
            }
    assert not offending


def test_only_the_account_page_ties_accounts_to_billing() -> None:
    # The account page shows the reader's plan (billing.status); nothing else in accounts, and
    # nothing billing loads from accounts, may reach into billing (the welcome email is
    # billing's own, sent on allauth's signal).
    offending = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in source_files("accounts")
        if path.name != "views.py"
        for module in imported_modules(path, deferred=False) | imported_modules(path, deferred=True)
        if module.split(".")[0] == "billing"
    }
    assert not offending


def test_billing_services_import_tasks_at_the_top_and_tasks_import_services_in_their_bodies() -> (
    None
):
    deferred_task_imports = {
        str(path.relative_to(ROOT))
        for path in source_files("billing")
        if "billing.tasks" in imported_modules(path, deferred=True)
    }
    assert not deferred_task_imports
    tasks_top = {
        module
        for module in imported_modules(ROOT / "billing" / "tasks.py", deferred=False)
        if module.startswith("billing.")
    }
    # Only what imports no service: errors to retry, and models.
    assert tasks_top <= {"billing.errors", "billing.models"}
