"""A team (its manager and its seats' subscription), its members, and the invites that hold
seats for people not yet in it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


def new_nonce() -> str:
    return secrets.token_hex(16)


class Team(models.Model):
    """A team bought by its manager: its seats are its subscription's quantity."""

    name = models.CharField(max_length=100)
    # A member manages one team at most: /teams/ is that team's page.
    manager = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_team"
    )
    # Its seats' subscription (purpose "team"), linked when Stripe's subscription naming this
    # team first syncs; a later one replaces it only once it has ended (buying seats again).
    subscription = models.OneToOneField(
        "billing.Subscription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team",
    )
    # The team's own Stripe customer, made at its first Checkout: its seats, invoices, billing
    # address and tax ID are the company's, apart from the manager's own plan. Empty for a team
    # bought before teams had one (its subscription's customer is then the manager's).
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    # The team's latest Checkout Session and what it sells (its price and seat count): while it
    # is open, buying again goes back to it rather than making a second one to pay.
    checkout_session_id = models.CharField(max_length=255, blank=True)
    checkout_price_id = models.CharField(max_length=255, blank=True)
    checkout_seats = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("teams:teams")


class Member(models.Model):
    """A person in a team. Seated, they read premium (billing.entitlements) while the team's
    subscription gives access; unseated, they wait for a seat (the seat count was lowered)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    # One team at most per person.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_membership"
    )
    seated = models.BooleanField(default=True)
    # The member's choice, off until they make it: their progress is shown to the manager.
    shares_progress = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("joined_at", "pk")
        indexes = [models.Index(fields=["team", "seated"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Invite(models.Model):
    """An invitation to an address: while pending it holds a seat. Its emailed link is the
    bearer: whoever opens it signed in may accept it (recorded in `accepted_by`)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked by the manager"
        CANCELED = "canceled", "Canceled: the seat count was lowered"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # What the signed link carries: a new one for each invite.
    nonce = models.CharField(max_length=32, unique=True, default=new_nonce, editable=False)
    # How many times it was sent: each send is one email (its cause).
    sends = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("created_at", "pk")
        constraints = [
            # Inviting an address twice sends the one invite again: never two seats.
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=models.Q(state="pending"),
                name="one_pending_invite_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.team} ({self.state})"
