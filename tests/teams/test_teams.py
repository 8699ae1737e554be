"""Teams: a manager buys seats (monthly or annual), invites members who accept and read premium
guides; a member removed loses access at once; the seat count follows the Portal (invites
canceled first, then the latest members unseated, seated again when seats come back); a
canceled subscription ends every seat; the manager's own access is their own."""

from __future__ import annotations

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from billing import entitlements
from billing.models import Subscription
from mail.models import Email
from mail.outbox import render_email
from stats.figures import now_figures
from teams.models import Invite, Member, Team

from ..conftest import signed_in
from ..factories import UserFactory, subscribe
from ..helpers import PASSWORD, code_from
from .conftest import invite_link, path_of, reads_premium

pytestmark = pytest.mark.django_db

# A valid address of 300 characters (a 64-character local part, labels of 63 at most).
LONG_ADDRESS = f"{'a' * 64}@{'x' * 63}.{'y' * 63}.{'z' * 63}.{'w' * 38}.com"


def teams_page(client: Client) -> str:
    response = client.get("/teams/")
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def invite(client: Client, *addresses: str) -> str:
    """Post the invite form; the page it leads to."""
    response = client.post("/teams/invite/", {"emails": "\n".join(addresses)}, follow=True)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
    return response.content.decode()


@pytest.mark.parametrize(("seats", "plan", "amount"), [(3, "monthly", 1900), (5, "annual", 19000)])
def test_a_manager_buys_seats_for_a_team(
    manager_client, manager, fake_stripe, annual_price, buy, seats, plan, amount
) -> None:
    subscription = buy(manager_client, seats=seats, plan=plan)
    request = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1].params
    team = Team.objects.get(manager=manager)
    (line,) = request["line_items"]
    assert fake_stripe.prices[line["price"]]["unit_amount"] == amount
    assert line["quantity"] == str(seats)
    assert request["subscription_data"] == {
        "metadata": {"team_id": str(team.pk), "user_id": str(manager.pk)}
    }  # no trial for teams
    assert team.subscription.stripe_subscription_id == subscription["id"]
    assert team.subscription.purpose == Subscription.Purpose.TEAM
    assert team.subscription.quantity == seats
    assert team.subscription.monthly_amount == round(
        seats * amount / (12 if plan == "annual" else 1)
    )
    page = teams_page(manager_client)
    assert "Platform" in page
    assert f"<dt>Free</dt><dd>{seats}</dd>" in page
    figures = now_figures()
    assert (figures.teams, figures.seats_paid) == (1, seats)
    assert figures.mrr_team == team.subscription.monthly_amount


def test_the_buy_form_is_idempotent_per_form(manager_client, manager, fake_stripe) -> None:
    form = {"name": "Platform", "seats": 3, "plan": "monthly", "token": "a" * 32}
    first = manager_client.post("/teams/buy/", form)
    second = manager_client.post("/teams/buy/", form)
    assert first["Location"] == second["Location"]
    assert len(fake_stripe.sessions) == 1
    assert Team.objects.count() == 1


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": "Platform", "seats": -3, "plan": "monthly"}, "at least 2 seats"),
        ({"name": "Platform", "seats": 1, "plan": "monthly"}, "at least 2 seats"),
        ({"name": "Platform", "seats": 500, "plan": "monthly"}, "at most 200 seats"),
        ({"name": "Platform", "seats": "three", "plan": "monthly"}, "whole number"),
        ({"name": "", "seats": 3, "plan": "monthly"}, "This field is required"),
        ({"name": "Platform", "seats": 3, "plan": "weekly"}, "Select a valid choice"),
    ],
)
def test_bad_buy_input_is_a_clear_error_and_writes_nothing(
    manager_client, fake_stripe, form, error
) -> None:
    response = manager_client.post("/teams/buy/", form)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error in response.content.decode()
    assert not Team.objects.exists()
    assert not fake_stripe.requests_to("POST", "/v1/checkout/sessions")


