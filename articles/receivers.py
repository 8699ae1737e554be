"""Cache invalidation next to the models: any write of content, from the admin, a shell, a
command or a data migration's real models, retires the cached pages (pages.cache) once it
commits. Connected when the app loads (`ArticlesConfig.ready`).

What goes through a queryset's `update()` sends no signal: the services that do that
(`guides_unpublish`, `guide_refresh`) retire the pages themselves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from pages.cache import content_changed

from .models import Guide, Pattern, Track


@receiver(post_save, sender=Track, dispatch_uid="articles.track_saved")
@receiver(post_delete, sender=Track, dispatch_uid="articles.track_deleted")
@receiver(post_save, sender=Pattern, dispatch_uid="articles.pattern_saved")
@receiver(post_delete, sender=Pattern, dispatch_uid="articles.pattern_deleted")
def reference_changed(
    sender: type[Track | Pattern], instance: Track | Pattern, **kwargs: Any
) -> None:
    content_changed()


@receiver(post_delete, sender=Guide, dispatch_uid="articles.guide_deleted")
def guide_deleted(sender: type[Guide], instance: Guide, **kwargs: Any) -> None:
    # A guide's own edits retire the pages through guide_refresh (which also recomputes its
    # derived fields); a deleted guide has nothing to refresh.
    content_changed()
