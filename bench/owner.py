"""The owner's view and the paywall's access answer at scale (bench/owner.sh runs it with the
bench environment of common.sh):

python bench/owner.py seed N   -> N members, as a paid site has them (see MIX)
python bench/owner.py time     -> prints, each the median of 25 runs: the members export
                                  streamed whole, the dashboard's figures (now, the 12 weeks,
                                  the period), and one reader's access answer uncached
                                  (billing.entitlements._access) for a member paying for
                                  themselves, one seated in a team, one with a gift, one with
                                  nothing

The members are seeded so every run makes the same ones: MIX says which share has what. Teams
have 20 seats each; a gift is redeemed complimentary access of 3 to 12 months.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from billing import entitlements  # noqa: E402
from billing.models import ComplimentaryAccess, Subscription  # noqa: E402
from gifts.models import Gift  # noqa: E402
from stats.figures import now_figures, period_figures, weekly  # noqa: E402
from stats.members import member_row, members  # noqa: E402
from teams.models import Member, Team  # noqa: E402

# Share of members by what they have: the rest have nothing.
MIX = {
    "monthly": 0.30,
    "annual": 0.10,
    "trialing": 0.05,
    "past_due": 0.02,
    "canceled": 0.08,
    "seat": 0.10,
    "gift": 0.03,
}
SEATS = 20
RUNS = 25


def seed(n: int) -> None:
    rng = random.Random(24)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"member{i}@example.com", name=f"Member {i}", is_active=True) for i in range(n)
    )
    kinds = [*MIX, "none"]
    weights = [*MIX.values(), 1 - sum(MIX.values())]
    subscriptions, grants, gifts, seated = [], [], [], []
    for user in users:
        kind = rng.choices(kinds, weights)[0]
        if kind in ("monthly", "annual", "trialing", "past_due", "canceled"):
            annual = kind == "annual"
            subscriptions.append(
                Subscription(
                    user=user,
                    stripe_subscription_id=f"sub_bench_{user.pk}",
                    stripe_customer_id=f"cus_bench_{user.pk}",
                    status="active" if kind in ("monthly", "annual") else kind,
                    interval="year" if annual else "month",
                    amount=19000 if annual else 1900,
                    monthly_amount=1583 if annual else 1900,
                    currency="usd",
                    current_period_end=now
                    + dt.timedelta(days=rng.randint(1, 360 if annual else 30)),
                    trial_end=now + dt.timedelta(days=3) if kind == "trialing" else None,
                    payment_failed_at=now - dt.timedelta(days=2) if kind == "past_due" else None,
                    canceled_at=now - dt.timedelta(days=rng.randint(1, 80))
                    if kind == "canceled"
                    else None,
                    ended_at=now - dt.timedelta(days=1) if kind == "canceled" else None,
                    cancellation_feedback=rng.choice(["too_expensive", "unused", ""])
                    if kind == "canceled"
                    else "",
                )
            )
        elif kind == "seat":
            seated.append(user)
        elif kind == "gift":
            until = now + dt.timedelta(days=30 * rng.choice([3, 6, 12]))
            grants.append(ComplimentaryAccess(user=user, expires_at=until, reason="Gift"))
            gifts.append(
                Gift(
                    recipient_email=user.email,
                    months=3,
                    amount=5700,
                    form_token=f"{user.pk:032x}",
                    state=Gift.State.REDEEMED,
                    paid_at=now - dt.timedelta(days=10),
                    redeemed_at=now - dt.timedelta(days=rng.randint(1, 80)),
                    redeemed_by=user,
                    access_from=now,
                    access_until=until,
                )
            )
    with transaction.atomic():
        Subscription.objects.bulk_create(subscriptions, batch_size=2000)
        ComplimentaryAccess.objects.bulk_create(grants, batch_size=2000)
        Gift.objects.bulk_create(gifts, batch_size=2000)
        for start in range(0, len(seated), SEATS):
            group = seated[start : start + SEATS]
            manager = group[0]
            team_sub = Subscription.objects.create(
                user=manager,
                stripe_subscription_id=f"sub_bench_team_{manager.pk}",
                stripe_customer_id=f"cus_bench_team_{manager.pk}",
                status="active",
                purpose="team",
                quantity=SEATS,
                interval="month",
                amount=1900,
                monthly_amount=1900 * SEATS,
                currency="usd",
                current_period_end=now + dt.timedelta(days=20),
            )
            team = Team.objects.create(
                name=f"Team {manager.pk}", manager=manager, subscription=team_sub
            )
            Member.objects.bulk_create(Member(team=team, user=user) for user in group)
    print(
        f"seeded {n} members: {len(subscriptions)} subscriptions of their own, "
        f"{len(seated)} seated in {len(range(0, len(seated), SEATS))} teams, {len(gifts)} gifts"
    )


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def export() -> int:
    return sum(1 for _ in map(member_row, members().iterator(chunk_size=2000)))


def dashboard() -> None:
    now_figures()
    period_figures(weekly())


def time_all() -> None:
    count = User.objects.count()
    print(f"{count} members")
    rows = export()
    print(f"members export, {rows} rows streamed:     {median_ms(export):9.1f} ms")
    print(f"dashboard figures (now, 12 weeks, period): {median_ms(dashboard):9.1f} ms")
    # The same members bench/owner.sh's "before" side picks (it knew no teams).
    own = (
        Subscription.objects.filter(purpose="personal", status="active")
        .order_by("pk")
        .values_list("user", flat=True)
        .first()
    )
    seat = Member.objects.order_by("pk").values_list("user", flat=True).first()
    gift = ComplimentaryAccess.objects.order_by("pk").values_list("user", flat=True).first()
    nothing = (
        User.objects.filter(subscriptions__isnull=True, complimentary_access__isnull=True)
        .filter(team_membership__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    for label, user_id in (
        ("paying for themselves", own),
        ("seated in a team", seat),
        ("with a gift", gift),
        ("with nothing", nothing),
    ):
        user = User.objects.get(pk=user_id)
        answer = entitlements._access(user)
        ms = median_ms(lambda user=user: entitlements._access(user))
        print(f"access answer uncached, a member {label + ':':24} {ms:6.2f} ms ({answer.premium})")


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed(int(sys.argv[2]))
    else:
        time_all()
