"""Practice: problems solved in the reader's browser (issue 22). For now, problems as content:
their Markdown format, checked with CPython at import, stored and exported like guides."""

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"
