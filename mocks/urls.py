from django.urls import path

from . import views

app_name = "mocks"
urlpatterns = [
    path("mocks/", views.mocks, name="mocks"),
]
