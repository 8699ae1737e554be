"""The forms behind the teams pages: each checks the whole submission before anything is
written, so bad input gets a clear message and changes nothing."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.requests import FORM_TOKEN_RE
from billing.plans import PLANS

from .models import Invite, Team
from .services import MAX_SEATS, MIN_SEATS

# One submission may name this many addresses at most.
MAX_INVITES_AT_ONCE = 50
SEPARATORS = re.compile(r"[\s,;]+")
# The longest address an invite stores (Invite.email).
MAX_ADDRESS_LENGTH = Invite._meta.get_field("email").max_length or 254


class BuyForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=Team._meta.get_field("name").max_length)
    seats = forms.IntegerField(
        label="Number of seats",
        min_value=MIN_SEATS,
        max_value=MAX_SEATS,
        initial=3,
        help_text=f"From {MIN_SEATS} to {MAX_SEATS}. You can change it later in Manage billing.",
        error_messages={
            "min_value": f"A team has at least {MIN_SEATS} seats.",
            "max_value": f"A team has at most {MAX_SEATS} seats: write to us for more.",
            "invalid": "Give the number of seats as a whole number.",
        },
    )
    plan = forms.ChoiceField(
        label="Billing",
        choices=[(slug, slug.title()) for slug in PLANS],
        initial="monthly",
        widget=forms.RadioSelect,
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_token(self) -> str:
        token = self.cleaned_data.get("token", "")
        return token if FORM_TOKEN_RE.fullmatch(token) else ""


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or several, separated by commas or new lines.",
        max_length=10_000,
    )

    def clean_emails(self) -> list[str]:
        text = self.cleaned_data["emails"]
        found: dict[str, str] = {}
        bad: list[str] = []
        long: list[str] = []
        for address in SEPARATORS.split(text.strip()):
            if not address:
                continue
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
                continue
            # Django accepts up to 320 characters; an address is stored in 254 (RFC 5321).
            if len(address) > MAX_ADDRESS_LENGTH:
                long.append(address)
                continue
            found.setdefault(address.lower(), address)
        if bad:
            shown = ", ".join(bad[:5]) + (" …" if len(bad) > 5 else "")
            raise ValidationError(f"Not an email address: {shown}. Nothing was sent.")
        if long:
            shown = ", ".join(f"{address[:40]}…" for address in long[:5])
            raise ValidationError(
                f"An email address has at most {MAX_ADDRESS_LENGTH} characters: {shown} "
                f"{'is' if len(long) == 1 else 'are'} longer. Nothing was sent."
            )
        if not found:
            raise ValidationError("Give at least one email address.")
        if len(found) > MAX_INVITES_AT_ONCE:
            raise ValidationError(
                f"Invite at most {MAX_INVITES_AT_ONCE} people at once; you gave {len(found)}."
            )
        return list(found.values())


class SharingForm(forms.Form):
    shares = forms.BooleanField(required=False)
