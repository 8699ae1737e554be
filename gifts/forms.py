"""The gift form: how long, for whom, a short message, and when it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from billing.status import day_in_words

from .offers import MAX_DAYS_AHEAD, MESSAGE_MAX, OFFERS, SEND_TIME, today_utc
from .services import GiftDetails

NOW, ON_A_DAY = "now", "date"


class GiftForm(forms.Form):
    months = forms.TypedChoiceField(
        choices=[
            (offer.months, f"{offer.months} months, {offer.price}") for offer in OFFERS.values()
        ],
        coerce=int,
        widget=forms.RadioSelect,
        label="How long",
        error_messages={
            "required": "Choose 3, 6 or 12 months.",
            "invalid_choice": "Choose 3, 6 or 12 months.",
        },
    )
    recipient_email = forms.EmailField(
        label="Their email address",
        max_length=254,
        help_text="We email them a link to redeem the gift; nobody else sees it.",
        error_messages={"invalid": "Enter their email address, like name@example.com."},
    )
    message = forms.CharField(
        label="A message for them (optional)",
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {MESSAGE_MAX} characters, sent with the link as plain text.",
    )
    when = forms.ChoiceField(
        choices=[(NOW, "As soon as you have paid"), (ON_A_DAY, "On a day you choose")],
        widget=forms.RadioSelect,
        initial=NOW,
        label="When we send it",
        error_messages={
            "required": "Choose when we send it.",
            "invalid_choice": "Choose when we send it.",
        },
    )
    deliver_on = forms.DateField(
        label="The day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=f"Sent at {SEND_TIME} (Coordinated Universal Time) on that day, "
        f"by UTC’s calendar; today, or up to a year ahead. If you pay on or after the day, it "
        f"is sent at once.",
        error_messages={"invalid": "Enter the day as a date, like 2026-12-25."},
    )

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = today_utc(now or timezone.now())
        self.today, self.last_day = today, today + dt.timedelta(days=MAX_DAYS_AHEAD)
        widget = self.fields["deliver_on"].widget
        widget.attrs.update(min=today.isoformat(), max=self.last_day.isoformat())

    def clean_recipient_email(self) -> str:
        return self.cleaned_data["recipient_email"].strip().lower()

    def clean_message(self) -> str:
        return self.cleaned_data["message"].strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("when") != ON_A_DAY:
            cleaned["deliver_on"] = None
            return cleaned
        day = cleaned.get("deliver_on")
        if "deliver_on" in self.errors:
            return cleaned
        if day is None:
            self.add_error("deliver_on", "Choose the day we send it, or send it now.")
        elif day < self.today:
            self.add_error(
                "deliver_on", f"That day has passed: choose {day_in_words(self.today)} or later."
            )
        elif day > self.last_day:
            self.add_error(
                "deliver_on",
                f"That is more than a year ahead: choose {day_in_words(self.last_day)} or earlier.",
            )
        return cleaned

    def details(self) -> GiftDetails:
        data = self.cleaned_data
        return GiftDetails(
            months=data["months"],
            recipient_email=data["recipient_email"],
            message=data["message"],
            deliver_on=data["deliver_on"],
        )
