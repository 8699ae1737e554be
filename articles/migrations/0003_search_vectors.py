"""Stored full-text vectors for search, GIN-indexed on Postgres (SQLite, the embedded default,
keeps the columns but has no GIN indexes: its search is a plain substring match)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from articles.migration_ops import PostgresOnly


def fill_vectors(apps, schema_editor):
    from django.contrib.postgres.search import SearchVector

    Guide = apps.get_model("articles", "Guide")

    def vector(field):
        return (SearchVector("title", weight="A", config="english")
                + SearchVector("dek", weight="B", config="english")
                + SearchVector(field, weight="C", config="english"))

    Guide.objects.update(search_preview=vector("preview_text"), search_full=vector("full_text"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_tracks_and_editors"),
    ]

    operations = [
        migrations.AddField(
            model_name="guide",
            name="search_full",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="guide",
            name="search_preview",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="guide",
            index=models.Index(
                fields=["track", "status", "published_at"], name="articles_gu_track_i_24e64a_idx"
            ),
        ),
        PostgresOnly(migrations.AddIndex(
            model_name="guide",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_preview"], name="guide_search_preview_gin"
            ),
        )),
        PostgresOnly(migrations.AddIndex(
            model_name="guide",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_full"], name="guide_search_full_gin"
            ),
        )),
        PostgresOnly(migrations.RunPython(fill_vectors, migrations.RunPython.noop)),
    ]
