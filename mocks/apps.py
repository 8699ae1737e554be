"""Peer mock interviews (issue 23; DESIGN.md, "Mock interviews")."""

from django.apps import AppConfig


class MocksConfig(AppConfig):
    name = "mocks"
    verbose_name = "Mock interviews"

    def ready(self) -> None:
        # The room's shared pad: the project's ASGI application serves what apps register.
        from alphacode.websockets import websocket_urlpatterns

        from .routing import websocket_urlpatterns as pad_routes

        websocket_urlpatterns.extend(p for p in pad_routes if p not in websocket_urlpatterns)
