"""The dashboard's guides table: signed-in readers, items ticked and finishes per published
guide over 7, 30 or 90 days, from the readers' own rows; sortable; as CSV; for the dashboard's
permission only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from articles.models import Item
from articles.services import guides_import
from stats.figures import guide_rows
from study.models import Reading, Tick

from ..conftest import signed_in
from ..factories import UserFactory, make_guide
from ..helpers import VALID

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def activity() -> dict[str, object]:
    (heaps,) = guides_import([("heaps.md", VALID)])
    quiet = make_guide(slug="quiet-guide", title="A quiet guide", access="free")
    make_guide(slug="draft-guide", title="A draft", status="draft")
    first, second = Item.objects.filter(text__in=["First item", "Second item"]).order_by("pk")
    readers = [UserFactory(email=f"r{n}@example.com") for n in range(4)]
    # Opened 2, 20 and 60 days ago; one of them finished 3 days ago, one 40 days ago.
    Reading.objects.create(user=readers[0], guide=heaps, opened_at=ago(2), finished_at=ago(3))
    Reading.objects.create(user=readers[1], guide=heaps, opened_at=ago(20), finished_at=ago(40))
    Reading.objects.create(user=readers[2], guide=heaps, opened_at=ago(60))
    Reading.objects.create(user=readers[3], guide=quiet, opened_at=ago(1))
    Tick.objects.create(user=readers[0], item=first, guide=heaps, ticked_at=ago(1))
    Tick.objects.create(user=readers[0], item=second, guide=heaps, ticked_at=ago(10))
    Tick.objects.create(user=readers[1], item=first, guide=heaps, ticked_at=ago(80))
    return {"heaps": heaps, "quiet": quiet}


def counts(days: int, sort: str = "readers") -> list[tuple[str, int, int, int]]:
    return [(r.title, r.readers, r.items_ticked, r.finishes) for r in guide_rows(days, sort)]


def test_each_window_counts_what_happened_in_it(activity) -> None:
    heaps = activity["heaps"].title
    # Readers first (a tie goes by title).
    assert counts(7) == [("A quiet guide", 1, 0, 0), (heaps, 1, 1, 1)]
    assert counts(30) == [(heaps, 2, 2, 1), ("A quiet guide", 1, 0, 0)]
    assert counts(90) == [(heaps, 3, 3, 2), ("A quiet guide", 1, 0, 0)]
    # A draft is not listed; sorting by title puts A before H.
    assert [row[0] for row in counts(90, "title")] == ["A quiet guide", heaps]
    assert [row[0] for row in counts(7, "items_ticked")] == [heaps, "A quiet guide"]


def test_the_guides_table_on_the_admin_home_and_as_csv(activity, staff, editor) -> None:
    owner = signed_in(staff)
    html = owner.get("/admin/?window=90&sort=finishes").content.decode()
    assert "Guides over the last 90 days" in html
    assert 'aria-sort="descending">Finishes</th>' in html
    assert f'href="{activity["heaps"].get_absolute_url()}"' in html
    assert f"/admin/articles/guide/{activity['heaps'].pk}/change/" in html
    # Anything else in the query string: the defaults (30 days, by readers).
    fallback = owner.get("/admin/?window=3650&sort=x").content.decode()
    assert "Guides over the last 30 days" in fallback
    assert 'aria-sort="descending">Readers</th>' in fallback
    csv = owner.get("/admin/dashboard/guides.csv?window=7&sort=items_ticked").content.decode()
    csv = csv.splitlines()
    assert csv[0] == (
        "guide,url,signed_in_readers,anonymous_views,readers,paywall_views,checkouts,"
        "subscriptions,items_ticked,finishes"
    )
    assert csv[1].endswith(",1,0,1,0,0,0,1,1")
    assert len(csv) == 3
    response = signed_in(editor).get("/admin/dashboard/guides.csv")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_title_a_spreadsheet_would_run_comes_back_as_text_in_the_csv() -> None:
    # Titles are an editor's; the CSV is opened by the owner in a spreadsheet.
    formulas = ['=HYPERLINK("http://evil.example","x")', "@SUM(1)", "+1", "-1", "\tx", "\rx"]
    for number, title in enumerate(formulas):
        make_guide(slug=f"formula-{number}", title=title)
    make_guide(slug="plain", title="Plain - and = inside")
    owner = UserFactory(is_staff=True, email="owner@example.com")
    owner.user_permissions.add(
        Permission.objects.get(content_type__app_label="stats", codename="view_dashboard")
    )

    response = signed_in(owner).get("/admin/dashboard/guides.csv?window=7&sort=title")

    assert response.status_code == HTTPStatus.OK
    header, *rows = csv.reader(io.StringIO(response.content.decode(), newline=""))
    titles = {row[0] for row in rows}
    assert titles == {f"'{title}" for title in formulas} | {"Plain - and = inside"}
    # The numbers beside them are numbers still.
    assert {tuple(row[2:]) for row in rows} == {("0",) * (len(header) - 2)}


def test_the_owner_reading_a_guide_is_not_a_reader_and_a_member_is() -> None:
    guide = make_guide(slug="free-guide", title="A free guide", access="free")
    owner = UserFactory(is_staff=True, email="owner@example.com")
    member = UserFactory(email="member@example.com")

    signed_in(owner).get(guide.get_absolute_url())
    assert [(row.title, row.readers) for row in guide_rows(7)] == [("A free guide", 0)]

    signed_in(member).get(guide.get_absolute_url())
    assert [(row.title, row.readers) for row in guide_rows(7)] == [("A free guide", 1)]
    # The owner's visit is kept (their own study state) but not counted as a reader's.
    assert Reading.objects.filter(guide=guide).count() == 2
    # Nor are the owner's ticks (trying a checklist) a reader's.
    items = make_guide(
        slug="checklist-guide",
        title="A checklist guide",
        access="free",
        sections=[[("paragraph", "Text."), ("checklist", "Alpha\nBravo")]],
    )
    item = Item.objects.filter(block__section__guide=items).first()
    Tick.objects.create(user=owner, item=item, guide=items)
    ticked = {row.title: row.items_ticked for row in guide_rows(7)}
    assert ticked["A checklist guide"] == 0
    Tick.objects.create(user=member, item=item, guide=items)
    assert {row.title: row.items_ticked for row in guide_rows(7)}["A checklist guide"] == 1
