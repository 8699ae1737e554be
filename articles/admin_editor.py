"""The admin's pages for editing an item of content as one Markdown document: the editor with
its live preview, and the revisions with diff and restore. MarkdownEditorViews is what every
such item shares (the page, the stale-edit rule, the revisions); GuideEditorViews is a guide's
(articles.editor does its work; it adds image uploads), mixed into GuideAdmin.
practice.admin mixes the same views into ProblemAdmin."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from accounts.models import User
from accounts.requests import signed_in_user
from reader.guide_page import guide_page, guide_shell, serve_guide

from .editor import (
    editor_check,
    guide_save_markdown,
    image_upload,
    insert_block,
    latest_revision,
    markdown_preview,
    revision_restore,
)
from .images import MAX_BYTES
from .models import Guide, GuideRevision, Revision
from .revisions import StaleEdit, item_lock, revision_diff
from .services import GuideImportError, guide_markdown

# The preview is shown in a frame of the editor's own page, and only there.
PREVIEW_CSP = cast(
    "dict[str, list[str] | str]", {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}
)
# The editor's page: CodeMirror (frontend/markdown-editor.js) puts its styles in a <style>
# element carrying the page's nonce.
EDITOR_CSP = cast(
    "dict[str, list[str] | str]",
    {
        **settings.SECURE_CSP,
        "style-src": [*cast(list[str], settings.SECURE_CSP["style-src"]), CSP.NONCE],
    },
)
MAX_TEXT = 1_000_000
BY_LINE_RE = re.compile(r"line (\d+): (.*)", re.DOTALL)
NUMBER_RE = re.compile(r"[0-9]{1,9}")
EDITOR_TEMPLATES = "admin/editor"


def number(value: str) -> int | None:
    """A posted revision or line number (ASCII digits, of a sensible size), or None: a value
    a browser would never send (say "²", or 5,000 digits) is no number, never a 500."""
    return int(value) if NUMBER_RE.fullmatch(value) else None


def posted_text(data: Any) -> str:
    """The posted Markdown with the line endings the editor counts lines by: browsers post a
    text box's lines ending in CRLF."""
    return data.get("markdown", "").replace("\r\n", "\n").replace("\r", "\n")


def by_line(notes: list[str]) -> list[tuple[int | None, str]]:
    """Errors or warnings ("line N: what") as (N, what), for links that take the editor to the
    line; (None, the note) for one that names no line."""
    items: list[tuple[int | None, str]] = []
    for note in notes:
        match = BY_LINE_RE.fullmatch(note)
        items.append((int(match[1]), match[2]) if match else (None, note))
    return items


