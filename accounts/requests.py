"""The request a login-required view receives: its user is a signed-in `User`, never an
`AnonymousUser`, so the type checker lets views hand it to services that need a reader."""

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from .models import User


class AuthenticatedRequest(HttpRequest):
    user: User


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
