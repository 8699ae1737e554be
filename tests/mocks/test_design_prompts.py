"""System design prompts as content: the files in content/design-prompts/ import (all or none,
errors by file and line), `--new-only` keeps an editor's change, and the admin lists prompts and
strikes (the strikes read-only)."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mocks.models import DesignPrompt, Strike
from mocks.prompts import PromptImportError, prompts_import
from practice.services import problem_files
from tests.factories import UserFactory

from .booked import book

CONTENT = Path(__file__).resolve().parents[2] / "content" / "design-prompts"

pytestmark = pytest.mark.django_db

GOOD = """---
slug: tiny-url
title: "Design a URL shortener"
topic: storage
status: published
---
Design a service that turns long URLs into short ones.

## Hints

1. How many characters does a short code need?
2. Where do the redirects' reads go?

## What a strong answer covers

- A key generation scheme.
- A cache for hot codes.
"""


def test_the_shipped_prompts_import_one_for_each_topic() -> None:
    call_command("import_design_prompts", str(CONTENT))
    prompts = list(DesignPrompt.objects.all())
    assert {p.topic for p in prompts} == {
        "caching",
        "feeds",
        "messaging",
        "storage",
        "rate-limiting",
        "search",
    }
    for prompt in prompts:
        assert prompt.is_published
        assert prompt.statement
        assert prompt.solution
        assert len(prompt.hints) >= 3
        assert "## " not in prompt.statement


def test_a_prompt_file_reads_into_its_parts() -> None:
    (prompt,) = prompts_import([("tiny-url.md", GOOD)])
    assert (prompt.slug, prompt.title, prompt.topic, prompt.is_published) == (
        "tiny-url",
        "Design a URL shortener",
        "storage",
        True,
    )
    assert prompt.statement == "Design a service that turns long URLs into short ones."
    assert prompt.hints == [
        "How many characters does a short code need?",
        "Where do the redirects' reads go?",
    ]
    assert prompt.solution == "- A key generation scheme.\n- A cache for hot codes."


def test_new_only_keeps_an_editors_change_and_a_full_import_writes_the_file(tmp_path) -> None:
    (tmp_path / "tiny-url.md").write_text(GOOD)
    call_command("import_design_prompts", str(tmp_path))
    DesignPrompt.objects.filter(slug="tiny-url").update(title="Edited in the admin")
    call_command("import_design_prompts", "--new-only", str(tmp_path))
    assert DesignPrompt.objects.get().title == "Edited in the admin"
    call_command("import_design_prompts", str(tmp_path))
    assert DesignPrompt.objects.get().title == "Design a URL shortener"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("topic: storage", "topic: Storage Systems"), "a.md:4: front matter 'topic'"),
        (GOOD.replace("status: published\n", "colour: red\n"), "a.md:5: unknown front matter"),
        (GOOD.replace("## Hints", "## Tips"), "a.md:9: a design prompt has one '## Hints'"),
        (
            GOOD.replace("1. How many", "- How many").replace("2. Where", "- Where"),
            "a.md:11: '## Hints' holds one numbered list",
        ),
        (GOOD.replace("## What a strong answer covers\n", ""), "needs a '## What a strong"),
        (
            GOOD.replace("- A ", "- [ ] A "),
            "a.md:16: a design prompt cannot hold a checklist",
        ),
    ],
)
def test_a_wrong_file_is_refused_by_line_and_nothing_is_imported(text: str, message: str) -> None:
    files = [("tiny-url.md", GOOD.replace("tiny-url", "other")), ("a.md", text)]
    with pytest.raises(PromptImportError) as refused:
        prompts_import(files)
    assert message in refused.value.errors[0]
    assert refused.value.errors[0].startswith("a.md")
    assert not DesignPrompt.objects.exists()


def test_the_command_says_what_is_wrong(tmp_path) -> None:
    (tmp_path / "a.md").write_text("no front matter")
    with pytest.raises(CommandError, match=r"a\.md:1: the file must start with '---'"):
        call_command("import_design_prompts", str(tmp_path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_design_prompts", str(tmp_path / "missing.md"))


def test_the_admin_lists_prompts_and_strikes_read_only(staff_client) -> None:
    prompts_import(problem_files([CONTENT]))
    page = staff_client.get("/admin/mocks/designprompt/")
    assert page.status_code == HTTPStatus.OK
    assert "Design a rate limiter for a public API" in page.content.decode()
    ada, bob = UserFactory(email="ada@example.com"), UserFactory()
    booking = book(ada, bob)
    Strike.objects.create(member=ada, booking=booking, cause=Strike.Cause.NO_SHOW)
    page = staff_client.get("/admin/mocks/strike/")
    assert page.status_code == HTTPStatus.OK
    assert "ada@example.com" in page.content.decode()
    assert staff_client.get("/admin/mocks/strike/add/").status_code == HTTPStatus.FORBIDDEN
