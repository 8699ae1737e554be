"""Cache invalidation next to the models: any write of content, from the admin, a shell, a
command or a data migration's real models, moves the content version on once it commits, so
cached pages never outlive it. Connected when the app loads (`ArticlesConfig.ready`).

What goes through a queryset's `update()` sends no signal: the services that do that
(`guides_unpublish`, `guide_refresh`) move the version themselves."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Guide, Track
from .services import content_changed


@receiver(post_save, sender=Track, dispatch_uid="articles.track_saved")
@receiver(post_delete, sender=Track, dispatch_uid="articles.track_deleted")
def track_changed(sender: type[Track], instance: Track, **kwargs: Any) -> None:
    # After commit: a request that reads the version first and the rows later can then never
    # file old rows under the new version.
    transaction.on_commit(content_changed)


@receiver(post_delete, sender=Guide, dispatch_uid="articles.guide_deleted")
def guide_deleted(sender: type[Guide], instance: Guide, **kwargs: Any) -> None:
    # A guide's own edits move the version through guide_refresh (which also recomputes its
    # derived fields); a deleted guide has nothing to refresh.
    transaction.on_commit(content_changed)
