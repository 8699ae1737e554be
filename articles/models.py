"""Content models: a Track holds Guides; a Guide is an intro and ordered Sections of Blocks."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .blocks import BlockData, BlockKind, registry
from .blocks import choices as block_kinds
from .markdown import check_block

logger = logging.getLogger(__name__)

WORDS_PER_MINUTE = 200
# The FTS5 index of guides on SQLite (migration 0011): rowid is the guide's id; columns title,
# dek, preview_text, full_text. Postgres searches the vectors below instead.
SQLITE_SEARCH_TABLE = "articles_guide_search"


class Track(models.Model):
    # Set by the listing views (not a column): the track's number of published guides.
    guide_count: int

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "title")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reader:track", kwargs={"slug": self.slug})


class Pattern(models.Model):
    """A coding pattern guides (and problems) teach, such as "Sliding Window": reference data
    (articles.reference_data.PATTERNS), which editors may add to in the admin. Named by its slug
    in a guide's front matter (`patterns: [two-pointers, sliding-window]`)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reader:pattern", kwargs={"slug": self.slug})


class GuideQuerySet(models.QuerySet["Guide"]):
    def published(self) -> GuideQuerySet:
        """Guides the public may see: published, with a publish time that has come."""
        return self.filter(status=Guide.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self) -> GuideQuerySet:
        """What a card needs and nothing more: the premium text fields stay in the database."""
        return self.select_related("track").only(
            "title",
            "slug",
            "dek",
            "access",
            "status",
            "published_at",
            "updated_at",
            "read_minutes",
            "word_count",
            "track__slug",
            "track__title",
        )


class Guide(models.Model):
    class Access(models.TextChoices):
        FREE = "free", "Free"
        PREMIUM = "premium", "Premium"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="guides")
    patterns = models.ManyToManyField(
        Pattern, blank=True, related_name="guides", help_text="The coding patterns it teaches."
    )
    # The mock rubric's axes it trains (keys, as its front matter names them: articles.axes):
    # a member whose mocks show one weak gets these guides in their plan.
    axes = models.JSONField(default=list, blank=True, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    dek = models.CharField(
        "dek", max_length=300, help_text="One-line subtitle shown under the title and in meta tags."
    )
    intro = models.TextField(
        blank=True, help_text="Paragraphs before the first section; a blank line separates them."
    )
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.FREE)
    preview_sections = models.PositiveSmallIntegerField(
        default=1,
        help_text="Premium guides: how many sections visitors see before the paywall.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="A time in the future schedules the guide."
    )
    # Derived from the sections by articles.services.guide_refresh; never typed by hand.
    word_count = models.PositiveIntegerField(default=0, editable=False)
    read_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    preview_text = models.TextField(blank=True, editable=False)
    full_text = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # SHA-256 of the guide as its last import left it (exported to Markdown): an import over a
    # guide that no longer matches it would lose an editor's change, and is refused.
    imported_digest = models.CharField(max_length=64, blank=True, editable=False)
    # Weighted full-text vectors (title, dek, text) kept by guide_refresh on Postgres: what a
    # visitor may search, and what a reader with access may search. SQLite keeps the same text
    # in the FTS5 table SQLITE_SEARCH_TABLE.
    search_preview = SearchVectorField(null=True, editable=False)
    search_full = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "title")
        indexes = [
            models.Index(fields=["status", "published_at"]),
            models.Index(fields=["track", "status", "published_at"]),
            GinIndex(fields=["search_preview"], name="guide_search_preview_gin"),
            GinIndex(fields=["search_full"], name="guide_search_full_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reader:guide", kwargs={"slug": self.slug})

    def clean(self) -> None:
        self.normalize_text()

    def normalize_text(self) -> None:
        """The editor's text as it is stored (a form's clean, articles.services.guide_save and an
        import do this; an import compares after it)."""
        self.intro = normalize_newlines(self.intro).strip()

    @property
    def is_premium(self) -> bool:
        return self.access == self.Access.PREMIUM

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def cut(self) -> int | None:
        """Sections a non-reader sees, or None when the guide is free and whole for everyone."""
        return self.preview_sections if self.is_premium else None


class TrackGuideCount(models.Model):
    """How many guides of a track are published (scheduled ones included), kept by a Postgres
    trigger on every insert, update and delete of a guide, however it is written (ORM, bulk,
    raw SQL). The listings subtract the few scheduled for later, so counting guides costs the
    same at 10,000 guides as at 100. Unused on SQLite, which counts directly."""

    track = models.OneToOneField(Track, on_delete=models.CASCADE, primary_key=True)
    published = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.track_id}: {self.published}"


