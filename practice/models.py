"""A practice problem: its statement, hints, walk-through and code, as its Markdown file holds
them (practice.problem_format), and the patterns it drills."""

from __future__ import annotations

from django.db import models

from articles.models import Guide, Pattern


class Problem(models.Model):
    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    patterns = models.ManyToManyField(Pattern, blank=True, related_name="problems")
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    # A guide's: what a visitor may see of it, and whether it is out.
    access = models.CharField(
        max_length=10, choices=Guide.Access.choices, default=Guide.Access.FREE
    )
    status = models.CharField(
        max_length=10, choices=Guide.Status.choices, default=Guide.Status.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    time_limit_seconds = models.PositiveSmallIntegerField(default=5)
    statement = models.TextField(help_text="Markdown, in the rich blocks of a guide.")
    hints = models.JSONField(default=list, help_text="Each hint's text, in order.")
    walkthrough = models.TextField()
    # The code blocks by kind: solution, starter, tests and (optionally) hidden-tests.
    code = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title
