"""The request a login-required view receives: its user is a signed-in `User`, never an
`AnonymousUser`, so the type checker lets views hand it to services that need a reader; and
what views ask of a request (its signed-in user, whether it was throttled, the sign-in links
that come back to a page)."""

import re
import uuid
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from .models import User

# A form's token: one per rendered form, so that a form sent twice does its work once.
FORM_TOKEN_RE = re.compile(r"[0-9a-f]{32}")


class AuthenticatedRequest(HttpRequest):
    user: User


def form_token(posted: str = "") -> str:
    """The posted form token when it is one of ours, else a new one (for a form being drawn)."""
    return posted if FORM_TOKEN_RE.fullmatch(posted) else uuid.uuid4().hex


def throttled(request: HttpRequest) -> bool:
    """Whether a view's `@ratelimit(..., block=False)` (django-ratelimit) found this request
    over its rate: the view answers it without the costly part (asking Stripe, say)."""
    return bool(getattr(request, "limited", False))


def signed_in_user(request: HttpRequest) -> User | None:
    """The request's reader when they are signed in, for views open to everyone."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def sign_in_links(next_path: str) -> dict[str, str]:
    """The sign-in and sign-up pages' addresses, each bringing the member back to `next_path`
    (`login_url`, `signup_url`: what a page for visitors links to)."""
    query = urlencode({"next": next_path})
    return {
        "login_url": f"{reverse('account_login')}?{query}",
        "signup_url": f"{reverse('account_signup')}?{query}",
    }
