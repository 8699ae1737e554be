"""Cache invalidation next to the models (as articles.receivers): a problem's write retires the
cached pages that show it (its page, its patterns' pages) once it commits. Connected when the app
loads (`PracticeConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from pages.cache import content_changed

from .models import Problem


@receiver(post_save, sender=Problem, dispatch_uid="practice.problem_saved")
@receiver(post_delete, sender=Problem, dispatch_uid="practice.problem_deleted")
@receiver(m2m_changed, sender=Problem.patterns.through, dispatch_uid="practice.patterns_changed")
def problem_changed(sender: type, instance: Problem, **kwargs: Any) -> None:
    content_changed()
