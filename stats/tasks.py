"""The dashboard's periodic work (beat: see CELERY_BEAT_SCHEDULE). A task imports its service
inside its body, as billing.tasks do."""

from __future__ import annotations

from celery import shared_task


@shared_task
def fold_counts() -> int:
    """Fold the guide view counters waiting in Redis into GuideDay rows; how many views. Beat
    sends it every minute; what a failed fold left is finished by the next one, each batch
    added once (see stats.counting)."""
    from .counting import fold

    return fold()