class Section(models.Model):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=200)
    anchor = models.SlugField(
        max_length=80, blank=True, help_text="Left blank, it is made from the heading."
    )

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["guide", "anchor"], name="section_anchor_unique")
        ]

    def __str__(self) -> str:
        return self.heading

    def get_absolute_url(self) -> str:
        return f"{self.guide.get_absolute_url()}#{self.anchor}"

    def normalize_text(self) -> None:
        """The editor's text as it is stored (an import compares after it)."""
        self.heading = self.heading.strip()


class Block(models.Model):
    """One block of a section; what its kind does is the kind's class (articles.blocks)."""

    class Style(models.TextChoices):
        NONE = "", "-"
        NOTE = "note", "Note"
        TIP = "tip", "Tip"
        IMPORTANT = "important", "Important"
        WARNING = "warning", "Warning"
        CAUTION = "caution", "Caution"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveSmallIntegerField(default=0)
    # A registered kind's name (articles.blocks.registry); the choices are read when asked for,
    # so a new kind needs no migration.
    kind = models.CharField(max_length=12, choices=block_kinds, default="paragraph")
    text = models.TextField(
        help_text=(
            "Paragraph, quote, callout or subheading: text with inline Markdown (*emphasis*, "
            "`code`, [links](url)); a callout's paragraphs are separated by a blank line. "
            "Checklist: one item per line. List: Markdown list lines ('- item', '1. item', "
            "nested by two spaces). Phrase or data table: first line the column labels, then one "
            "row per line, cells separated by ' | '. Code: the code. Image: its alt text."
        )
    )
    attribution = models.CharField(max_length=200, blank=True, help_text="Pull quotes only.")
    language = models.CharField(
        max_length=40, blank=True, help_text="Code only: python, sql, bash... (blank: plain text)."
    )
    caption = models.CharField(
        max_length=300, blank=True, help_text="Code: its title line. Image: its caption."
    )
    runnable = models.BooleanField(
        default=False, help_text="Code only: the test suite runs it (the demo guides' Python)."
    )
    style = models.CharField(
        max_length=12, choices=Style.choices, blank=True, help_text="Callouts only."
    )
    # RESTRICT: an image in use cannot be deleted on its own, but goes with its guide.
    image = models.ForeignKey(
        "GuideImage", null=True, blank=True, on_delete=models.RESTRICT, related_name="blocks"
    )

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position}"

    @property
    def kind_class(self) -> BlockKind:
        """The block's kind. A kind this release does not know (a release rolled back after an
        editor used a kind it added) is read as a paragraph of the block's text, so the guide is
        still served and can still be edited; the editor can then choose a kind again."""
        if self.kind in registry:
            return registry.get(self.kind)
        logger.warning("block %s has the unknown kind %r: shown as a paragraph", self.pk, self.kind)
        return registry.get("paragraph")

    @property
    def items(self) -> list[str]:
        """The text's non-blank lines, stripped."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]

    def normalize_text(self) -> None:
        """The editor's text as it is stored, as its kind keeps it (a form's clean and
        articles.services.block_save do this; an import compares after it)."""
        self.text = self.kind_class.normalize(normalize_newlines(self.text))
        self.attribution = self.attribution.strip()
        self.caption = " ".join(self.caption.split())
        self.language = self.language.strip().lower()

    def item_texts(self) -> list[tuple[str, str]]:
        """(text, answer) of each item readers work with, as its kind yields them (checklist
        lines, phrase-table rows); articles.services.block_save keeps the Item rows in step."""
        return self.kind_class.study_items(self)

    def clean(self) -> None:
        if self.kind not in registry:
            return  # the kind field's own validation says so
        self.normalize_text()
        if not self.text.strip():
            raise ValidationError({"text": "A block needs text."})
        kind = self.kind_class
        errors = kind.clean(self)
        if errors:
            raise ValidationError(errors)
        if self.attribution and "attribution" not in kind.fields:
            raise ValidationError({"attribution": f"A {kind.label.lower()} has no attribution."})
        if not kind.checked_as_markdown:
            return
        problem = check_block(
            BlockData(
                kind=self.kind,
                text=self.text,
                attribution=self.attribution,
                language=self.language,
                caption=self.caption,
                style=self.style,
                runnable=self.runnable,
            )
        )
        if problem:
            raise ValidationError({"text": problem})


class Revision(models.Model):
    """The whole of an item of content (a guide, a problem) as Markdown, as one save left it:
    every save that changes it (the Markdown editor, the admin's forms, an import, a restore)
    stores one, numbered 1, 2, 3... per item, so nothing an editor saved is ever lost; any
    revision can be restored, which stores a new one (articles.revisions)."""

    class Source(models.TextChoices):
        EDITOR = "editor", "Markdown editor"
        FORM = "form", "Admin forms"
        IMPORT = "import", "Import"
        RESTORE = "restore", "Restore"

    number = models.PositiveIntegerField()
    markdown = models.TextField()
    source = models.CharField(max_length=10, choices=Source.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class GuideRevision(Revision):
    """The whole guide as Markdown, as one save left it (Revision)."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="revisions")

    class Meta:
        ordering = ("guide", "-number")
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="guide_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guide_id} r{self.number}"


def image_path(image: GuideImage, filename: str) -> str:
    """Where a guide's image files live in storage: named by the guide and the content."""
    return f"guides/{image.guide_id}/{filename}"


class GuideImage(models.Model):
    """An image or diagram of a guide, named in its Markdown as `images/<name>`: the original as
    uploaded and WebP renditions at 1x and 2x the article column's width (made with Pillow by
    `articles.images`), stored through Django's storage API (the filesystem under MEDIA_ROOT, or
    a bucket). Served by `reader.views.guide_image`, which asks billing.entitlements whenever
    the image is in a section a visitor does not see."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=120, help_text="The file name in the guide's Markdown.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the original file.")
    original = models.FileField(upload_to=image_path, max_length=255)
    webp = models.FileField(upload_to=image_path, max_length=255)
    webp_2x = models.FileField(upload_to=image_path, max_length=255)
    # The 1x rendition's size in CSS pixels: the page reserves it, so nothing shifts.
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["guide", "name"], name="guide_image_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def markdown_path(self) -> str:
        return f"images/{self.name}"

    def url(self, variant: str, *, public: bool | None = None) -> str:
        """The address of the original or a rendition. The digest in it changes with the file, and
        the access segment (`p`: everyone may see it, `r`: only who may read the guide) with the
        image's access, so a public image can be cached for a year: once it is no longer public,
        pages name another address than the one shared caches keep. `public` is the image's
        access when the caller knows it (the rendering does); otherwise it is looked up."""
        if public is None:
            # Imported here: articles.images imports these models.
            from .images import image_is_public

            public = image_is_public(self)
        return reverse(
            "reader:guide_image",
            kwargs={
                "pk": self.pk,
                "digest": self.digest[:16],
                "access": image_access(public),
                "variant": variant,
            },
        )


def image_access(public: bool) -> str:
    """The access segment of an image's address (GuideImage.url)."""
    return "p" if public else "r"


def normalize_newlines(text: str) -> str:
    """Browsers submit textareas with CRLF; store LF only."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Item(models.Model):
    """One checklist item or one phrase-table row: what a reader ticks, or drills as a card
    (what its block's kind yields). Kept in step with its block's text by
    articles.services.block_save, matched line by line, so an edited line keeps its id (and the
    ticks and drill schedules that hang on it) and a deleted line takes them with it."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="item_rows")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.text
