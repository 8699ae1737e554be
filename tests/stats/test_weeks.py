"""The dashboard's weekly figures: counted from each subscription's history as Stripe's signed
webhooks told it (started, ended, started again), whatever order the events arrived in; and
`rebuild_stats`, which works the history out again from the stored events, gives the same."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from stats.figures import now_figures, weekly
from stats.models import SubscriptionChange

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def monday() -> dt.datetime:
    """This week's Monday, 00:00 UTC."""
    now = timezone.now()
    return now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=now.weekday())


def at(weeks: int, days: float = 0) -> int:
    """A Unix time this many weeks (and days) after this week's Monday, 00:00 UTC."""
    return int((monday() + dt.timedelta(weeks=weeks, days=days)).timestamp())


@pytest.fixture
def history(fake_stripe, post_event) -> dict[str, str]:
    """Five subscriptions over the last six weeks (see each step)."""

    def send(kind: str, sub_id: str, made: int, **changes) -> None:
        sub = fake_stripe.update_subscription(sub_id, **changes)
        event = fake_stripe.event(f"customer.subscription.{kind}", sub)
        event["created"] = made
        post_event(event)

    def new(email: str, started: int, status: str = "active") -> str:
        sub = new_subscription(fake_stripe, UserFactory(email=email), status=status)
        fake_stripe.update_subscription(sub["id"], start_date=started, created=started)
        return sub["id"]

    # D: half price, since five weeks ago.
    d = new("d@example.com", at(-5, 1))
    fake_stripe.apply_coupon(d, fake_stripe.add_coupon(percent_off=50))
    send("created", d, at(-5, 1))
    # A: three weeks ago, canceled last week; its two events arrive the wrong way round.
    a1 = new("a@example.com", at(-3, 1))
    created = fake_stripe.event("customer.subscription.created", fake_stripe.subscriptions[a1])
    created["created"] = at(-3, 1)
    send("deleted", a1, at(-1, 2), status="canceled", ended_at=at(-1, 2), canceled_at=at(-1, 2))
    post_event(created)
    # B: a trial two weeks ago, paying since last week (one start, not two).
    b = new("b@example.com", at(-2, 2), status="trialing")
    send("created", b, at(-2, 2))
    send("updated", b, at(-1), status="active")
    # C: two weeks ago; past due, then unpaid (access ends) last week; paid this Monday. Its
    # cancellation was asked for (canceled_at) before it ended by not being paid: the end is
    # dated by the unpaid event.
    c = new("c@example.com", at(-2, 3))
    send("created", c, at(-2, 3))
    send("updated", c, at(-1, 1), status="past_due", canceled_at=at(-1, 1))
    send("updated", c, at(-1, 5), status="unpaid")
    send("updated", c, at(0), status="active")
    # A again: a new subscription this Monday.
    a2 = new_subscription(fake_stripe, UserFactory(email="a2@example.com"))["id"]
    fake_stripe.update_subscription(a2, start_date=at(0))
    send("created", a2, at(0))
    return {"a1": a1, "a2": a2, "b": b, "c": c, "d": d}


def figures_of(weeks) -> list[tuple]:
    return [
        (w.new, w.cancellations, w.net, w.subscribers_at_start, w.churn, w.mrr_at_end)
        for w in weeks
    ]


def test_weekly_figures_across_a_cancellation_and_a_resubscription(history) -> None:
    weeks = weekly()
    assert len(weeks) == 12
    assert weeks[-1].start == monday().date()
    assert all(w.start.weekday() == 0 for w in weeks)
    # (new, cancellations, net, subscribers at the start, churn, MRR at the end in cents)
    assert figures_of(weeks[-6:]) == [
        (1, 0, 1, 0, None, 950),  # D
        (0, 0, 0, 1, 0.0, 950),
        (1, 0, 1, 1, 0.0, 950 + 1900),  # A
        (2, 0, 2, 2, 0.0, 950 + 1900 * 3),  # B (a trial gives access), C
        (0, 2, -2, 4, 0.5, 950 + 1900),  # A canceled, C unpaid
        (2, 0, 2, 2, 0.0, 950 + 1900 * 3),  # A's new subscription, C paid again
    ]
    assert all(figures_of([w]) == [(0, 0, 0, 0, None, 0)] for w in weeks[:-6])
    # The week still going ends with what the subscriptions bring now.
    assert weeks[-1].mrr_at_end == now_figures().mrr


def test_rebuild_stats_agrees_with_the_running_history(history, capsys) -> None:
    def rows() -> list[tuple]:
        return sorted(
            SubscriptionChange.objects.values_list("stripe_subscription_id", "kind", "at")
        )

    # Built as the events came in (one of them out of order), then from scratch.
    running, running_weeks = rows(), figures_of(weekly())
    # D, A, B, C started; A and C ended; C started again; A's second subscription started.
    assert len(running) == 8
    SubscriptionChange.objects.all().delete()
    call_command("rebuild_stats")
    assert "Rebuilt the history of 5 subscription(s): 8 change(s)." in capsys.readouterr().out
    assert rows() == running
    assert figures_of(weekly()) == running_weeks


