from django.urls import path

from . import views

app_name = "gifts"
urlpatterns = [
    path("gift/", views.gift, name="gift"),
    path("gift/thanks/", views.thanks, name="thanks"),
    path("gift/redeem/<str:token>/", views.redeem, name="redeem"),
]
