"""What the pages show of gifts: the giver's list with each gift's state in words, and what
redeeming would give a member."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from billing import entitlements
from billing.models import Subscription
from billing.status import day_in_words

from .models import Gift
from .offers import add_months
from .services import access_start

# Checkout abandons a session after a day: a gift still unpaid by then is not shown.
UNPAID_SHOWN_FOR = dt.timedelta(days=1)


@dataclass(frozen=True)
class GiftLine:
    gift: Gift
    state: str


def gift_state_text(gift: Gift) -> str:
    """The gift's state as its giver reads it."""
    if gift.state == Gift.State.PENDING:
        return "Awaiting payment"
    if gift.state == Gift.State.VOID:
        return "Refunded: the gift is void"
    if gift.state == Gift.State.REDEEMED:
        redeemed = (
            f"Redeemed on {day_in_words(gift.redeemed_at)}" if gift.redeemed_at else "Redeemed"
        )
        return f"{redeemed} (refunded since)" if gift.amount_refunded else redeemed
    if gift.delivered_at is not None:
        return f"Sent on {day_in_words(gift.delivered_at)}"
    if gift.deliver_on is not None:
        return f"Scheduled for {day_in_words(gift.deliver_on)}"
    return "Paid, sending now"


def gifts_given(user: User) -> list[GiftLine]:
    """The gifts the user bought, newest first, each with its state (one query). An unpaid one
    is shown for a day while its Checkout may be open; one whose Checkout Stripe never opened
    (Stripe was down: the page said nothing was charged) is not shown at all."""
    unpaid_open = Q(
        created_at__gte=timezone.now() - UNPAID_SHOWN_FOR, stripe_checkout_session_id__gt=""
    )
    shown = ~Q(state=Gift.State.PENDING) | unpaid_open
    return [
        GiftLine(gift, gift_state_text(gift))
        for gift in Gift.objects.filter(shown, giver=user).order_by("-created_at")
    ]


@dataclass(frozen=True)
class RedeemPreview:
    """What redeeming the gift now would give this member."""

    starts: dt.datetime
    ends: dt.datetime
    # Their own subscription that renews (not set to cancel): it keeps renewing, gift or not.
    renewing: Subscription | None
    # Whether it starts after access they already have, rather than now.
    deferred: bool


def redeem_preview(*, gift: Gift, user: User, now: dt.datetime | None = None) -> RedeemPreview:
    now = now or timezone.now()
    starts = access_start(user=user, now=now)
    renewing = (
        entitlements.personal_subscriptions_giving_access()
        .filter(user=user, cancel_at_period_end=False)
        .order_by("-current_period_end")
        .first()
    )
    return RedeemPreview(starts, add_months(starts, gift.months), renewing, starts > now)
