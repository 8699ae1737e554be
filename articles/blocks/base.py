"""What a kind of block is, and the registry that finds one.

A kind is one class (in the spirit of Wagtail's StreamField blocks) that says, in one place, how
its blocks are read from the Markdown's syntax tree (markdown-it-py), written back as Markdown,
stored (normalized) and validated, turned into plain words (search, word count), rendered (its
template, `templates/articles/blocks/<name>.html`, and that template's context) and which items
a reader studies in it. Every block of a guide is one row of `articles.Block`; its `kind` column
names the class. `docs/developers/block-kinds.md` says how to add one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from markdown_it.tree import SyntaxTreeNode

if TYPE_CHECKING:
    from ..models import Block


class GuideFormatError(ValueError):
    """A malformed guide file: says which file, which line and what is wrong."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.message = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        # The file's further errors, when reading went on past this one (a guide's body).
        self.others: list[GuideFormatError] = []

    def by_line(self) -> str:
        """The error as an editor reads it beside their one text: "line N: what"."""
        return f"line {self.line}: {self.message}" if self.line else self.message

    def all(self) -> list[GuideFormatError]:
        """This error and every further one found in the same file."""
        return [self, *self.others]

    def all_by_line(self) -> list[str]:
        """This error and every further one found in the same file, each as "line N: what"."""
        return [self.by_line(), *(other.by_line() for other in self.others)]


@dataclass
class BlockData:
    """One block as the Markdown file holds it (and as `articles.Block` stores it)."""

    kind: str
    text: str  # a code block's code, an image's alt text, a list's or table's lines
    attribution: str = ""  # pull quotes
    language: str = ""  # code
    caption: str = ""  # a code block's title, an image's caption
    style: str = ""  # a callout's kind: note, tip, important, warning, caution
    src: str = ""  # an image's path, relative to the Markdown file
    runnable: bool = False  # code the test suite runs
    # Where the block starts in the file (for errors); not part of the guide.
    line: int = field(default=0, compare=False)


class Reader:
    """The file being read, for the kinds' parsers: the line a node starts on (from 1, as an
    editor counts), errors that name it, and warnings that do not stop an import."""

    def __init__(self, lines: list[str], source: str) -> None:
        self.lines, self.source = lines, source
        self.warnings: list[str] = []

    def line(self, node: SyntaxTreeNode) -> int:
        return node.map[0] + 1 if node.map else 0

    def error(self, node: SyntaxTreeNode | int, message: str) -> GuideFormatError:
        line = node if isinstance(node, int) else self.line(node)
        return GuideFormatError(self.source, line or None, message)

    def warn(self, node: SyntaxTreeNode, message: str) -> None:
        self.warnings.append(f"{self.source}:{self.line(node)}: {message}")

    def source_lines(self, node: SyntaxTreeNode) -> list[str]:
        assert node.map is not None
        return self.lines[node.map[0] : node.map[1]]


class Study(StrEnum):
    """What a reader does with a block's items (`articles.Item` rows)."""

    TICK = "tick"  # ticked on the guide page (a checklist's lines)
    DRILL = "drill"  # drilled as cards on a spaced schedule (a phrase table's rows)


@dataclass(frozen=True)
class Placement:
    """Where on the page a block is rendered: its anchor (a kind listed in the table of
    contents), whether its image may load late, and whether its image is public (looked up when
    None)."""

    anchor: str = ""
    lazy: bool = True
    public: bool | None = None


