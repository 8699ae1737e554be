"""Editors may view campaigns (the group is articles.reference_data's; its permissions are set
again now that the campaign permissions exist)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from articles.reference_data import create_reference_data


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("mailings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    create_reference_data(
        apps.get_model("articles", "Track"),
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0002_skipped"),
        ("articles", "0006_rich_blocks_images_revisions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