def test_three_members_accept_and_read_premium_guides(
    manager_client,
    manager,
    fake_stripe,
    buy,
    join,
    premium_guide,
    client,
    django_capture_on_commit_callbacks,
) -> None:
    buy(manager_client, seats=3)
    ada = UserFactory(email="ada@example.com")
    bob = UserFactory(email="bob@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(manager_client, "ada@example.com", "Bob@example.com, carol@example.com")
    assert "3 invites sent" in page
    sent = {message.to[0]: message for message in mail.outbox}
    assert sent.keys() == {"ada@example.com", "Bob@example.com", "carol@example.com"}
    assert sent["ada@example.com"].subject == "You're invited to Platform on Alpha Code"
    assert "boss@example.com invites you" in sent["ada@example.com"].body
    assert "/teams/join/" in sent["ada@example.com"].body
    assert "<dt>Free</dt><dd>0</dd>" in page  # pending invites hold seats
    # Once per invite: each address gets one email.
    assert sorted(Email.objects.filter(kind="team_invite").values_list("to", flat=True)) == [
        "Bob@example.com",
        "ada@example.com",
        "carol@example.com",
    ]
    assert not reads_premium(Client(), premium_guide)
    ada_client = join(ada)
    bob_client = join(bob, "Bob@example.com")
    assert reads_premium(ada_client, premium_guide)
    assert reads_premium(bob_client, premium_guide)

    # Carol has no account: she signs up through the link and comes back to accept it.
    link = path_of(invite_link("carol@example.com"))
    assert "Create your account" in client.get(link).content.decode()
    signup = client.post(
        f"/accounts/signup/?next={link}",
        {"email": "carol@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signup.status_code == HTTPStatus.FOUND
    confirm = client.post("/accounts/confirm-email/", {"code": code_from(mail.outbox[-1])})
    assert confirm["Location"] == link
    assert "Join Platform" in client.get(link).content.decode()
    assert client.post(link)["Location"] == "/teams/"
    assert reads_premium(client, premium_guide)
    assert "Your seat opens every guide" in teams_page(client)

    page = teams_page(manager_client)
    assert "<dt>Used</dt><dd>3 members, 0 pending invites</dd>" in page
    invite_row = Invite.objects.get(email="carol@example.com")
    assert invite_row.state == Invite.State.ACCEPTED
    assert invite_row.accepted_by.email == "carol@example.com"
    assert now_figures().seats_taken == 3
    # The owner sees the team on the dashboard and each seat in the members export.
    owner = signed_in(UserFactory(is_staff=True, is_superuser=True))
    dashboard = owner.get("/admin/").content.decode()
    assert "… from team seats</th><td>$57.00</td>" in dashboard
    assert '<th scope="row">Teams</th><td>1</td>' in dashboard
    assert "their seats, paid and taken</th><td>3 paid, 3 taken</td>" in dashboard
    assert "Subscribers (paying for themselves)</th><td>0</td>" in dashboard
    export = owner.get("/admin/dashboard/members.csv")
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(b"".join(export).decode()))}
    assert (rows["ada@example.com"]["plan"], rows["ada@example.com"]["access_source"]) == (
        "team seat",
        "team seat",
    )
    assert rows["boss@example.com"]["plan"] == "none"  # the seats are not the manager's own


def test_a_link_accepted_by_another_address_is_recorded_and_used_once(
    manager_client, fake_stripe, buy, join
) -> None:
    buy(manager_client, seats=2)
    invite(manager_client, "ada@example.com")
    other = UserFactory(email="ada.personal@example.net")
    join(other, "ada@example.com")
    accepted = Invite.objects.get()
    assert accepted.accepted_by == other
    # The link is spent: a second account cannot use it.
    late = Client()
    late.force_login(UserFactory())
    path = path_of(invite_link("ada@example.com"))
    response = late.post(path, follow=True)
    assert "accepted already" in response.content.decode()
    assert Member.objects.count() == 1


def test_a_member_belongs_to_one_team(manager_client, fake_stripe, buy, join) -> None:
    buy(manager_client, seats=2)
    other_manager = UserFactory(email="other@example.com")
    other_client = Client()
    other_client.force_login(other_manager)
    buy(other_client, seats=2, name="Data")
    ada = UserFactory(email="ada@example.com")
    invite(manager_client, "ada@example.com")
    join(ada)
    invite(other_client, "ada@example.com")
    ada_client = Client()
    ada_client.force_login(ada)
    path = path_of(invite_link("ada@example.com"))
    response = ada_client.post(path, follow=True)
    assert "You are in Platform: leave it first" in response.content.decode()
    assert Member.objects.get(user=ada).team.name == "Platform"


def test_reinviting_an_address_sends_again_without_taking_another_seat(
    manager_client, fake_stripe, buy
) -> None:
    buy(manager_client, seats=2)
    invite(manager_client, "ada@example.com")
    page = invite(manager_client, "ADA@example.com")
    assert "1 pending invite sent again" in page
    assert Invite.objects.count() == 1
    assert Email.objects.filter(kind="team_invite").count() == 2
    assert "<dt>Free</dt><dd>1</dd>" in page
    invite_row = Invite.objects.get()
    manager_client.post(f"/teams/invites/{invite_row.pk}/resend/")
    assert Email.objects.filter(kind="team_invite").count() == 3


@pytest.mark.parametrize(
    ("addresses", "error"),
    [
        (["ada@example.com", "not-an-address"], "Not an email address: not-an-address"),
        (
            ["a@example.com", "b@example.com", "c@example.com"],
            "You have 2 free seats and asked for 3",
        ),
        ([f"p{n}@example.com" for n in range(51)], "at most 50 people at once"),
        ([""], "This field is required"),
        # Valid to Django (up to 320 characters), too long to store: refused, never a 500.
        ([LONG_ADDRESS], "An email address has at most 254 characters: aaaaaaaaaa"),
    ],
)
def test_bad_invites_are_a_clear_error_and_send_nothing(
    manager_client, fake_stripe, buy, addresses, error
) -> None:
    buy(manager_client, seats=2)
    response = manager_client.post("/teams/invite/", {"emails": "\n".join(addresses)})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert error in page
    # What was typed is still in the form.
    assert addresses[-1] in page
    assert not Invite.objects.exists()
    assert not Email.objects.filter(kind="team_invite").exists()


def test_a_revoked_invite_frees_its_seat_and_its_link_stops_working(
    manager_client, fake_stripe, buy
) -> None:
    buy(manager_client, seats=2)
    invite(manager_client, "ada@example.com")
    invite_row = Invite.objects.get()
    page = manager_client.post(f"/teams/invites/{invite_row.pk}/revoke/", follow=True)
    assert "<dt>Free</dt><dd>2</dd>" in page.content.decode()
    ada = Client()
    ada.force_login(UserFactory(email="ada@example.com"))
    path = path_of(invite_link("ada@example.com"))
    assert "no longer open" in ada.get(path).content.decode()
    assert "no longer valid" in ada.post(path, follow=True).content.decode()
    assert not Member.objects.exists()


def test_a_made_up_link_is_a_clear_404(client) -> None:
    response = client.get("/teams/join/not-a-real-token/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "does not work" in response.content.decode()


def test_a_removed_member_loses_access_at_once(
    manager_client, fake_stripe, buy, join, premium_guide
) -> None:
    buy(manager_client, seats=3)
    ada = UserFactory(email="ada@example.com")
    invite(manager_client, "ada@example.com")
    ada_client = join(ada)
    assert reads_premium(ada_client, premium_guide)
    member = Member.objects.get(user=ada)
    page = manager_client.post(f"/teams/members/{member.pk}/remove/", follow=True)
    assert "ada@example.com was removed" in page.content.decode()
    assert not reads_premium(ada_client, premium_guide)
    assert "<dt>Free</dt><dd>3</dd>" in page.content.decode()


def test_lowering_seats_in_the_portal_cancels_invites_then_unseats_the_latest_members(
    manager_client, manager, fake_stripe, buy, join, post_event, premium_guide
) -> None:
    subscription = buy(manager_client, seats=4)
    first, second, third = (UserFactory(email=f"m{n}@example.com") for n in range(3))
    invite(manager_client, "m0@example.com", "m1@example.com", "m2@example.com", "late@example.com")
    clients = [join(user) for user in (first, second, third)]
    # The Portal takes the team down to two seats.
    post_event(
        fake_stripe.event(
            "customer.subscription.updated", fake_stripe.change_quantity(subscription["id"], 2)
        )
    )
    # Stripe sends another event of the same state: nothing more changes, nothing more is sent.
    post_event(
        fake_stripe.event(
            "customer.subscription.updated", fake_stripe.subscriptions[subscription["id"]]
        )
    )
    assert Invite.objects.get(email="late@example.com").state == Invite.State.CANCELED
    assert Member.objects.get(user=third).seated is False
    assert [reads_premium(c, premium_guide) for c in clients] == [True, True, False]
    assert "You are waiting for a seat" in teams_page(clients[2])
    told = Email.objects.get(kind="team_seats_reduced")
    assert told.to == manager.email
    assert told.context["canceled"] == ["late@example.com"]
    assert told.context["unseated"] == ["m2@example.com"]
    assert set(entitlements.with_premium_access(User.objects.filter(email__startswith="m"))) == {
        first,
        second,
    }
    page = teams_page(manager_client)
    assert "<dt>Paid</dt><dd>2 " in page
    assert "1 member without a seat" in page
    # A seat added back seats the member who waited.
    post_event(
        fake_stripe.event(
            "customer.subscription.updated", fake_stripe.change_quantity(subscription["id"], 3)
        )
    )
    assert Member.objects.get(user=third).seated is True
    assert reads_premium(clients[2], premium_guide)
    # The canceled invite stays canceled.
    assert Invite.objects.get(email="late@example.com").state == Invite.State.CANCELED


def test_a_canceled_team_subscription_ends_every_seat(
    manager_client, fake_stripe, buy, join, post_event, premium_guide
) -> None:
    subscription = buy(manager_client, seats=2)
    ada = UserFactory(email="ada@example.com")
    invite(manager_client, "ada@example.com")
    ada_client = join(ada)
    assert reads_premium(ada_client, premium_guide)
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(subscription["id"])
        )
    )
    assert not reads_premium(ada_client, premium_guide)
    assert not entitlements.with_premium_access(User.objects.filter(pk=ada.pk)).exists()
    assert "subscription has ended" in teams_page(manager_client)
    assert "The team’s subscription gives no access" in teams_page(ada_client)


