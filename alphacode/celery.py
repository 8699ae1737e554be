"""The Celery application: configured from Django settings (CELERY_*), tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

app = Celery("alphacode")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
