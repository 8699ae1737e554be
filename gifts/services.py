"""A gift's life, each step a function that says what it writes: made from the form (awaiting
payment), paid (Stripe's event or the thanks page), sent on its day, redeemed once into
complimentary access added after any access the recipient already has, or voided by a full
refund before it was redeemed.

Stripe's events reach us through billing (`payment_event_received`, connected in
`GiftsConfig.ready`): each is a cue to fetch the object afresh and converge on its state, so
duplicates and any order of delivery come out the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from billing import entitlements
from billing import stripe_gateway as gateway
from billing.complimentary import complimentary_grant
from billing.events import CHECKOUT_EVENTS
from billing.models import StripeEvent
from billing.status import day_in_words

from .emails import gift_receipt_email, gift_received_email, giver_name
from .models import Gift
from .offers import OFFERS, add_months, last_day_due, today_utc

logger = logging.getLogger(__name__)


class GiftNotRedeemable(Exception):
    """The gift cannot be redeemed (again); the message says why, for the page."""


@dataclass(frozen=True)
class GiftDetails:
    """What the giver chose on the form."""

    months: int
    recipient_email: str
    message: str
    deliver_on: dt.date | None


def gift_for_form(*, giver: User, form_token: str, details: GiftDetails) -> Gift:
    """The gift this form asks for, awaiting payment: made once per rendered form, so a form
    sent twice is one gift. The same form sent again with other details (the browser's back
    button, a change, sent), or after its gift was paid for, is another gift."""
    offer = OFFERS[details.months]
    values = {
        "months": offer.months,
        "amount": offer.amount,
        "currency": offer.currency,
        "recipient_email": details.recipient_email,
        "message": details.message,
        "deliver_on": details.deliver_on,
    }
    gift, created = Gift.objects.get_or_create(giver=giver, form_token=form_token, defaults=values)
    changed = any(getattr(gift, name) != value for name, value in values.items())
    if not created and (changed or gift.state != Gift.State.PENDING):
        return gift_for_form(giver=giver, form_token=uuid.uuid4().hex, details=details)
    return gift


def gift_checkout_recorded(*, gift: Gift, session_id: str) -> None:
    Gift.objects.filter(pk=gift.pk).update(stripe_checkout_session_id=session_id)


def _id_of(value: Any) -> str:
    """A Stripe reference as its id, whether expanded (an object) or not."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _gift_id_in(obj: dict) -> int | None:
    raw = str((obj.get("metadata") or {}).get("gift_id") or "")
    return int(raw) if raw.isdigit() else None


def _due_now(gift: Gift, now: dt.datetime) -> bool:
    """A gift paid for on or after its chosen day (UTC), or with none, goes at once."""
    return gift.deliver_on is None or gift.deliver_on <= today_utc(now)


def _deliver(gift: Gift, now: dt.datetime) -> None:
    """Send the recipient their link, once (the email is one per gift), and record it. The gift
    is locked by the caller."""
    gift_received_email(gift)
    gift.delivered_at = now
    gift.save(update_fields=["delivered_at"])


def _locked(gift_id: int) -> Gift | None:
    """The gift, its row locked until the transaction ends (its giver read with it); None for
    no such gift."""
    return (
        Gift.objects.select_for_update(of=("self",))
        .select_related("giver")
        .filter(pk=gift_id)
        .first()
    )


def gift_payment_apply(session: dict, *, now: dt.datetime | None = None) -> Gift | None:
    """A gift's Checkout Session as Stripe has it: once it is paid, the gift is paid (its
    PaymentIntent kept, for refunds), the giver gets a receipt, and the recipient their link
    if it is due. A session not paid yet, a gift paid already, or one voided by a refund that
    arrived first, changes nothing."""
    gift_id = _gift_id_in(session)
    if gift_id is None or session.get("mode") != "payment":
        logger.info("checkout session %s names no gift", session.get("id"))
        return None
    now = now or timezone.now()
    with transaction.atomic():
        gift = _locked(gift_id)
        if gift is None:
            logger.warning("checkout session %s names gift %s, unknown", session.get("id"), gift_id)
            return None
        if session.get("payment_status") != "paid" or gift.state != Gift.State.PENDING:
            return gift
        gift.state = Gift.State.PAID
        gift.paid_at = now
        gift.stripe_checkout_session_id = str(session.get("id") or "")
        gift.stripe_payment_intent_id = _id_of(session.get("payment_intent"))
        gift.save(
            update_fields=[
                "state",
                "paid_at",
                "stripe_checkout_session_id",
                "stripe_payment_intent_id",
            ]
        )
        gift_receipt_email(gift)
        if _due_now(gift, now):
            _deliver(gift, now)
    return gift


def gift_checkout_sync(*, session_id: str, user: User) -> Gift | None:
    """The thanks page's immediate sync: the giver should not wait for the webhook. Only the
    giver's own session is applied."""
    session = gateway.checkout_session_retrieve(session_id)
    if str(session.get("client_reference_id")) != str(user.pk):
        raise PermissionError("this checkout session belongs to another user")
    return gift_payment_apply(session)


