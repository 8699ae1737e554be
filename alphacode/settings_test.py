"""Test settings: the real services (Postgres and Redis), fast hashing, captured email."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alphacode")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("EMAIL_URL", "locmem:")
# In parallel (pytest-xdist), each worker has a Redis database of its own (15, 14, ...; the tests
# flush theirs), as pytest-django gives each its own test database (test_alphacode_gw0, ...).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    os.environ["REDIS_URL"] = f"{_base}/{int(_db) - int(_worker[2:])}"

# The settings read the environment set above.
from .settings import *  # noqa: E402, F403
from .settings import CACHES, DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = f"alphacode-test-{os.getpid()}"
# Unit tests run tasks inline; the worker tests start a real worker on Redis explicitly.
CELERY_TASK_ALWAYS_EAGER = True
# Guide view counts reach Redis at each view (a test of the buffered path sets its own).
STATS_FLUSH_SECONDS = 0
# Live-server threads, worker threads and the test itself share one process and its pool.
DATABASES["default"]["OPTIONS"]["pool"]["max_size"] = 30
# Guide images written by tests go to a folder of this run's own.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"alphacode-test-media-{os.getpid()}"
