"""The owner's view of plans and payments on the dashboard: MRR split by monthly, annual and team;
trials and their conversion; why members cancelled (the Customer Portal's survey) and their
latest comments; a switch from monthly to annual in the Portal. All from subscriptions made and
changed through signed webhooks, as Stripe sends them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest

from billing.models import Subscription
from stats.figures import now_figures, period_figures, weekly

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def annual_price(fake_stripe, settings) -> dict:
    price = fake_stripe.add_price(amount=19000, lookup_key="alphacode-annual", interval="year")
    settings.STRIPE_ANNUAL_PRICE_ID = price["id"]
    return price


def subscribe(fake, post_event, email: str, *, price: dict | None = None, **object_args) -> dict:
    """A subscription Stripe announces by a signed webhook."""
    user = UserFactory(email=email)
    sub = new_subscription(fake, user)
    if price is not None or object_args:
        sub = fake.subscription_object(
            customer=sub["customer"],
            price=price or sub["items"]["data"][0]["price"],
            metadata={"user_id": str(user.pk), **object_args.pop("metadata", {})},
            sub_id=sub["id"],
            **object_args,
        )
        fake.subscriptions[sub["id"]] = sub
    post_event(fake.event("customer.subscription.created", sub))
    return sub


def csv_rows(response) -> dict[str, str]:
    assert response.status_code == HTTPStatus.OK
    return dict(csv.reader(io.StringIO(response.content.decode(), newline="")))


# --- MRR by plan --------------------------------------------------------------------------------


def test_mrr_is_split_into_monthly_annual_and_team(
    fake_stripe, post_event, annual_price, staff
) -> None:
    subscribe(fake_stripe, post_event, "monthly@example.com")
    subscribe(fake_stripe, post_event, "annual@example.com", price=annual_price)
    team = fake_stripe.subscriptions[
        subscribe(fake_stripe, post_event, "manager@example.com", metadata={"team_id": "7"})["id"]
    ]
    team["items"]["data"][0]["quantity"] = 3  # three seats, monthly
    post_event(fake_stripe.event("customer.subscription.updated", team))

    figures = now_figures()
    assert (figures.mrr_monthly, figures.mrr_annual, figures.mrr_team) == (1900, 1583, 5700)
    assert figures.mrr == 1900 + 1583 + 5700
    # The team's subscription is its seats, not a member paying for themselves.
    assert (figures.subscribers, figures.teams, figures.seats_paid) == (2, 1, 3)

    owner = signed_in(staff)
    html = owner.get("/admin/").content.decode()
    assert "… from monthly plans</th><td>$19.00</td>" in html
    assert "… from annual plans (a twelfth of each year)</th><td>$15.83</td>" in html
    assert "… from team seats</th><td>$57.00</td>" in html
    rows = csv_rows(owner.get("/admin/dashboard/now.csv"))
    assert (rows["mrr_monthly_usd"], rows["mrr_annual_usd"], rows["mrr_team_usd"]) == (
        "19.00",
        "15.83",
        "57.00",
    )
    assert rows["mrr_usd"] == "91.83"


# --- Trials and their conversion ----------------------------------------------------------------


def test_trials_started_converted_and_cancelled_and_the_conversion_rate(
    fake_stripe, post_event, staff
) -> None:
    subs = {
        name: subscribe(fake_stripe, post_event, f"{name}@example.com", trial_days=7)
        for name in ("converts", "cancels", "fails", "still")
    }
    subscribe(fake_stripe, post_event, "no-trial@example.com")
    converted = fake_stripe.end_trial(subs["converts"]["id"])
    post_event(fake_stripe.event("customer.subscription.updated", converted))
    cancelled = fake_stripe.end_trial(subs["cancels"]["id"], converts=False)
    post_event(fake_stripe.event("customer.subscription.deleted", cancelled))
    # The trial ends and its first invoice fails: past due, not paid for.
    ended = fake_stripe.end_trial(subs["fails"]["id"])
    fake_stripe.update_subscription(subs["fails"]["id"], status="active")
    _, past_due = fake_stripe.fail_payment(subs["fails"]["id"], at=ended["trial_end"])
    post_event(fake_stripe.event("customer.subscription.updated", past_due))

    this_week = weekly()[-1]
    assert (this_week.trials_started, this_week.trials_ended, this_week.trials_converted) == (
        4,
        3,
        1,
    )
    period = period_figures(weekly())
    assert period.trials_now == 1  # "still"
    assert (period.trials_started, period.trials_ended, period.trials_converted) == (4, 3, 1)
    assert period.conversion_text == "33.3 %"

    owner = signed_in(staff)
    html = owner.get("/admin/").content.decode()
    assert "Trials converted (paid after the trial)</th><td>1</td>" in html
    assert "Trial conversion rate</th><td>33.3 %</td>" in html
    assert '<tr id="dashboard-gifts-redeemed"><th scope="row">Gifts redeemed</th><td>0' in html
    rows = csv_rows(owner.get("/admin/dashboard/now.csv"))
    assert (rows["trials_started"], rows["trials_converted"], rows["trial_conversion"]) == (
        "4",
        "1",
        "0.3333",
    )
    weeks = list(csv.reader(io.StringIO(owner.get("/admin/dashboard/weeks.csv").content.decode())))
    assert weeks[-1][-3:] == ["4", "3", "1"]


# --- Why members cancelled ----------------------------------------------------------------------


def test_a_cancellation_in_the_portal_shows_its_reason_and_comment_beside_churn(
    fake_stripe, post_event, staff, editor
) -> None:
    leaving = subscribe(fake_stripe, post_event, "leaving@example.com")
    gone = subscribe(fake_stripe, post_event, "gone@example.com")
    silent = subscribe(fake_stripe, post_event, "silent@example.com")
    unpaid = subscribe(fake_stripe, post_event, "unpaid@example.com")
    team = subscribe(fake_stripe, post_event, "manager@example.com", metadata={"team_id": "7"})
    subscribe(fake_stripe, post_event, "staying@example.com")

    # Set to cancel at the period's end, with the survey answered and a comment.
    set_to_cancel = fake_stripe.cancel_in_portal(
        leaving["id"], feedback="too_expensive", comment='=HYPERLINK("x") <b>pricey</b>'
    )
    post_event(fake_stripe.event("customer.subscription.updated", set_to_cancel))
    # Cancelled at once, another reason.
    ended = fake_stripe.cancel_in_portal(
        gone["id"], feedback="unused", comment="Got the job!", at_period_end=False
    )
    post_event(fake_stripe.event("customer.subscription.deleted", ended))
    # Cancelled without answering the survey.
    quiet = fake_stripe.cancel_in_portal(silent["id"], feedback=None, comment=None)
    post_event(fake_stripe.event("customer.subscription.updated", quiet))
    # Ended by Stripe once the card's retries failed: nobody chose it.
    fake_stripe.cancel_subscription(unpaid["id"])
    stopped = fake_stripe.update_subscription(
        unpaid["id"],
        cancellation_details={"comment": None, "feedback": None, "reason": "payment_failed"},
    )
    post_event(fake_stripe.event("customer.subscription.deleted", stopped))
    # A team's seats cancelled: not a member leaving.
    seats = fake_stripe.cancel_in_portal(team["id"], feedback="too_expensive", comment=None)
    post_event(fake_stripe.event("customer.subscription.updated", seats))

    stored = Subscription.objects.get(stripe_subscription_id=leaving["id"])
    assert stored.cancellation_feedback == "too_expensive"
    assert stored.canceled_at is not None
    period = period_figures(weekly())
    counts = {reason.label: reason.count for reason in period.reasons}
    assert counts["Too expensive"] == 1
    assert counts["Not used enough"] == 1
    assert counts["No reason given"] == 1
    assert counts["Payment failed (Stripe stopped retrying the card)"] == 1
    assert counts["Quality"] == 0
    assert period.cancellations == 4
    # Newest first (cancelled in the same second: the later one first).
    assert [comment.email for comment in period.comments] == [
        "gone@example.com",
        "leaving@example.com",
    ]

    html = signed_in(staff).get("/admin/").content.decode()
    assert "Why members cancelled since" in html
    assert "(4 cancellations)" in html
    assert '<th scope="row">Too expensive</th><td>1</td>' in html
    assert '<th scope="row">Not used enough</th><td>1</td>' in html
    assert "<td>gone@example.com</td><td>Not used enough</td><td>Got the job!</td>" in html
    # The member's words are shown as text, never as markup.
    assert "&lt;b&gt;pricey&lt;/b&gt;" in html
    assert "<b>pricey</b>" not in html
    # Beside churn: the one cancelled at once is this week's cancellation.
    assert "Week by week" in html
    assert weekly()[-1].cancellations == 2  # ended at once: gone, and unpaid
    rows = csv_rows(signed_in(staff).get("/admin/dashboard/now.csv"))
    assert rows["cancellation_reason_too_expensive"] == "1"
    assert rows["cancellation_reason_none_given"] == "1"
    assert rows["cancellation_reason_payment_failed"] == "1"
    # Not shown to an editor.
    assert "Why members cancelled" not in signed_in(editor).get("/admin/").content.decode()


def test_a_cancellation_taken_back_in_the_portal_is_not_counted(fake_stripe, post_event) -> None:
    sub = subscribe(fake_stripe, post_event, "undecided@example.com")
    post_event(
        fake_stripe.event(
            "customer.subscription.updated",
            fake_stripe.cancel_in_portal(sub["id"], feedback="other", comment="hmm"),
        )
    )
    # "Don't cancel" in the Portal: Stripe clears the cancellation and its details.
    renewed = fake_stripe.update_subscription(
        sub["id"],
        cancel_at_period_end=False,
        cancel_at=None,
        canceled_at=None,
        cancellation_details={"comment": None, "feedback": None, "reason": None},
    )
    post_event(fake_stripe.event("customer.subscription.updated", renewed))
    period = period_figures(weekly())
    assert period.cancellations == 0
    assert period.comments == []


# --- A switch from monthly to annual in the Portal ----------------------------------------------


def test_a_switch_from_monthly_to_annual_in_the_portal(
    client, fake_stripe, post_event, annual_price
) -> None:
    member = UserFactory(email="switch@example.com")
    client.force_login(member)
    sub = new_subscription(fake_stripe, member)
    post_event(fake_stripe.event("customer.subscription.created", sub))
    assert "Alpha Code monthly ($19/month)" in client.get("/account/").content.decode()
    assert now_figures().mrr_monthly == 1900

    switched = fake_stripe.switch_price(sub["id"], annual_price)
    post_event(fake_stripe.event("customer.subscription.updated", switched))

    stored = Subscription.objects.get(stripe_subscription_id=sub["id"])
    assert (stored.interval, stored.price_id, stored.monthly_amount) == (
        "year",
        annual_price["id"],
        1583,
    )
    html = client.get("/account/").content.decode()
    assert "Alpha Code annual ($190/year)" in html
    assert "Alpha Code monthly" not in html
    figures = now_figures()
    assert (figures.mrr, figures.mrr_monthly, figures.mrr_annual) == (1583, 0, 1583)
    assert round(19000 / 12) == 1583


def test_what_counts_as_a_converted_trial() -> None:
    from django.utils import timezone

    from stats.figures import trial_of

    now = timezone.now()
    day = dt.timedelta(days=1)
    started, ended = now - 60 * day, now - 53 * day

    def outcome(status: str, ended_at=None, payment_failed_at=None, reason="") -> tuple[bool, bool]:
        trial = trial_of(
            started,
            status=status,
            trial_end=ended,
            ended_at=ended_at,
            payment_failed_at=payment_failed_at,
            cancellation_reason=reason,
            now=now,
        )
        return trial.over is not None, trial.converted

    assert outcome("active") == (True, True)
    # Its end not synced yet: still a trial.
    assert outcome("trialing") == (False, False)
    # The first invoice failed; a later one failed (it had paid the first).
    assert outcome("past_due", payment_failed_at=ended) == (True, False)
    assert outcome("past_due", payment_failed_at=ended + 30 * day) == (True, True)
    # Cancelled during the trial; ended at the trial's end (set to cancel); paid, then left.
    assert outcome("canceled", ended_at=ended - day) == (True, False)
    assert outcome("canceled", ended_at=ended) == (True, False)
    assert outcome("canceled", ended_at=ended + day) == (True, True)
    # Ended by Stripe weeks after the trial because its first invoice never succeeded: the
    # failure stays on record when it ends, so it did not convert; one that paid first did.
    later = ended + 21 * day
    assert outcome("canceled", later, payment_failed_at=ended, reason="payment_failed") == (
        True,
        False,
    )
    assert outcome(
        "canceled", later, payment_failed_at=ended + 30 * day, reason="payment_failed"
    ) == (True, True)
    assert outcome("canceled", later, reason="payment_failed") == (True, False)
    # Paused for want of a payment method when the trial ended.
    assert outcome("paused") == (True, False)
