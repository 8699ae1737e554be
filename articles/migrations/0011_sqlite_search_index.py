"""On SQLite (the embedded default), an FTS5 index of the guides, the counterpart of the
Postgres search vectors: title, dek, and the preview and full text, stemmed as Postgres's
english configuration does. Postgres keeps no such table."""

from django.db import migrations

TABLE = "articles_guide_search"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    Guide = apps.get_model("articles", "Guide")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
            "title, dek, preview_text, full_text, tokenize = 'porter unicode61')"
        )
        rows = Guide.objects.values_list("pk", "title", "dek", "preview_text", "full_text")
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, title, dek, preview_text, full_text) "
            "VALUES (%s, %s, %s, %s, %s)",
            list(rows),
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_guide_axes"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
