"""What can be checked of the Docker deployment without a Docker engine: the compose file
parses, its services are complete, and every command names something that exists."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from ..conftest import ROOT, wait_for

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SERVICES = COMPOSE["services"]
DJANGO_SERVICES = ("migrate", "web", "asgi", "worker", "beat")


def test_compose_has_every_service_with_health_checks_and_named_volumes() -> None:
    assert set(SERVICES) == {
        "migrate",
        "web",
        "asgi",
        "worker",
        "beat",
        "postgres",
        "redis",
        "proxy",
        "backup",
    }
    # Every service that keeps running says whether it is well; the one-shot migrate exits.
    long_running = {name for name, service in SERVICES.items() if service["restart"] != "no"}
    assert long_running == set(SERVICES) - {"migrate"}
    for name in long_running:
        healthcheck = SERVICES[name]["healthcheck"]
        assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert len(healthcheck["test"]) > 1, name
        assert {"interval", "timeout", "retries"} <= set(healthcheck), name
    assert set(COMPOSE["volumes"]) == {
        "pgdata",
        "redisdata",
        "beat",
        "backups",
        "caddy_data",
        "caddy_config",
        "media",
    }
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    # Guide images outlive the container, where the web service's settings put them.
    assert "media:/var/lib/alphacode/media" in SERVICES["web"]["volumes"]
    for name in DJANGO_SERVICES:
        assert SERVICES[name]["environment"]["DJANGO_MEDIA_ROOT"] == "/var/lib/alphacode/media"


def test_django_services_share_one_env_file_and_wait_for_their_dependencies() -> None:
    for name in DJANGO_SERVICES:
        service = SERVICES[name]
        assert service["env_file"] == ".env", name
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
    for name in ("web", "asgi", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_compose_commands_name_real_modules() -> None:
    web = SERVICES["web"]["command"]
    assert web[0] == "gunicorn"
    module, attribute = web[1].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    # daphne serves the ASGI application (websockets) on the port the proxy sends /ws/* to.
    asgi = SERVICES["asgi"]["command"]
    assert asgi[:5] == ["daphne", "-b", "0.0.0.0", "-p", "8001"]
    assert importlib.import_module("daphne.cli").CommandLineInterface
    module, attribute = asgi[5].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert asgi[5].replace(":", ".") == settings.ASGI_APPLICATION
    for name in ("worker", "beat"):
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "alphacode"]
        assert importlib.import_module("alphacode").celery_app.main == "alphacode"
        assert command[3] == name
    migrate = SERVICES["migrate"]["command"]
    assert migrate[:2] == ["python", "manage.py"]
    assert migrate[2] in get_commands()
    assert (ROOT / "manage.py").exists()


def test_backup_service_dumps_the_app_database_daily_to_its_volume_with_the_repo_script() -> None:
    backup = SERVICES["backup"]
    assert backup["image"] == SERVICES["postgres"]["image"]  # pg_dump matches the server
    assert backup["depends_on"]["postgres"]["condition"] == "service_healthy"
    script, mounted = backup["volumes"][0].split(":")[:2]
    assert backup["entrypoint"] == [mounted]
    assert os.access(ROOT / script, os.X_OK)
    assert backup["command"] == ["daily"]
    assert "daily)" in (ROOT / script).read_text()
    # Its health check is the same script's (tests/deploy/test_backup.py runs it).
    assert backup["healthcheck"]["test"] == ["CMD", mounted, "health"]
    assert "health)" in (ROOT / script).read_text()
    environment = backup["environment"]
    assert f"backups:{environment['BACKUP_DIR']}" in backup["volumes"]
    assert environment["BACKUP_KEEP"] == "14"
    postgres = SERVICES["postgres"]["environment"]
    assert (environment["PGHOST"], environment["PGUSER"], environment["PGDATABASE"]) == (
        "postgres",
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_DB"],
    )
    assert environment["PGPASSWORD"] == postgres["POSTGRES_PASSWORD"]


def test_beat_is_healthy_while_it_keeps_writing_its_schedule(tmp_path: Path, broker) -> None:
    beat = SERVICES["beat"]
    check = beat["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    (schedule_option,) = (part for part in beat["command"] if part.startswith("--schedule="))
    schedule = schedule_option.removeprefix("--schedule=")
    assert f"beat:{Path(schedule).parent}" in beat["volumes"]
    here = tmp_path / Path(schedule).name
    code = check[3].replace(schedule, str(here))
    assert code != check[3]

    def healthy() -> bool:
        return subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0

    assert not healthy()  # nothing written yet
    # The real beat, with this app's schedule, writes the file as it starts.
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "alphacode", "beat", f"--schedule={here}"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": broker.url, "DJANGO_SETTINGS_MODULE": "alphacode.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(healthy, timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # Nothing of it written for over 10 minutes: a beat that stopped ticking.
    written = list(tmp_path.glob(f"{here.name}*"))
    long_ago = time.time() - 11 * 60
    for path in written:
        os.utime(path, (long_ago, long_ago))
    assert not healthy()
    # Python's sqlite3 dbm writes to the -wal file beside the schedule between checkpoints.
    (tmp_path / f"{here.name}-wal").touch()
    assert healthy()


def test_dockerfile_builds_a_non_root_image_with_static_files_and_gunicorn() -> None:
    assert re.search(r"^FROM python:3\.13-slim", DOCKERFILE, re.M)
    assert re.search(r"^USER app", DOCKERFILE, re.M)
    assert "collectstatic --noinput" in DOCKERFILE
    assert '"gunicorn", "alphacode.wsgi:application"' in DOCKERFILE
    assert ".venv" in (ROOT / ".dockerignore").read_text()


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "alphacode.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 20 + "production-grade-secret-key-with-entropy-0123456789",
            "DJANGO_ALLOWED_HOSTS": "alphacode.example.com",
            "EMAIL_URL": "smtp+tls://user:pass@smtp.example.com:587",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],  # this test worker's
            **extra,
        }
    )
    return env


def test_check_deploy_reports_nothing_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"EMAIL_URL": "console:"}, "EMAIL_URL must name a real (smtp) mailer"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, message) -> None:
    env = production_env(**missing)
    if not missing.get("DJANGO_SECRET_KEY", "set"):
        env.pop("DJANGO_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_are_strict() -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'],"
        " s.DATABASES['default']['OPTIONS']['pool']['max_size'] > 0, s.SECURE_CSP['script-src'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:5] == [
        "True",
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
    ]
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in result.stdout
    assert "CSP_NONCE_SENTINEL" in result.stdout  # scripts only with the per-request nonce
    assert "unsafe-inline" not in result.stdout
