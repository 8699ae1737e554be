from django.urls import path

from . import room_views, views
from .feedback_views import block, feedback, history, report

app_name = "mocks"
urlpatterns = [
    path("mocks/", views.mocks, name="mocks"),
    path("mocks/requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mocks/history/", history, name="history"),
    path("mocks/<int:pk>/", room_views.room, name="room"),
    path("mocks/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("mocks/<int:pk>/no-show/", views.no_show, name="no_show"),
    path("mocks/<int:pk>/feedback/", feedback, name="feedback"),
    path("mocks/<int:pk>/report/", report, name="report"),
    path("mocks/<int:pk>/block/", block, name="block"),
]
