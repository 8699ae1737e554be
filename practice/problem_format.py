"""The Markdown format of a problem (DESIGN.md, "Practice"): read a file into plain data, and
write one back.

Front matter (practice.forms.ProblemFrontMatterForm); then the statement, in the rich blocks of
a guide (read by the same parser, so it has the same errors); `## Hints`, one numbered list, an
item a hint; `## Solution`, the walk-through, and fenced `python solution`, `python starter`,
`python tests` and, optionally, `python hidden-tests` blocks, each once. Each top-level `assert`
of the tests is one test case. Anything else is an error naming the file and line.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from markdown_it.tree import SyntaxTreeNode

from articles.markdown import (
    SECTION_HEADER,
    FrontMatterCheck,
    GuideFormatError,
    front_matter_data,
    front_matter_moment,
    front_matter_values,
    raise_all,
    raw_html,
    read_blocks,
    refuse_nul,
    syntax_nodes,
    yaml_quoted,
)

from .forms import ProblemFrontMatterForm

CODE_KINDS = ("solution", "starter", "tests", "hidden-tests")
REQUIRED_CODE = ("solution", "starter", "tests")
HINTS, SOLUTION = "Hints", "Solution"
# What a statement may be made of: a guide's blocks but images (a problem has no image store) and
# checklists (a guide's study items). A two-column table reads as a phrase table: it is a table
# here.
STATEMENT_KINDS = (
    "paragraph",
    "code",
    "list",
    "table",
    "phrases",
    "callout",
    "quote",
    "subheading",
)


@dataclass
class TestCase:
    """One `assert` of a problem's tests: its source and its line in the file."""

    source: str
    line: int


@dataclass
class ProblemData:
    title: str
    slug: str
    difficulty: str
    patterns: list[str] = field(default_factory=list)
    access: str = "free"
    status: str = "draft"
    published_at: dt.datetime | None = None
    time_limit_seconds: int = 5
    statement: str = ""
    hints: list[str] = field(default_factory=list)
    walkthrough: str = ""
    code: dict[str, str] = field(default_factory=dict)  # solution, starter, tests, hidden-tests
    # Where each code block starts in the file (for errors); not part of the problem.
    code_lines: dict[str, int] = field(default_factory=dict, compare=False)

    def cases(self, kind: str) -> list[TestCase]:
        """The test cases of `tests` or `hidden-tests`, each with its line in the file."""
        return cases_in(self.code.get(kind, ""), first_line=self.code_lines.get(kind, 0))


def cases_in(code: str, *, first_line: int = 0) -> list[TestCase]:
    """Each top-level `assert` of a tests block, with its line counted from `first_line`."""
    return [
        TestCase(ast.get_source_segment(code, node) or "", first_line + node.lineno)
        for node in ast.parse(code).body
        if isinstance(node, ast.Assert)
    ]