def test_the_weeks_on_the_admin_home_and_as_csv(history, staff, editor) -> None:
    owner = signed_in(staff)
    html = owner.get("/admin/").content.decode()
    assert "The last 12 weeks" in html
    # Two charts of subscribers (MRR, net change), three of mock interviews.
    assert html.count('<svg class="dashboard-chart" role="img"') == 2 + 3
    assert "<td>-2</td><td>4</td><td>50.0 %</td>" in html
    csv = owner.get("/admin/dashboard/weeks.csv")
    assert csv.status_code == HTTPStatus.OK
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == (
        "week_start,new_subscribers,cancellations,net_change,subscribers_at_start,churn,"
        "mrr_at_end_usd,trials_started,trials_ended,trials_converted"
    )
    assert len(lines) == 13
    last_week = (monday() - dt.timedelta(weeks=1)).date().isoformat()
    assert lines[-2] == f"{last_week},0,2,-2,4,0.5000,28.50,0,0,0"
    now_csv = owner.get("/admin/dashboard/now.csv").content.decode()
    assert "mrr_usd,66.50" in now_csv
    # Not for an editor, nor for a visitor (sent to sign in).
    assert signed_in(editor).get("/admin/dashboard/weeks.csv").status_code == HTTPStatus.FORBIDDEN
    assert signed_in(editor).get("/admin/dashboard/now.csv").status_code == HTTPStatus.FORBIDDEN
    assert Client().get("/admin/dashboard/weeks.csv").status_code == HTTPStatus.FOUND


def test_events_of_one_second_are_taken_in_the_order_they_came(fake_stripe, post_event) -> None:
    sub = new_subscription(fake_stripe, UserFactory(email="quick@example.com"))
    made = at(-1, 2)
    fake_stripe.update_subscription(sub["id"], start_date=made)
    for kind, changes in (("created", {}), ("deleted", {"status": "canceled", "ended_at": made})):
        event = fake_stripe.event(
            f"customer.subscription.{kind}", fake_stripe.update_subscription(sub["id"], **changes)
        )
        event["created"] = made
        post_event(event)
    kinds = list(SubscriptionChange.objects.values_list("kind", flat=True))
    assert kinds == ["started", "ended"]
    assert figures_of(weekly()[-2:-1]) == [(1, 1, 0, 0, None, 0)]


def test_a_subscription_naming_no_reader_of_ours_is_not_counted(fake_stripe, post_event) -> None:
    price = next(iter(fake_stripe.prices.values()))
    stranger = fake_stripe.subscription_object(customer="cus_unknown", price=price, metadata={})
    fake_stripe.subscriptions[stranger["id"]] = stranger
    post_event(fake_stripe.event("customer.subscription.created", stranger))
    assert all(figures_of([week]) == [(0, 0, 0, 0, None, 0)] for week in weekly())


def test_the_weeks_csv_writes_a_fall_as_a_negative_number_not_as_text(history, staff) -> None:
    # Text starting with "-" is written after a quote (a spreadsheet would run it); a number is
    # not text and is written as it is.
    response = signed_in(staff).get("/admin/dashboard/weeks.csv")
    header, *weeks = csv.reader(io.StringIO(response.content.decode(), newline=""))
    last_week = dict(zip(header, weeks[-2], strict=True))
    assert (last_week["net_change"], last_week["churn"], last_week["mrr_at_end_usd"]) == (
        "-2",
        "0.5000",
        "28.50",
    )
    figures = [value for week in weeks for value in week[1:] if value]
    assert all(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value) for value in figures)


def test_a_past_due_subscription_counts_only_for_its_grace_period(
    fake_stripe, post_event, settings
) -> None:
    # The paywall's rule (billing.entitlements): past due gives access for BILLING_GRACE_DAYS
    # after the payment failed, then not until an invoice is paid.
    settings.BILLING_GRACE_DAYS = 7

    def send(sub_id: str, made: int, **changes) -> None:
        event = fake_stripe.event(
            "customer.subscription.updated", fake_stripe.update_subscription(sub_id, **changes)
        )
        event["created"] = made
        post_event(event)

    subs = {}
    for name in ("never-paid", "paid-in-time", "paid-late", "failing-now"):
        sub = new_subscription(fake_stripe, UserFactory(email=f"{name}@example.com"))
        fake_stripe.update_subscription(sub["id"], start_date=at(-3, 1))
        send(sub["id"], at(-3, 1))
        subs[name] = sub["id"]
    invoices = {}
    for name in ("never-paid", "paid-in-time", "paid-late"):
        # The renewal's payment failed: an open invoice, the subscription past due.
        invoices[name], _ = fake_stripe.fail_payment(subs[name], at=at(-2))
        send(subs[name], at(-2))
    for name, paid in (("paid-in-time", at(-2, 3)), ("paid-late", at(-1, 3))):
        fake_stripe.pay_invoice(invoices[name]["id"])
        send(subs[name], paid)
    failed_now = int((timezone.now() - dt.timedelta(hours=1)).timestamp())
    fake_stripe.fail_payment(subs["failing-now"], at=failed_now)
    send(subs["failing-now"], failed_now)

    def changes(name: str) -> list[tuple[str, int]]:
        return [
            (kind, int(when.timestamp()))
            for kind, when in SubscriptionChange.objects.filter(
                stripe_subscription_id=subs[name]
            ).values_list("kind", "at")
        ]

    # The grace period ran out a week after the failure: access ended then.
    assert changes("never-paid") == [("started", at(-3, 1)), ("ended", at(-1))]
    assert changes("paid-in-time") == [("started", at(-3, 1))]
    assert changes("paid-late") == [
        ("started", at(-3, 1)),
        ("ended", at(-1)),
        ("started", at(-1, 3)),
    ]
    weeks = weekly()
    # (new, cancellations, net, subscribers at the start, churn, MRR at the end in cents)
    assert figures_of(weeks[-3:]) == [
        (0, 0, 0, 4, 0.0, 1900 * 4),
        (1, 2, -1, 4, 0.5, 1900 * 3),  # never-paid and paid-late paused; paid-late back
        (0, 0, 0, 3, 0.0, 1900 * 3),  # failing-now's grace runs out next week: not yet
    ]
    # Still in its grace period: a subscriber now, by the dashboard and the paywall alike.
    assert now_figures().past_due == 1
