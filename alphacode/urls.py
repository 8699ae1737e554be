from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Alpha Code editors"
admin.site.site_title = "Alpha Code admin"
admin.site.index_title = "Content and operations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("articles.urls")),
]
