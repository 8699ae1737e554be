"""Shared fixtures. The suite runs on the real Postgres and Redis of alphacode.settings_test."""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client

from accounts.models import User
from alphacode.celery import app
from articles.models import Guide
from articles.reference_data import EDITORS, create_patterns, create_reference_data
from articles.services import guide_files, guides_import

from .factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "guides"
SEED_SLUG = "fine-tuning-vs-prompting"


def ensure_reference_data() -> None:
    """The rows the data migrations make (tracks, patterns, the Editors group). A transactional
    test empties every table when it ends, so the tests after it put them back."""
    from django.contrib.auth.models import Permission

    from articles.models import Pattern, Track

    create_reference_data(Track, Group, Permission)
    create_patterns(Pattern)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every test with the database finds the reference rows: a transactional test starts after
    another emptied the tables, and in parallel (pytest-xdist) a test may run after one that did
    (one query when the rows are there)."""
    from articles.models import Track

    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()
    elif marker or {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
        request.getfixturevalue("transactional_db" if transactional else "db")
        if not Track.objects.exists():
            ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    caches["local"].clear()
    yield
    cache.clear()
    caches["local"].clear()


@pytest.fixture
def seed_guide(db) -> Guide:
    guides_import(guide_files([CONTENT / f"{SEED_SLUG}.md"]))
    return Guide.objects.select_related("track").get(slug=SEED_SLUG)


@pytest.fixture
def reader(db) -> User:
    return UserFactory()


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")


@pytest.fixture
def editor(db) -> User:
    user = UserFactory(is_staff=True, email="editor@example.com")
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


def signed_in(user: User) -> Client:
    """A test client signed in as this user."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff: User) -> Client:
    return signed_in(staff)


@pytest.fixture
def editor_client(editor: User) -> Client:
    return signed_in(editor)


@contextmanager
def held_after_query(call: Callable[[], Any], sql_fragment: str) -> Iterator[dict[str, Any]]:
    """Run `call` in a thread that is held right after its first query whose SQL contains
    `sql_fragment` (it has read the rows, and has done nothing with them yet) while the body of
    the `with` runs; then let it finish. Yields a dict that gets the call's "result"."""
    held, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql_fragment in sql and not held.is_set():
            held.set()
            release.wait(timeout=30)
        return result

    def run() -> None:
        try:
            with connection.execute_wrapper(hold):
                outcome["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc
        finally:
            held.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(timeout=30), f"no query with {sql_fragment!r}"
    try:
        yield outcome
    finally:
        release.set()
        thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]


WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def fake_stripe(settings):
    """A fake Stripe API on a local port, with the site's Stripe settings pointed at it."""
    from .fake_stripe import FakeStripe, serve

    fake = FakeStripe()
    server = serve(fake)
    price = fake.add_price()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = fake.base_url
    settings.STRIPE_PRICE_ID = price["id"]
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield fake
    server.shutdown()
    server.server_close()
    # Every request the site made is one Stripe's API defines (tests/stripe_params.py): a
    # refused one fails the test even where the site handled the refusal gracefully.
    assert not fake.refused, f"Stripe would refuse these requests: {fake.refused}"


def new_subscription(fake, user: User, status: str = "active") -> dict:
    """A subscription (and its customer) that the fake Stripe knows, made out to this user."""
    price = next(iter(fake.prices.values()))
    customer = {"id": fake.new_id("cus"), "object": "customer", "email": user.email}
    fake.customers[customer["id"]] = customer
    sub = fake.subscription_object(
        customer=customer["id"], price=price, metadata={"user_id": str(user.pk)}, status=status
    )
    fake.subscriptions[sub["id"]] = sub
    return sub


@pytest.fixture
def post_event(client: Client, django_capture_on_commit_callbacks):
    """Deliver a signed webhook event to the endpoint, as Stripe would. The test's transaction
    never commits, so the after-commit queueing is run as a real commit would run it."""
    from .fake_stripe import signed

    def deliver(payload: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
        body, header = signed(payload, secret, timestamp=timestamp)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/billing/webhook/",
                body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )

    return deliver


# --- A real Redis broker and a real Celery worker ---------------------------------------------


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout}s")


def database_url(name: str | None = None) -> str:
    """DATABASE_URL for a process the test starts: the test database, or another database on
    the same server. A transactional test's committed rows are what such a process sees."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{name or db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A Redis of our own for the broker, so a test can stop and restart it. With appendonly,
    a restart keeps what was queued, as the deployment's Redis (`--appendonly yes`) does."""

    def __init__(self, *, appendonly: bool = False) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="alphacode-redis-")
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def broker() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


