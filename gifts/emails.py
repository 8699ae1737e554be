"""Gifts' emails, each once per gift through the site's one path (mail.outbox): the link to
the recipient (when it is due) and the receipt to the giver (when it is paid)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alphacode.context_processors import dollars, site_urls
from billing.status import day_in_words
from mail.outbox import email_queue

from .links import redeem_url
from .models import Gift
from .offers import SEND_TIME


class Kind(models.TextChoices):
    """Gifts' emails, each rendered from templates/emails/<kind>.*."""

    GIFT_RECEIVED = "gift_received", "Gift received"
    GIFT_RECEIPT = "gift_receipt", "Gift receipt"


def giver_name(gift: Gift) -> str:
    """How the gift names its giver: their name, else their email address."""
    if gift.giver is None:
        return "A member of Alpha Code"
    return gift.giver.name or gift.giver.email


def gift_received_email(gift: Gift) -> None:
    """The recipient's email with the signed redeem link, once per gift."""
    email_queue(
        kind=Kind.GIFT_RECEIVED,
        cause=f"gift-{gift.pk}",
        user=None,
        to=gift.recipient_email,
        context={
            "giver": giver_name(gift),
            "months": gift.months,
            "message": gift.message,
            "redeem_url": redeem_url(gift),
        },
    )


def gift_receipt_email(gift: Gift) -> None:
    """The giver's confirmation that the gift is paid and when it goes, once per gift."""
    if gift.giver is None:
        return
    email_queue(
        kind=Kind.GIFT_RECEIPT,
        cause=f"gift-{gift.pk}",
        user=gift.giver,
        context={
            "months": gift.months,
            "amount": dollars(gift.amount),
            "recipient": gift.recipient_email,
            "send_on": day_in_words(gift.deliver_on),
            "send_hour": SEND_TIME,
            "account_url": f"{settings.SITE_URL}{site_urls()['account']}",
        },
    )
