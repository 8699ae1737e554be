"""Peer mock interviews (issue 23; DESIGN.md, "Mock interviews")."""

from django.apps import AppConfig


class MocksConfig(AppConfig):
    name = "mocks"
    verbose_name = "Mock interviews"

    def ready(self) -> None:
        from alphacode.websockets import websocket_urlpatterns
        from articles.axes import register_axes

        from .routing import websocket_urlpatterns as pad_routes
        from .rubric import AXES

        # Guides name the rubric's axes they train in their front matter (articles checks them).
        register_axes((axis.key, axis.name) for axes in AXES.values() for axis in axes)
        # The room's shared pad: the project's ASGI application serves what apps register.
        websocket_urlpatterns.extend(p for p in pad_routes if p not in websocket_urlpatterns)
