from django.urls import path

from . import views

app_name = "mailings"
urlpatterns = [
    path("account/email/", views.preferences, name="preferences"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
