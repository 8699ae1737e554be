"""Bench helpers run with the bench environment (see common.sh):

python bench/prepare.py subscriber            -> prints a subscriber's session cookie value
python bench/prepare.py webhooks N FILE       -> writes N signed webhook requests to FILE
python bench/prepare.py seed GUIDES USERS     -> bulk-seeds guides and subscribed users
python bench/prepare.py timings LABEL         -> prints each page's median server time, cold
                                                 and warm, as a subscriber
python bench/prepare.py members N             -> N members with confirmed addresses; prints a
                                                 published guide's slug
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

import django

django.setup()

import stripe  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from articles.models import Block, Guide, Section, Track  # noqa: E402
from articles.services import guide_refresh  # noqa: E402
from billing.models import Subscription  # noqa: E402


def subscriber() -> None:
    user, _ = User.objects.get_or_create(email="bench-subscriber@example.com")
    Subscription.objects.update_or_create(
        stripe_subscription_id="sub_bench",
        defaults={
            "user": user,
            "stripe_customer_id": "cus_bench",
            "status": "active",
            "current_period_end": timezone.now() + dt.timedelta(days=30),
        },
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    print(session.session_key)


def webhooks(count: int, path: str) -> None:
    now = int(time.time())
    with open(path, "w") as out:
        for index in range(count):
            body = json.dumps(
                {
                    "id": f"evt_bench_{now}_{index}",
                    "object": "event",
                    "type": "invoice.paid",
                    "created": now,
                    "data": {
                        "object": {"id": f"in_bench_{index}", "object": "invoice", "parent": None}
                    },
                }
            )
            header = stripe.WebhookSignature.generate_signature_header(
                body, settings.STRIPE_WEBHOOK_SECRET
            )
            out.write(f"{header}\t{body}\n")


WORDS = [
    "pattern",
    "window",
    "pointer",
    "heap",
    "graph",
    "cache",
    "shard",
    "queue",
    "latency",
    "budget",
    "retry",
    "story",
    "impact",
    "tradeoff",
    "invariant",
    "baseline",
    "rubric",
    "drill",
    "evaluation",
    "prompt",
]


def seed(guides: int, users: int) -> None:
    """Bulk-insert guides (three sections of mixed blocks each) and users with subscriptions,
    topping up to the requested totals."""
    tracks = list(Track.objects.all())
    have = Guide.objects.count()
    now = timezone.now()
    batch = 500
    for start in range(have, guides, batch):
        new = [
            Guide(
                track=tracks[i % len(tracks)],
                title=f"Seeded guide {i}: {WORDS[i % 20]}",
                slug=f"seeded-{i}",
                dek=f"A seeded guide about {WORDS[(i * 7) % 20]}.",
                intro=" ".join(WORDS[(i + k) % 20] for k in range(60)),
                access="premium" if i % 3 else "free",
                status="published",
                published_at=now - dt.timedelta(minutes=i),
            )
            for i in range(start, min(start + batch, guides))
        ]
        Guide.objects.bulk_create(new)
        created = list(Guide.objects.filter(slug__in=[g.slug for g in new]))
        sections = Section.objects.bulk_create(
            [
                Section(guide=g, position=p, heading=f"Part {p + 1}", anchor=f"part-{p + 1}")
                for g in created
                for p in range(3)
            ]
        )
        Block.objects.bulk_create(
            [
                block
                for s in sections
                for block in (
                    Block(
                        section=s,
                        position=0,
                        kind="paragraph",
                        text=" ".join(WORDS[(s.pk + k) % 20] for k in range(120)),
                    ),
                    Block(
                        section=s, position=1, kind="checklist", text="One\nTwo\nThree\nFour\nFive"
                    ),
                    Block(
                        section=s,
                        position=2,
                        kind="phrases",
                        text="Moment | What to say\nStart | I'll restate the goal.",
                    ),
                )
            ]
        )
        for guide in created:
            guide_refresh(guide=guide)
        print(f"guides: {start + len(new)}", file=sys.stderr)
    have_users = User.objects.filter(email__startswith="seeded-").count()
    for start in range(have_users, users, 5000):
        chunk = range(start, min(start + 5000, users))
        made = User.objects.bulk_create(
            [User(email=f"seeded-{i}@example.com", password="!") for i in chunk]
        )
        Subscription.objects.bulk_create(
            [
                Subscription(
                    user=u,
                    stripe_subscription_id=f"sub_seed_{u.pk}",
                    stripe_customer_id=f"cus_seed_{u.pk}",
                    status=("active", "canceled", "past_due", "trialing")[u.pk % 4],
                    current_period_end=now + dt.timedelta(days=10),
                )
                for u in made
            ]
        )
        print(f"users: {chunk.stop}", file=sys.stderr)


def timings(label: str) -> None:
    """Median server time (ms) of each page with cold caches, as a subscriber: the cost the
    database pays at this size."""
    import statistics

    from django.core.cache import cache, caches
    from django.test import Client

    user = User.objects.get(email="bench-subscriber@example.com")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    guide = Guide.objects.published().order_by("-published_at")[50]
    urls = {
        "library": "/guides/",
        "library-page-40": "/guides/?page=40",
        "track": "/tracks/coding/",
        "search": "/search/?q=latency+budget",
        "guide": guide.get_absolute_url(),
    }
    counts = f"{Guide.objects.count()} guides, {User.objects.count()} users"
    for name, url in urls.items():
        samples = []
        for _ in range(25):
            cache.clear()
            caches["local"].clear()
            client.force_login(user)
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        warm = []
        for _ in range(25):
            started = time.perf_counter()
            client.get(url)
            warm.append((time.perf_counter() - started) * 1000)
        print(
            f"{label}\t{name}\t{statistics.median(samples):.2f}\t{counts}"
            f"\t{statistics.median(warm):.2f}"
        )


def members(count: int) -> None:
    """Make sure there are `count` members with confirmed addresses (bench-member-N@example.com),
    and clear earlier campaigns; prints the slug of a published guide to announce."""
    from allauth.account.models import EmailAddress

    from mailings.models import Campaign

    Campaign.objects.all().delete()
    have = User.objects.filter(email__startswith="bench-member-").count()
    for start in range(have, count, 5000):
        users = User.objects.bulk_create(
            User(email=f"bench-member-{n:06}@example.com", password="!")
            for n in range(start, min(start + 5000, count))
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
    print(Guide.objects.published().order_by("-published_at").values_list("slug", flat=True)[0])


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {
        "subscriber": subscriber,
        "webhooks": lambda n, p: webhooks(int(n), p),
        "seed": lambda g, u: seed(int(g), int(u)),
        "timings": timings,
        "members": lambda n: members(int(n)),
    }[command](*args)
