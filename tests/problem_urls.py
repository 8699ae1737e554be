"""The site's URLs with a stand-in for the problem page's name (`practice:problem`), for tests of
pages that link to problems while the problem page itself is not in the site's URLs."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from alphacode.urls import urlpatterns as site


def problem(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug, content_type="text/plain")


urlpatterns = [
    *site,
    path("", include(([path("problems/<slug:slug>/", problem, name="problem")], "practice"))),
]
