from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .feeds import LatestGuidesFeed
from .sitemaps import sitemaps

app_name = "reader"
urlpatterns = [
    path("", views.home, name="home"),
    path("guides/", views.guide_list, name="guide_list"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide"),
    path("guides/<slug:slug>/preview/", views.guide_preview, name="guide_preview"),
    path(
        "images/<int:pk>/<str:digest>/<str:access>/<str:variant>",
        views.guide_image,
        name="guide_image",
    ),
    # The address before it carried the image's access: sent on to the current one.
    path("images/<int:pk>/<str:digest>/<str:variant>", views.guide_image),
    path("tracks/<slug:slug>/", views.track_detail, name="track"),
    path("patterns/<slug:slug>/", views.pattern_detail, name="pattern"),
    path("search/", views.search, name="search"),
    path("feed/", LatestGuidesFeed(), name="feed"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
]
