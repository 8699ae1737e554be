# Who could see or change billing's record of emails (billing.SentEmail) can do the same with
# mail.Email, which took its table and rows in 0001: groups and users keep their access.

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

ACTIONS = ("view", "change", "add", "delete")


def carry_permissions(apps, schema_editor):
    # The permissions of the new model are made after the migrations; make them now.
    config = apps.get_app_config("mail")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    for action in ACTIONS:
        old = Permission.objects.filter(
            content_type__app_label="billing", codename=f"{action}_sentemail"
        ).first()
        new = Permission.objects.filter(
            content_type__app_label="mail", codename=f"{action}_email"
        ).first()
        if old is None or new is None:
            continue
        for group in old.group_set.all():
            group.permissions.add(new)
        for user in old.user_set.all():
            user.user_permissions.add(new)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(carry_permissions, migrations.RunPython.noop)]