def file_start(text: str, source: str) -> tuple[str, list[str], list[SyntaxTreeNode]]:
    """A content file (a problem's, a design prompt's) with newlines made plain, its lines and
    its Markdown nodes, the first its front matter; or GuideFormatError naming the line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    refuse_nul(text, source)
    nodes = syntax_nodes(text)
    if not nodes or nodes[0].type != "front_matter":
        raise GuideFormatError(source, 1, "the file must start with '---' and YAML front matter")
    return text, text.split("\n"), nodes


def file_head(
    text: str, source: str, form: type[forms.Form]
) -> tuple[str, list[str], list[SyntaxTreeNode], dict[str, Any]]:
    """A content file read up to its parts (file_start), and its front matter checked by `form`;
    or GuideFormatError naming the line (every key that is wrong, each at its line)."""
    text, lines, nodes = file_start(text, source)
    values = front_matter_values(nodes[0].content, text, source, form)
    return text, lines, nodes, values


def parse_problem(
    text: str, source: str = "<problem>", *, check: FrontMatterCheck | None = None
) -> ProblemData:
    """Parse one problem file; raise GuideFormatError naming the line of the first problem, with
    the others found in its `others`: every front matter key that is wrong (`check`: further
    rules for the valid values, such as patterns that exist), every line holding raw HTML (in
    the statement, a hint or the walk-through), and the first error of the body."""
    text, lines, nodes = file_start(text, source)
    problem, errors = front_matter_data(
        ProblemData,
        ProblemData(title="", slug="", difficulty=""),
        nodes[0].content,
        text,
        source,
        ProblemFrontMatterForm,
        check,
    )
    errors += raw_html(text, source)
    try:
        _body(problem, nodes, lines, source)
    except GuideFormatError as exc:
        errors += exc.all()
    raise_all(errors)
    return problem


def _body(problem: ProblemData, nodes: list[SyntaxTreeNode], lines: list[str], source: str) -> None:
    """Read the statement, hints and solution after the front matter into `problem`."""
    parts: dict[str, list[SyntaxTreeNode]] = {"": []}
    part = ""
    for node in nodes[1:]:
        if node.type == "heading" and node.tag == "h2":
            title = node.children[0].content.strip() if node.children else ""
            if title not in (HINTS, SOLUTION) or title in parts:
                raise GuideFormatError(
                    source, _line(node), "a problem has one '## Hints' and one '## Solution'"
                )
            part = title
            parts[part] = []
            continue
        parts[part].append(node)
    for needed in (HINTS, SOLUTION):
        if needed not in parts:
            raise GuideFormatError(source, None, f"a problem needs a '## {needed}' section")
    problem.statement = _statement(parts[""], lines, source)
    problem.hints = hints_read(parts[HINTS], source)
    _solution(problem, parts[SOLUTION], lines, source)


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] + 1 if node.map else 0


def _source(nodes: list[SyntaxTreeNode], lines: list[str]) -> str:
    if not nodes:
        return ""
    first, last = nodes[0].map, nodes[-1].map
    assert first is not None
    assert last is not None
    return "\n".join(lines[first[0] : last[1]]).strip()


def _statement(nodes: list[SyntaxTreeNode], lines: list[str], source: str) -> str:
    return statement_read(
        nodes,
        lines,
        source,
        missing="a problem needs a statement before '## Hints'",
        holder="a problem's statement",
        refuse_html=False,  # parse_problem finds raw HTML in the whole file, by line
    )


def statement_read(
    nodes: list[SyntaxTreeNode],
    lines: list[str],
    source: str,
    *,
    missing: str,
    holder: str,
    refuse_html: bool = True,
) -> str:
    """A statement's Markdown (a problem's, or a design prompt's parts), read as a guide
    section's blocks so it has their rules, each block one a statement may hold. `missing` is
    the error for no text at all; `holder` names what holds it in the error for a wrong block;
    raw HTML is an error unless `refuse_html` is False (the caller looks for it itself)."""
    statement = _source(nodes, lines)
    if not statement:
        raise GuideFormatError(source, None, missing)
    first = _line(nodes[0])
    for block in read_blocks(statement, source, first_line=first, refuse_html=refuse_html):
        if block.kind not in STATEMENT_KINDS:
            # The block's line counts from the section header read_blocks puts before it.
            line = block.line + first - 1 - SECTION_HEADER.count("\n")
            raise GuideFormatError(source, line, f"{holder} cannot hold a {block.kind}")
    return statement


def hints_read(nodes: list[SyntaxTreeNode], source: str) -> list[str]:
    """The hints of a '## Hints' section (a problem's or a design prompt's): one numbered list,
    each item one paragraph."""
    if len(nodes) != 1 or nodes[0].type != "ordered_list":
        line = _line(nodes[0]) if nodes else None
        raise GuideFormatError(source, line, "'## Hints' holds one numbered list, a hint an item")
    hints = []
    for item in nodes[0].children:
        if len(item.children) != 1 or item.children[0].type != "paragraph":
            raise GuideFormatError(source, _line(item), "a hint is one paragraph of text")
        hints.append(" ".join(item.children[0].children[0].content.split()))
    return hints


def _solution(
    problem: ProblemData, nodes: list[SyntaxTreeNode], lines: list[str], source: str
) -> None:
    prose: list[SyntaxTreeNode] = []
    for node in nodes:
        if node.type != "fence":
            prose.append(node)
            continue
        language, _, kind = node.info.strip().partition(" ")
        kind = kind.strip()
        if language != "python" or kind not in CODE_KINDS:
            raise GuideFormatError(
                source,
                _line(node),
                "a fence in '## Solution' is ```python followed by one of: "
                + ", ".join(CODE_KINDS),
            )
        if kind in problem.code:
            raise GuideFormatError(source, _line(node), f"the {kind} block is given twice")
        code = node.content.rstrip("\n")
        try:
            ast.parse(code)
        except SyntaxError as exc:
            line = _line(node) + (exc.lineno or 0)
            message = f"the {kind} block is not Python ({exc.msg})"
            raise GuideFormatError(source, line, message) from None
        problem.code[kind] = code
        problem.code_lines[kind] = _line(node)
    for kind in REQUIRED_CODE:
        if kind not in problem.code:
            raise GuideFormatError(source, None, f"a problem needs a ```python {kind} block")
    if not problem.cases("tests"):
        raise GuideFormatError(
            source, problem.code_lines["tests"], "the tests need at least one assert"
        )
    problem.walkthrough = _source(prose, lines)
    if not problem.walkthrough:
        raise GuideFormatError(source, None, "'## Solution' needs a walk-through before its code")


def write_problem(problem: ProblemData) -> str:
    """The Markdown file for a problem; parse_problem(write_problem(p)) equals p."""
    meta = ["---", f"title: {yaml_quoted(problem.title)}", f"slug: {problem.slug}"]
    if problem.patterns:
        meta.append(f"patterns: [{', '.join(problem.patterns)}]")
    meta += [
        f"difficulty: {problem.difficulty}",
        f"access: {problem.access}",
        f"status: {problem.status}",
        f"time_limit_seconds: {problem.time_limit_seconds}",
    ]
    if problem.published_at:
        meta.append(f"published_at: {front_matter_moment(problem.published_at)}")
    meta.append("---")
    hints = "\n".join(f"{n}. {hint}" for n, hint in enumerate(problem.hints, start=1))
    # In the format's order, whatever order the code was stored in (a JSON object's keys are
    # not kept in order by Postgres).
    kinds = [kind for kind in CODE_KINDS if kind in problem.code]
    code = [f"```python {kind}\n{problem.code[kind]}\n```" for kind in kinds]
    parts = ["\n".join(meta), problem.statement, f"## {HINTS}", hints, f"## {SOLUTION}"]
    return "\n\n".join([*parts, problem.walkthrough, *code]) + "\n"
