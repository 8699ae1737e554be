"""Peer mock interviews (issue 23; DESIGN.md, "Mock interviews")."""

from django.apps import AppConfig


class MocksConfig(AppConfig):
    name = "mocks"
    verbose_name = "Mock interviews"

    def ready(self) -> None:
        from articles.axes import register_axes

        from .rubric import AXES

        # Guides name the rubric's axes they train in their front matter (articles checks them).
        register_axes((axis.key, axis.name) for axes in AXES.values() for axis in axes)