def reset_broker_pools() -> None:
    """Forget pooled broker connections (the URL changed, or the broker restarted)."""
    from kombu import pools

    pools.reset()
    app._after_fork()


@contextmanager
def tasks_sent_to(broker: RedisServer) -> Iterator[RedisServer]:
    """Tasks queued by this process go to this broker instead of running inline."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = broker.url
    app.conf.task_always_eager = False
    reset_broker_pools()
    try:
        yield broker
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset_broker_pools()


@pytest.fixture
def on_broker(broker: RedisServer) -> Iterator[RedisServer]:
    """Tasks go to the real broker instead of running inline."""
    if not broker.answers():
        broker.start()
    with tasks_sent_to(broker):
        yield broker


@pytest.fixture
def worker(on_broker):
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as running:
        yield running


def run_python(
    *args: str, env: dict[str, str], cwd: Path = ROOT, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """This Python with these arguments (`-c CODE ...`, `-m MODULE ...`) in a process of its
    own, its output captured as text; the caller reads the exit code."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def worker_process(broker_url: str, **environ: str) -> subprocess.Popen:
    """A real Celery worker in its own process (so a test can kill it), on the test database
    and this broker, with production-like settings and these environment variables."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alphacode.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "EMAIL_URL": "console:",
        **environ,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "alphacode",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- A real browser --------------------------------------------------------------------------
# Here rather than in tests/browser/: a process can run one Playwright (its sync API refuses a
# second in the same thread), so every browser test, in any folder, shares this one.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install -y chromium)"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def site(live_server, settings) -> str:
    """The live server's URL, with the site's absolute links pointing at it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(**options):
        # axe is injected past the CSP; a test that proves the page's own script runs under the
        # real policy passes bypass_csp=False.
        options.setdefault("bypass_csp", True)
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# --- The ASGI application served for real (websockets) ----------------------------------------


@pytest.fixture
def asgi_site(transactional_db, settings, tmp_path: Path) -> Iterator[str]:
    """The site's ASGI application (alphacode.asgi: pages and websockets) served by daphne on a
    free port, for browser tests of what live_server cannot serve (it is WSGI only). Yields its
    base URL.

    daphne runs as a process of its own (`python -m daphne`, the command compose's `asgi`
    service runs) on the test database (database_url(): the rows a transactional test commits are
    what it sees) and the test's Redis (the channel layer; sessions are read from Postgres, as its
    cache has keys of its own). Channels' own ChannelsLiveServerTestCase (DaphneProcess) does not
    fit: it forks this process, open database pool and all, and names the database test_ once
    more, after pytest-django already has. PYTEST_XDIST_WORKER is left out of its environment, or
    settings_test would move its Redis database down a second time. Static files come from the
    finders (DEBUG, WhiteNoise), so static/build must be built first (make test does). Its
    output goes to the test's tmp_path, and is shown when it does not start."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alphacode.settings_test",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    command = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "alphacode.asgi:application"]
    log_path = tmp_path / "daphne.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

        def answers() -> bool:
            assert process.poll() is None, log_path.read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                return False

        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(answers, timeout=30)
            settings.SITE_URL = url
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


# --- A real SMTP server -----------------------------------------------------------------------


class SmtpSink:
    """Keeps every message it is sent. `before_reply`, if set, runs once a message is in and
    before the server answers 250 (the sender is still waiting for the answer)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[email.message.Message] = []
        self.raw: list[bytes] = []  # each message as it came over the wire
        self.mail_options: list[list[str]] = []  # each MAIL FROM's options (BODY=8BITMIME)
        self.before_reply: Callable[[], None] | None = None
        # Address -> the answers its next RCPT TOs get ("550 ...", "451 ..."); then accepted.
        self.refuse: dict[str, list[str]] = {}
        # The answer to every MAIL FROM while set (a suspended account: "554 5.7.1 ...").
        self.refuse_sender: str | None = None
        # After this many messages, every DATA gets `data_refusal` (a provider's daily quota).
        self.quota: int | None = None
        self.data_refusal = "550 5.4.5 Daily sending quota exceeded"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        answers = self.refuse.get(address)
        if answers:
            return answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.quota is not None and len(self.messages) >= self.quota:
            return self.data_refusal
        self.messages.append(email.message_from_bytes(envelope.content))
        self.raw.append(envelope.content)
        self.mail_options.append(list(envelope.mail_options))
        if self.before_reply is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.before_reply)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()