def test_the_manager_has_no_access_from_the_team_but_may_subscribe_or_take_a_seat(
    manager_client, manager, fake_stripe, buy, premium_guide
) -> None:
    buy(manager_client, seats=2)
    assert not reads_premium(manager_client, premium_guide)
    pricing = manager_client.get("/pricing/").content.decode()
    assert "You are subscribed" not in pricing
    account = manager_client.get("/account/").content.decode()
    assert "You manage Platform: 2 seats" in account
    assert "No subscription" in account
    # Their own subscription is theirs, with the first-week trial.
    response = manager_client.post("/billing/checkout/", {"plan": "monthly"})
    assert response.status_code == HTTPStatus.SEE_OTHER
    params = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1].params
    assert params["subscription_data"]["trial_period_days"] == "7"
    # Or a seat of their own team.
    manager_client.post("/teams/seat/")
    assert Member.objects.get(user=manager).seated
    assert reads_premium(manager_client, premium_guide)


def test_a_personal_subscriber_may_also_buy_seats(
    manager_client, manager, fake_stripe, buy
) -> None:
    subscribe(manager)
    buy(manager_client, seats=2)
    assert Subscription.objects.filter(user=manager, purpose="team").count() == 1
    account = manager_client.get("/account/").content.decode()
    assert "Active, renews" in account


