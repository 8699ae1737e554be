from django.urls import path

from . import views

app_name = "practice"
urlpatterns = [
    path("problems/<slug:slug>/", views.problem, name="problem"),
    path("problems/<slug:slug>/session/", views.session, name="session"),
    path("problems/<slug:slug>/code/", views.code, name="code"),
    path("problems/<slug:slug>/solves/", views.solves, name="solves"),
    path("problems/<slug:slug>/hints/", views.hints, name="hints"),
    path("problems/<slug:slug>/solution/", views.solution, name="solution"),
    path("problems/<slug:slug>/help/", views.help_page, name="help"),
]
