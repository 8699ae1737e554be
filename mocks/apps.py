"""Peer mock interviews (issue 23; DESIGN.md, "Mock interviews"). For now: requesting one."""

from django.apps import AppConfig


class MocksConfig(AppConfig):
    name = "mocks"
    verbose_name = "Mock interviews"
