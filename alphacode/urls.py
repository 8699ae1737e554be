from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

# Staff sign in through the site's own form, which has allauth's rate limits, email
# verification and no enumeration; the admin's form had none of them.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: the hashed static name only exists once static files are collected.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    # Reader pages first: they are most of the traffic, and Django tries patterns in order (no
    # two of these apps' patterns match the same path).
    path("", include("reader.urls")),
    # The problem page is a reader page too (and its runner's endpoints sit beside it).
    path("", include("practice.urls")),
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin's).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("study.urls")),
    path("", include("practice.practice_urls")),
    path("", include("mocks.urls")),
    path("", include("mailings.urls")),
    path("", include("gifts.urls")),
    path("", include("teams.urls")),
]