def test_a_stranger_cannot_manage_another_team(manager_client, fake_stripe, buy) -> None:
    buy(manager_client, seats=2)
    invite(manager_client, "ada@example.com")
    team = Team.objects.get()
    invite_row = Invite.objects.get()
    stranger = Client()
    stranger.force_login(UserFactory(email="eve@example.com"))
    page = teams_page(stranger)
    assert "ada@example.com" not in page
    assert "Platform" not in page
    assert stranger.post(f"/teams/invites/{invite_row.pk}/revoke/").status_code == 404
    assert stranger.post(f"/teams/invites/{invite_row.pk}/resend/").status_code == 404
    assert stranger.post("/teams/invite/", {"emails": "x@example.com"}).status_code == 404
    assert stranger.post("/teams/billing/").status_code == 404
    ada = Client()
    ada_user = UserFactory(email="ada2@example.com")
    ada.force_login(ada_user)
    member = Member.objects.create(team=team, user=ada_user)
    assert stranger.post(f"/teams/members/{member.pk}/remove/").status_code == 404
    assert Invite.objects.get().state == Invite.State.PENDING
    assert Member.objects.filter(pk=member.pk).exists()


def test_manage_billing_opens_the_teams_portal_back_to_the_team(
    manager_client, fake_stripe, buy, settings, capsys
) -> None:
    call_command("stripe_setup")
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.STRIPE_TEAM_PORTAL_CONFIGURATION = printed["STRIPE_TEAM_PORTAL_CONFIGURATION"]
    buy(manager_client, seats=2)
    response = manager_client.post("/teams/billing/")
    assert response.status_code == HTTPStatus.SEE_OTHER
    (portal,) = fake_stripe.portal_sessions.values()
    assert portal["return_url"].endswith("/teams/")
    # The team's Portal configuration: the one that lets the seat count change.
    request = fake_stripe.requests_to("POST", "/v1/billing_portal/sessions")[-1]
    team_portal = fake_stripe.portal_configurations[request.params["configuration"]]
    assert team_portal["features"]["subscription_update"]["default_allowed_updates"] == [
        "price",
        "quantity",
    ]


