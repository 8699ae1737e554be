"""Practice (DESIGN.md, "Practice"): a problem as its Markdown file holds it
(practice.problem_format), the patterns it drills and its revisions; a reader's work on a
problem (their last code, the help they asked for, their solves and the SM-2 schedule that
brings it back); and the diagnostic's results, which name the reader's weak patterns."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles.models import Guide, Pattern, Revision


class ProblemQuerySet(models.QuerySet["Problem"]):
    def published(self) -> ProblemQuerySet:
        """Problems the public may see: published, with a publish time that has come."""
        return self.filter(status=Guide.Status.PUBLISHED, published_at__lte=timezone.now())


class Problem(models.Model):
    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    patterns = models.ManyToManyField(Pattern, blank=True, related_name="problems")
    # The first pattern its front matter names: the one it drills, which the diagnostic asks
    # for and a pattern's page lists it under first.
    pattern = models.ForeignKey(
        Pattern, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_problems"
    )
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

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:problem", kwargs={"slug": self.slug})

    @property
    def is_premium(self) -> bool:
        return self.access == Guide.Access.PREMIUM

    @property
    def is_public(self) -> bool:
        return (
            self.status == Guide.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


class ProblemRevision(Revision):
    """The whole problem as Markdown, as one save left it (articles.models.Revision): every
    import or editor's save that changes the problem stores one."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="revisions")

    class Meta:
        ordering = ("problem", "-number")
        constraints = [
            models.UniqueConstraint(fields=["problem", "number"], name="problem_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} r{self.number}"


class Attempt(models.Model):
    """A reader's work on one problem: the code they last ran (it comes back on any device), the
    help they asked for since their last solve, and, once solved, the SM-2 schedule on which it
    comes back to be re-solved (study.sm2, as phrase cards)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="attempts")
    code = models.TextField(blank=True)
    code_saved_at = models.DateTimeField(null=True, blank=True)
    # Help since the last solve: it grades the next one.
    hints_shown = models.PositiveSmallIntegerField(default=0)
    solution_seen = models.BooleanField(default=False)
    solves = models.PositiveIntegerField(default=0)
    first_solved_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    # SM-2, set at each solve.
    repetitions = models.PositiveIntegerField(default=0)
    interval = models.PositiveIntegerField(default=0, help_text="Days until the next re-solve.")
    ease = models.FloatField(default=2.5)
    lapses = models.PositiveIntegerField(default=0)
    due = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "problem"], name="attempt_once"),
        ]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.problem_id}"

    def is_due(self, today: dt.date) -> bool:
        return self.due is not None and self.due <= today


class Solve(models.Model):
    """One solve, as the reader's browser reported it (every case passed): the code and the help
    it took. Self-reported: the server never runs a reader's code."""

    class Grade(models.TextChoices):
        # SM-2's buttons (study.sm2.QUALITY): no help, hints, the solution read.
        EASY = "easy", "Solved without help"
        HARD = "hard", "Solved with hints"
        AGAIN = "again", "Solved after reading the solution"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="solve_records")
    code = models.TextField()
    hints_shown = models.PositiveSmallIntegerField(default=0)
    solution_seen = models.BooleanField(default=False)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    solved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-solved_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} solved {self.problem_id}"


class Diagnostic(models.Model):
    """One taking of the diagnostic: twelve statements, one per pattern, each answered with the
    pattern the reader would use. The weak-set is the latest finished one's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The weak patterns' slugs, slowest first (at most three), set when it finishes.
    weak_patterns = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["user", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} diagnostic {self.started_at:%Y-%m-%d}"


class DiagnosticAnswer(models.Model):
    """One statement of a diagnostic: the pattern asked for, when it was shown, and the reader's
    answer (a pattern, or "not sure": None) and how long it took."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="+")
    pattern = models.ForeignKey(Pattern, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.ForeignKey(
        Pattern, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("position",)
        constraints = [
            models.UniqueConstraint(fields=["diagnostic", "position"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id} #{self.position}"

    @property
    def correct(self) -> bool:
        return self.answer_id == self.pattern_id
