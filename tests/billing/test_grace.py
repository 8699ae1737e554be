"""When a payment fails: access while Stripe retries, for BILLING_GRACE_DAYS after the first
failed invoice of the unpaid stretch, told on every page; paused after that, and back at once
when an invoice is paid. Signed webhooks, the real SDK against the fake Stripe."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from billing.entitlements import can_read_premium
from billing.models import Subscription

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory, make_guide, make_problem

FAILED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
FAILING = (
    "Your payment failed on 1 Dec 2026; access continues until 8 Dec 2026 while your card is "
    "retried"
)
PAUSED = "Your access is paused: your payment failed; update your card"
PORTAL_FORM = 'action="/billing/portal/"'


@pytest.fixture
def clock():
    """The test's time, from the day the payment fails; it moves only when told to."""
    with time_machine.travel(FAILED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def member(db, clock, fake_stripe, post_event) -> tuple[User, dict]:
    user = UserFactory(email="member@example.com")
    sub = new_subscription(fake_stripe, user)
    post_event(fake_stripe.event("customer.subscription.created", sub))
    return user, sub


@pytest.fixture
def guide():
    sections = [[("paragraph", f"Part {i} of the guide.")] for i in range(4)]
    return make_guide(slug="premium-guide", access="premium", sections=sections)


def fail(fake_stripe, post_event, sub: dict, at: dt.datetime = FAILED) -> dict:
    """A renewal's charge fails at `at`, and Stripe tells us so."""
    invoice, _ = fake_stripe.fail_payment(sub["id"], at=int(at.timestamp()))
    post_event(fake_stripe.event("invoice.payment_failed", invoice))
    return invoice


def pay(fake_stripe, post_event, invoice: dict) -> None:
    paid, _ = fake_stripe.pay_invoice(invoice["id"])
    post_event(fake_stripe.event("invoice.paid", paid))


def reads_in_full(client, guide) -> bool:
    page = client.get(guide.get_absolute_url()).content.decode()
    assert ("Part 3 of the guide." in page) is ('id="paywall"' not in page)
    return "Part 3 of the guide." in page


def pages(client, guide) -> list[str]:
    """A page served from a shell (home, a guide) and a rendered one (the account page)."""
    return [
        client.get(url).content.decode() for url in ("/", guide.get_absolute_url(), "/account/")
    ]


def test_a_failed_payment_keeps_access_while_the_card_is_retried(
    member, guide, fake_stripe, post_event
) -> None:
    user, sub = member
    fail(fake_stripe, post_event, sub)
    reader = signed_in(user)
    assert reads_in_full(reader, guide)
    for html in pages(reader, guide):
        assert FAILING in html
        assert PORTAL_FORM in html
    assert Subscription.objects.get().payment_failed_at == FAILED
    # The email says until when, as the pages do: 1 December + 7 days.
    (told,) = [m for m in mail.outbox if m.to == [user.email] and "payment" in m.subject.lower()]
    assert "until 8 Dec 2026 at" in " ".join(told.body.split())


def test_access_pauses_when_the_grace_period_ends_with_nothing_new(
    member, guide, clock, fake_stripe, post_event
) -> None:
    user, sub = member
    fail(fake_stripe, post_event, sub)
    reader = signed_in(user)
    clock.move_to(FAILED + 7 * DAY - MINUTE)
    assert reads_in_full(reader, guide)  # and the answer is cached
    clock.move_to(FAILED + 7 * DAY + MINUTE)
    assert not reads_in_full(reader, guide)
    for html in pages(reader, guide):
        assert PAUSED in html
        assert FAILING not in html
        assert PORTAL_FORM in html
    assert not can_read_premium(User.objects.get(pk=user.pk))


def test_the_grace_period_is_a_setting(member, guide, clock, fake_stripe, post_event, settings):
    settings.BILLING_GRACE_DAYS = 3
    user, sub = member
    fail(fake_stripe, post_event, sub)
    reader = signed_in(user)
    assert "access continues until 4 Dec 2026" in reader.get("/").content.decode()
    clock.move_to(FAILED + 3 * DAY + MINUTE)
    assert not reads_in_full(reader, guide)


def test_a_paid_invoice_restores_access_at_once(
    member, guide, clock, fake_stripe, post_event
) -> None:
    user, sub = member
    invoice = fail(fake_stripe, post_event, sub)
    reader = signed_in(user)
    clock.move_to(FAILED + 10 * DAY)
    assert not reads_in_full(reader, guide)  # paused, and the answer is cached
    pay(fake_stripe, post_event, invoice)
    assert reads_in_full(reader, guide)
    for html in pages(reader, guide):
        assert "payment failed" not in html
    assert Subscription.objects.get().payment_failed_at is None


def test_the_grace_period_counts_from_the_first_failed_invoice_of_the_stretch(
    member, guide, clock, fake_stripe, post_event
) -> None:
    user, sub = member
    first, _ = fake_stripe.fail_payment(sub["id"], at=int(FAILED.timestamp()))
    clock.move_to(FAILED + 3 * DAY)
    second, _ = fake_stripe.fail_payment(sub["id"], at=int((FAILED + 3 * DAY).timestamp()))
    # Delivered the other way round.
    post_event(fake_stripe.event("invoice.payment_failed", second))
    post_event(fake_stripe.event("invoice.payment_failed", first))
    reader = signed_in(user)
    assert FAILING in reader.get("/").content.decode()
    clock.move_to(FAILED + 7 * DAY + MINUTE)
    assert not reads_in_full(reader, guide)


def test_duplicate_and_late_events_converge(member, guide, clock, fake_stripe, post_event) -> None:
    user, sub = member
    invoice, _ = fake_stripe.fail_payment(sub["id"], at=int(FAILED.timestamp()))
    failed = fake_stripe.event("invoice.payment_failed", invoice)
    post_event(failed)
    clock.move_to(FAILED + DAY)
    pay(fake_stripe, post_event, invoice)
    # The failure again (a duplicate delivery, and another attempt's event arriving late).
    post_event(failed)
    post_event(fake_stripe.event("invoice.payment_failed", invoice))
    reader = signed_in(user)
    assert "payment failed" not in reader.get("/").content.decode()
    assert Subscription.objects.get().payment_failed_at is None
    # A month on the next invoice fails; the first one's invoice.paid arrives again, late.
    later = FAILED + 30 * DAY
    clock.move_to(later)
    fail(fake_stripe, post_event, sub, at=later)
    paid_again = dict(invoice, status="paid")
    post_event(fake_stripe.event("invoice.paid", paid_again))
    post_event(
        fake_stripe.event("customer.subscription.updated", fake_stripe.subscriptions[sub["id"]])
    )
    assert Subscription.objects.get().payment_failed_at == later
    html = reader.get("/").content.decode()
    assert "Your payment failed on 31 Dec 2026; access continues until 7 Jan 2027" in html
    assert reads_in_full(reader, guide)


def test_a_failing_members_guide_page_costs_no_queries_once_cached(
    member, guide, fake_stripe, post_event
) -> None:
    user, sub = member
    fail(fake_stripe, post_event, sub)
    reader = signed_in(user)
    reader.get(guide.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        html = reader.get(guide.get_absolute_url()).content.decode()
    assert FAILING in html
    assert len(queries.captured_queries) == 0


def test_visitors_and_paid_up_members_see_no_notice(member, guide) -> None:
    user, _ = member
    for client in (signed_in(user), signed_in(UserFactory())):
        for html in pages(client, guide):
            assert "payment failed" not in html
            assert "Update your card" not in html
    from django.test import Client

    html = Client().get(guide.get_absolute_url()).content.decode()
    assert "payment failed" not in html


def test_a_paused_subscriber_is_sent_to_the_portal_not_to_a_second_checkout(
    member, clock, fake_stripe, post_event
) -> None:
    user, sub = member
    fail(fake_stripe, post_event, sub)
    clock.move_to(FAILED + 8 * DAY)
    reader = signed_in(user)
    pricing = reader.get("/pricing/").content.decode()
    assert "Your subscription is paused until an invoice is paid" in pricing
    assert "every guide is open to you" not in pricing
    assert PORTAL_FORM in pricing
    response = reader.post("/billing/checkout/", {"token": "0" * 32}, follow=True)
    assert "Your subscription is paused: update your card in Manage billing" in (
        response.content.decode()
    )
    assert not fake_stripe.requests_to("POST", "/v1/checkout/sessions")


def paywall_of(html: str) -> str:
    start = html.index('id="paywall"')
    return html[start : html.index("</aside>", start)]


def test_a_paused_subscribers_paywall_points_at_their_card_not_a_new_subscription(
    member, guide, clock, fake_stripe, post_event
) -> None:
    user, sub = member
    fail(fake_stripe, post_event, sub)
    clock.move_to(FAILED + 8 * DAY)
    reader = signed_in(user)
    paywall = paywall_of(reader.get(guide.get_absolute_url()).content.decode())
    assert "Your subscription is paused" in paywall
    assert PORTAL_FORM in paywall
    assert "Update your card" in paywall
    # A free member sharing the same cached page sees the plain paywall.
    free = paywall_of(signed_in(UserFactory()).get(guide.get_absolute_url()).content.decode())
    assert "paused" not in free
    assert PORTAL_FORM not in free
    assert "Subscribe for" in free
    problem = make_problem("premium-problem", None, access="premium")
    on_problem = paywall_of(reader.get(problem.get_absolute_url()).content.decode())
    assert "Your subscription is paused" in on_problem
    assert PORTAL_FORM in on_problem


def test_a_subscription_stripe_ends_for_want_of_payment_keeps_when_its_payment_failed(
    member, clock, fake_stripe, post_event
) -> None:
    user, sub = member
    fail(fake_stripe, post_event, sub)
    clock.move_to(FAILED + 20 * DAY)
    fake_stripe.cancel_subscription(sub["id"])
    ended = fake_stripe.update_subscription(
        sub["id"],
        cancellation_details={"comment": None, "feedback": None, "reason": "payment_failed"},
    )
    post_event(fake_stripe.event("customer.subscription.deleted", ended))
    stored = Subscription.objects.get()
    assert stored.status == "canceled"
    assert stored.cancellation_reason == "payment_failed"
    assert stored.payment_failed_at == FAILED  # on record: why it ended
    reader = signed_in(user)
    for html in pages(reader, guide=make_guide(slug="after", access="premium")):
        assert "payment failed" not in html  # ended, not paused: nothing to tell in the header
