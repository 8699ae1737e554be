"""Teams app: a manager buys seats (a team subscription's quantity), invites members into them,
and sees the progress of members who choose to share it."""

from django.apps import AppConfig


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"
    verbose_name = "Teams"

    def ready(self) -> None:
        from billing.signals import subscription_synced

        from .receivers import team_subscription_synced

        # Billing knows nothing of teams: it tells us when any subscription syncs.
        subscription_synced.connect(team_subscription_synced, dispatch_uid="teams.synced")