def gifts_deliver_due(*, now: dt.datetime | None = None) -> int:
    """The beat's hourly pass: send each paid gift whose day has come (at SEND_HOUR_UTC) and
    that was not sent yet, once each however often the pass runs. How many were sent."""
    now = now or timezone.now()
    due = Q(deliver_on__isnull=True) | Q(deliver_on__lte=last_day_due(now))
    ids = list(
        Gift.objects.filter(due, state=Gift.State.PAID, delivered_at__isnull=True)
        .order_by("deliver_on", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for gift_id in ids:
        with transaction.atomic():
            # skip_locked: a gift another pass (or a redeem) holds is theirs this time.
            gift = (
                Gift.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("giver")
                .filter(pk=gift_id, state=Gift.State.PAID, delivered_at__isnull=True)
                .first()
            )
            if gift is not None:
                _deliver(gift, now)
                sent += 1
    return sent


def access_start(*, user: User, now: dt.datetime) -> dt.datetime:
    """When a gift redeemed now starts: after any access the user already has, so the latest of
    now, the end of their complimentary access, and the end of the current period of their own
    subscription, or of the team's in which they hold a seat, that gives access
    (billing.entitlements' rules; seats a manager pays for but does not hold are not theirs)."""
    complimentary_end = (
        entitlements.complimentary_access_now()
        .filter(user=user)
        .aggregate(end=Max("expires_at"))["end"]
    )
    period_end = (
        entitlements.personal_subscriptions_giving_access()
        .filter(user=user)
        .aggregate(end=Max("current_period_end"))["end"]
    )
    seat_end = entitlements.team_subscriptions_seating(user.pk).aggregate(
        end=Max("current_period_end")
    )["end"]
    return max(end for end in (now, complimentary_end, period_end, seat_end) if end is not None)


def gift_redeem(*, gift_id: int, user: User, now: dt.datetime | None = None) -> Gift:
    """Redeem the gift into complimentary access for its months, after any access the user
    has, once: the gift's row is locked, and a gift redeemed or void is refused
    (GiftNotRedeemable). The user's row is locked too, so two gifts redeemed at once by one
    member both count."""
    now = now or timezone.now()
    with transaction.atomic():
        gift = _locked(gift_id)
        if gift is None or gift.state == Gift.State.PENDING:
            raise GiftNotRedeemable("This gift link is not valid.")
        if gift.state == Gift.State.VOID:
            raise GiftNotRedeemable("This gift was refunded and is no longer valid.")
        if gift.state == Gift.State.REDEEMED:
            raise GiftNotRedeemable(
                f"This gift was already redeemed on {day_in_words(gift.redeemed_at)}."
                if gift.redeemed_at
                else "This gift was already redeemed."
            )
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        start = access_start(user=user, now=now)
        end = add_months(start, gift.months)
        complimentary_grant(
            user=user,
            expires_at=end,
            reason=f"Gift of {gift.months} months from {giver_name(gift)}"[:200],
        )
        gift.state = Gift.State.REDEEMED
        gift.redeemed_at = now
        gift.redeemed_by = user
        gift.access_from, gift.access_until = start, end
        gift.save(
            update_fields=["state", "redeemed_at", "redeemed_by", "access_from", "access_until"]
        )
    entitlements.forget(user)
    return gift


def gift_refund_apply(*, charge_id: str, now: dt.datetime | None = None) -> Gift | None:
    """A refunded charge as Stripe has it now: the refund is recorded on its gift; a gift fully
    refunded before it was redeemed is void (its link no longer redeems). A refund after
    redemption leaves the access given. A charge that paid for no gift changes nothing."""
    now = now or timezone.now()
    charge = gateway.charge_retrieve(charge_id)
    payment_intent_id = _id_of(charge.get("payment_intent"))
    if not payment_intent_id:
        return None
    with transaction.atomic():
        gift = (
            Gift.objects.select_for_update()
            .filter(stripe_payment_intent_id=payment_intent_id)
            .first()
        )
        if gift is None:
            # The refund came before the payment's own event: the PaymentIntent names the gift.
            gift_id = _gift_id_in(gateway.payment_intent_retrieve(payment_intent_id))
            if gift_id is None:
                return None
            gift = Gift.objects.select_for_update().filter(pk=gift_id).first()
            if gift is None:
                return None
            gift.stripe_payment_intent_id = payment_intent_id
        refunded = int(charge.get("amount_refunded") or 0)
        if not refunded:
            return gift
        gift.amount_refunded = refunded
        gift.refunded_at = gift.refunded_at or now
        fully = bool(charge.get("refunded")) or refunded >= int(charge.get("amount") or 0)
        if fully and gift.state in (Gift.State.PENDING, Gift.State.PAID):
            gift.state = Gift.State.VOID
            gift.voided_at = now
        gift.save(
            update_fields=[
                "stripe_payment_intent_id",
                "amount_refunded",
                "refunded_at",
                "state",
                "voided_at",
            ]
        )
    return gift


def payment_event_apply(sender: Any, event: StripeEvent, obj: dict, **kwargs: Any) -> None:
    """billing's `payment_event_received` receiver: a gift's Checkout Session (fetched afresh)
    or a refunded charge. Whatever fails here fails the event, which billing retries."""
    if event.type in CHECKOUT_EVENTS:
        if _gift_id_in(obj) is None:
            return
        gift_payment_apply(gateway.checkout_session_retrieve(obj["id"]))
    elif event.type == "charge.refunded" and obj.get("id"):
        gift_refund_apply(charge_id=obj["id"])
