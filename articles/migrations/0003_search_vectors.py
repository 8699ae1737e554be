"""Stored full-text vectors for search, GIN-indexed on Postgres (SQLite, the embedded default,
keeps the columns but has no GIN indexes: its search is a plain substring match)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class PostgresOnly(migrations.operations.base.Operation):
    """Run the wrapped operation's database side only on Postgres; always apply its state."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (Postgres only)"


def fill_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
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
        migrations.RunPython(fill_vectors, migrations.RunPython.noop),
    ]
