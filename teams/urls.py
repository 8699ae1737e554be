from django.urls import path

from . import views

app_name = "teams"
urlpatterns = [
    path("teams/", views.teams, name="teams"),
    path("teams/buy/", views.buy, name="buy"),
    path("teams/invite/", views.invite, name="invite"),
    path("teams/invites/<int:pk>/resend/", views.invite_resend, name="invite_resend"),
    path("teams/invites/<int:pk>/revoke/", views.invite_revoke, name="invite_revoke"),
    path("teams/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("teams/seat/", views.seat_take, name="seat_take"),
    path("teams/leave/", views.leave, name="leave"),
    path("teams/sharing/", views.sharing, name="sharing"),
    path("teams/billing/", views.portal, name="portal"),
    path("teams/join/<str:token>/", views.join, name="join"),
]
