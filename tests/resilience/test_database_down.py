"""Postgres unreachable: the webhook answers 5xx (so Stripe retries) and readers get a clean
page, never a traceback. A real server process (gunicorn, production settings) is started with
its database pointed at a port where nothing listens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from ..conftest import ROOT, WEBHOOK_SECRET, free_port, wait_for
from ..fake_stripe import signed


@pytest.fixture(scope="module")
def server_without_database():
    static_root = tempfile.mkdtemp(prefix="alphacode-static-")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "alphacode.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "resilience-test-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "EMAIL_URL": "smtp://127.0.0.1:1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/alphacode",
        "DATABASE_POOL_TIMEOUT": "1",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],  # this test worker's
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "alphacode.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            urllib.request.urlopen(f"{base}/robots.txt", timeout=2)
            return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    wait_for(up, timeout=60)
    yield base
    process.terminate()
    process.wait(timeout=30)
    shutil.rmtree(static_root, ignore_errors=True)


def fetch(url: str, **kwargs) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, **kwargs)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_webhook_answers_5xx_so_stripe_retries(server_without_database) -> None:
    body, header = signed({"id": "evt_db_down", "type": "invoice.paid"}, WEBHOOK_SECRET)
    status, text, _ = fetch(
        f"{server_without_database}/billing/webhook/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )
    assert status == 503
    assert "could not be stored" in text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/guides/",
        "/guides/fine-tuning-vs-prompting/",
        "/search/?q=latency",
        "/feed/",
        "/sitemap.xml",
    ],
)
def test_pages_show_a_clean_error_page(server_without_database, path: str) -> None:
    started = time.monotonic()
    status, text, headers = fetch(server_without_database + path)
    assert status == 503
    assert "We’ll be back in a moment" in text
    assert "Traceback" not in text
    assert "OperationalError" not in text
    assert headers.get("Retry-After") == "30"
    assert time.monotonic() - started < 10


def test_healthz_reports_the_database_down(server_without_database) -> None:
    status, text, _ = fetch(server_without_database + "/healthz")
    assert status == 503
    assert '"database": "error' in text
    assert '"cache": "ok"' in text


def test_pages_that_need_no_database_still_work(server_without_database) -> None:
    for path in ("/pricing/", "/robots.txt"):
        status, _text, _ = fetch(server_without_database + path)
        assert status == 200, path
