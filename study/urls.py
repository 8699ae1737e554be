from django.urls import path

from . import views

app_name = "study"
urlpatterns = [
    path("progress/", views.progress, name="progress"),
    path("progress/tick/", views.tick, name="tick"),
    path("progress/checklist/", views.tick_block, name="tick_block"),
    path("progress/finished/", views.finish, name="finish"),
    path("progress/position/", views.position, name="position"),
    path("drills/", views.drills, name="drills"),
    path("plan/", views.plan, name="plan"),
]
