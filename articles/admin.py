"""Editors' admin: tracks, guides with their sections inline, each section's blocks on its own
page; publish/unpublish, a draft preview, Markdown import and export."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html

from accounts.requests import signed_in_user
from mailings.services import guide_announce

from .admin_editor import GuideEditorViews
from .archives import MAX_MEMBER_BYTES, MAX_ZIP_BYTES
from .editor import latest_revision, saved_since
from .markdown import unique_anchor
from .models import Block, Guide, GuideImage, Pattern, Section, Track
from .services import (
    GuideImportError,
    GuideSource,
    block_save,
    guide_refresh,
    guide_save,
    guide_zip,
    guides_import,
    guides_publish,
    guides_unpublish,
    section_save,
    zip_sources,
)


class StaleCheckedForm(forms.ModelForm):
    """A change form for a guide, or a part of one, that refuses a save when the guide was saved
    since the form was opened, as the Markdown editor does: the form carries the revision it was
    opened at, and the save is checked as the editor's is (articles.editor.saved_since, with the
    guide's row locked: the admin's change view is one transaction)."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def _guide(self) -> Guide | None:
        raise NotImplementedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guide = self._guide()
        if guide is not None and not self.is_bound:
            self.initial["base_revision"] = latest_revision(guide).number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        guide = self._guide()
        base = cleaned.get("base_revision")
        if guide is None or base is None:
            return cleaned
        latest = saved_since(guide, base)
        if latest is not None:
            who = latest.author.email if latest.author else "an import or a script"
            raise forms.ValidationError(
                f"“{guide.title}” was saved since you opened this page (revision "
                f"{latest.number}, by {who}, {latest.created_at:%d %b %Y %H:%M} UTC). Nothing "
                "was saved: copy your changes, open the guide again, and make them there."
            )
        return cleaned


class GuideForm(StaleCheckedForm):
    class Meta:
        model = Guide
        fields = (
            "track",
            "title",
            "slug",
            "dek",
            "intro",
            "access",
            "preview_sections",
            "status",
            "published_at",
        )

    def _guide(self) -> Guide | None:
        return self.instance if self.instance.pk else None


