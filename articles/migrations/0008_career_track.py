"""The sixth track, Career & Compensation, for an installation made when there were five (a
fresh one gets it from 0002). An editor's later changes to it are kept: made only if missing."""

from django.db import migrations

from articles.reference_data import TRACKS


def forwards(apps, schema_editor):
    Track = apps.get_model("articles", "Track")
    for position, (slug, title, description) in enumerate(TRACKS):
        if slug == "career":
            Track.objects.get_or_create(
                slug=slug,
                defaults={"title": title, "description": description, "position": position},
            )


def backwards(apps, schema_editor):
    # A track with guides is kept (its guides would have nowhere to go).
    Track = apps.get_model("articles", "Track")
    Track.objects.filter(slug="career", guides__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_block_kinds_from_the_registry")]

    operations = [migrations.RunPython(forwards, backwards)]
