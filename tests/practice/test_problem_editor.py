"""Problems in the admin, edited as Markdown exactly as guides are: the whole problem as one
document, errors by line before anything is saved (its solution run against its own tests), a
preview that keeps nothing, saves refused when someone saved in between, revisions compared and
restored, an export that imports back to the same problem, new problems written the same way;
for editors only."""

from __future__ import annotations

import io
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client

from practice.models import Problem, ProblemRevision
from practice.problem_format import parse_problem
from practice.services import problem_export, problems_import

from ..conftest import signed_in
from ..factories import SubscriptionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
PAIR = (ROOT / "content" / "problems" / "pair-with-target-sum.md").read_text(encoding="utf-8")


@pytest.fixture
def problem(db) -> Problem:
    (imported,) = problems_import([("pair-with-target-sum.md", PAIR)])
    return imported


def editor_url(problem: Problem) -> str:
    return f"/admin/practice/problem/{problem.pk}/markdown/"


def preview_url(problem: Problem) -> str:
    return f"/admin/practice/problem/{problem.pk}/markdown/preview/"


def opened(client: Client, problem: Problem) -> tuple[str, str]:
    """What the editor shows: (the text, the revision it was opened at)."""
    page = client.get(editor_url(problem))
    assert page.status_code == HTTPStatus.OK
    return page.context["text"], str(page.context["base"])


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


STATEMENT = "Given a list of integers sorted in ascending order and a target"


def test_an_import_stores_a_revision_when_the_markdown_changed(problem: Problem, editor) -> None:
    first = problem.revisions.get()
    assert (first.number, first.source, first.author) == (1, "import", None)
    assert first.markdown == problem_export(problem=problem)
    updated_at = problem.updated_at
    problems_import([("pair-with-target-sum.md", PAIR)])  # the same file: nothing moves
    assert problem.revisions.count() == 1
    problem.refresh_from_db()
    assert problem.updated_at == updated_at
    changed = PAIR.replace('title: "Pair With Target Sum"', 'title: "Pair Summing to Target"')
    problems_import([("pair-with-target-sum.md", changed)], author=editor)
    latest = problem.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.author) == (2, "import", editor)
    assert 'title: "Pair Summing to Target"' in latest.markdown


def test_an_editor_edits_a_problem_as_markdown_and_the_page_shows_it(
    problem: Problem, editor_client: Client, editor, django_capture_on_commit_callbacks
) -> None:
    # The problem's page puts the Markdown first.
    change = editor_client.get(f"/admin/practice/problem/{problem.pk}/change/").content.decode()
    assert f'href="{editor_url(problem)}" id="edit-markdown">Edit as Markdown' in change
    assert f'href="/admin/practice/problem/{problem.pk}/revisions/"' in change
    assert f'href="/admin/practice/problem/{problem.pk}/export/"' in change
    text, base = opened(editor_client, problem)
    assert text == problem_export(problem=problem)
    assert base == "1"
    edited = text.replace(STATEMENT, "Given a sorted list of integers and a target")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(editor_url(problem), {"markdown": edited, "base": base})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == editor_url(problem)
    latest = problem.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.author) == (2, "editor", editor)
    assert latest.markdown == edited
    page = Client().get(f"/problems/{problem.slug}/").content.decode()
    assert "Given a sorted list of integers and a target" in page
    assert STATEMENT not in page


