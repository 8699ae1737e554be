"""Gift figures for the owner's dashboard: how many were sold and redeemed in a span."""

from __future__ import annotations

import datetime as dt

from .models import Gift


def gifts_sold(start: dt.datetime, end: dt.datetime) -> int:
    """Gifts paid for in [start, end), less those refunded before they were redeemed (void)."""
    return (
        Gift.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .exclude(state=Gift.State.VOID)
        .count()
    )


def gifts_redeemed(start: dt.datetime, end: dt.datetime) -> int:
    """Gifts redeemed in [start, end)."""
    return Gift.objects.filter(redeemed_at__gte=start, redeemed_at__lt=end).count()
