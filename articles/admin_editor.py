"""The admin's pages for editing a guide as one Markdown document (articles.editor does the
work): the editor with its live preview, image uploads, and the revisions with diff and restore.
Mixed into GuideAdmin."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from accounts.requests import signed_in_user
from reader.guide_page import guide_page, guide_shell, serve_guide

from .editor import (
    StaleEdit,
    editor_check,
    guide_save_markdown,
    image_upload,
    latest_revision,
    markdown_preview,
    revision_diff,
    revision_restore,
)
from .images import MAX_BYTES
from .models import Guide, GuideRevision
from .services import GuideImportError, guide_markdown

# The preview is shown in a frame of the editor's own page, and only there.
PREVIEW_CSP = cast(
    "dict[str, list[str] | str]", {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}
)
MAX_TEXT = 1_000_000


class GuideEditorViews:
    """Views for GuideAdmin: `editor_urls()` goes into its get_urls()."""

    admin_site: Any
    has_change_permission: Any
    has_view_permission: Any

    def editor_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        preview = xframe_options_sameorigin(csp_override(PREVIEW_CSP)(self.preview_view))
        return [
            path("<int:pk>/markdown/", wrap(self.markdown_view), name="articles_guide_markdown"),
            path(
                "<int:pk>/markdown/preview/",
                wrap(preview),
                name="articles_guide_markdown_preview",
            ),
            path("<int:pk>/revisions/", wrap(self.revisions_view), name="articles_guide_revisions"),
            path(
                "<int:pk>/revisions/<int:number>/restore/",
                wrap(self.restore_view),
                name="articles_guide_restore",
            ),
        ]

    def _guide(self, request: HttpRequest, pk: int, *, change: bool) -> Guide | None:
        guide = get_object_or_404(Guide.objects.select_related("track"), pk=pk)
        allowed = (
            self.has_change_permission(request, guide)
            if change
            else self.has_view_permission(request, guide)
        )
        return guide if allowed else None

    def markdown_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """GET: the guide's Markdown. POST: save it ("save"), or upload an image and insert its
        Markdown ("upload"); either way, on any problem the page comes back with the editor's
        text as they typed it, and nothing is saved."""
        guide = self._guide(request, pk, change=True)
        if guide is None:
            return HttpResponse(status=403)
        context: dict[str, Any] = {"errors": [], "warnings": [], "stale": None}
        if request.method != "POST":
            with transaction.atomic():  # the text and its revision number, read together
                Guide.objects.select_for_update().filter(pk=guide.pk).first()
                context |= {
                    "base": latest_revision(guide).number,
                    "text": guide_markdown(guide=guide),
                }
            return self._editor(request, guide, context)
        text = request.POST.get("markdown", "")
        if len(text) > MAX_TEXT:
            context |= {"text": text[:MAX_TEXT], "base": request.POST.get("base", "")}
            context["errors"] = [
                f"The text is longer than {MAX_TEXT:,} characters; nothing was saved."
            ]
            return self._editor(request, guide, context, status=400)
        base = request.POST.get("base", "")
        context |= {"text": text, "base": base}
        if "upload" in request.POST:
            upload = request.FILES.get("image")
            if upload is None:
                context["errors"] = ["Choose an image file to upload."]
            elif upload.size and upload.size > MAX_BYTES:
                context["errors"] = [f"'{upload.name}' is larger than {MAX_BYTES // 2**20} MB."]
            else:
                try:
                    image, markdown = image_upload(
                        guide=guide, name=upload.name or "image.png", data=upload.read()
                    )
                except GuideImportError as exc:
                    context["errors"] = exc.errors
                else:
                    context["text"] = f"{text.rstrip()}\n\n{markdown}\n"
                    context["uploaded"] = image
            return self._editor(request, guide, context)
        try:
            guide_save_markdown(
                guide=guide,
                text=text,
                author=signed_in_user(request),
                base=int(base) if base.isdigit() else None,
            )
        except StaleEdit as exc:
            context["stale"] = exc.latest
        except GuideImportError as exc:
            context["errors"] = exc.errors
        else:
            messages.success(request, f"Saved “{guide.title}” as a new revision.")
            return HttpResponseRedirect(reverse("admin:articles_guide_markdown", args=[guide.pk]))
        return self._editor(request, guide, context, status=409 if context["stale"] else 400)

    def _editor(
        self, request: HttpRequest, guide: Guide, context: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        if context["text"] and not context["errors"] and not context["stale"]:
            context["warnings"] = editor_check(guide, context["text"]).warnings
        context |= {
            **self.admin_site.each_context(request),
            "title": f"Edit “{guide.title}” as Markdown",
            "guide": guide,
            "opts": Guide._meta,
            "preview_url": reverse("admin:articles_guide_markdown_preview", args=[guide.pk]),
            "revisions_url": reverse("admin:articles_guide_revisions", args=[guide.pk]),
        }
        return render(request, "admin/articles/guide/markdown.html", context, status=status)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The guide page as it would be with the posted text (GET: as stored), for a subscriber
        or (`as=visitor`) a visitor; the errors by line when the text cannot be a guide."""
        guide = self._guide(request, pk, change=True)
        if guide is None:
            return HttpResponse(status=403)
        data = request.POST if request.method == "POST" else request.GET
        as_visitor = data.get("as") == "visitor"
        text = data.get("markdown") if request.method == "POST" else None

        def page(draft: Guide) -> HttpResponse:
            rendered = guide_page(draft, full=not as_visitor, preview=True, cached=False)
            entry = guide_shell(request, rendered, "visitor" if as_visitor else "staff")
            return serve_guide(request, entry, None)

        if text is None:
            response = page(guide)
        else:
            result = markdown_preview(guide, text[:MAX_TEXT], page)
            if isinstance(result, HttpResponse):
                response = result
            else:
                response = render(
                    request,
                    "admin/articles/guide/preview_errors.html",
                    {"errors": result.errors},
                    status=400,
                )
        response["X-Robots-Tag"] = "noindex"
        return response

    def revisions_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every revision, newest first; `?a=N&b=M` shows what changed from N to M."""
        guide = self._guide(request, pk, change=False)
        if guide is None:
            return HttpResponse(status=403)
        latest_revision(guide)
        revisions = list(guide.revisions.select_related("author").order_by("-number"))
        by_number = {r.number: r for r in revisions}
        a, b = request.GET.get("a", ""), request.GET.get("b", "")
        diff = None
        older = newer = None
        if a.isdigit() and b.isdigit() and int(a) in by_number and int(b) in by_number:
            older, newer = by_number[int(a)], by_number[int(b)]
            diff = revision_diff(older.markdown, newer.markdown)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revisions of “{guide.title}”",
            "guide": guide,
            "opts": Guide._meta,
            "revisions": revisions,
            "diff": diff,
            "older": older,
            "newer": newer,
            "can_restore": self.has_change_permission(request, guide),
        }
        return render(request, "admin/articles/guide/revisions.html", context)

    def restore_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        guide = self._guide(request, pk, change=True)
        if guide is None or request.method != "POST":
            return HttpResponse(status=403 if guide is None else 405)
        revision = get_object_or_404(GuideRevision, guide=guide, number=number)
        try:
            revision_restore(revision=revision, author=signed_in_user(request))
        except GuideImportError as exc:
            messages.error(
                request, f"Revision {number} cannot be restored: {'; '.join(exc.errors)}"
            )
        else:
            messages.success(request, f"Restored revision {number} as a new revision.")
        return HttpResponseRedirect(reverse("admin:articles_guide_revisions", args=[guide.pk]))
