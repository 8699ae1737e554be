"""allauth's adapter: allauth's emails (sign-in and verification codes, password resets, the
notices it sends to an unknown address) go through the site's one path for email, recorded and
sent by mail.outbox."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from mail.outbox import email_send_now

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's, but sent and recorded by mail.outbox (as the template's last part, e.g.
        login_code), with what it says (a code, a link) not kept."""
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request)}
            | context,
        )
        # Not every one of allauth's contexts names the user (a sign-in code does not).
        user = context.get("user")
        if not (isinstance(user, User) and user.pk):
            user = User.objects.filter(email__iexact=email).first()
        email_send_now(kind=template_prefix.rsplit("/", 1)[-1], message=message, user=user)