def test_the_webhook_alone_links_the_seats_to_the_team(
    manager_client, manager, fake_stripe, post_event
) -> None:
    response = manager_client.post(
        "/teams/buy/", {"name": "Platform", "seats": 3, "plan": "monthly", "token": "b" * 32}
    )
    session = next(iter(fake_stripe.sessions.values()))
    assert response["Location"] == session["url"]
    fake_stripe.complete_checkout(session["id"])
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session["id"]]))
    team = Team.objects.get()
    assert team.subscription is not None
    assert team.subscription.quantity == 3


def test_the_manager_is_told_the_seats_are_ready_not_that_guides_are_open(
    manager_client, manager, fake_stripe, buy, post_event
) -> None:
    subscription = buy(manager_client, seats=3)
    post_event(fake_stripe.event("customer.subscription.created", subscription))
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(subscription["id"])
        )
    )
    kinds = sorted(Email.objects.filter(user=manager).values_list("kind", flat=True))
    assert kinds == ["team_canceled", "team_started"]
    started = render_email(Email.objects.get(kind="team_started"))
    assert "Seats: 3" in started.body
    assert "/teams/" in started.body


def test_the_pricing_page_tells_a_seated_member_where_access_comes_from(
    manager_client, fake_stripe, buy, join
) -> None:
    buy(manager_client, seats=2)
    invite(manager_client, "ada@example.com")
    ada_client = join(UserFactory(email="ada@example.com"))
    assert "Your team’s seat opens every guide" in ada_client.get("/pricing/").content.decode()


def test_a_failed_team_payment_keeps_seats_through_the_grace_period_and_tells_the_manager(
    manager_client, manager, fake_stripe, buy, join, post_event, premium_guide
) -> None:
    subscription = buy(manager_client, seats=2)
    invite(manager_client, "ada@example.com")
    ada_client = join(UserFactory(email="ada@example.com"))
    invoice, _ = fake_stripe.fail_payment(subscription["id"])
    post_event(fake_stripe.event("invoice.payment_failed", invoice))
    assert reads_premium(ada_client, premium_guide)
    # The member is not told of the manager's payment; the manager is emailed.
    assert "payment failed" not in ada_client.get("/").content.decode()
    told = render_email(Email.objects.get(kind="payment_failed"))
    assert told.to == [manager.email]
    assert "Your team's seats keep working while Stripe retries the card" in told.body
    # Past the grace period the seats stop giving access, with nothing written.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        assert not reads_premium(ada_client, premium_guide)


def test_stripe_down_at_checkout_keeps_no_team_and_says_so(manager_client, fake_stripe) -> None:
    fake_stripe.fail_next = [500, 500, 500]  # the SDK's first try and its two retries
    response = manager_client.post(
        "/teams/buy/",
        {"name": "Platform", "seats": 3, "plan": "monthly", "token": "c" * 32},
        follow=True,
    )
    assert "couldn’t reach our payment provider. Nothing was charged" in response.content.decode()
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_a_visitor_learns_what_teams_are_and_is_asked_to_sign_in(client, fake_stripe) -> None:
    page = client.get("/teams/")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Buy seats for your team" in html
    assert "$19 a month per seat" in html
    assert 'href="/accounts/login/?next=%2Fteams%2F"' in html
    assert 'href="/accounts/signup/?next=%2Fteams%2F"' in html
    assert 'action="/teams/buy/"' not in html  # buying is for members
    # Back from Checkout with the session signed out: signing in keeps the way back.
    back = client.get("/teams/?session_id=cs_test123")
    assert back.status_code == HTTPStatus.FOUND
    assert back["Location"] == "/accounts/login/?next=/teams/%3Fsession_id%3Dcs_test123"
    assert not Team.objects.exists()
