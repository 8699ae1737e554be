"""The move of billing's email record to mail keeps who may see it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("mail", None), ("billing", "0006_subscription_monthly_amount")]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_staff_who_could_see_billings_email_record_see_mails_after_the_move() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE).loader.project_state(BEFORE[1:]).apps
    try:
        # As a site deployed before the move has it (made after its migrations then).
        kind, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="billing", model="sentemail"
        )
        permission, _ = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=kind, codename="view_sentemail", defaults={"name": "Can view sent email"}
        )
        group = old.get_model("auth", "Group").objects.create(name="Support")
        group.permissions.add(permission)
        new = migrate(latest).loader.project_state(latest).apps
        support = new.get_model("auth", "Group").objects.get(name="Support")
        codenames = set(support.permissions.values_list("content_type__app_label", "codename"))
        assert ("mail", "view_email") in codenames
    finally:
        migrate(latest)
