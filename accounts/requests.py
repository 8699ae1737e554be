"""The request a login-required view receives: its user is a signed-in `User`, never an
`AnonymousUser`, so the type checker lets views hand it to services that need a reader."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    user: User


def signed_in_user(request: HttpRequest) -> User | None:
    """The request's reader when they are signed in, for views open to everyone."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None
