"""factory_boy factories for the content and the people who read it."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from articles.models import Block, Guide, Pattern, Section, Track
from articles.services import block_save, guide_refresh, section_save
from billing.models import Customer, Subscription
from practice.models import Attempt, Diagnostic, Problem


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    password = factory.django.Password("correct horse battery")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active Stripe subscription (for a new user unless one is given)."""

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_{n}")
    stripe_customer_id = factory.LazyAttribute(lambda o: f"cus_{o.user.pk}")
    status = "active"


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        django_get_or_create = ("slug",)

    slug = "coding"
    title = "Coding Interviews"


class GuideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guide

    track = factory.SubFactory(TrackFactory)
    title = factory.Sequence(lambda n: f"Guide number {n}")
    slug = factory.Sequence(lambda n: f"guide-{n}")
    dek = "A one-line subtitle."
    intro = "An introduction anyone may read."
    access = Guide.Access.FREE
    status = Guide.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


def make_guide(*, sections: list[list[tuple[str, str]]] | None = None, **fields) -> Guide:
    """A guide with sections of (kind, text) blocks, derived fields computed as on save."""
    guide = GuideFactory(**fields)
    sections = (
        sections
        if sections is not None
        else [[("paragraph", f"Paragraph of section {i + 1}.")] for i in range(3)]
    )
    for position, blocks in enumerate(sections):
        section = Section(guide=guide, position=position, heading=f"Section heading {position + 1}")
        section_save(section=section)
        for index, (kind, text) in enumerate(blocks):
            attribution = "Someone wise" if kind == "quote" else ""
            block_save(
                block=Block(
                    section=section, position=index, kind=kind, text=text, attribution=attribution
                )
            )
    return guide_refresh(guide=guide)


def subscriber() -> User:
    """A reader with an active subscription."""
    return SubscriptionFactory().user


def subscribe(user: User, **fields: object) -> Subscription:
    """The reader's subscription as a sync from Stripe stores it, with their customer: active and
    renewing in 20 days unless `fields` say otherwise (past due or unpaid: its payment failed
    just now)."""
    Customer.objects.get_or_create(user=user, defaults={"stripe_customer_id": f"cus_{user.pk}"})
    values = {
        "current_period_end": timezone.now() + dt.timedelta(days=20),
        "cancel_at_period_end": False,
    }
    if fields.get("status") in ("past_due", "unpaid"):
        values["payment_failed_at"] = timezone.now()
    return SubscriptionFactory(user=user, **{**values, **fields})


def make_problem(slug: str, pattern: str | None, **fields: object) -> Problem:
    """A published, free, easy problem that leads with this pattern (a reference pattern's slug;
    None: it names none), with working code; `fields` say otherwise."""
    lead = Pattern.objects.get(slug=pattern) if pattern else None
    values: dict[str, object] = {
        "title": slug.replace("-", " ").capitalize(),
        "difficulty": Problem.Difficulty.EASY,
        "access": Guide.Access.FREE,
        "status": Guide.Status.PUBLISHED,
        "published_at": timezone.now() - dt.timedelta(days=1),
        "statement": f"The statement of {slug}.",
        "walkthrough": "How to solve it.",
        "code": {
            "solution": "def answer() -> int:\n    return 1\n",
            "starter": "def answer() -> int:\n    pass\n",
            "tests": "assert answer() == 1\n",
        },
    }
    problem = Problem.objects.create(slug=slug, pattern=lead, **{**values, **fields})
    if lead is not None:
        problem.patterns.set([lead])
    return problem


def solved(user: User, problem: Problem, *, due: dt.date | None = None) -> Attempt:
    """The reader's attempt at a problem they solved once, due again on `due` (in six days)."""
    return Attempt.objects.create(
        user=user,
        problem=problem,
        solves=1,
        repetitions=1,
        interval=6,
        first_solved_at=timezone.now(),
        solved_at=timezone.now(),
        due=due or timezone.localdate() + dt.timedelta(days=6),
    )


def finished_diagnostic(
    user: User, weak: list[str], *, finished_at: dt.datetime | None = None
) -> Diagnostic:
    """A diagnostic the reader finished with this weak-set (patterns' slugs, slowest first)."""
    finished_at = finished_at or timezone.now()
    return Diagnostic.objects.create(
        user=user, started_at=finished_at, finished_at=finished_at, weak_patterns=weak
    )
