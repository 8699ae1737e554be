"""System design prompts as content (content/design-prompts/*.md, docs/editors/design-prompts.md):
read a file into plain data, and import a set of files into DesignPrompt rows, all or none.

A file is front matter (slug, title, topic, status; mocks.forms.DesignPromptFrontMatterForm),
the statement (what the interviewer reads out), `## Hints` (one numbered list, an item a hint)
and `## What a strong answer covers` (the interviewer's notes). The statement and the notes are
read with a problem statement's rules (the blocks of a guide, but images and checklists), so
they render as a problem's do; anything else is an error naming the file and line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from markdown_it.tree import SyntaxTreeNode

from articles.markdown import (
    GuideFormatError,
)
from practice.problem_format import file_head, hints_read, statement_read

from .forms import DesignPromptFrontMatterForm
from .models import DesignPrompt

HINTS, COVERS = "Hints", "What a strong answer covers"


@dataclass
class PromptData:
    slug: str
    title: str
    topic: str
    status: str = "draft"
    statement: str = ""
    hints: list[str] = field(default_factory=list)
    solution: str = ""


class PromptImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] + 1 if node.map else 0


def _markdown(nodes: list[SyntaxTreeNode], lines: list[str], source: str, part: str) -> str:
    """A part's Markdown, each block one a problem statement may hold."""
    return statement_read(
        nodes, lines, source, missing=f"a design prompt needs {part}", holder="a design prompt"
    )


def parse_prompt(text: str, source: str = "<design prompt>") -> PromptData:
    """One design prompt file; raise GuideFormatError naming the line of the first problem."""
    _text, lines, nodes, values = file_head(text, source, DesignPromptFrontMatterForm)
    prompt = PromptData(**values)
    parts: dict[str, list[SyntaxTreeNode]] = {"": []}
    part = ""
    for node in nodes[1:]:
        if node.type == "heading" and node.tag == "h2":
            title = node.children[0].content.strip() if node.children else ""
            if title not in (HINTS, COVERS) or title in parts:
                raise GuideFormatError(
                    source,
                    _line(node),
                    f"a design prompt has one '## {HINTS}' and one '## {COVERS}'",
                )
            part = title
            parts[part] = []
            continue
        parts[part].append(node)
    for needed in (HINTS, COVERS):
        if needed not in parts:
            raise GuideFormatError(source, None, f"a design prompt needs a '## {needed}' section")
    prompt.statement = _markdown(parts[""], lines, source, f"a statement before '## {HINTS}'")
    prompt.hints = hints_read(parts[HINTS], source)
    prompt.solution = _markdown(parts[COVERS], lines, source, f"text under '## {COVERS}'")
    return prompt


def prompts_parse(files: Iterable[tuple[str, str]]) -> tuple[list[PromptData], list[str]]:
    """Every file read; every error found, not just the first."""
    parsed: list[PromptData] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for name, text in files:
        try:
            prompt = parse_prompt(text, name)
        except GuideFormatError as exc:
            errors.extend(str(error) for error in exc.all())
            continue
        if prompt.slug in seen:
            errors.append(f"{name}: slug '{prompt.slug}' is also used by {seen[prompt.slug]}")
            continue
        seen[prompt.slug] = name
        parsed.append(prompt)
    return parsed, errors


@transaction.atomic
def prompts_import(
    files: Iterable[tuple[str, str]], *, new_only: bool = False
) -> list[DesignPrompt]:
    """Create or update the prompts of these files, all or none (PromptImportError lists every
    error). `new_only`: leave a prompt that exists as it is, so an editor's change in the admin
    is kept. Only what differs is written."""
    parsed, errors = prompts_parse(files)
    if errors:
        raise PromptImportError(errors)
    imported = []
    for data in parsed:
        prompt = DesignPrompt.objects.select_for_update().filter(slug=data.slug).first()
        if prompt is not None and new_only:
            continue
        prompt = prompt or DesignPrompt(slug=data.slug)
        values: dict[str, object] = {
            "title": data.title,
            "topic": data.topic,
            "statement": data.statement,
            "hints": data.hints,
            "solution": data.solution,
            "is_published": data.status == "published",
        }
        if prompt._state.adding or any(getattr(prompt, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(prompt, name, value)
            prompt.save()
        imported.append(prompt)
    return imported
