"""What changes a team: buying its seats, linking the subscription Stripe made, fitting members
and invites to the seats paid, inviting, accepting, removing, leaving, sharing progress.

Every change that counts seats locks the team's row first, so two managers' tabs (or a webhook
and a click) never hand out one seat twice.

Seats: the team's subscription's quantity. A seated member and a pending invite each take one.
When the seat count drops below them, pending invites are canceled first (the newest first),
then the members who joined last lose their seat (they stay in the team, waiting) and the
manager is emailed who. A seat added later goes to the member who has waited longest. A
subscription that has ended gives no seat access (billing.entitlements) but unseats no one: a
team that buys seats again finds its members where they were.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import stripe_gateway as gateway
from billing.entitlements import forget_user_id
from billing.models import Subscription
from billing.plans import Plan
from billing.subscriptions import checkout_session_apply
from mail.outbox import email_queue

from .models import Invite, Member, Team

logger = logging.getLogger(__name__)

INVITE_SALT = "teams.invite"
MIN_SEATS = 2
MAX_SEATS = 200


class TeamRefused(Exception):
    """The change cannot be made; the message says why, to the person who asked."""


class SeatsBought(TeamRefused):
    """No Checkout: the team's seats were bought meanwhile (its last Checkout was paid)."""


@dataclass(frozen=True)
class Seats:
    paid: int  # the subscription's quantity; 0 with none, or once it has ended
    seated: int
    pending: int  # invites holding a seat
    waiting: int  # members without a seat

    @property
    def used(self) -> int:
        return self.seated + self.pending

    @property
    def free(self) -> int:
        return max(0, self.paid - self.used)


def subscription_live(team: Team) -> bool:
    """Whether the team has seats bought (a subscription that has not ended)."""
    sub = team.subscription
    return sub is not None and sub.status not in Subscription.ENDED_STATUSES


def seats_of(team: Team) -> Seats:
    members = list(team.members.values_list("seated", flat=True))
    return Seats(
        paid=team.subscription.quantity if team.subscription and subscription_live(team) else 0,
        seated=sum(members),
        pending=team.invites.filter(state=Invite.State.PENDING).count(),
        waiting=len(members) - sum(members),
    )


def _locked(team: Team) -> Team:
    """The team, its row locked until the transaction ends, with its subscription."""
    return (
        Team.objects.select_for_update(of=("self",)).select_related("subscription").get(pk=team.pk)
    )


# --- Buying seats ----------------------------------------------------------------------------


