from django.urls import path

from . import views

app_name = "mocks"
urlpatterns = [
    path("mocks/", views.mocks, name="mocks"),
    path("mocks/requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
