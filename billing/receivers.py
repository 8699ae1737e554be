"""Cache invalidation next to the models: however a complimentary grant is written (the admin,
`billing.complimentary`, a shell, a command), the holder's cached access answer is retired now
and once the write commits. Connected when the app loads (`BillingConfig.ready`).

A queryset's `update()` sends no signal: write grants through the model or the services."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .entitlements import forget_user_id
from .models import ComplimentaryAccess


@receiver(pre_save, sender=ComplimentaryAccess, dispatch_uid="billing.grant_moving")
def forget_previous_holder(
    sender: type[ComplimentaryAccess], instance: ComplimentaryAccess, **kwargs: Any
) -> None:
    """A grant moved to another reader takes access from the one who held it."""
    if instance.pk is None:
        return
    previous = (
        ComplimentaryAccess.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
    )
    if previous is not None and previous != instance.user_id:
        forget_user_id(previous)


@receiver(post_save, sender=ComplimentaryAccess, dispatch_uid="billing.grant_saved")
@receiver(post_delete, sender=ComplimentaryAccess, dispatch_uid="billing.grant_deleted")
def forget_holder(
    sender: type[ComplimentaryAccess], instance: ComplimentaryAccess, **kwargs: Any
) -> None:
    forget_user_id(instance.user_id)
