"""Problems in the admin: found and read here; written as Markdown (manage.py import_problems)."""

from __future__ import annotations

from django.contrib import admin

from .models import Problem


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("title", "difficulty", "access", "status", "published_at")
    list_filter = ("difficulty", "access", "status", "patterns")
    search_fields = ("title", "slug")
    filter_horizontal = ("patterns",)
