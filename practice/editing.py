"""The Markdown editor's work for a problem (the admin's "Edit as Markdown", practice.admin), as
articles.editor does it for a guide: the whole problem as one document, checked by line (its
format, its patterns, its address, and its solution run with CPython against its own tests),
previewed without saving, saved as a revision (refused when another editor saved since it was
opened: articles.revisions), revisions restored; and a new problem written the same way."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from accounts.models import User
from articles.markdown import GuideFormatError
from articles.models import Pattern
from articles.revisions import StaleEdit, revision_latest, revision_since
from articles.services import known_patterns, unknown_patterns

from .checking import solution_failures
from .models import Problem, ProblemRevision
from .problem_format import ProblemData, parse_problem
from .services import ProblemImportError, problem_data, problem_export, problem_upsert

EDITOR_SOURCE = "problem.md"


@dataclass
class Checked:
    """The editor's text read as a problem: the data, or the errors (each "line N: what")."""

    data: ProblemData | None
    errors: list[str]


@dataclass
class Draft:
    """A problem as the text would make it, never saved (for the preview): the problem, its
    patterns (an unsaved problem has none of its own), and the code the page does not show."""

    problem: Problem
    patterns: list[Pattern]
    data: ProblemData


def latest_revision(problem: Problem) -> ProblemRevision:
    """The problem's latest revision; a problem that has none yet (imported before revisions
    were kept) gets its first now, from what is stored."""
    return revision_latest(
        problem,
        problem.revisions,
        lambda: problem_export(problem=problem),
        source=ProblemRevision.Source.IMPORT,
    )


def saved_since(problem: Problem, base: int | None) -> ProblemRevision | None:
    """Lock the problem's row and return its latest revision when it is not `base`, the one the
    editor opened (articles.revisions.revision_since)."""
    return revision_since(
        problem,
        problem.revisions,
        lambda: problem_export(problem=problem),
        base,
        source=ProblemRevision.Source.IMPORT,
    )


def editor_check(
    problem: Problem | None, text: str, *, run: bool = True, restoring: bool = False
) -> Checked:
    """Read the text as this problem (None: a new one), errors by line, nothing saved. Its slug
    stays the problem's own (a new problem's is one no problem has); `run`: its solution is run
    with CPython against its tests and hidden tests, as an import does. A restore keeps the
    problem's address whatever the revision's was."""

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        wrong: list[tuple[str, str]] = []
        if unknown := unknown_patterns(values.get("patterns", []), known_patterns()):
            wrong.append(("patterns", unknown))
        slug = values.get("slug")
        if not slug or (problem is not None and restoring):
            return wrong
        if problem is not None and slug != problem.slug:
            wrong.append(
                (
                    "slug",
                    f"this is the problem '{problem.slug}'; change its address (slug) in the "
                    "problem's form (Change problem), not here",
                )
            )
        elif problem is None and Problem.objects.filter(slug=slug).exists():
            wrong.append(
                (
                    "slug",
                    f"there is a problem '{slug}' already: edit it from its own page, or give "
                    "this one a slug of its own",
                )
            )
        return wrong

    try:
        data = parse_problem(text, EDITOR_SOURCE, check=check)
    except GuideFormatError as exc:
        return Checked(None, exc.all_by_line())
    if problem is not None and restoring:
        data = replace(data, slug=problem.slug)
    errors: list[str] = []
    if run:
        errors += [f"line {line}: {message}" for line, message in solution_failures(data)]
    return Checked(data, errors)


def problem_save_markdown(
    *,
    problem: Problem,
    text: str,
    author: User | None,
    base: int | None,
    source: str = ProblemRevision.Source.EDITOR,
    note: str = "",
) -> Problem:
    """Save the editor's text as the problem: all of it or nothing (ProblemImportError, the
    errors by line). `base` is the revision the editor opened; if another was saved since,
    StaleEdit (the caller keeps the text). The solution runs outside the transaction (it may
    take the problem's time limit), and the stale-edit rule is checked again, locked, after."""
    with transaction.atomic():
        latest = saved_since(problem, base)
    if latest is not None:
        raise StaleEdit(latest)
    checked = editor_check(problem, text, restoring=source == ProblemRevision.Source.RESTORE)
    if checked.errors or checked.data is None:
        raise ProblemImportError(checked.errors)
    with transaction.atomic():
        latest = saved_since(problem, base)
        if latest is not None:
            raise StaleEdit(latest)
        return problem_upsert(data=checked.data, author=author, source=source, note=note)


def problem_create_markdown(*, text: str, author: User | None) -> Problem:
    """A new problem from the editor's text, all or nothing (ProblemImportError)."""
    checked = editor_check(None, text)
    if checked.errors or checked.data is None:
        raise ProblemImportError(checked.errors)
    with transaction.atomic():
        # Read again: another problem may have taken the slug while the solution ran.
        again = editor_check(None, text, run=False)
        if again.errors:
            raise ProblemImportError(again.errors)
        return problem_upsert(
            data=checked.data, author=author, source=ProblemRevision.Source.EDITOR
        )


def revision_restore(*, revision: ProblemRevision, author: User | None) -> Problem:
    """Make the problem what this revision holds (at its own address); the restore is itself a
    new revision."""
    return problem_save_markdown(
        problem=revision.problem,
        text=revision.markdown,
        author=author,
        base=None,
        source=ProblemRevision.Source.RESTORE,
        note=f"Restored revision {revision.number}",
    )


def problem_draft(data: ProblemData) -> Draft:
    """The problem this data makes, unsaved."""
    problem = Problem(
        slug=data.slug,
        title=data.title,
        difficulty=data.difficulty,
        access=data.access,
        status=data.status,
        published_at=data.published_at,
        time_limit_seconds=data.time_limit_seconds,
        statement=data.statement,
        hints=data.hints,
        walkthrough=data.walkthrough,
        code=data.code,
    )
    by_slug = {p.slug: p for p in Pattern.objects.filter(slug__in=data.patterns)}
    return Draft(problem, [by_slug[slug] for slug in data.patterns if slug in by_slug], data)


def problem_markdown_preview(problem: Problem | None, text: str | None) -> Draft | Checked:
    """The problem as the text would make it (None: as stored), saving nothing; or the errors
    by line. The solution is not run here (the preview follows every pause in typing): the save
    runs it."""
    if text is None:
        assert problem is not None
        return problem_draft(problem_data(problem))
    checked = editor_check(problem, text, run=False)
    if checked.errors or checked.data is None:
        return checked
    return problem_draft(checked.data)
