"""Editors may view campaigns (the group is articles.reference_data's; its permissions are set
again now that the campaign permissions exist)."""

from django.db import migrations

from articles.reference_data import reference_data_migration


def forwards(apps, schema_editor):
    reference_data_migration(apps, "mailings")


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0002_skipped"),
        ("articles", "0006_rich_blocks_images_revisions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
