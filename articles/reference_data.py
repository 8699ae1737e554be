"""The rows every installation starts with: the six tracks, the coding patterns (data migration
0009), and the "Editors" group that may manage content (guides and practice problems) and
nothing else. Data migration 0002 creates them from here (0008 adds the sixth, Career &
Compensation, to an installation made before it; mailings 0003 sets the group's permissions
again once the campaigns' exist, and practice 0003 adds the problems'), and the test suite puts
them back from here after a transactional test empties every table.

This module imports no model: the migration passes its historical models, the tests the real
ones."""

from __future__ import annotations

from typing import Any

TRACKS = [
    (
        "coding",
        "Coding Interviews",
        "Patterns that turn unfamiliar problems into familiar ones, and how to narrate them.",
    ),
    (
        "system-design",
        "System Design Interviews",
        "Requirements, estimates, tradeoffs and the failure modes interviewers probe.",
    ),
    (
        "behavioral",
        "Behavioral Interviews",
        "Stories with scope, metrics and judgment that survive follow-up questions.",
    ),
    (
        "mock-interviews",
        "Mock Interviews",
        "Rehearsal that produces signal: formats, partners, rubrics and recovery drills.",
    ),
    (
        "ml-ai-engineering",
        "ML & AI Engineering Interviews",
        "Systems, evaluation, cost and latency: the engineering bar for ML and AI roles.",
    ),
    (
        "career",
        "Career & Compensation",
        "Offers, equity, negotiation and promotion: what the interview was for.",
    ),
]
# The coding patterns guides (and problems) teach, named in their front matter: (slug, name).
PATTERNS = [
    ("hashing", "Hashing"),
    ("two-pointers", "Two Pointers"),
    ("sliding-window", "Sliding Window"),
    ("binary-search", "Binary Search"),
    ("stacks", "Stacks"),
    ("linked-lists", "Linked Lists"),
    ("trees", "Trees"),
    ("graphs", "Graphs"),
    ("heaps", "Heaps"),
    ("intervals", "Intervals"),
    ("backtracking", "Backtracking"),
    ("dynamic-programming", "Dynamic Programming"),
]
EDITORS = "Editors"
# The articles models whose add/change/delete/view permissions the Editors group holds (and the
# view of members' email campaigns).
CONTENT_MODELS = ["track", "pattern", "guide", "section", "block"]
# Practice problems, which editors write as Markdown (practice.admin) but never delete: readers'
# solves hang on them.
PROBLEM_PERMISSIONS = ["add_problem", "change_problem", "view_problem"]


def create_reference_data(track_model: Any, group_model: Any, permission_model: Any) -> None:
    """Create (or put back) the tracks and the Editors group with its permissions; the models
    are arguments so a migration can pass its historical ones. The permissions must exist."""
    for position, (slug, title, description) in enumerate(TRACKS):
        track_model.objects.update_or_create(
            slug=slug, defaults={"title": title, "description": description, "position": position}
        )
    editors, _ = group_model.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        permission_model.objects.filter(
            content_type__app_label="articles", content_type__model__in=CONTENT_MODELS
        )
        # Editors announce guides, and watch the campaigns go out.
        | permission_model.objects.filter(
            content_type__app_label="mailings", codename="view_campaign"
        )
        | permission_model.objects.filter(
            content_type__app_label="practice", codename__in=PROBLEM_PERMISSIONS
        )
    )


def create_patterns(pattern_model: Any) -> None:
    """Create the patterns that are missing (an editor's changes to one are kept)."""
    for position, (slug, name) in enumerate(PATTERNS):
        pattern_model.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )


def reference_data_migration(apps: Any, app_label: str) -> None:
    """For a data migration of `app_label`: create its permissions now (Django makes them only
    after migrate) and put the reference rows back, the Editors group's permissions included."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    create_reference_data(
        apps.get_model("articles", "Track"),
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
    )
