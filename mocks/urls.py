from django.urls import path

from . import views

app_name = "mocks"
urlpatterns = [
    path("mocks/", views.mocks, name="mocks"),
    path("mocks/requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mocks/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("mocks/<int:pk>/no-show/", views.no_show, name="no_show"),
    # PLACEHOLDER: the room's branch replaces this with its view, under the same name.
    path("mocks/<int:pk>/", views.room_placeholder, name="room"),
]
