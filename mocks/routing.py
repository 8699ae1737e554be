"""The mocks app's websocket routes, registered into alphacode.websockets by MocksConfig."""

from django.urls import path

from .consumers import PadConsumer

websocket_urlpatterns = [
    path("ws/mocks/<int:booking>/<int:round>/", PadConsumer.as_asgi(), name="mocks-pad"),
]
