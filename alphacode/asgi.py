"""ASGI entry point for daphne: pages through Django as under WSGI, and websockets (the routes
apps register in alphacode.websockets) with the signed-in user from the session cookie, only from
pages of our own hosts (a websocket is not bound by the same-origin policy: without the Origin
check any site could open one with a member's cookie)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

# First: it sets Django up, so that every app's ready() has registered its websocket routes.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from alphacode.websockets import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(list(websocket_urlpatterns)))
        ),
    }
)
