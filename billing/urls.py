from django.urls import path

from . import views, webhooks

app_name = "billing"
urlpatterns = [
    path("pricing/", views.pricing, name="pricing"),
    path("billing/checkout/", views.checkout, name="checkout"),
    path("billing/success/", views.success, name="success"),
    path("billing/portal/", views.portal, name="portal"),
    path("billing/webhook/", webhooks.webhook, name="webhook"),
]
