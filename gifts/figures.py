"""Gift figures for the owner's dashboard: how many were sold and redeemed in a span."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from .models import Gift


def gift_counts(start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """(sold, redeemed) in [start, end), in one query: gifts paid for, less those refunded
    before they were redeemed (void); and gifts redeemed."""
    sold = Q(paid_at__gte=start, paid_at__lt=end) & ~Q(state=Gift.State.VOID)
    redeemed = Q(redeemed_at__gte=start, redeemed_at__lt=end)
    counts = Gift.objects.filter(sold | redeemed).aggregate(
        sold=Count("pk", filter=sold), redeemed=Count("pk", filter=redeemed)
    )
    return counts["sold"], counts["redeemed"]
