"""A problem's revisions (the whole problem as Markdown, as each import or editor's save left
it), and the Editors group's permissions to write problems: add, change and view (as
articles.reference_data gives them to a group it makes; only these are added here, and nothing
else of the group's, nor the tracks, is touched)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from articles.reference_data import EDITORS, PROBLEM_PERMISSIONS


def editors_write_problems(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("practice")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    editors = apps.get_model("auth", "Group").objects.filter(name=EDITORS).first()
    if editors is not None:
        editors.permissions.add(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="practice", codename__in=PROBLEM_PERMISSIONS
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0002_attempts_solves_diagnostic'),
        ('articles', '0002_tracks_and_editors'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProblemRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('markdown', models.TextField()),
                ('source', models.CharField(choices=[('editor', 'Markdown editor'), ('form', 'Admin forms'), ('import', 'Import'), ('restore', 'Restore')], max_length=10)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('problem', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='practice.problem')),
            ],
            options={
                'ordering': ('problem', '-number'),
                'constraints': [models.UniqueConstraint(fields=('problem', 'number'), name='problem_revision_unique')],
            },
        ),
        migrations.RunPython(editors_write_problems, migrations.RunPython.noop),
    ]
