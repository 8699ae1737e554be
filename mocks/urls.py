from django.urls import path

from . import room_views, views

app_name = "mocks"
urlpatterns = [
    path("mocks/", views.mocks, name="mocks"),
    path("mocks/requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mocks/<int:pk>/", room_views.room, name="room"),
]
