"""The five tracks, and the "Editors" group that may manage content and nothing else."""

from django.db import migrations

# The tracks and the group come from articles.reference_data rather than a frozen copy here:
# they are one fact, and the tests put the same rows back after a transactional test. A fresh
# database gets the current list; changing the list for an existing database takes a new data
# migration (or the admin), as it would with a frozen copy. reference_data imports no model, so
# this migration stays runnable whatever the models become.
from articles.reference_data import EDITORS, reference_data_migration


def forwards(apps, schema_editor):
    reference_data_migration(apps, "articles")


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