def test_an_error_names_its_line_saves_nothing_and_keeps_the_text(
    problem: Problem, editor_client: Client
) -> None:
    text, base = opened(editor_client, problem)
    broken = text.replace("1. The list is sorted", "- The list is sorted").replace(
        STATEMENT, "Reworded, never saved"
    )
    response = editor_client.post(editor_url(problem), {"markdown": broken, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    line = line_of(broken, "- The list is sorted")
    assert response.context["errors"] == [
        f"line {line}: '## Hints' holds one numbered list, a hint an item"
    ]
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "Reworded, never saved" in html  # the text as typed, in the form
    assert response.context["text"] == broken
    assert problem.revisions.count() == 1
    assert STATEMENT in Problem.objects.get().statement
    # Its address is not changed here: the line says where it is and how.
    moved = text.replace("slug: pair-with-target-sum", "slug: pair-sum")
    response = editor_client.post(editor_url(problem), {"markdown": moved, "base": base})
    assert response.context["errors"] == [
        f"line {line_of(moved, 'slug:')}: this is the problem 'pair-with-target-sum'; change its "
        "address (slug) in the problem's form (Change problem), not here"
    ]
    assert not Problem.objects.filter(slug="pair-sum").exists()


def test_a_solution_that_fails_its_own_tests_is_refused_naming_the_cases_line(
    problem: Problem, editor_client: Client
) -> None:
    text, base = opened(editor_client, problem)
    wrong = text.replace("return [left, right]", "return [right, left]")
    response = editor_client.post(editor_url(problem), {"markdown": wrong, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    line = line_of(wrong, "assert pair_with_sum([1, 2, 3, 4, 6], 6)")
    assert response.context["errors"][0] == (
        f"line {line}: the solution fails this test case: "
        "assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3] (assertion failed)"
    )
    assert response.context["text"] == wrong
    assert problem.revisions.count() == 1
    assert "return [left, right]" in Problem.objects.get().code["solution"]


def test_a_stale_save_is_refused_and_the_text_kept(
    problem: Problem, editor_client: Client, staff_client: Client
) -> None:
    text, base = opened(editor_client, problem)
    other_text, other_base = opened(staff_client, problem)
    theirs = text.replace('"Pair With Target Sum"', '"Pair, With Target Sum"')
    assert (
        editor_client.post(editor_url(problem), {"markdown": theirs, "base": base}).status_code
        == HTTPStatus.FOUND
    )
    mine = other_text.replace(STATEMENT, "My own statement")
    response = staff_client.post(editor_url(problem), {"markdown": mine, "base": other_base})
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert "This problem was saved again (revision 2" in html
    assert f"/admin/practice/problem/{problem.pk}/revisions/?a={other_base}&amp;b=2" in html
    assert response.context["text"] == mine
    assert "My own statement" in html
    stored = Problem.objects.get()
    assert (stored.title, STATEMENT in stored.statement) == ("Pair, With Target Sum", True)
    # Saving again from the page (now based on revision 2) goes through.
    assert (
        staff_client.post(editor_url(problem), {"markdown": mine, "base": "2"}).status_code
        == HTTPStatus.FOUND
    )
    assert Problem.objects.get().statement.startswith("My own statement")


def test_the_preview_lays_out_hints_and_solution_and_keeps_nothing(
    problem: Problem, editor_client: Client
) -> None:
    text, _ = opened(editor_client, problem)
    draft = text.replace("2. Start with one pointer", "2. Previewed hint: start with one pointer")
    response = editor_client.post(preview_url(problem), {"markdown": draft, "as": "reader"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Previewed hint: start with one pointer at each end" in html
    assert "The list is sorted: what does moving the left end" in html  # every hint
    assert "Put a pointer at each end." in html  # the walk-through
    assert '<span class="n">total</span> <span class="o">=</span>' in html  # the solution
    assert "# [1, 3]: 2 + 4" in html  # the statement's example
    assert "assert pair_with_sum([1, 2], 4) == []" in html  # the hidden tests
    # Shown in the editor's own frame, and nowhere else.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Robots-Tag"] == "noindex"
    # As stored, on opening.
    stored = editor_client.get(preview_url(problem)).content.decode()
    assert "Start with one pointer at each end" in stored
    # What a visitor sees of a premium problem: the first paragraph.
    premium = draft.replace("access: free", "access: premium")
    as_visitor = editor_client.post(
        preview_url(problem), {"markdown": premium, "as": "visitor"}
    ).content.decode()
    assert 'id="paywall"' in as_visitor
    assert STATEMENT in as_visitor
    assert "# [1, 3]: 2 + 4" not in as_visitor
    assert "Previewed hint" not in as_visitor
    # A text that cannot be a problem: the errors by line.
    wrong = draft.replace("## Solution", "## Solutions")
    broken = editor_client.post(preview_url(problem), {"markdown": wrong})
    assert broken.status_code == HTTPStatus.BAD_REQUEST
    assert f"line {line_of(wrong, '## Solutions')}: a problem has one" in broken.content.decode()
    # Nothing was kept.
    assert problem.revisions.count() == 1
    assert "Previewed hint" not in " ".join(Problem.objects.get().hints)


def test_revisions_compare_and_restore(problem: Problem, editor_client: Client, editor) -> None:
    text, base = opened(editor_client, problem)
    editor_client.post(
        editor_url(problem),
        {"markdown": text.replace("difficulty: easy", "difficulty: medium"), "base": base},
    )
    page = editor_client.get(f"/admin/practice/problem/{problem.pk}/revisions/?a=1&b=2")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert '<span class="diff-remove">- difficulty: easy</span>' in html
    assert '<span class="diff-add">+ difficulty: medium</span>' in html
    assert f'action="/admin/practice/problem/{problem.pk}/revisions/1/restore/"' in html
    response = editor_client.post(f"/admin/practice/problem/{problem.pk}/revisions/1/restore/")
    assert response.status_code == HTTPStatus.FOUND
    assert Problem.objects.get().difficulty == "easy"
    latest = problem.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.note, latest.author) == (
        3,
        "restore",
        "Restored revision 1",
        editor,
    )
    assert latest.markdown == ProblemRevision.objects.get(problem=problem, number=1).markdown


def test_a_restore_keeps_the_problems_address(problem: Problem, editor_client: Client) -> None:
    page = editor_client.get(f"/admin/practice/problem/{problem.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    renamed = editor_client.post(
        f"/admin/practice/problem/{problem.pk}/change/", {"slug": "pair-sum"}
    )
    assert renamed.status_code == HTTPStatus.FOUND
    latest = problem.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.note) == (
        2,
        "form",
        "Renamed from pair-with-target-sum",
    )
    assert "slug: pair-sum" in latest.markdown
    editor_client.post(f"/admin/practice/problem/{problem.pk}/revisions/1/restore/")
    assert Problem.objects.get().slug == "pair-sum"


def test_the_export_is_the_markdown_that_imports_back_to_the_same_problem(
    problem: Problem, editor_client: Client
) -> None:
    response = editor_client.get(f"/admin/practice/problem/{problem.pk}/export/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="pair-with-target-sum.md"'
    exported = response.content.decode()
    assert exported == problem.revisions.get().markdown
    assert parse_problem(exported) == parse_problem(PAIR)
    # Into a site without it, it makes the same problem; over itself, it changes nothing.
    Problem.objects.all().delete()
    (again,) = problems_import([("pair-with-target-sum.md", exported)])
    assert problem_export(problem=again) == exported
    problems_import([("pair-with-target-sum.md", exported)])
    assert again.revisions.count() == 1
    # The list's action: one problem is its file, more are a zip of files.
    other = PAIR.replace("slug: pair-with-target-sum", "slug: other-pair")
    problems_import([("other-pair.md", other)])
    action = editor_client.post(
        "/admin/practice/problem/",
        {
            "action": "export_markdown",
            "_selected_action": list(Problem.objects.values_list("pk", flat=True)),
        },
    )
    assert action["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(action.content)) as archive:
        assert sorted(archive.namelist()) == ["other-pair.md", "pair-with-target-sum.md"]
        assert archive.read("pair-with-target-sum.md").decode() == exported


def test_an_editor_adds_a_problem_as_markdown(editor_client: Client, editor) -> None:
    page = editor_client.get("/admin/practice/problem/add/")
    assert page.status_code == HTTPStatus.OK
    blank = page.context["text"]
    assert blank.startswith("---\ntitle: ")
    # The example itself is a problem whose solution passes its tests.
    new = PAIR.replace("slug: pair-with-target-sum", "slug: pair-again")
    response = editor_client.post("/admin/practice/problem/add/", {"markdown": new, "base": ""})
    assert response.status_code == HTTPStatus.FOUND
    created = Problem.objects.get(slug="pair-again")
    assert response["Location"] == editor_url(created)
    revision = created.revisions.get()
    assert (revision.number, revision.source, revision.author) == (1, "editor", editor)
    # A slug that is taken is an error naming its line, and nothing is made.
    taken = editor_client.post("/admin/practice/problem/add/", {"markdown": new, "base": ""})
    assert taken.status_code == HTTPStatus.BAD_REQUEST
    assert taken.context["errors"] == [
        f"line {line_of(new, 'slug:')}: there is a problem 'pair-again' already: edit it from "
        "its own page, or give this one a slug of its own"
    ]
    assert taken.context["text"] == new
    assert Problem.objects.count() == 1
    # Its preview, before it exists.
    preview = editor_client.post("/admin/practice/problem/markdown/preview/", {"markdown": blank})
    assert preview.status_code == HTTPStatus.OK
    assert "The first hint, shown on request." in preview.content.decode()


def test_the_example_for_a_new_problem_saves(editor_client: Client) -> None:
    blank = editor_client.get("/admin/practice/problem/add/").context["text"]
    response = editor_client.post("/admin/practice/problem/add/", {"markdown": blank})
    assert response.status_code == HTTPStatus.FOUND
    assert Problem.objects.get().status == "draft"


def test_problems_import_in_the_admin_all_or_none(editor_client: Client, editor) -> None:
    good = io.BytesIO(PAIR.encode())
    good.name = "pair-with-target-sum.md"
    bad = io.BytesIO(
        PAIR.replace("slug: pair-with-target-sum", "slug: bad")
        .replace("return [left, right]", "return []")
        .encode()
    )
    bad.name = "bad.md"
    response = editor_client.post("/admin/practice/problem/import/", {"files": [good, bad]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "bad.md:" in response.content.decode()
    assert not Problem.objects.exists()
    good.seek(0)
    response = editor_client.post("/admin/practice/problem/import/", {"files": [good]})
    assert response.status_code == HTTPStatus.FOUND
    revision = Problem.objects.get().revisions.get()
    assert (revision.source, revision.author) == ("import", editor)


def test_a_problem_from_before_revisions_opens_in_the_editor(
    problem: Problem, editor_client: Client
) -> None:
    ProblemRevision.objects.all().delete()
    text, base = opened(editor_client, problem)
    assert base == "1"
    assert ProblemRevision.objects.get(problem=problem).markdown == text


def test_the_editor_is_for_editors_only(problem: Problem, client: Client) -> None:
    urls = [
        editor_url(problem),
        preview_url(problem),
        f"/admin/practice/problem/{problem.pk}/revisions/",
        f"/admin/practice/problem/{problem.pk}/export/",
        f"/admin/practice/problem/{problem.pk}/change/",
        "/admin/practice/problem/add/",
        "/admin/practice/problem/import/",
    ]
    reader = signed_in(SubscriptionFactory().user)
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.FOUND, url  # to sign in
        assert reader.get(url).status_code == HTTPStatus.FOUND, url
    text = problem_export(problem=problem)
    FOUND = HTTPStatus.FOUND
    assert reader.post(editor_url(problem), {"markdown": text, "base": "1"}).status_code == FOUND
    assert reader.post(preview_url(problem), {"markdown": text}).status_code == FOUND
    restore = f"/admin/practice/problem/{problem.pk}/revisions/1/restore/"
    assert reader.post(restore).status_code == HTTPStatus.FOUND
    # Staff without the problems' permissions are refused too.
    other_staff = signed_in(UserFactory(is_staff=True))
    for url in urls[:4]:
        assert other_staff.get(url).status_code == HTTPStatus.FORBIDDEN, url
    assert problem.revisions.count() == 1


RAW_HTML = "raw HTML is not supported; write Markdown, or put the HTML in `code`"


def test_raw_html_is_refused_on_saving_a_problem_each_line_listed(
    problem: Problem, editor_client: Client
) -> None:
    text, base = opened(editor_client, problem)
    broken = text.replace(STATEMENT, f"{STATEMENT} <br>").replace(
        "2. Start with one pointer", "2. <kbd>Start</kbd> with one pointer"
    )
    response = editor_client.post(editor_url(problem), {"markdown": broken, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    lines = [line_of(broken, STATEMENT), line_of(broken, "2. <kbd>")]
    assert response.context["errors"] == [f"line {line}: {RAW_HTML}" for line in lines]
    html = response.content.decode()
    for line in lines:
        assert f'data-line="{line}">line {line}</a>' in html
    assert problem.revisions.count() == 1
    assert "<br>" not in Problem.objects.get().statement


def test_a_stored_statement_holding_a_tag_still_shows_it_as_text(
    problem: Problem, client: Client
) -> None:
    # Stored before raw HTML was refused: the page reads it as Markdown, the tag as text.
    Problem.objects.filter(pk=problem.pk).update(statement=f"{STATEMENT} <b>now</b>.")
    page = client.get(f"/problems/{problem.slug}/")
    assert page.status_code == HTTPStatus.OK
    assert "&lt;b&gt;now&lt;/b&gt;" in page.content.decode()


def test_every_front_matter_error_of_a_problem_is_listed_with_its_line(
    problem: Problem, editor_client: Client
) -> None:
    text, base = opened(editor_client, problem)
    broken = (
        text.replace("difficulty: easy", "difficulty: tricky")
        .replace("access: free", "access: vip")
        .replace("slug: pair-with-target-sum", "slug: pair-sum")
    )
    response = editor_client.post(editor_url(problem), {"markdown": broken, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    errors = response.context["errors"]
    assert [error.split(":")[0] for error in errors] == [
        f"line {line_of(broken, key)}" for key in ("slug:", "difficulty:", "access:")
    ]
    assert "this is the problem 'pair-with-target-sum'" in errors[0]
    assert "'tricky' must be easy, medium or hard" in errors[1]
    assert "'vip' must be 'free' or 'premium'" in errors[2]
    assert problem.revisions.count() == 1


def test_the_problem_admin_page_shows_edit_as_markdown_once(
    problem: Problem, editor_client: Client
) -> None:
    page = editor_client.get(f"/admin/practice/problem/{problem.pk}/change/").content.decode()
    assert page.count("Edit as Markdown") == 1
    assert page.count(f'href="/admin/practice/problem/{problem.pk}/revisions/"') == 1
    assert page.count(f'href="/admin/practice/problem/{problem.pk}/export/"') == 1
