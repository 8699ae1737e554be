"""The Celery application: configured from Django settings (CELERY_*), tasks found per app; and
the retry policy every app's tasks share."""

import os
from typing import Any

import redis
from celery import Celery
from django.db import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

app = Celery("alphacode")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How a task that failed for a passing reason is retried (late acks and reject-on-worker-lost are
# on for every task, settings.CELERY_TASK_*): `@shared_task(autoretry_for=..., **RETRY)`.
RETRY: dict[str, Any] = {
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}
# Worth another attempt in any task: the database briefly away, or Redis.
SERVICES_AWAY = (OperationalError, redis.ConnectionError, redis.TimeoutError)
