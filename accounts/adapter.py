"""The allauth adapter: where the site customises sign-up and sign-in flows."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.http import HttpRequest

from billing.emails import email_queue
from billing.models import SentEmail


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            # Once per user: confirming a second address later sends nothing new.
            email_queue(
                kind=SentEmail.Kind.WELCOME,
                cause=f"user-{email_address.user_id}",
                user=email_address.user,
            )
        return confirmed
