"""The weekly study digest: what one reader's week holds, from their own study data. Everything
in it is theirs or public: their plan's days (guide titles they may read), how many drill cards
are due, the guide they were reading, and the guides published in the last week (titles and
deks, which every visitor sees)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from articles.models import Guide
from study.models import Plan
from study.planner import Day
from study.selectors import continue_reading, due_cards
from study.services.plans import study_plan

DAYS = 7


@dataclass
class NewGuide:
    title: str
    dek: str
    url: str
    premium: bool


@dataclass
class Digest:
    days: list[Day] = field(default_factory=list)  # the plan's next seven days
    due: int = 0  # drill cards due today
    continue_title: str = ""
    continue_url: str = ""
    new_guides: list[NewGuide] = field(default_factory=list)

    @property
    def personal(self) -> bool:
        return bool(self.days or self.due or self.continue_url)

    @property
    def empty(self) -> bool:
        """Nothing to say: no plan, nothing due, nothing to continue and no new guide."""
        return not self.personal and not self.new_guides


def new_guides(now: dt.datetime) -> list[NewGuide]:
    """Guides published in the week before `now`."""
    guides = Guide.objects.published().filter(published_at__gt=now - dt.timedelta(days=DAYS))
    return [
        NewGuide(g.title, g.dek, f"{settings.SITE_URL}{g.get_absolute_url()}", g.is_premium)
        for g in guides.order_by("-published_at")
    ]


def digest_for(user: User, *, now: dt.datetime | None = None) -> Digest:
    now = now or timezone.now()
    today = timezone.localdate(now)
    digest = Digest(new_guides=new_guides(now))
    plan = Plan.objects.filter(user=user).first()
    if plan is not None:
        digest.days = [day for day in study_plan(user, plan, today).days[:DAYS] if day.tasks]
    digest.due = len(due_cards(user, today))
    reading = continue_reading(user)
    if reading is not None:
        digest.continue_title = reading.guide.title
        digest.continue_url = f"{settings.SITE_URL}{reading.guide.get_absolute_url()}"
    return digest