def team_checkout(
    *,
    manager: User,
    name: str,
    seats: int,
    plan: Plan,
    token: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """The team (made, or the manager's unpaid one renamed) and the Checkout Session selling
    its seats; returns the Checkout page's address. One Checkout a team at a time: while the
    team's last one is open, the same seats and plan go back to it, others expire it first;
    one paid meanwhile is synced and no other sold (SeatsBought); one expired is replaced.
    Nothing is kept if Stripe refuses."""
    synced = ""  # a paid Checkout synced here, which left the team with no live seats
    while True:
        with transaction.atomic():
            team = _team_locked(manager, name)
            if subscription_live(team):
                if synced:
                    raise SeatsBought(
                        f"{team.name}’s seats are bought already: invite its members."
                    )
                raise TeamRefused(
                    f"You already manage {team.name}: change its seats in Manage billing."
                )
            if team.name != name:
                team.name = name
                team.save(update_fields=["name"])
            earlier = _checkout_earlier(team, plan=plan, seats=seats)
            if earlier.get("status") == "open":
                return earlier["url"]
            if earlier.get("status") != "complete" or earlier["id"] == synced:
                return _checkout_new(team, manager, plan, seats, token, success_url, cancel_url)
        # Paid in another tab, and not synced yet: sync it now (outside the team's lock, which
        # a sync takes after the subscription's), then look again.
        checkout_session_apply(earlier)
        synced = earlier["id"]


def _team_locked(manager: User, name: str) -> Team:
    """The manager's team (made with this name if they have none), its row locked."""
    try:
        with transaction.atomic():
            team, _ = Team.objects.get_or_create(manager=manager, defaults={"name": name})
    except IntegrityError:  # a racing submission made it first
        team = Team.objects.get(manager=manager)
    return _locked(team)


def _checkout_earlier(team: Team, *, plan: Plan, seats: int) -> dict:
    """The team's last Checkout Session as Stripe has it now ({} for none): an open one selling
    other seats or another plan is expired first (and then found paid, if it was meanwhile).
    Called with the team locked."""
    if not team.checkout_session_id:
        return {}
    try:
        session = gateway.checkout_session_retrieve(team.checkout_session_id)
    except gateway.StripeRequestError:
        # Unknown to Stripe (another account's keys since): there is none to go back to.
        logger.warning("team %s: checkout session %s not found", team.pk, team.checkout_session_id)
        return {}
    same = (team.checkout_price_id, team.checkout_seats) == (plan.price_id, seats)
    if session.get("status") != "open" or same:
        return session
    try:
        return gateway.checkout_session_expire(session["id"])
    except gateway.StripeRequestError:
        # Stripe expires only an open session: this one was paid (or expired) meanwhile.
        session = gateway.checkout_session_retrieve(session["id"])
        if session.get("status") == "open":
            raise
        return session


def _checkout_new(
    team: Team,
    manager: User,
    plan: Plan,
    seats: int,
    token: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """A new Checkout Session for the team's seats, kept on the team; its page's address.
    Called with the team locked."""
    # One session per form, plan and seat count (a double click reuses it), and per session it
    # replaces (never Stripe's stored answer for one that has expired since).
    key = f"team-checkout-{team.pk}-{plan.slug}-{seats}-{token}"
    if team.checkout_session_id:
        key += f"-after-{team.checkout_session_id}"
    session = gateway.team_checkout_session_create(
        user_id=manager.pk,
        team_id=team.pk,
        customer_id=_team_customer(team, manager),
        price_id=plan.price_id,
        seats=seats,
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=key,
    )
    team.checkout_session_id = session["id"]
    team.checkout_price_id = plan.price_id
    team.checkout_seats = seats
    team.save(update_fields=["checkout_session_id", "checkout_price_id", "checkout_seats"])
    return session["url"]


def _team_customer(team: Team, manager: User) -> str:
    """The team's own Stripe customer, made (once) at its first Checkout and kept on the team,
    so its invoices, billing address and tax ID are never the manager's own customer's. Called
    with the team locked; kept only if the Checkout is made (else made again, or the same one
    given back by Stripe, the next time)."""
    if not team.stripe_customer_id:
        created = gateway.team_customer_create(
            team_id=team.pk, user_id=manager.pk, email=manager.email, name=team.name
        )
        team.stripe_customer_id = created["id"]
        team.save(update_fields=["stripe_customer_id"])
    return team.stripe_customer_id


def stray_subscriptions(team: Team) -> list[Subscription]:
    """The manager's team subscriptions that have not ended besides the team's own: seats paid
    twice (two Checkouts paid), billed while giving no seats, for the manager to cancel."""
    found = Subscription.objects.filter(
        user_id=team.manager_id, purpose=Subscription.Purpose.TEAM
    ).exclude(status__in=Subscription.ENDED_STATUSES)
    if team.subscription_id is not None:
        found = found.exclude(pk=team.subscription_id)
    return list(found.order_by("pk"))


def billing_customer_id(team: Team) -> str:
    """The Stripe customer whose Portal manages the team's seats: its own; for a team bought
    before teams had one, its subscription's (the manager's customer then); "" for none."""
    if team.stripe_customer_id:
        return team.stripe_customer_id
    return team.subscription.stripe_customer_id if team.subscription else ""


def team_subscription_link(*, subscription: Subscription, metadata: dict) -> Team | None:
    """After a subscription synced: link it to the team its metadata names (made by that
    team's manager), fit the seats to its quantity, and retire every member's cached access.
    A team keeps its subscription until that one ends; an older one syncing late changes
    nothing; a second live one (the seats paid twice) is logged as an error and shown to the
    manager (stray_subscriptions), and gives the seats once the first has ended. Returns the
    team it is the subscription of, if any."""
    team_id = str(metadata.get("team_id") or "")
    team = None
    if subscription.purpose == Subscription.Purpose.TEAM and team_id.isdigit():
        team = Team.objects.filter(pk=int(team_id), manager_id=subscription.user_id).first()
        if team is None:
            logger.warning(
                "subscription %s names team %s, not one of its customer's",
                subscription.stripe_subscription_id,
                team_id,
            )
    if team is None:
        team = Team.objects.filter(subscription=subscription).first()
    if team is None:
        return None
    team = _locked(team)
    if team.subscription_id == subscription.pk and not subscription_live(team):
        # Its seats ended: a second subscription still billed (paid twice) gives them now.
        successor = next(iter(stray_subscriptions(team)), None)
        if successor is not None:
            logger.warning(
                "team %s: subscription %s ended; its second one, %s, gives the seats now",
                team.pk,
                subscription.stripe_subscription_id,
                successor.stripe_subscription_id,
            )
            team.subscription = successor
            team.save(update_fields=["subscription"])
    elif team.subscription_id != subscription.pk:
        current = team.subscription
        replaceable = current is None or (
            current.status in Subscription.ENDED_STATUSES
            and subscription.status not in Subscription.ENDED_STATUSES
        )
        if not replaceable:
            if current is not None and subscription.status not in Subscription.ENDED_STATUSES:
                # Both bill the manager; only the first gives seats (stray_subscriptions shows
                # the second to the manager on /teams/, to cancel).
                logger.error(
                    "team %s has a second live subscription: %s gives its seats, %s (%s seats) "
                    "is billed and gives none; its manager is told to cancel it",
                    team.pk,
                    current.stripe_subscription_id,
                    subscription.stripe_subscription_id,
                    subscription.quantity,
                )
            return None
        team.subscription = subscription
        team.save(update_fields=["subscription"])
    seats_fit(team)
    for user_id in team.members.values_list("user_id", flat=True):
        forget_user_id(user_id)
    return team


def seats_fit(team: Team) -> None:
    """Fit members and invites to the seats paid (the rule in the module docstring). Called
    with the team locked."""
    if not subscription_live(team):
        return
    assert team.subscription is not None
    paid = team.subscription.quantity
    seated = list(team.members.filter(seated=True).order_by("-joined_at", "-pk"))
    pending = list(team.invites.filter(state=Invite.State.PENDING).order_by("-created_at", "-pk"))
    over = len(seated) + len(pending) - paid
    if over > 0:
        canceled = pending[:over]
        unseated = seated[: over - len(canceled)]
        Invite.objects.filter(pk__in=[i.pk for i in canceled]).update(state=Invite.State.CANCELED)
        Member.objects.filter(pk__in=[m.pk for m in unseated]).update(seated=False)
        for member in unseated:
            forget_user_id(member.user_id)
        _seats_reduced_email(team, paid, canceled, unseated)
    elif over < 0:
        waiting = list(team.members.filter(seated=False).order_by("joined_at", "pk")[:-over])
        Member.objects.filter(pk__in=[m.pk for m in waiting]).update(seated=True)
        for member in waiting:
            forget_user_id(member.user_id)


def _seats_reduced_email(
    team: Team, paid: int, canceled: list[Invite], unseated: list[Member]
) -> None:
    """Tell the manager which invites were canceled and who lost a seat: once per such change
    (a sync repeated finds nothing left to change, and sends nothing)."""
    who = ",".join([f"i{i.pk}" for i in canceled] + [f"m{m.pk}" for m in unseated])
    digest = hashlib.sha256(f"{paid}:{who}:{timezone.now().isoformat()}".encode()).hexdigest()[:16]
    emails = dict(
        User.objects.filter(pk__in=[m.user_id for m in unseated]).values_list("pk", "email")
    )
    email_queue(
        kind="team_seats_reduced",
        cause=f"team-{team.pk}-seats-{paid}-{digest}",
        user=team.manager,
        context={
            "team": team.name,
            "seats": paid,
            "canceled": [i.email for i in canceled],
            "unseated": [emails[m.user_id] for m in unseated],
        },
    )


# --- Invites ---------------------------------------------------------------------------------


def invite_link_token(invite: Invite) -> str:
    return signing.dumps(invite.nonce, salt=INVITE_SALT)


def invite_from_token(token: str) -> Invite | None:
    """The invite a link names; None for a link altered or made up."""
    try:
        nonce = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(nonce, str):
        return None
    return Invite.objects.select_related("team", "team__manager").filter(nonce=nonce).first()


def invite_url(invite: Invite) -> str:
    """The invite's accept link, as emailed."""
    return f"{settings.SITE_URL}{reverse('teams:join', args=[invite_link_token(invite)])}"


def _send_invite(invite: Invite, team: Team) -> None:
    email_queue(
        kind="team_invite",
        cause=f"team-invite-{invite.pk}-{invite.sends}",
        user=None,
        to=invite.email,
        context={
            "team": team.name,
            "manager": team.manager.email,
            "accept_url": invite_url(invite),
        },
    )


def invites_send(*, team: Team, emails: list[str]) -> tuple[int, int]:
    """Invite these addresses (each distinct, already valid): an address with a pending invite
    has it sent again (no second seat), a new one takes a free seat. All or nothing: refused
    when the new ones outnumber the free seats, or one is a member's. Returns (invited, sent
    again)."""
    with transaction.atomic():
        team = _locked(team)
        if not subscription_live(team):
            raise TeamRefused("Buy seats first: the team has no seats to invite into.")
        wanted = {email.lower(): email for email in emails}
        members = set(
            team.members.annotate(address=Lower("user__email")).values_list("address", flat=True)
        )
        taken = sorted(address for address in wanted if address in members)
        if taken:
            raise TeamRefused(f"Already in your team: {', '.join(taken)}. Nothing was sent.")
        pending = {
            invite.email.lower(): invite
            for invite in team.invites.filter(state=Invite.State.PENDING)
        }
        new = [email for address, email in wanted.items() if address not in pending]
        free = seats_of(team).free
        if len(new) > free:
            raise TeamRefused(
                f"You have {free} free seat{'s' if free != 1 else ''} and asked for {len(new)}: "
                "nothing was sent. Add seats in Manage billing, or invite fewer people."
            )
        again = [pending[address] for address in wanted if address in pending]
        for invite in again:
            invite.sends += 1
            invite.save(update_fields=["sends"])
            _send_invite(invite, team)
        for email in new:
            invite = Invite.objects.create(team=team, email=email)
            _send_invite(invite, team)
    return len(new), len(again)


def invite_resend(*, invite: Invite) -> None:
    with transaction.atomic():
        team = _locked(invite.team)
        invite = Invite.objects.select_for_update().get(pk=invite.pk)
        if invite.state != Invite.State.PENDING:
            raise TeamRefused("That invite is no longer pending.")
        invite.sends += 1
        invite.save(update_fields=["sends"])
        _send_invite(invite, team)


def invite_revoke(*, invite: Invite) -> None:
    """The invite's link stops working and its seat is free (for a waiting member first)."""
    with transaction.atomic():
        team = _locked(invite.team)
        updated = Invite.objects.filter(pk=invite.pk, state=Invite.State.PENDING).update(
            state=Invite.State.REVOKED
        )
        if not updated:
            raise TeamRefused("That invite is no longer pending.")
        seats_fit(team)


def invite_accept(*, invite: Invite, user: User) -> Member:
    """Join the invite's team in the seat it held. The link is the bearer: the account that
    accepts need not have the invited address (recorded in `accepted_by`). One team a person."""
    with transaction.atomic():
        team = _locked(invite.team)
        invite = Invite.objects.select_for_update().get(pk=invite.pk)
        if invite.state == Invite.State.ACCEPTED:
            raise TeamRefused("This invite has been accepted already.")
        if invite.state != Invite.State.PENDING:
            raise TeamRefused(
                f"This invite is no longer valid ({invite.get_state_display().lower()}). "
                f"Ask {team.manager.email} for a new one."
            )
        current = Member.objects.filter(user=user).select_related("team").first()
        if current is not None:
            if current.team_id == team.pk:
                raise TeamRefused(f"You are already in {team.name}.")
            raise TeamRefused(
                f"You are in {current.team.name}: leave it first (on your Teams page) to join "
                f"{team.name}."
            )
        member = _member_create(team, user.pk)
        invite.state = Invite.State.ACCEPTED
        invite.accepted_by = user
        invite.accepted_at = timezone.now()
        invite.save(update_fields=["state", "accepted_by", "accepted_at"])
        forget_user_id(user.pk)
    return member


# --- Members ---------------------------------------------------------------------------------


def _member_create(team: Team, user_id: int) -> Member:
    """A seated member; refused if they joined another team meanwhile (each team's lock does
    not cover the other's: the one-team-a-person constraint does)."""
    try:
        with transaction.atomic():
            return Member.objects.create(team=team, user_id=user_id, seated=True)
    except IntegrityError:
        raise TeamRefused("You joined a team meanwhile: a person belongs to one team.") from None


def seat_take(*, team: Team) -> Member:
    """The manager takes a free seat in their own team."""
    with transaction.atomic():
        team = _locked(team)
        if Member.objects.filter(user_id=team.manager_id).exists():
            raise TeamRefused("You are in a team already.")
        if seats_of(team).free < 1:
            raise TeamRefused("No seat is free: add seats in Manage billing first.")
        member = _member_create(team, team.manager_id)
        forget_user_id(team.manager_id)
    return member


def member_remove(*, member: Member) -> None:
    """The member leaves the team (removed by the manager, or of their own will): their access
    from it ends at once, and their seat goes to a waiting member, if any."""
    with transaction.atomic():
        team = _locked(member.team)
        Member.objects.filter(pk=member.pk).delete()
        forget_user_id(member.user_id)
        seats_fit(team)


def sharing_set(*, member: Member, shares: bool) -> None:
    Member.objects.filter(pk=member.pk).update(shares_progress=shares)
