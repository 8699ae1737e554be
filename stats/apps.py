from __future__ import annotations

from typing import Any, cast

from django.apps import AppConfig

from alphacode.admin_site import AdminSite


class StatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stats"
    verbose_name = "Owner's dashboard"

    def ready(self) -> None:
        from django.contrib import admin
        from django.urls import path

        from billing.signals import checkout_started, subscription_event_handled

        from .views import dashboard_panel, guides_csv, members_csv, now_csv, weeks_csv

        subscription_event_handled.connect(_subscription_event, dispatch_uid="stats.history")
        checkout_started.connect(_checkout_started, dispatch_uid="stats.checkouts")
        # The owner's dashboard on the admin home, and its CSV exports under /admin/dashboard/.
        site = cast(AdminSite, admin.site)
        site.add_home_panel(dashboard_panel)
        site.add_urls(
            [
                path("dashboard/now.csv", site.admin_view(now_csv), name="stats_now_csv"),
                path("dashboard/weeks.csv", site.admin_view(weeks_csv), name="stats_weeks_csv"),
                path("dashboard/guides.csv", site.admin_view(guides_csv), name="stats_guides_csv"),
                path(
                    "dashboard/members.csv", site.admin_view(members_csv), name="stats_members_csv"
                ),
            ]
        )


def _subscription_event(sender: Any, subscription_id: str, **kwargs: Any) -> None:
    from .history import history_refresh

    history_refresh(subscription_id)


def _checkout_started(
    sender: Any, user: Any, token: str, guide_id: int | None, **kwargs: Any
) -> None:
    from .attribution import checkout_record

    checkout_record(user_id=user.pk, token=token, guide_id=guide_id)
