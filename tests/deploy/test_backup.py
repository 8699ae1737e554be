"""Backups: the script that docker compose's `backup` service runs dumps the test database
(pg_dump, custom format) and restores it into a new database, and nothing is lost: the same
rows, the same guide pages. It keeps the newest 14 dumps, and a failed dump is never kept. Its
health check wants the database to answer and a dump from the last 25 hours (or a daily loop
younger than that)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml
from django.conf import settings
from django.db import connections
from django.utils import timezone

from articles.services import guide_files, guides_import
from billing.models import Customer

from ..conftest import CONTENT, ROOT, database_url, free_port, wait_for
from ..factories import SubscriptionFactory, UserFactory

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def backup_script() -> Path:
    """The repository file that the compose service mounts and runs as its entrypoint."""
    service = COMPOSE["services"]["backup"]
    for volume in service["volumes"]:
        source, _, target = volume.partition(":")
        if target.split(":")[0] == service["entrypoint"][0]:
            return ROOT / source
    raise AssertionError("the backup service does not run a script from the repository")


def libpq_env(database: str, **extra: str) -> dict[str, str]:
    """The service's environment, pointed at the test's Postgres."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"] or "",
        "PGDATABASE": database,
        **extra,
    }


def backup(
    *args: str, database: str, backup_dir: Path, **extra: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(backup_script()), *args],
        env=libpq_env(database, BACKUP_DIR=str(backup_dir), **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    drop = ["dropdb", "--if-exists", "--force", name]
    subprocess.run(drop, env=libpq_env("postgres"), check=True, timeout=60)
    yield name
    subprocess.run(drop, env=libpq_env("postgres"), check=True, timeout=60)


def rows(database: str, query: str) -> list[tuple]:
    with psycopg.connect(database_url(database)) as conn:
        return conn.execute(query).fetchall()


def table_sizes(database: str) -> dict[str, int]:
    with psycopg.connect(database_url(database)) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for (name,) in tables
        }


