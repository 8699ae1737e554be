"""The Celery application: configured from Django settings (CELERY_*), tasks found per app; and
the retry policy every app's tasks share."""

import os
from typing import Any

import redis
from celery import Celery
from celery import Task as CeleryTask
from celery.result import denied_join_result
from celery.utils import uuid
from django.db import OperationalError
from kombu import serialization

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")


class Task(CeleryTask):
    """Celery's task, except that run inline (CELERY_TASK_ALWAYS_EAGER, the embedded defaults
    and the tests) it never opens a broker connection: Celery's own eager path borrows a producer
    from the pool only to learn the serializer, which connects to the broker (Redis, or warns
    "No hostname was supplied" for memory://). The arguments still go through the serializer,
    so a task gets what a worker would."""

    def apply_async(
        self,
        args: Any = None,
        kwargs: Any = None,
        task_id: str | None = None,
        producer: Any = None,
        link: Any = None,
        link_error: Any = None,
        shadow: str | None = None,
        **options: Any,
    ) -> Any:
        if not self.app.conf.task_always_eager:
            return super().apply_async(
                args, kwargs, task_id, producer, link, link_error, shadow, **options
            )
        options = {**self._get_exec_options(), **options}  # type: ignore[attr-defined]
        options.setdefault("ignore_result", self.ignore_result)
        serializer = options.get("serializer") or self.app.conf.task_serializer
        content_type, encoding, data = serialization.dumps((args or (), kwargs or {}), serializer)
        args, kwargs = serialization.loads(data, content_type, encoding, accept=[content_type])
        with denied_join_result():
            return self.apply(
                args, kwargs, task_id=task_id or uuid(), link=link, link_error=link_error, **options
            )


app = Celery("alphacode", task_cls=Task)
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