class SectionForm(StaleCheckedForm):
    class Meta:
        model = Section
        fields = ("position", "heading", "anchor")

    def _guide(self) -> Guide | None:
        return self.instance.guide if self.instance.pk else None


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    # Saves and deletes move the content version on by themselves (articles.receivers).
    list_display = ("title", "slug", "position")
    list_editable = ("position",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


def save_rows(formset: forms.BaseModelFormSet, save: Callable[[Any], object]) -> None:
    """An inline formset's rows written through a service (`save`), not Model.save: the
    deleted rows go, each changed or new row is saved by `save`, then the many-to-many."""
    rows = formset.save(commit=False)
    for gone in formset.deleted_objects:
        gone.delete()
    for row in rows:
        save(row)
    formset.save_m2m()


@admin.register(Pattern)
class PatternAdmin(admin.ModelAdmin):
    # Saves and deletes retire the cached pages by themselves (articles.receivers).
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class SectionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        # Blank anchors are made from headings here, before the formset checks that anchors are
        # unique: otherwise two new sections with blank anchors would clash with each other.
        forms_data = [f.cleaned_data for f in self.forms if getattr(f, "cleaned_data", None)]
        taken = {data["anchor"] for data in forms_data if data.get("anchor")}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if data and data.get("heading") and not data.get("anchor") and not data.get("DELETE"):
                anchor = unique_anchor(data["heading"], taken)
                taken.add(anchor)
                data["anchor"] = form.instance.anchor = anchor
        super().clean()


class SectionInline(admin.TabularInline):
    model = Section
    formset = SectionFormSet
    fields = ("position", "heading", "anchor", "edit_blocks")
    readonly_fields = ("edit_blocks",)
    extra = 1
    ordering = ("position", "id")

    @admin.display(description="Blocks")
    def edit_blocks(self, obj: Section) -> str:
        if not obj.pk:
            return "Save to add blocks"
        url = reverse("admin:articles_section_change", args=[obj.pk])
        count = obj.blocks.count()
        return format_html(
            '<a href="{}">Edit {} block{}</a>', url, count, "" if count == 1 else "s"
        )


class BlockInline(admin.StackedInline):
    model = Block
    fields = (
        ("position", "kind"),
        "text",
        "attribution",
        ("language", "runnable"),
        "caption",
        "style",
        "image",
    )
    extra = 1
    ordering = ("position", "id")

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        # An image block shows one of its own guide's images (uploaded in the Markdown editor).
        if db_field.name == "image":
            match = request.resolver_match
            section_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = GuideImage.objects.filter(guide__sections__pk=section_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    formfield_overrides = {
        # Monospace makes phrase-table pipes and checklist lines easy to line up.
        Block._meta.get_field("text").__class__: {
            "widget": forms.Textarea(
                attrs={"rows": 5, "cols": 90, "style": "font-family: monospace"}
            )
        }
    }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


# An upload is refused before it is read: a zip at most what its files may hold unpacked, a
# Markdown file at most what one file of a zip may (articles.archives).
MAX_ZIP_UPLOAD = MAX_ZIP_BYTES
MAX_MARKDOWN_UPLOAD = MAX_MEMBER_BYTES


class ImportForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment] # the form's field, not request.FILES
        label="Markdown files or zips",
        widget=MultipleFileInput(attrs={"accept": ".md,.zip,text/markdown,application/zip"}),
        help_text=(
            "One or more .md guides with front matter, or zips of guides with their images. "
            "All import, or none."
        ),
    )
    force = forms.BooleanField(
        required=False,
        label="Replace guides changed since their last import",
        help_text="Without this, a guide edited here since it was imported is left alone.",
    )

    def clean_files(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["files"]
        too_big = []
        for upload in files:
            name = upload.name or "upload"
            limit = MAX_ZIP_UPLOAD if name.endswith(".zip") else MAX_MARKDOWN_UPLOAD
            if (upload.size or 0) > limit:
                too_big.append(
                    f"'{name}' is larger than {limit // 2**20} MB; nothing was imported."
                )
        if too_big:
            raise forms.ValidationError(too_big)
        return files


@admin.register(Guide)
class GuideAdmin(GuideEditorViews, admin.ModelAdmin):
    form = GuideForm
    # Few and narrow enough columns that every one fits beside the filters on a 1,280 px
    # screen; the word count and reading time are on each guide's page.
    list_display = ("title", "track", "status_label", "access", "published")
    list_filter = ("status", "access", "track", ("published_at", admin.DateFieldListFilter))
    search_fields = ("title", "slug", "dek")
    date_hierarchy = "published_at"
    list_select_related = ("track",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("word_count", "read_minutes", "updated_at", "preview_link")
    inlines = [SectionInline]
    actions = [
        "publish",
        "unpublish",
        "announce_to_subscribers",
        "announce_to_members",
        "export_markdown",
    ]
    fieldsets = (
        (None, {"fields": ("track", "patterns", "title", "slug", "dek", "intro", "base_revision")}),
        ("Access", {"fields": ("access", "preview_sections")}),
        ("Publishing", {"fields": ("status", "published_at", "preview_link")}),
        ("Derived", {"fields": ("word_count", "read_minutes", "updated_at")}),
    )
    change_list_template = "admin/articles/guide/change_list.html"
    change_form_template = "admin/articles/guide/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The Markdown editor and the revisions lead the page, in its object tools.
        if object_id.isdigit():
            extra_context = {
                **(extra_context or {}),
                "markdown_url": self.editor_url("markdown", object_id),
                "revisions_url": self.editor_url("revisions", object_id),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Published", ordering="published_at")
    def published(self, obj: Guide) -> str:
        return date_format(obj.published_at, "j M Y") if obj.published_at else "–"

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj: Guide) -> str:
        if obj.is_scheduled:
            return "Scheduled"
        return obj.get_status_display()

    @admin.display(description="Preview")
    def preview_link(self, obj: Guide) -> str:
        if not obj.pk:
            return "Save first"
        url = reverse("reader:guide_preview", args=[obj.slug])
        export = reverse("admin:articles_guide_export", args=[obj.pk])
        # Edit as Markdown and Revisions lead the page (its object tools), not repeated here.
        return format_html(
            '<a href="{}" target="_blank">Preview as a subscriber</a> · '
            '<a href="{}?as=visitor" target="_blank">as a visitor</a> · '
            '<a href="{}">Export</a>',
            url,
            url,
            export,
        )

    def save_model(self, request: HttpRequest, obj: Guide, form, change: bool) -> None:
        guide_save(guide=obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # The sections, each through section_save (which makes a blank anchor).
        save_rows(formset, lambda section: section_save(section=section))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        guide_refresh(guide=form.instance, author=signed_in_user(request))

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_guide_import",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="articles_guide_export",
            ),
            *self.editor_urls(),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return HttpResponse(status=403)
        errors: list[str] = []
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            files: list[GuideSource] = []
            for upload in request.FILES.getlist("files"):
                name = upload.name or "upload.md"
                try:
                    if name.endswith(".zip"):
                        files += zip_sources(name, upload)  # read from its file, not held whole
                    else:
                        files.append(GuideSource(name, upload.read().decode("utf-8")))
                except UnicodeDecodeError:
                    errors.append(f"{name}: not a UTF-8 text file")
                except GuideImportError as exc:
                    errors += exc.errors
            if not errors:
                try:
                    guides = guides_import(
                        files, force=form.cleaned_data["force"], author=signed_in_user(request)
                    )
                except GuideImportError as exc:
                    errors = exc.errors
                else:
                    names = ", ".join(g.title for g in guides)
                    self.message_user(
                        request, f"Imported {len(guides)} guide(s): {names}", messages.SUCCESS
                    )
                    return HttpResponseRedirect(reverse("admin:articles_guide_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import guides from Markdown",
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return render(
            request,
            "admin/articles/guide/import.html",
            context,
            status=400 if errors or form.errors else 200,
        )

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        guide = get_object_or_404(Guide.objects.select_related("track"), pk=pk)
        name, content = guide_zip(guide=guide)
        kind = "application/zip" if name.endswith(".zip") else "text/markdown; charset=utf-8"
        response = HttpResponse(content, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    # Django checks an action's permission only when the action declares one; without it any
    # staff user who may view the list could run it.
    @admin.action(
        description="Publish selected guides now (keeps a future publish time)",
        permissions=["change"],
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[Guide]) -> None:
        count = guides_publish(queryset, author=signed_in_user(request))
        self.message_user(request, f"Published {count} guide(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected guides (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Guide]) -> None:
        count = guides_unpublish(queryset, author=signed_in_user(request))
        self.message_user(request, f"Unpublished {count} guide(s).", messages.SUCCESS)

    def _announce(self, request: HttpRequest, queryset: QuerySet[Guide], to: str) -> None:
        for guide in queryset:
            try:
                campaign, added = guide_announce(guide=guide, to=to, by=signed_in_user(request))
            except ValueError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            url = reverse("admin:mailings_campaign_change", args=[campaign.pk])
            text = (
                f"Announcing “{guide.title}” to {added:,} reader(s)."
                if added
                else f"“{guide.title}” was announced to them already: nothing new to send."
            )
            self.message_user(
                request,
                format_html('{} <a href="{}">Watch it go out</a>', text, url),
                messages.SUCCESS,
            )

    @admin.action(
        description="Announce by email to readers with premium access", permissions=["change"]
    )
    def announce_to_subscribers(self, request: HttpRequest, queryset: QuerySet[Guide]) -> None:
        self._announce(request, queryset, "subscribers")

    @admin.action(description="Announce by email to every member", permissions=["change"])
    def announce_to_members(self, request: HttpRequest, queryset: QuerySet[Guide]) -> None:
        self._announce(request, queryset, "members")

    @admin.action(description="Export selected guides as Markdown", permissions=["view"])
    def export_markdown(self, request: HttpRequest, queryset: QuerySet[Guide]) -> HttpResponse:
        guides = list(queryset.select_related("track"))
        if len(guides) == 1:
            return self.export_view(request, guides[0].pk)
        # One file per guide (a folder of its own for a guide with images), so each imports back
        # on its own, or all at once from the zip.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for guide in guides:
                name, content = guide_zip(guide=guide)
                if not name.endswith(".zip"):
                    archive.writestr(name, content)
                    continue
                with zipfile.ZipFile(io.BytesIO(content)) as own:
                    for member in own.namelist():
                        archive.writestr(f"{guide.slug}/{member}", own.read(member))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="guides.zip"'
        return response


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    """Reached from a guide's section list; edits one section's ordered blocks."""

    form = SectionForm
    fields = ("guide", "position", "heading", "anchor", "base_revision")
    readonly_fields = ("guide",)
    inlines = [BlockInline]
    list_display = ("heading", "guide", "position")
    list_select_related = ("guide",)
    search_fields = ("heading", "guide__title")

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Sections are edited from their guide; a top-level list would only confuse.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Section, form, change: bool) -> None:
        section_save(section=obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # The blocks, each through block_save, which keeps its items (ticks, drill cards) in step.
        save_rows(formset, lambda block: block_save(block=block))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        guide_refresh(guide=form.instance.guide, author=signed_in_user(request))

    def delete_model(self, request: HttpRequest, obj: Section) -> None:
        guide = obj.guide
        super().delete_model(request, obj)
        guide_refresh(guide=guide, author=signed_in_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Section]) -> None:
        guides = {section.guide for section in queryset.select_related("guide")}
        super().delete_queryset(request, queryset)
        for guide in guides:
            guide_refresh(guide=guide, author=signed_in_user(request))

    def response_change(self, request: HttpRequest, obj: Section) -> HttpResponse:
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            return HttpResponseRedirect(reverse("admin:articles_guide_change", args=[obj.guide_id]))
        return super().response_change(request, obj)
