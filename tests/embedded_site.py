"""Every page of the site on the embedded defaults, as a visitor, a new account, a reader with
complimentary access, a subscriber (Checkout and webhooks against the fake Stripe) and staff.

Not a test module: tests/test_embedded_default.py runs it in a subprocess, with the settings
`make run` uses (SQLite, local-memory cache, tasks inline, console email), on a database that
`make run`'s own commands migrated and filled with the demo guides. It drives the whole Django
stack (every middleware, the real URLconf) through django.test.Client, prints one line per
check that failed (the page, what was expected, and the start of what came back) and exits 1
if any did.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sys
import threading
from collections.abc import Callable
from contextlib import redirect_stdout
from html import unescape
from http import HTTPStatus
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")
django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import escape  # noqa: E402

from accounts.models import User  # noqa: E402
from articles.models import Guide, Item, Track  # noqa: E402
from billing.models import ComplimentaryAccess  # noqa: E402
from tests.helpers import csrf_token  # noqa: E402

SEED = "/guides/fine-tuning-vs-prompting/"
FREE = "/guides/two-pointers-and-sliding-windows/"
SEED_TITLE = "Fine-Tuning vs Prompting"
# Text from the seed guide's last section, past its one-section preview.
PAST_THE_CUT = "This section focuses on Day-of checklist"
# A word of the demo guides found only in the seed guide's text past its preview.
ONLY_PAST_THE_CUT = "scaffold"
# Text from the free guide's last section.
FREE_LAST = "do you understand why this works?"
PASSWORD = "a long enough passphrase 42"
JSON = {"HTTP_ACCEPT": "application/json"}

failures: list[str] = []


def excerpt(response: HttpResponse) -> str:
    body = getattr(response, "content", b"").decode(errors="replace")
    # The page's own content, not the head every page shares.
    body = body[max(body.find("<main"), 0) :]
    location = response.get("Location", "")
    return f"status {response.status_code}{f' -> {location}' if location else ''}: {body[:600]!r}"


def check(ok: bool, page: str, what: str, response: HttpResponse) -> bool:
    if not ok:
        failures.append(f"{page}: expected {what}; got {excerpt(response)}")
    return ok


def page(client: Client, path: str, *texts: str, absent: tuple[str, ...] = ()) -> str:
    """GET a page, expect 200, the texts in it and the absent texts not."""
    response = client.get(path)
    if not check(response.status_code == HTTPStatus.OK, path, "200", response):
        return ""
    html = response.content.decode()
    for text in texts:
        check(text in html, path, f"{text!r} in the page", response)
    for text in absent:
        check(text not in html, path, f"{text!r} not in the page", response)
    return html


def post(client: Client, path: str, form_page: str, data: dict, **extra: str) -> HttpResponse:
    """POST as a browser does: with the CSRF token of the page the form is on."""
    return client.post(path, {"csrfmiddlewaretoken": csrf_token(form_page), **data}, **extra)


def new_client() -> Client:
    # The host `make run` serves on; CSRF checked as in a browser.
    return Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8000")


def as_visitor() -> None:
    client = new_client()
    home = page(client, "/", SEED_TITLE)
    # Each track's tile counts its published guides (SQLite counts them with a query).
    tiles = home[home.find('class="track-grid"') :]
    tiles = tiles[: tiles.find("</ul>")]
    counts = [int(n) for n in re.findall(r'<p class="meta">(\d+) guides?</p>', tiles)]
    expected = [Guide.objects.published().filter(track=t).count() for t in Track.objects.all()]
    check(counts == expected, "/", f"the track tiles to count {expected} guides", client.get("/"))
    page(client, "/guides/", *(escape(g.title) for g in Guide.objects.published()))
    page(client, "/guides/?page=1", SEED_TITLE)
    for track in Track.objects.filter(guides__isnull=False).distinct():
        titles = [escape(g.title) for g in track.guides.all()]
        page(client, f"/tracks/{track.slug}/", escape(track.title), *titles)
    page(client, FREE, FREE_LAST, absent=('id="paywall"',))
    page(client, SEED, SEED_TITLE, 'id="paywall"', absent=(PAST_THE_CUT,))
    page(client, "/search/?q=prompting", SEED_TITLE)
    page(client, "/search/?q=sliding+window", "Two Pointers and Sliding Windows")
    page(client, "/search/?q=nothingmatchesthisword", absent=(SEED_TITLE,))
    search_ranks_whole_words(client)
    # Premium text past the preview is not searched for visitors, nor shown in a snippet.
    page(client, f"/search/?q={ONLY_PAST_THE_CUT}", absent=(SEED_TITLE,))
    page(client, "/pricing/", "$19", "Subscriptions are not configured on this site yet.")
    page(client, "/accounts/login/", 'name="password"')
    page(client, "/accounts/signup/", 'name="password2"')
    page(client, "/feed/", SEED_TITLE)
    page(client, "/sitemap.xml", f"{settings.SITE_URL}{SEED}")
    page(client, "/robots.txt", "Sitemap:")
    page(client, "/healthz")
    response = client.get("/progress/")
    check(response.status_code == HTTPStatus.FOUND, "/progress/", "a redirect to sign in", response)


def search_ranks_whole_words(client: Client) -> None:
    """SQLite's FTS5 index: "STAR" puts the guide titled STAR first (ahead of guides with
    "start" in them), its snippet starts and ends on whole words of the text, "INCR" does not
    match inside "increasingly", and FTS5 syntax typed into the box is no error."""
    star = Guide.objects.get(slug="star-stories-that-survive-follow-ups")
    path = "/search/?q=STAR"
    html = page(client, path, escape(star.title))
    links = re.findall(r'<h2 class="result-title"><a href="([^"]+)"', html)
    check(links[:1] == [star.get_absolute_url()], path, "the STAR guide first", client.get(path))
    found = re.search(r'<p class="result-snippet">(.*?)</p>', html, re.DOTALL)
    snippet = unescape(re.sub(r"<[^>]+>", "", found.group(1) if found else "")).strip("… ")
    text = " ".join(star.preview_text.split())
    at = text.find(snippet) if snippet else -1
    whole = (
        at >= 0
        and (at == 0 or not text[at - 1].isalnum())
        and (at + len(snippet) == len(text) or not text[at + len(snippet)].isalnum())
    )
    check(whole, path, f"a snippet of whole words, not {snippet[:80]!r}", client.get(path))
    page(client, "/search/?q=INCR", absent=(SEED_TITLE,))  # the seed says "increasingly"
    for query in ('"', "star*", "NEAR(a+b)", "a+AND+(b", "-", "title:star"):
        page(client, f"/search/?q={query}")


def sign_up() -> None:
    """A new account, confirmed with the code from the email the console printed."""
    client = new_client()
    form = page(client, "/accounts/signup/")
    printed = io.StringIO()
    with redirect_stdout(printed):
        data = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
        response = post(client, "/accounts/signup/", form, data)
    check(response.status_code == HTTPStatus.FOUND, "/accounts/signup/", "a redirect", response)
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", printed.getvalue(), re.M)
    if not code:
        failures.append(f"/accounts/signup/: no code in the console email: {printed.getvalue()!r}")
        return
    form = page(client, "/accounts/confirm-email/")
    response = post(client, "/accounts/confirm-email/", form, {"code": code.group(1)})
    check(response.status_code == HTTPStatus.FOUND, "/accounts/confirm-email/", "302", response)
    page(client, "/account/", "new@example.com")
    page(client, "/progress/", "0 guides started")


def sign_in(client: Client, email: str) -> None:
    form = page(client, "/accounts/login/")
    response = post(client, "/accounts/login/", form, {"login": email, "password": PASSWORD})
    check(
        response.status_code == HTTPStatus.FOUND and response["Location"] == "/account/",
        "/accounts/login/",
        "a redirect to /account/",
        response,
    )


def as_reader() -> None:
    reader = User.objects.create_user(email="reader@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True, primary=True)
    ComplimentaryAccess.objects.create(
        user=reader, expires_at=timezone.now() + dt.timedelta(days=30), reason="embedded test"
    )
    client = new_client()
    sign_in(client, reader.email)
    page(client, "/account/", reader.email)

    # The premium guide in full, its checklist items as checkboxes.
    html = page(client, SEED, PAST_THE_CUT, absent=('id="paywall"',))
    seed = Guide.objects.get(slug="fine-tuning-vs-prompting")
    item = Item.objects.filter(block__section__guide=seed, block__kind="checklist").first()
    check(item is not None, SEED, "checklist items", HttpResponse(html))
    if item is not None:
        check(
            f'value="{item.pk}"' in html, SEED, f"a checkbox for item {item.pk}", client.get(SEED)
        )
        response = post(client, "/progress/tick/", html, {"item": item.pk, "checked": "1"}, **JSON)
        if check(response.status_code == HTTPStatus.OK, "/progress/tick/", "200", response):
            check(response.json()["guide_ticked"] == 1, "/progress/tick/", "1 ticked", response)
        page(client, SEED, f'value="{item.pk}" checked')

    ticks_at_once(reader.email, seed)

    # The checklist's form, without JavaScript: the whole list saved at once.
    block = item.block if item is not None else None
    if block is not None:
        html = page(client, SEED)
        wanted = list(block.item_rows.order_by("pk").values_list("pk", flat=True)[:2])
        data = {"block": block.pk, "item": wanted}
        response = post(client, "/progress/checklist/", html, data)
        check(response.status_code == HTTPStatus.FOUND, "/progress/checklist/", "302", response)
        page(client, SEED, *(f'value="{pk}" checked' for pk in wanted))

    # Where the reader left off, sent as they leave the page.
    last = seed.sections.order_by("-position").first()
    html = page(client, SEED)
    data = {"guide": seed.pk, "section": last.anchor}
    response = post(client, "/progress/position/", html, data)
    check(response.status_code == HTTPStatus.NO_CONTENT, "/progress/position/", "204", response)
    page(client, "/progress/", f"{SEED}#{last.anchor}")

    # Subscribers search the whole text.
    page(client, f"/search/?q={ONLY_PAST_THE_CUT}", SEED_TITLE, f"{ONLY_PAST_THE_CUT}</mark>")

    # The free guide, finished by hand.
    free = Guide.objects.get(slug="two-pointers-and-sliding-windows")
    html = page(client, FREE, FREE_LAST, "Mark it finished")
    response = post(client, "/progress/finished/", html, {"guide": free.pk, "finished": "1"})
    check(response.status_code == HTTPStatus.FOUND, "/progress/finished/", "a redirect", response)
    page(client, FREE, "You marked this guide finished.")

    page(client, "/progress/", "Continue reading", SEED_TITLE, "2 guides started, 1 finished")

    # A drill: the first card due, answered Good; it is not due again today.
    html = page(client, "/drills/", "Show answer")
    due = re.search(r"(\d+) cards? due today", html)
    card = re.search(r'name="item" value="(\d+)"', html)
    seen = re.search(r'name="seen" value="([^"]*)"', html)
    if check(bool(due and card and seen), "/drills/", "a card due", client.get("/drills/")):
        data = {"item": card.group(1), "seen": seen.group(1), "grade": "good"}
        response = post(client, "/drills/", html, data)
        check(response.status_code == HTTPStatus.FOUND, "/drills/ (grade)", "a redirect", response)
        left = int(due.group(1)) - 1
        page(client, "/drills/", f"{left} card{'s' if left != 1 else ''} due today")

    # A plan for an interview two weeks from today, on every track.
    html = page(client, "/plan/", "Make a plan")
    interview = timezone.localdate() + dt.timedelta(days=14)
    data = {
        "interview_date": interview.isoformat(),
        "daily_minutes": "60",
        "tracks": [str(pk) for pk in Track.objects.values_list("pk", flat=True)],
    }
    response = post(client, "/plan/", html, data)
    check(response.status_code == HTTPStatus.FOUND, "/plan/ (make)", "a redirect", response)
    page(
        client, "/plan/", "Your plan is ready.", "14 days of up to 60 minutes", "Today", SEED_TITLE
    )

    # Signed out, the premium guide is a preview again.
    html = page(client, "/account/")
    post(client, "/accounts/logout/", html, {})
    page(client, SEED, 'id="paywall"', absent=(PAST_THE_CUT,))


def ticks_at_once(email: str, guide: Guide) -> None:
    """Two ticks in flight at once (quick clicks, or two devices), each saved, neither a 500.

    runserver serves each request on a thread of its own. The first tick is held inside its
    transaction, after it has read and before it writes, until the second has written: in
    SQLite's default (deferred) transactions the first then cannot take the write lock the
    second holds, and fails at once with "database is locked" instead of waiting its turn.
    """
    first, second = Item.objects.filter(
        block__section__guide=guide, block__kind="checklist"
    ).order_by("pk")[1:3]
    clients = [new_client(), new_client()]
    for client in clients:
        sign_in(client, email)
    forms = [page(client, SEED) for client in clients]
    read, wrote = threading.Event(), threading.Event()
    Execute = Callable[[str, Any, bool, dict], Any]

    def after_first_read(execute: Execute, sql: str, params: Any, many: bool, context: dict) -> Any:
        result = execute(sql, params, many, context)
        if connection.in_atomic_block and sql.startswith("SELECT") and not read.is_set():
            read.set()
            # Bounded: where the second tick must wait for this one, it never writes first.
            wrote.wait(timeout=2)
        return result

    def after_first_write(
        execute: Execute, sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        result = execute(sql, params, many, context)
        if connection.in_atomic_block and sql.startswith("INSERT"):
            wrote.set()
        return result

    responses: dict[int, HttpResponse | BaseException] = {}

    def tick(n: int, item: Item, wrapper: Callable) -> None:
        try:
            with connection.execute_wrapper(wrapper):
                responses[n] = post(
                    clients[n], "/progress/tick/", forms[n], {"item": item.pk, "checked": "1"}
                )
        except BaseException as error:  # noqa: BLE001 - reported below, with the page
            responses[n] = error
        finally:
            connection.close()

    held = threading.Thread(target=tick, args=(0, first, after_first_read))
    held.start()
    read.wait(timeout=10)
    tick(1, second, after_first_write)
    held.join()
    for n, item in enumerate((first, second)):
        response = responses[n]
        if isinstance(response, BaseException):
            failures.append(f"/progress/tick/ (two at once): item {item.pk} raised {response!r}")
        else:
            check(response.status_code == HTTPStatus.FOUND, "/progress/tick/", "302", response)
    page(clients[0], SEED, f'value="{first.pk}" checked', f'value="{second.pk}" checked')


def as_subscriber() -> None:
    """With Stripe configured (the fake Stripe of tests/fake_stripe.py on a local port):
    Checkout, Stripe's signed webhooks processed inline, and the premium guide in full."""
    from tests.fake_stripe import FakeStripe, serve, signed

    fake = FakeStripe()
    server = serve(fake)
    secret = "whsec_embedded"
    stripe_settings = {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_API_BASE": fake.base_url,
        "STRIPE_PRICE_ID": fake.add_price()["id"],
        "STRIPE_WEBHOOK_SECRET": secret,
    }
    try:
        with override_settings(**stripe_settings):
            user = User.objects.create_user(email="payer@example.com", password=PASSWORD)
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            client = new_client()
            sign_in(client, user.email)
            html = page(client, "/pricing/", "Start 7 days free, then $19/month")
            response = post(client, "/billing/checkout/", html, {"token": ""})
            if not check(
                response.status_code == HTTPStatus.SEE_OTHER,
                "/billing/checkout/",
                "a redirect to Checkout",
                response,
            ):
                return
            session = response["Location"].rsplit("/", 1)[1]
            subscription = fake.complete_checkout(session)
            for event in (
                fake.event("checkout.session.completed", fake.sessions[session]),
                fake.event("customer.subscription.created", subscription),
            ):
                body, header = signed(event, secret)
                response = client.post(
                    "/billing/webhook/",
                    body,
                    content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=header,
                )
                check(response.status_code == HTTPStatus.OK, "/billing/webhook/", "200", response)
            page(client, "/account/", "Free trial until")  # a first subscription's free week
            page(client, SEED, PAST_THE_CUT, absent=('id="paywall"',))
    finally:
        server.shutdown()
        server.server_close()


def as_editor() -> None:
    """Staff: the admin's content pages and the guide preview, both ways."""
    staff = User.objects.create_user(
        email="ops@example.com", password=PASSWORD, is_staff=True, is_superuser=True
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    client = new_client()
    sign_in(client, staff.email)
    seed = Guide.objects.get(slug="fine-tuning-vs-prompting")
    page(client, "/admin/", "Content and operations")
    page(client, "/admin/articles/guide/", escape(seed.title))
    page(client, f"/admin/articles/guide/{seed.pk}/change/", escape(seed.title))
    page(client, f"{SEED}preview/", PAST_THE_CUT, absent=('id="paywall"',))
    page(client, f"{SEED}preview/?as=visitor", 'id="paywall"', absent=(PAST_THE_CUT,))


def main() -> None:
    if connection.vendor != "sqlite":
        sys.exit(f"expected the embedded SQLite database, got {connection.vendor}")
    as_visitor()
    sign_up()
    as_reader()
    as_subscriber()
    as_editor()
    for failure in failures:
        print(f"FAILED {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
