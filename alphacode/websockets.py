"""The site's websocket routes. The project package names no app, so each app that serves a
websocket appends its URL patterns here from its AppConfig.ready() (mocks: the room's shared
pad); alphacode.asgi reads the list once Django is set up, after every ready() has run."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