# Renders pages with Django's test client in a process of its own on the given database, with
# the local-memory cache, so no page can come from a cache the other database filled.
RENDER = """
import json, sys
import django
django.setup()
from django.test import Client
from accounts.models import User
from articles.models import Guide
paths = ["/", "/guides/"] + [g.get_absolute_url() for g in Guide.objects.published()]
pages = {}
for reader in ("", *sys.argv[2:]):
    client = Client()
    if reader:
        client.force_login(User.objects.get(email=reader))
    for path in paths:
        response = client.get(path)
        pages[f"{reader or 'visitor'} {path}"] = [response.status_code, response.content.decode()]
with open(sys.argv[1], "w") as out:
    json.dump(pages, out)
"""
# Differ on every request, whatever the database: the CSP nonce and the masked CSRF token.
PER_REQUEST = re.compile(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"')


def rendered_pages(database: str, readers: list[str], out: Path) -> dict[str, list]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="alphacode.settings",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url(database),
        REDIS_URL="",
        EMAIL_URL="console:",
    )
    subprocess.run(
        [sys.executable, "-c", RENDER, str(out), *readers],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    pages = json.loads(out.read_text())
    return {
        path: [status, PER_REQUEST.sub(r'\1=""', html)] for path, (status, html) in pages.items()
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database_with_nothing_lost(
    tmp_path: Path, restored_name: str
) -> None:
    guides_import(guide_files([CONTENT]))
    subscriber = SubscriptionFactory(user=UserFactory(email="subscriber@example.com")).user
    Customer.objects.create(user=subscriber, stripe_customer_id="cus_backup")
    SubscriptionFactory(
        user=UserFactory(email="canceled@example.com"),
        status="canceled",
        ended_at=timezone.now() - dt.timedelta(days=3),
    )
    UserFactory(email="visitor@example.com")
    original = settings.DATABASES["default"]["NAME"]
    # The pool's idle connections would keep the original busy; the dump needs none of them.
    connections.close_all()

    dumped = backup("now", database=original, backup_dir=tmp_path / "backups")
    assert dumped.returncode == 0, dumped.stderr
    dump = Path(dumped.stdout.strip())
    assert dump.parent == tmp_path / "backups"
    assert dump.name.endswith(".dump")
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    restored = backup("restore", str(dump), restored_name, database=original, backup_dir=tmp_path)
    assert restored.returncode == 0, restored.stderr

    assert table_sizes(restored_name) == table_sizes(original)
    for query in (
        "SELECT * FROM accounts_user ORDER BY id",
        "SELECT * FROM billing_subscription ORDER BY id",
        "SELECT * FROM billing_customer ORDER BY id",
    ):
        assert rows(restored_name, query) == rows(original, query), query
    assert len(rows(original, "SELECT * FROM billing_subscription")) == 2

    readers = ["subscriber@example.com", "canceled@example.com"]
    before = rendered_pages(original, readers, tmp_path / "original.json")
    after = rendered_pages(restored_name, readers, tmp_path / "restored.json")
    demo_guides = len(list((ROOT / "content" / "guides").glob("*.md")))
    assert len(before) == 3 * (2 + demo_guides)  # three readers: home, library and each guide
    assert {status for status, _ in before.values()} == {200}
    for page, (status, html) in before.items():
        assert after[page] == [status, html], page
    premium = "visitor /guides/fine-tuning-vs-prompting/"
    assert before[premium][1] != before[premium.replace("visitor", readers[0])][1]


@pytest.mark.django_db
def test_each_backup_keeps_the_newest_fourteen_dumps(tmp_path: Path) -> None:
    database = settings.DATABASES["default"]["NAME"]
    older = [
        tmp_path / f"{database}-2026-01-{day:02d}T030000Z.dump" for day in range(1, 16)
    ]  # fifteen nights of older dumps
    for path in older:
        path.write_bytes(b"PGDMP")
    other = tmp_path / "otherdb-2025-01-01T030000Z.dump"
    other.write_bytes(b"PGDMP")

    result = backup("now", database=database, backup_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    newest = Path(result.stdout.strip())
    kept = sorted(tmp_path.glob(f"{database}-*.dump"))
    assert len(kept) == 14
    assert kept == sorted([newest, *older[-13:]])
    assert other.exists()  # another database's dumps are not this one's to prune


@pytest.mark.django_db
def test_a_failed_backup_keeps_no_file_and_prunes_nothing(tmp_path: Path) -> None:
    old = [tmp_path / f"missing_db-2026-01-{day:02d}T030000Z.dump" for day in range(1, 15)]
    for path in old:
        path.write_bytes(b"PGDMP")

    result = backup("now", database="missing_db", backup_dir=tmp_path)

    assert result.returncode != 0
    assert "backup of missing_db failed" in result.stderr
    assert sorted(tmp_path.iterdir()) == old


@pytest.mark.django_db
def test_a_restore_never_writes_into_an_existing_database(tmp_path: Path) -> None:
    database = settings.DATABASES["default"]["NAME"]
    dumped = backup("now", database=database, backup_dir=tmp_path)
    assert dumped.returncode == 0, dumped.stderr

    result = backup(
        "restore", dumped.stdout.strip(), database, database=database, backup_dir=tmp_path
    )

    assert result.returncode != 0
    assert "already exists" in result.stderr


def age(path: Path, *, hours: float) -> None:
    """Make the file look written this many hours ago."""
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


@pytest.mark.django_db
def test_the_health_check_wants_a_dump_from_the_last_25_hours(tmp_path: Path) -> None:
    database = settings.DATABASES["default"]["NAME"]

    def health(**extra: str) -> subprocess.CompletedProcess:
        return backup("health", database=database, backup_dir=tmp_path, **extra)

    never = health()
    assert never.returncode != 0
    assert f"no dump of {database} finished in the last 25 hours" in never.stderr

    dumped = backup("now", database=database, backup_dir=tmp_path)
    assert dumped.returncode == 0, dumped.stderr
    dump = Path(dumped.stdout.strip())
    assert health().returncode == 0
    age(dump, hours=24.9)  # last night's, the next one not finished yet
    assert health().returncode == 0
    # A night missed: unhealthy, whatever else lies in the directory.
    age(dump, hours=25.1)
    for other in (f"otherdb-{dump.name}", f"{dump.name}.partial"):
        (tmp_path / other).write_bytes(b"PGDMP")
    late = health()
    assert late.returncode != 0
    assert f"no dump of {database} finished in the last 25 hours" in late.stderr

    # A fresh dump, but the database does not answer: tonight's dump would fail.
    age(dump, hours=1)
    down = health(PGHOST="127.0.0.1", PGPORT=str(free_port()))
    assert down.returncode != 0
    assert "the database does not answer" in down.stderr


@pytest.mark.django_db
def test_a_new_daily_loop_is_healthy_until_its_first_night_is_late(tmp_path: Path) -> None:
    database = settings.DATABASES["default"]["NAME"]
    hour = (dt.datetime.now(dt.UTC).hour + 12) % 24  # its first dump is hours away
    loop = subprocess.Popen(
        ["sh", str(backup_script()), "daily"],
        env=libpq_env(database, BACKUP_DIR=str(tmp_path), BACKUP_HOUR=str(hour)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: the loop and its sleep end together
    )
    try:
        wait_for(lambda: (tmp_path / ".daily-started").exists(), timeout=30)
        started = backup("health", database=database, backup_dir=tmp_path)
        assert started.returncode == 0, started.stderr
    finally:
        os.killpg(loop.pid, signal.SIGTERM)
        loop.communicate(timeout=30)
    assert not list(tmp_path.glob("*.dump"))
    # The loop was started 25 hours ago and has dumped nothing since: a night is missed.
    age(tmp_path / ".daily-started", hours=25.1)
    assert backup("health", database=database, backup_dir=tmp_path).returncode != 0
