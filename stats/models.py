"""The owner's dashboard keeps no rows of its own yet; this model only carries its permission."""

from __future__ import annotations

from django.db import models


class Dashboard(models.Model):
    """No table: the `view_dashboard` permission (revenue and members on the admin home)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", "Can view the owner's dashboard (revenue, members)")]

    def __str__(self) -> str:
        return "The owner's dashboard"
