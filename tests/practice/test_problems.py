"""Problems as content (issue 22, part): the Markdown format read and written back, each
solution checked with CPython against its own tests at import, all or none, naming lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.markdown import GuideFormatError
from articles.reference_data import PATTERNS
from practice.models import Problem
from practice.problem_format import parse_problem, write_problem
from practice.services import (
    ProblemImportError,
    problem_export,
    problem_files,
    problems_import,
)

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO = ROOT / "content" / "problems"
PAIR = (DEMO / "pair-with-target-sum.md").read_text(encoding="utf-8")


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_every_demo_problem_reads_writes_back_and_passes_its_own_tests(db) -> None:
    files = problem_files([DEMO])
    assert len(files) >= 2
    for name, text in files:
        problem = parse_problem(text, name)
        assert parse_problem(write_problem(problem), name) == problem, name
    imported = problems_import(files)  # checked with CPython: a failing solution raises
    assert {p.slug for p in imported} == {parse_problem(t, n).slug for n, t in files}


def test_the_demo_problems_are_one_free_and_one_premium_per_pattern() -> None:
    # A problem's pattern is the first one its front matter names.
    by_pattern: dict[str, list[str]] = {}
    for name, text in problem_files([DEMO]):
        problem = parse_problem(text, name)
        by_pattern.setdefault(problem.patterns[0], []).append(problem.access)
    assert {slug: sorted(access) for slug, access in by_pattern.items()} == {
        slug: ["free", "premium"] for slug, _ in PATTERNS
    }


def test_a_problem_is_stored_and_exported_as_it_was_written(db) -> None:
    (problem,) = problems_import([("pair.md", PAIR)])
    assert list(problem.patterns.values_list("slug", flat=True)) == ["two-pointers"]
    assert problem.hints[0].startswith("The list is sorted")
    assert set(problem.code) == {"solution", "starter", "tests", "hidden-tests"}
    assert parse_problem(problem_export(problem=problem)) == parse_problem(PAIR)


def test_a_solution_that_fails_a_case_is_refused_naming_the_cases_line(db) -> None:
    wrong = PAIR.replace("return [left, right]", "return [right, left]")
    with pytest.raises(ProblemImportError) as refused:
        problems_import([("pair.md", wrong)])
    line = line_of(wrong, "assert pair_with_sum([1, 2, 3, 4, 6], 6)")
    assert refused.value.errors[0] == (
        f"pair.md:{line}: the solution fails this test case: "
        "assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3] (assertion failed)"
    )
    assert not Problem.objects.exists()


def test_a_hidden_case_an_error_and_a_solution_that_never_ends_are_refused(db) -> None:
    hidden = PAIR.replace("assert pair_with_sum([], 5) == []", "assert pair_with_sum([], 5) == [0]")
    raising = PAIR.replace("left, right = 0, len(nums) - 1", "left, right = 0, len(nums) / 0")
    forever = "    while True:\n        pass\n    left, right = 0,"
    endless = PAIR.replace("    left, right = 0,", forever)
    endless = endless.replace("time_limit_seconds: 5", "time_limit_seconds: 1")
    for name, text, expected in [
        ("hidden.md", hidden, "the solution fails this hidden test case: assert pair_with_sum"),
        ("raising.md", raising, "(ZeroDivisionError: division by zero)"),
        ("endless.md", endless, "did not finish its tests within time_limit_seconds (1 s)"),
    ]:
        with pytest.raises(ProblemImportError) as refused:
            problems_import([(name, text)])
        assert expected in refused.value.errors[0], refused.value.errors


@pytest.mark.parametrize(
    ("change", "line_start", "message"),
    [
        (("difficulty: easy", "difficulty: hard-ish"), "difficulty:", "must be easy, medium or"),
        (("```python starter", "```python stater"), "```python stater", "a fence in '## Solution'"),
        (("## Hints", "## Clues"), "## Clues", "one '## Hints' and one '## Solution'"),
        (("    pass\n```", "    pass(\n```"), "    pass(", "the starter block is not Python"),
        (("1. The list", "- The list"), "- The list", "'## Hints' holds one numbered list"),
    ],
)
def test_a_malformed_problem_is_an_error_naming_its_line(
    db, change: tuple[str, str], line_start: str, message: str
) -> None:
    text = PAIR.replace(*change)
    with pytest.raises(GuideFormatError) as refused:
        parse_problem(text, "pair.md")
    assert refused.value.line == line_of(text, line_start)
    assert message in refused.value.message


def test_the_statement_has_the_rules_of_a_guides_blocks(db) -> None:
    titled = PAIR.replace("```python\npair_with_sum(", '```python title="x"\npair_with_sum(')
    parse_problem(titled, "pair.md")  # a code block's options are a guide's
    broken = PAIR.replace("\n## Hints", "\n#### A note\n\n## Hints")
    with pytest.raises(GuideFormatError) as refused:
        parse_problem(broken, "pair.md")
    assert refused.value.line == line_of(broken, "#### A note")
    assert "'### ' subheadings" in refused.value.message


def test_import_problems_is_all_or_none_and_new_only_keeps_an_editors_change(db, tmp_path) -> None:
    (tmp_path / "pair.md").write_text(PAIR)
    bad = PAIR.replace("slug: pair-with-target-sum", "slug: other")
    (tmp_path / "bad.md").write_text(bad.replace("return [left, right]", "return []"))
    with pytest.raises(CommandError, match=r"bad\.md:"):
        call_command("import_problems", str(tmp_path))
    assert not Problem.objects.exists()
    (tmp_path / "bad.md").unlink()
    call_command("import_problems", str(tmp_path))
    Problem.objects.update(title="Edited by an editor")
    call_command("import_problems", "--new-only", str(tmp_path))
    assert Problem.objects.get().title == "Edited by an editor"


SOLUTION_STARTS = "def pair_with_sum(nums: list[int], target: int) -> list[int]:\n    left, right"


@pytest.mark.parametrize(
    ("prelude", "refusal"),
    [
        # An editor's solution runs on the server: it reads none of the site's secrets...
        ("import os\nassert os.environ.get('ALPHACODE_PROBE') is None\n", None),
        ("open('/etc/hostname').read()\n", "may not open '/etc/hostname'"),
        ("import os\nopen(f'/proc/{os.getppid()}/environ').read()\n", "may not open '/proc/"),
        # ...reaches nothing outside its process, and cannot fake the check's answer.
        ("import socket\nsocket.create_connection(('127.0.0.1', 5432))\n", "may not use socket."),
        ("import subprocess\nsubprocess.run(['id'])\n", "may not use subprocess.Popen"),
        ("import ctypes\nctypes.CDLL(None)\n", "may not use ctypes.dlopen"),
        ("open('written.txt', 'w')\n", "may not open files"),
        ("x = bytearray(3 * 1024**3)\n", "MemoryError"),
    ],
)
def test_a_solution_is_checked_walled_off_from_the_server(
    db, monkeypatch, prelude: str, refusal: str | None
) -> None:
    monkeypatch.setenv("ALPHACODE_PROBE", "a secret of the web process")
    text = PAIR.replace(SOLUTION_STARTS, prelude + SOLUTION_STARTS)
    if refusal is None:
        problems_import([("pair.md", text)])
        return
    with pytest.raises(ProblemImportError) as refused:
        problems_import([("pair.md", text)])
    assert refusal in refused.value.errors[0], refused.value.errors
    assert not Problem.objects.exists()


def test_a_solution_that_prints_an_answer_cannot_pass_for_a_right_one(db) -> None:
    wrong = PAIR.replace("return [left, right]", "return [right, left]")
    faked = wrong.replace(SOLUTION_STARTS, "print('{\"cases\": []}')\n" + SOLUTION_STARTS)
    with pytest.raises(ProblemImportError) as refused:
        problems_import([("pair.md", faked)])
    assert "the solution fails this test case" in refused.value.errors[0]


RAW_HTML = "raw HTML is not supported; write Markdown, or put the HTML in `code`"


def test_raw_html_in_a_problem_is_an_error_naming_each_line_on_import(db, tmp_path) -> None:
    text = (
        PAIR.replace("return the indices", "return the <b>indices</b>")
        .replace("1. The list is sorted", "1. The list is <em>sorted</em>")
        .replace("Put a pointer at each end.", "<div>Put a pointer at each end.</div>")
    )
    (tmp_path / "pair.md").write_text(text)
    with pytest.raises(CommandError) as refused:
        call_command("import_problems", str(tmp_path))
    for start in ("Given a list", "1. The list", "<div>Put a pointer"):
        assert f"pair.md:{line_of(text, start)}: {RAW_HTML}" in str(refused.value)
    assert not Problem.objects.exists()
    # HTML written as code is code.
    parse_problem(PAIR.replace("return the indices", "return the `<b>` indices"), "pair.md")


def test_a_problem_import_lists_every_front_matter_error_each_at_its_line(db, tmp_path) -> None:
    text = (
        PAIR.replace('title: "Pair With Target Sum"\n', "")
        .replace("patterns: [two-pointers]", "patterns: [two-pointer]")
        .replace("difficulty: easy", "difficulty: extreme\nlevel: 3")
        .replace("time_limit_seconds: 5", "time_limit_seconds: 500")
    )
    (tmp_path / "pair.md").write_text(text)
    with pytest.raises(CommandError) as refused:
        call_command("import_problems", str(tmp_path))
    for expected in (
        "pair.md:1: front matter 'title': is required",
        f"pair.md:{line_of(text, 'patterns:')}: unknown pattern(s) 'two-pointer'",
        f"pair.md:{line_of(text, 'difficulty:')}: front matter 'difficulty': 'extreme'",
        f"pair.md:{line_of(text, 'level:')}: unknown front matter key: level",
        f"pair.md:{line_of(text, 'time_limit_seconds:')}: front matter 'time_limit_seconds'",
    ):
        assert expected in str(refused.value)
    assert not Problem.objects.exists()
