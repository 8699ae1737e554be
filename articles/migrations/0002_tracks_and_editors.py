"""The five tracks, and the "Editors" group that may manage content and nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The tracks and the group come from articles.reference_data rather than a frozen copy here:
# they are one fact, and the tests put the same rows back after a transactional test. A fresh
# database gets the current list; changing the list for an existing database takes a new data
# migration (or the admin), as it would with a frozen copy. reference_data imports no model, so
# this migration stays runnable whatever the models become.
from articles.reference_data import EDITORS, create_reference_data


def forwards(apps, schema_editor):
    # Permissions are normally created after migrate; the group needs them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    create_reference_data(
        apps.get_model("articles", "Track"),
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
