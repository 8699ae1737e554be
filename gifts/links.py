"""The redeem link: the gift's id signed with the site's secret (a salt of its own), so only
the email we send can name a gift; a link altered in any way names none."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Gift

SALT = "gifts.redeem"


def redeem_token(gift: Gift) -> str:
    return signing.Signer(salt=SALT).sign(str(gift.pk))


def gift_id_from(token: str) -> int | None:
    """The gift a token names; None for a token we did not sign."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def redeem_path(gift: Gift) -> str:
    return reverse("gifts:redeem", args=[redeem_token(gift)])


def redeem_url(gift: Gift) -> str:
    return f"{settings.SITE_URL}{redeem_path(gift)}"
