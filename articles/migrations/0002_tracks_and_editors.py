"""The five tracks, and the "Editors" group that may manage content and nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRACKS = [
    ("coding", "Coding Interviews",
     "Patterns that turn unfamiliar problems into familiar ones, and how to narrate them."),
    ("system-design", "System Design Interviews",
     "Requirements, estimates, tradeoffs and the failure modes interviewers probe."),
    ("behavioral", "Behavioral Interviews",
     "Stories with scope, metrics and judgment that survive follow-up questions."),
    ("mock-interviews", "Mock Interviews",
     "Rehearsal that produces signal: formats, partners, rubrics and recovery drills."),
    ("ml-ai-engineering", "ML & AI Engineering Interviews",
     "Systems, evaluation, cost and latency: the engineering bar for ML and AI roles."),
]
CONTENT_MODELS = ["track", "guide", "section", "block"]


def forwards(apps, schema_editor):
    Track = apps.get_model("articles", "Track")
    for position, (slug, title, description) in enumerate(TRACKS):
        Track.objects.update_or_create(
            slug=slug, defaults={"title": title, "description": description, "position": position}
        )
    # Permissions are normally created after migrate; the group needs them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        Permission.objects.filter(content_type__app_label="articles", content_type__model__in=CONTENT_MODELS)
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
