"""The allauth adapter: where the site customises sign-up and sign-in flows."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Email-only accounts; the defaults fit, and later behaviour hooks in here."""
