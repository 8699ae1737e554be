"""The request a login-required view receives: its user is a signed-in `User`, never an
`AnonymousUser`, so the type checker lets views hand it to services that need a reader."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    user: User
