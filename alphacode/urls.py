from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Alpha Code editors"
admin.site.site_title = "Alpha Code admin"
admin.site.index_title = "Content and operations"

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin's).
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("articles.urls")),
]
