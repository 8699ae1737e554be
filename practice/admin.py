"""Problems in the admin, written as Markdown as guides are (articles.admin_editor): edited as
one document with a live preview, revised (diff and restore), exported, imported from files,
and added by writing a new one; every write is all or nothing, its errors by line, and the
solution is run with CPython against its own tests first (practice.editing). The problem's
change page shows what it is and changes only its address (slug)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from accounts.models import User
from accounts.requests import signed_in_user
from articles.admin import MAX_MARKDOWN_UPLOAD, MultipleFileField, MultipleFileInput
from articles.admin_editor import MarkdownEditorViews

from .editing import (
    Draft,
    latest_revision,
    problem_create_markdown,
    problem_markdown_preview,
    problem_save_markdown,
    revision_restore,
)
from .models import Problem, ProblemRevision
from .rendering import hint_html, solution_html, statement_html
from .services import ProblemImportError, problem_export, problem_rename, problems_import

# What "Add problem" starts from: every part a problem needs, to be filled in.
BLANK = """---
title: "A new problem"
slug: a-new-problem
patterns: [hashing]
difficulty: easy
access: free
status: draft
time_limit_seconds: 5
---
The statement: what the function is given and what it returns, with an example.

```python
solve([1, 2, 3])  # 6
```

## Hints

1. The first hint, shown on request.
2. The next one.

## Solution

The walk-through, shown when the reader asks for it.

```python solution
def solve(nums: list[int]) -> int:
    return sum(nums)
```

```python starter
def solve(nums: list[int]) -> int:
    pass
```

```python tests
assert solve([1, 2, 3]) == 6
```

```python hidden-tests
assert solve([]) == 0
```
"""


class ProblemForm(forms.ModelForm):
    """The one thing the problem's form changes: its address. Everything else is its Markdown."""

    class Meta:
        model = Problem
        fields = ("slug",)
        help_texts = {
            "slug": "The problem's address: /problems/ followed by its slug. Its Markdown names "
            "the same slug; changing it here stores a new revision."
        }


class ProblemImportForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment] # the form's field, not request.FILES
        label="Markdown files",
        widget=MultipleFileInput(attrs={"accept": ".md,text/markdown"}),
        help_text="One or more .md problems with front matter. All import, or none.",
    )
    new_only = forms.BooleanField(
        required=False,
        label="Leave problems that exist as they are",
        help_text="Without this, a problem with the same slug is replaced by its file.",
    )

    def clean_files(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["files"]
        too_big = [
            f"'{upload.name}' is larger than {MAX_MARKDOWN_UPLOAD // 2**20} MB; nothing was "
            "imported."
            for upload in files
            if (upload.size or 0) > MAX_MARKDOWN_UPLOAD
        ]
        if too_big:
            raise forms.ValidationError(too_big)
        return files


@admin.register(Problem)
class ProblemAdmin(MarkdownEditorViews, admin.ModelAdmin):
    form = ProblemForm
    list_display = ("title", "difficulty", "access", "status", "published_at")
    list_filter = ("difficulty", "access", "status", "patterns")
    search_fields = ("title", "slug")
    fields = (
        "slug",
        "title",
        "pattern_list",
        "difficulty",
        "access",
        "status",
        "published_at",
        "time_limit_seconds",
        "hint_count",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields[1:]
    actions = ["export_markdown"]
    change_list_template = "admin/practice/problem/change_list.html"
    change_form_template = "admin/practice/problem/change_form.html"

    editor_noun = "problem"
    editor_templates = "admin/practice/problem"

    @admin.display(description="Patterns")
    def pattern_list(self, obj: Problem) -> str:
        return ", ".join(pattern.name for pattern in obj.patterns.all()) or "—"

    @admin.display(description="Hints")
    def hint_count(self, obj: Problem) -> int:
        return len(obj.hints)

    def save_model(self, request: HttpRequest, obj: Problem, form: Any, change: bool) -> None:
        problem_rename(problem=obj, slug=obj.slug, author=signed_in_user(request))

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """A new problem is written as Markdown, in the editor, from a filled-in example."""
        return self.markdown_view(request)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if object_id.isdigit():
            extra_context = {
                **(extra_context or {}),
                "markdown_url": self.editor_url("markdown", object_id),
                "revisions_url": self.editor_url("revisions", object_id),
                "export_url": self.editor_url("export", object_id),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="practice_problem_import"),
            path("<int:pk>/export/", wrap(self.export_view), name="practice_problem_export"),
            *self.editor_urls(),
            *self.editor_new_urls(),
            *super().get_urls(),
        ]

    # --- The Markdown editor's hooks (articles.admin_editor.MarkdownEditorViews) ---------------

    def editor_object(self, pk: int) -> Problem:
        return get_object_or_404(Problem, pk=pk)

    def editor_text(self, item: Problem) -> str:
        return problem_export(problem=item)

    def editor_latest(self, item: Problem) -> ProblemRevision:
        return latest_revision(item)

    def editor_blank(self) -> str:
        return BLANK

    def editor_save(
        self, item: Problem | None, text: str, author: User | None, base: int | None
    ) -> Problem | list[str]:
        try:
            if item is None:
                return problem_create_markdown(text=text, author=author)
            return problem_save_markdown(problem=item, text=text, author=author, base=base)
        except ProblemImportError as exc:
            return exc.errors

    def editor_restore(self, revision: ProblemRevision, author: User | None) -> list[str]:
        try:
            revision_restore(revision=revision, author=author)
        except ProblemImportError as exc:
            return exc.errors
        return []

    def editor_preview(
        self, request: HttpRequest, item: Problem | None, text: str | None, as_visitor: bool
    ) -> HttpResponse | list[str]:
        """The problem page as a reader with access sees it, with every hint, the walk-through,
        the solution and the code a reader never reads (starter, tests, hidden tests) laid out
        for the editor; or (`as_visitor`) what a visitor sees of it."""
        result = problem_markdown_preview(item, text)
        if not isinstance(result, Draft):
            return result.errors
        problem = result.problem
        full = not (as_visitor and problem.is_premium)
        context = {
            "problem": problem,
            "patterns": result.patterns,
            "as_visitor": as_visitor,
            "full": full,
            "statement": statement_html(problem, full=full),
            "hints": [hint_html(hint) for hint in problem.hints],
            "solution": solution_html(problem),
            "code_blocks": [
                (label, result.data.code[kind])
                for kind, label in (
                    ("starter", "Starter"),
                    ("tests", "Tests (shown to the reader)"),
                    ("hidden-tests", "Hidden tests (run, never shown)"),
                )
                if kind in result.data.code
            ],
        }
        return render(request, "admin/practice/problem/preview.html", context)

    # --- Import and export ---------------------------------------------------------------------

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return HttpResponse(status=403)
        errors: list[str] = []
        form = ProblemImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            files: list[tuple[str, str]] = []
            for upload in request.FILES.getlist("files"):
                name = upload.name or "upload.md"
                try:
                    files.append((name, upload.read().decode("utf-8")))
                except UnicodeDecodeError:
                    errors.append(f"{name}: not a UTF-8 text file")
            if not errors:
                try:
                    problems = problems_import(
                        files,
                        new_only=form.cleaned_data["new_only"],
                        author=signed_in_user(request),
                    )
                except ProblemImportError as exc:
                    errors = exc.errors
                else:
                    names = ", ".join(p.title for p in problems)
                    self.message_user(
                        request,
                        f"Imported {len(problems)} problem(s): {names}",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:practice_problem_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import problems from Markdown",
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return render(
            request,
            "admin/practice/problem/import.html",
            context,
            status=400 if errors or form.errors else 200,
        )

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The problem as its Markdown file, `<slug>.md`: it imports back to the same problem."""
        problem = get_object_or_404(Problem, pk=pk)
        if not self.has_view_permission(request, problem):
            return HttpResponse(status=403)
        response = HttpResponse(
            problem_export(problem=problem), content_type="text/markdown; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{problem.slug}.md"'
        return response

    @admin.action(description="Export selected problems as Markdown", permissions=["view"])
    def export_markdown(self, request: HttpRequest, queryset: QuerySet[Problem]) -> HttpResponse:
        problems = list(queryset)
        if len(problems) == 1:
            return self.export_view(request, problems[0].pk)
        # One file per problem: each imports back on its own, or all at once.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for problem in problems:
                archive.writestr(f"{problem.slug}.md", problem_export(problem=problem))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="problems.zip"'
        return response