class MarkdownEditorViews:
    """Views for a ModelAdmin of an item kept as Markdown with revisions: `editor_urls()` goes
    into its get_urls(). The item's own work is in the `editor_*` hooks below; the pages are
    `markdown.html`, `revisions.html` and `preview_errors.html` of `editor_templates` when it
    has them (a page of its own extends the layout of the same name), otherwise the layouts in
    templates/admin/editor/."""

    admin_site: Any
    model: type[models.Model]
    has_add_permission: Any
    has_change_permission: Any
    has_view_permission: Any
    log_addition: Any
    log_change: Any

    # What the pages call the item ("guide"), and where its templates are.
    editor_noun = "item"
    editor_templates = EDITOR_TEMPLATES

    # --- The item's own work -------------------------------------------------------------------

    def editor_object(self, pk: int) -> Any:
        return get_object_or_404(self.model, pk=pk)

    def editor_text(self, item: Any) -> str:
        """The item as the editor shows it and its revisions keep it."""
        raise NotImplementedError

    def editor_revisions(self, item: Any) -> models.Manager[Any]:
        return item.revisions

    def editor_latest(self, item: Any) -> Revision:
        """The item's latest revision (made now from what is stored when it has none)."""
        raise NotImplementedError

    def editor_save(
        self, item: Any | None, text: str, author: User | None, base: int | None
    ) -> Any:
        """Save the text as the item (None: a new item), all of it or nothing: the item, or
        the errors (a list of strings, by line). StaleEdit when `base` is not the latest."""
        raise NotImplementedError

    def editor_restore(self, revision: Any, author: User | None) -> list[str]:
        """Make the item what this revision holds, as a new revision; the errors, if it cannot
        be."""
        raise NotImplementedError

    def editor_preview(
        self, request: HttpRequest, item: Any | None, text: str | None, as_visitor: bool
    ) -> HttpResponse | list[str]:
        """The item's page as it would be with this text (None: as stored), or the errors."""
        raise NotImplementedError

    def editor_warnings(self, item: Any | None, text: str) -> list[str]:
        return []

    def editor_action(
        self, request: HttpRequest, item: Any, context: dict[str, Any]
    ) -> HttpResponse | None:
        """A POST other than a save (a guide's image upload): the page, or None for a save."""
        return None

    def editor_blank(self) -> str:
        """The text a new item starts from (when the admin's "Add" opens the editor)."""
        return ""

    # --- The pages -----------------------------------------------------------------------------

    def _url_name(self, view: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{view}"

    def editor_url(self, view: str, *args: Any) -> str:
        return reverse(f"admin:{self._url_name(view)}", args=args)

    def editor_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        preview = xframe_options_sameorigin(csp_override(PREVIEW_CSP)(self.preview_view))
        return [
            path("<int:pk>/markdown/", wrap(self.markdown_view), name=self._url_name("markdown")),
            path(
                "<int:pk>/markdown/preview/",
                wrap(preview),
                name=self._url_name("markdown_preview"),
            ),
            path(
                "<int:pk>/revisions/", wrap(self.revisions_view), name=self._url_name("revisions")
            ),
            path(
                "<int:pk>/revisions/<int:number>/restore/",
                wrap(self.restore_view),
                name=self._url_name("restore"),
            ),
        ]

    def editor_new_urls(self) -> list[URLPattern]:
        """The preview of a new item's text (its editor is the admin's "Add" page: add_view
        returns `self.markdown_view(request)`)."""
        preview = xframe_options_sameorigin(csp_override(PREVIEW_CSP)(self.preview_view))
        return [
            path(
                "markdown/preview/",
                self.admin_site.admin_view(preview),
                name=self._url_name("new_preview"),
            )
        ]

    def _item(self, request: HttpRequest, pk: int | None, *, change: bool) -> tuple[bool, Any]:
        """(allowed, item): whether this user may change (`change`) or view the item, and the
        item; for no pk (a new item), whether they may add one, and None."""
        if pk is None:
            return self.has_add_permission(request), None
        item = self.editor_object(pk)
        allowed = (
            self.has_change_permission(request, item)
            if change
            else self.has_view_permission(request, item)
        )
        return allowed, item

    def _templates(self, page: str) -> list[str]:
        return [f"{self.editor_templates}/{page}", f"{EDITOR_TEMPLATES}/{page}"]

    def markdown_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        """GET: the item's Markdown. POST: save it, or (`editor_action`) something else; either
        way, on any problem the page comes back with the editor's text as they typed it, and
        nothing is saved. Without pk, the same for a new item."""
        allowed, item = self._item(request, pk, change=True)
        if not allowed:
            return HttpResponse(status=403)
        context: dict[str, Any] = {"errors": [], "warnings": [], "stale": None}
        if request.method != "POST":
            if item is None:
                context |= {"base": "", "text": self.editor_blank()}
                return self._editor(request, item, context)
            with transaction.atomic():  # the text and its revision number, read together
                item_lock(item)
                context |= {
                    "base": self.editor_latest(item).number,
                    "text": self.editor_text(item),
                }
            return self._editor(request, item, context)
        text = posted_text(request.POST)
        if len(text) > MAX_TEXT:
            context |= {"text": text[:MAX_TEXT], "base": request.POST.get("base", "")}
            context["errors"] = [
                f"The text is longer than {MAX_TEXT:,} characters; nothing was saved."
            ]
            return self._editor(request, item, context, status=400)
        base = request.POST.get("base", "")
        context |= {"text": text, "base": base}
        if item is not None and (page := self.editor_action(request, item, context)):
            return page
        try:
            saved = self.editor_save(item, text, signed_in_user(request), number(base))
        except StaleEdit as exc:
            context["stale"] = exc.latest
            context["stale_diff"] = self._stale_diff(item, base, exc.latest)
        else:
            if isinstance(saved, list):
                context["errors"] = saved
            else:
                self._log(request, saved, added=item is None)
                verb = "Saved" if item is not None else "Created"
                messages.success(request, f"{verb} “{saved}” as a new revision.")
                return HttpResponseRedirect(self.editor_url("markdown", saved.pk))
        return self._editor(request, item, context, status=409 if context["stale"] else 400)

    def _stale_diff(self, item: Any, base: str, latest: Revision) -> list[tuple[str, str]] | None:
        """What was saved since the editor opened the item (revision `base` to the latest), for
        the panel beside the kept text; None when that revision is not known."""
        opened = number(base)
        older = (
            self.editor_revisions(item).filter(number=opened).first()
            if opened is not None
            else None
        )
        return revision_diff(older.markdown, latest.markdown) if older else None

    def _log(
        self, request: HttpRequest, item: Any, *, added: bool = False, restored: int = 0
    ) -> None:
        """Record the save in the admin's History and Recent actions, as the admin's own forms
        do, naming the revision it made."""
        number = self.editor_latest(item).number
        if restored:
            message = f"Restored revision {restored} as revision {number}."
        else:
            message = f"{'Created' if added else 'Saved'} as Markdown (revision {number})."
        if added:
            self.log_addition(request, item, message)
        else:
            self.log_change(request, item, message)

    def _editor(
        self, request: HttpRequest, item: Any | None, context: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        if context["text"] and not context["errors"] and not context["stale"]:
            context["warnings"] = self.editor_warnings(item, context["text"])
        opts = self.model._meta
        context |= {
            **self.admin_site.each_context(request),
            # The text shown is the one posted, not what is saved: the script warns before
            # leaving it and previews it rather than the stored item.
            "kept": request.method == "POST",
            "error_lines": by_line(context["errors"]),
            "title": (
                f"Edit “{item}” as Markdown"
                if item is not None
                else f"Add {opts.verbose_name} as Markdown"
            ),
            "item": item,
            self.editor_noun: item,
            "noun": self.editor_noun,
            "opts": opts,
            "markdown_url": (
                self.editor_url("markdown", item.pk)
                if item is not None
                else reverse(f"admin:{self._url_name('add')}")
            ),
            "preview_url": (
                self.editor_url("markdown_preview", item.pk)
                if item is not None
                else self.editor_url("new_preview")
            ),
            "revisions_url": self.editor_url("revisions", item.pk) if item is not None else "",
        }
        response = render(request, self._templates("markdown.html"), context, status=status)
        response._csp_config = EDITOR_CSP  # type: ignore[attr-defined]  # as csp_override does
        return response

    def preview_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        """The item's page as it would be with the posted text (GET: as stored), for a reader
        with access or (`as=visitor`) a visitor; the errors by line when the text cannot be."""
        allowed, item = self._item(request, pk, change=True)
        if not allowed:
            return HttpResponse(status=403)
        data = request.POST if request.method == "POST" else request.GET
        text = posted_text(data) if request.method == "POST" and "markdown" in data else None
        if item is None and text is None:
            text = self.editor_blank()
        result = self.editor_preview(
            request, item, None if text is None else text[:MAX_TEXT], data.get("as") == "visitor"
        )
        if isinstance(result, list):
            result = render(
                request,
                self._templates("preview_errors.html"),
                {"error_lines": by_line(result), "noun": self.editor_noun},
                status=400,
            )
        result["X-Robots-Tag"] = "noindex"
        return result

    def revisions_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every revision, newest first; `?a=N&b=M` shows what changed from N to M."""
        allowed, item = self._item(request, pk, change=False)
        if not allowed:
            return HttpResponse(status=403)
        self.editor_latest(item)
        revisions = list(self.editor_revisions(item).select_related("author").order_by("-number"))
        by_number = {r.number: r for r in revisions}
        a, b = request.GET.get("a", ""), request.GET.get("b", "")
        diff = None
        older = newer = None
        a_number, b_number = number(a), number(b)
        if a_number in by_number and b_number in by_number:
            older, newer = by_number[a_number], by_number[b_number]
            diff = revision_diff(older.markdown, newer.markdown)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revisions of “{item}”",
            "item": item,
            self.editor_noun: item,
            "noun": self.editor_noun,
            "opts": self.model._meta,
            "revisions": revisions,
            "diff": diff,
            "older": older,
            "newer": newer,
            "can_restore": self.has_change_permission(request, item),
            "markdown_url": self.editor_url("markdown", item.pk),
            "restore_url_name": f"admin:{self._url_name('restore')}",
        }
        return render(request, self._templates("revisions.html"), context)

    def restore_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        allowed, item = self._item(request, pk, change=True)
        if not allowed or request.method != "POST":
            return HttpResponse(status=405 if allowed else 403)
        revision = get_object_or_404(self.editor_revisions(item), number=number)
        errors = self.editor_restore(revision, signed_in_user(request))
        if errors:
            messages.error(request, f"Revision {number} cannot be restored: {'; '.join(errors)}")
        else:
            self._log(request, item, restored=number)
            messages.success(request, f"Restored revision {number} as a new revision.")
        return HttpResponseRedirect(self.editor_url("revisions", item.pk))


class GuideEditorViews(MarkdownEditorViews):
    """A guide's editor: the whole guide (articles.editor), its preview as the guide page for a
    subscriber or a visitor, and its images uploaded beside the text."""

    editor_noun = "guide"
    editor_templates = "admin/articles/guide"

    def editor_object(self, pk: int) -> Guide:
        return get_object_or_404(Guide.objects.select_related("track"), pk=pk)

    def editor_text(self, item: Guide) -> str:
        return guide_markdown(guide=item)

    def editor_latest(self, item: Guide) -> GuideRevision:
        return latest_revision(item)

    def editor_save(
        self, item: Guide | None, text: str, author: User | None, base: int | None
    ) -> Guide | list[str]:
        assert item is not None  # a guide is added in its form, or imported
        try:
            return guide_save_markdown(guide=item, text=text, author=author, base=base)
        except GuideImportError as exc:
            return exc.errors

    def editor_restore(self, revision: GuideRevision, author: User | None) -> list[str]:
        try:
            revision_restore(revision=revision, author=author)
        except GuideImportError as exc:
            return exc.errors
        return []

    def editor_warnings(self, item: Guide | None, text: str) -> list[str]:
        assert item is not None
        return editor_check(item, text).warnings

    def editor_action(
        self, request: HttpRequest, item: Guide, context: dict[str, Any]
    ) -> HttpResponse | None:
        """Upload an image and insert its Markdown after the line the cursor is on (the
        script sends it as `line`; without it, at the end of the text)."""
        if "upload" not in request.POST:
            return None
        upload = request.FILES.get("image")
        context["alt"] = request.POST.get("alt", "")
        if upload is None:
            context["errors"] = ["Choose an image file to upload."]
        elif upload.size and upload.size > MAX_BYTES:
            context["errors"] = [f"'{upload.name}' is larger than {MAX_BYTES // 2**20} MB."]
        else:
            try:
                image, markdown = image_upload(
                    guide=item,
                    name=upload.name or "image.png",
                    data=upload.read(),
                    alt=context["alt"],
                )
            except GuideImportError as exc:
                context["errors"] = exc.errors
            else:
                line = request.POST.get("line", "")
                context["text"], context["inserted_line"] = insert_block(
                    context["text"], number(line), markdown
                )
                context["uploaded"] = image
                context["alt"] = ""
        return self._editor(request, item, context)

    def editor_preview(
        self, request: HttpRequest, item: Guide | None, text: str | None, as_visitor: bool
    ) -> HttpResponse | list[str]:
        """The guide page for a subscriber or (`as_visitor`) a visitor."""
        assert item is not None

        def page(draft: Guide, warnings: Sequence[str] = ()) -> HttpResponse:
            rendered = guide_page(
                draft, full=not as_visitor, preview=True, cached=False, warnings=warnings
            )
            entry = guide_shell(request, rendered, "visitor" if as_visitor else "staff")
            return serve_guide(request, entry, None)

        if text is None:
            return page(item)
        result = markdown_preview(item, text, page)
        return result if isinstance(result, HttpResponse) else result.errors
