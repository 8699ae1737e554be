"""A problem's revisions (the whole problem as Markdown, as each import or editor's save left
it), and the Editors group's permissions to write problems: add, change and view (the group is
articles.reference_data's; its permissions are set again now that the problems' exist)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from articles.reference_data import reference_data_migration


def editors_write_problems(apps, schema_editor):
    reference_data_migration(apps, "practice")


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0002_attempts_solves_diagnostic'),
        # The group's other permissions (articles', mailings') exist by then: setting them
        # again keeps them.
        ('mailings', '0003_editors_watch_campaigns'),
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