class BlockKind:
    """A kind of block. Subclass it in a module of `articles.blocks`, decorate the class with
    `@register`, and add `templates/articles/blocks/<name>.html`."""

    name: ClassVar[str]  # stored in Block.kind (at most 12 characters); never renamed
    label: ClassVar[str]  # what the admin's menu calls it
    order: ClassVar[int] = 100  # its place in that menu
    # One block of this kind as an editor writes it (the docs and the round-trip test use it;
    # `images/example.png` is an image the test supplies).
    example: ClassVar[str]
    # The Block fields besides `text` this kind uses (attribution, language, caption, style,
    # runnable, image): a form that fills another is refused where that would be lost.
    fields: ClassVar[frozenset[str]] = frozenset()
    study: ClassVar[Study | None] = None  # what readers do with its items, if anything
    outlined: ClassVar[bool] = False  # listed under its section in the table of contents
    highlights_code: ClassVar[bool] = False  # the page needs the code styles and copy button
    # Whether the stored text reads back from Markdown exactly as typed into a form (a list or
    # a table may come back in another spelling of the same thing).
    exact_text: ClassVar[bool] = True
    # Whether a form's block is checked by writing it as Markdown and reading it back.
    checked_as_markdown: ClassVar[bool] = True

    @property
    def template_name(self) -> str:
        return f"articles/blocks/{self.name}.html"

    # --- Markdown ------------------------------------------------------------------------------

    def reads(self, node: SyntaxTreeNode) -> bool:
        """Whether this top-level node of a section is a block of this kind (exactly one kind
        may read a node)."""
        raise NotImplementedError

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        """The block the node holds; `reader.error(...)` for what cannot be stored as written."""
        raise NotImplementedError

    def write(self, block: BlockData) -> str:
        """The block as Markdown that `parse` reads back to the same data."""
        raise NotImplementedError

    # --- Storing and checking ------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """The text as it is stored (line endings are LF already): by default one item per line,
        blank lines dropped."""
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    def clean(self, block: Block) -> dict[str, str]:
        """What is wrong with a block typed into a form, by field, beyond what writing it as
        Markdown and reading it back finds."""
        return {}

    # --- Reading -------------------------------------------------------------------------------

    def plain_text(self, block: Block) -> str:
        """The words of the block, for search and the word count."""
        return "\n".join(block.items)

    def context(self, block: Block, placement: Placement) -> dict:
        """What the kind's template needs besides `block.id` and `block.kind`."""
        return {}

    def outline_text(self, block: Block) -> str:
        """An outlined kind's entry in the table of contents (plain text)."""
        return ""

    def study_items(self, block: Block) -> list[tuple[str, str]]:
        """(text, answer) of each item readers work with (`study` says how), in order."""
        return []


class Registry:
    """The block kinds by name, in the admin menu's order."""

    def __init__(self) -> None:
        self._kinds: dict[str, BlockKind] = {}

    def register[K: type[BlockKind]](self, kind: K) -> K:
        """A class decorator: the kind's one instance joins the registry."""
        if kind.name in self._kinds:
            raise ValueError(f"a block kind named {kind.name!r} is registered already")
        if len(kind.name) > 12:
            raise ValueError(f"a block kind's name is at most 12 characters: {kind.name!r}")
        self._kinds[kind.name] = kind()
        self._kinds = dict(sorted(self._kinds.items(), key=lambda item: item[1].order))
        return kind

    def unregister(self, name: str) -> None:
        del self._kinds[name]

    def __iter__(self) -> Iterator[BlockKind]:
        return iter(self._kinds.values())

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def get(self, name: str) -> BlockKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise LookupError(f"no block kind is named {name!r}") from None

    def choices(self) -> list[tuple[str, str]]:
        return [(kind.name, kind.label) for kind in self]

    def reading(self, node: SyntaxTreeNode) -> BlockKind | None:
        """The kind that reads this node, or None when none does."""
        found = [kind for kind in self if kind.reads(node)]
        if len(found) > 1:
            names = ", ".join(kind.name for kind in found)
            raise RuntimeError(f"block kinds {names} all read a {node.type} node")
        return found[0] if found else None

    def studied(self, study: Study) -> list[str]:
        """The names of the kinds whose items readers study this way."""
        return [kind.name for kind in self if kind.study == study]


registry = Registry()
register = registry.register
