"""Writes to problems: import from Markdown (all or nothing, each solution checked with CPython
against its own tests first), export, and the one write every import and editor's save goes
through (problem_upsert), which stores a revision when the problem's Markdown changed."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.models import User
from articles.markdown import GuideFormatError
from articles.models import Pattern
from articles.revisions import revision_store
from articles.services import known_patterns, unknown_patterns

from .checking import solution_errors
from .models import Problem, ProblemRevision
from .problem_format import ProblemData, parse_problem, write_problem


class ProblemImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def problem_files(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """(name, text) of each `.md` file given, or in each folder given."""
    files: list[tuple[str, str]] = []
    for given in map(Path, paths):
        found = sorted(given.glob("*.md")) if given.is_dir() else [given]
        files += [(path.name, path.read_text(encoding="utf-8")) for path in found]
    return files


def problems_parse(files: Iterable[tuple[str, str]]) -> tuple[list[ProblemData], list[str]]:
    """Every problem read and its solution checked; every error found, not just the first."""
    parsed: list[ProblemData] = []
    errors: list[str] = []
    patterns = known_patterns()
    seen: dict[str, str] = {}

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        wrong = unknown_patterns(values.get("patterns", []), patterns)
        return [("patterns", wrong)] if wrong else []

    for name, text in files:
        try:
            problem = parse_problem(text, name, check=check)
        except GuideFormatError as exc:
            errors.extend(str(error) for error in exc.all())
            continue
        if problem.slug in seen:
            errors.append(f"{name}: slug '{problem.slug}' is also used by {seen[problem.slug]}")
            continue
        seen[problem.slug] = name
        failures = solution_errors(problem, name)
        errors += failures
        if not failures:
            parsed.append(problem)
    return parsed, errors


@transaction.atomic
def problems_import(
    files: Iterable[tuple[str, str]], *, new_only: bool = False, author: User | None = None
) -> list[Problem]:
    """Create or update the problems of these files, all or none (ProblemImportError lists every
    error). `new_only`: leave a problem that exists as it is (an editor's change is kept)."""
    parsed, errors = problems_parse(files)
    if errors:
        raise ProblemImportError(errors)
    imported = []
    for data in parsed:
        if new_only and Problem.objects.filter(slug=data.slug).exists():
            continue
        imported.append(problem_upsert(data=data, author=author))
    return imported


@transaction.atomic
def problem_upsert(
    *,
    data: ProblemData,
    author: User | None = None,
    source: str = ProblemRevision.Source.IMPORT,
    note: str = "",
) -> Problem:
    """Create or update the problem of this slug from checked data (problems_parse or
    practice.editing checked it). Only what differs is written, so a file that matches the
    stored problem moves nothing (not its updated_at, not the cached pages). A revision is
    stored when the problem's Markdown changed."""
    problem = Problem.objects.select_for_update().filter(slug=data.slug).first()
    if problem is None:
        problem = Problem(slug=data.slug)
    values: dict[str, object] = {
        "title": data.title,
        "difficulty": data.difficulty,
        "access": data.access,
        "status": data.status,
        "published_at": data.published_at,
        "time_limit_seconds": data.time_limit_seconds,
        "statement": data.statement,
        "hints": data.hints,
        "walkthrough": data.walkthrough,
        "code": data.code,
    }
    patterns = {p.slug: p for p in Pattern.objects.filter(slug__in=data.patterns)}
    lead = patterns.get(data.patterns[0]) if data.patterns else None
    values["pattern"] = lead
    if problem._state.adding or any(
        getattr(problem, name) != value for name, value in values.items()
    ):
        for name, value in values.items():
            setattr(problem, name, value)
        problem.save()
    if {p.slug for p in problem.patterns.all()} != set(patterns):
        problem.patterns.set(patterns.values())
    problem_revision_record(problem=problem, author=author, source=source, note=note)
    return problem


def problem_revision_record(
    *, problem: Problem, author: User | None, source: str, note: str = ""
) -> ProblemRevision | None:
    """Store the problem as a revision unless its last revision already holds exactly this
    text; the new revision, or None."""
    return revision_store(
        problem,
        problem.revisions,
        markdown=problem_export(problem=problem),
        author=author,
        source=source,
        note=note,
    )


@transaction.atomic
def problem_rename(*, problem: Problem, slug: str, author: User | None = None) -> Problem:
    """Give the problem a new address (its slug: the admin's problem form); a new revision."""
    old = Problem.objects.select_for_update().values_list("slug", flat=True).get(pk=problem.pk)
    problem.slug = slug
    if slug != old:
        problem.save(update_fields=["slug", "updated_at"])
        problem_revision_record(
            problem=problem,
            author=author,
            source=ProblemRevision.Source.FORM,
            note=f"Renamed from {old}",
        )
    return problem


def problem_data(problem: Problem) -> ProblemData:
    return ProblemData(
        title=problem.title,
        slug=problem.slug,
        difficulty=problem.difficulty,
        # The pattern it drills first, as its file named it.
        patterns=sorted(
            (pattern.slug for pattern in problem.patterns.all()),
            key=lambda slug: slug != (problem.pattern.slug if problem.pattern else None),
        ),
        access=problem.access,
        status=problem.status,
        published_at=problem.published_at,
        time_limit_seconds=problem.time_limit_seconds,
        statement=problem.statement,
        hints=list(problem.hints),
        walkthrough=problem.walkthrough,
        code=dict(problem.code),
    )


def problem_export(*, problem: Problem) -> str:
    """The problem as its Markdown file."""
    return write_problem(problem_data(problem))
