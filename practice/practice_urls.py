"""The reader's practice page and the diagnostic (the problem pages are practice.urls)."""

from django.urls import path

from . import diagnostic_views as views

app_name = "training"
urlpatterns = [
    path("practice/", views.practice, name="practice"),
    path("diagnostic/", views.diagnostic, name="diagnostic"),
    path("diagnostic/<int:pk>/", views.diagnostic_take, name="diagnostic_take"),
    path("diagnostic/<int:pk>/answer/", views.diagnostic_answer, name="diagnostic_answer"),
]
