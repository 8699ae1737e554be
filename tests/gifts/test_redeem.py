"""Redeeming a gift: the signed link, signing up through it, complimentary access added after
any access the recipient already has, and a gift redeemed once only."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from http import HTTPStatus
from urllib.parse import unquote

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from billing.entitlements import can_read_premium
from billing.models import ComplimentaryAccess
from gifts.links import redeem_path
from gifts.models import Gift
from gifts.offers import add_months
from gifts.services import GiftNotRedeemable, gift_redeem

from ..conftest import held_after_query, signed_in, wait_for
from ..factories import SubscriptionFactory, UserFactory
from ..helpers import PASSWORD, code_from
from .conftest import gift_form, redeem_path_in_mail

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def access_until(user: User) -> dt.datetime:
    return ComplimentaryAccess.objects.get(user=user).expires_at


@pytest.mark.django_db
def test_a_new_member_signs_up_through_the_link_and_redeems_the_gift(buy) -> None:
    buy(months="6", message="For the onsite. You've got this.")
    path = redeem_path_in_mail("friend@example.com")
    visitor = Client()
    page = visitor.get(path).content.decode()
    assert "Grace Hopper gave you 6 months of Alpha Code" in page
    assert "For the onsite. You&#x27;ve got this." in page
    assert "Create an account" in page

    # Signs up from the page's link: the link to the gift survives the emailed code.
    found = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', page)
    assert found
    signup = html.unescape(found.group(1))
    assert unquote(signup.split("next=", 1)[1]) == path
    visitor.post(signup, {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD})
    confirmed = visitor.post("/accounts/confirm-email/", {"code": code_from(mail.outbox[-1])})
    assert confirmed.status_code == HTTPStatus.FOUND
    assert confirmed["Location"] == path

    page = visitor.get(path).content.decode()
    assert "Redeem 6 months as ada@example.com" in page
    with time_machine.travel(NOW, tick=False):
        redeemed = visitor.post(path, follow=True)
    ada = User.objects.get(email="ada@example.com")
    assert "Your gift is redeemed. Every guide is open to you." in redeemed.content.decode()
    assert "your gifted access runs from 7 Dec 2026 until 7 Jun 2027" in redeemed.content.decode()
    assert access_until(ada) == dt.datetime(2027, 6, 7, 12, 0, tzinfo=dt.UTC)
    assert ComplimentaryAccess.objects.get(user=ada).reason == (
        "Gift of 6 months from Grace Hopper"
    )
    with time_machine.travel(NOW + dt.timedelta(days=100)):
        assert can_read_premium(User.objects.get(pk=ada.pk))
    gift = Gift.objects.get()
    assert (gift.state, gift.redeemed_by, gift.redeemed_at) == ("redeemed", ada, NOW)


@pytest.mark.django_db
def test_a_visitor_posting_a_redeem_is_sent_to_sign_in_and_back(buy) -> None:
    gift = buy()
    path = redeem_path(gift)
    response = Client().post(path)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Gift.objects.get().state == "paid"


@pytest.mark.django_db
def test_a_subscribers_gift_starts_when_their_paid_period_ends(buy) -> None:
    gift = buy(months="3")
    period_end = NOW + dt.timedelta(days=20)
    subscriber = SubscriptionFactory(current_period_end=period_end).user
    member = signed_in(subscriber)
    with time_machine.travel(NOW, tick=False):
        page = member.get(redeem_path(gift)).content.decode()
        assert "Your subscription still renews on 27 Dec 2026 unless you cancel it" in page
        assert "Manage billing" in page
        assert "from 27 Dec 2026 until 27 Mar 2027" in page
        member.post(redeem_path(gift))
    assert access_until(subscriber) == add_months(period_end, 3)
    assert Gift.objects.get().access_from == period_end


@pytest.mark.django_db
def test_a_subscription_set_to_cancel_is_told_no_renewal_and_the_gift_follows_it(buy) -> None:
    gift = buy(months="3")
    period_end = NOW + dt.timedelta(days=5)
    subscriber = SubscriptionFactory(current_period_end=period_end, cancel_at_period_end=True).user
    member = signed_in(subscriber)
    with time_machine.travel(NOW, tick=False):
        page = member.get(redeem_path(gift)).content.decode()
        assert "still renews" not in page
        assert "start when the access you already have ends, on 12 Dec 2026" in page
        member.post(redeem_path(gift))
    assert access_until(subscriber) == add_months(period_end, 3)


@pytest.mark.django_db
def test_a_gift_is_added_after_complimentary_access_already_held(buy) -> None:
    gift = buy(months="12")
    member = UserFactory()
    held_until = NOW + dt.timedelta(days=40)
    ComplimentaryAccess.objects.create(user=member, expires_at=held_until, reason="staff")
    with time_machine.travel(NOW, tick=False):
        gift_redeem(gift_id=gift.pk, user=member)
    assert access_until(member) == add_months(held_until, 12)


@pytest.mark.django_db
def test_a_team_seat_subscription_the_member_pays_for_does_not_delay_the_gift(buy) -> None:
    gift = buy(months="3")
    manager = SubscriptionFactory(
        purpose="team", quantity=5, current_period_end=NOW + dt.timedelta(days=200)
    ).user
    with time_machine.travel(NOW, tick=False):
        gift_redeem(gift_id=gift.pk, user=manager)
    assert access_until(manager) == add_months(NOW, 3)


@pytest.mark.django_db
def test_a_gift_to_a_member_seated_in_a_team_follows_the_teams_paid_period(buy) -> None:
    from teams.models import Member, Team

    gift = buy(months="3")
    period_end = NOW + dt.timedelta(days=20)
    seats = SubscriptionFactory(purpose="team", quantity=5, current_period_end=period_end)
    team = Team.objects.create(name="Platform", manager=seats.user, subscription=seats)
    seated = UserFactory()
    Member.objects.create(team=team, user=seated)
    member = signed_in(seated)
    with time_machine.travel(NOW, tick=False):
        page = member.get(redeem_path(gift)).content.decode()
        assert "start when the access you already have ends, on 27 Dec 2026" in page
        member.post(redeem_path(gift))
    assert access_until(seated) == add_months(period_end, 3)


@pytest.mark.django_db
def test_two_gifts_to_one_member_add_up(buy) -> None:
    first, second = buy(months="3"), buy(months="6", recipient_email="friend@example.com")
    member = UserFactory()
    with time_machine.travel(NOW, tick=False):
        gift_redeem(gift_id=first.pk, user=member)
        gift_redeem(gift_id=second.pk, user=member)
    assert access_until(member) == add_months(add_months(NOW, 3), 6)


@pytest.mark.django_db
def test_a_gift_is_redeemed_once_and_the_second_try_is_told_so(buy) -> None:
    gift = buy()
    first, second = UserFactory(), UserFactory()
    with time_machine.travel(NOW, tick=False):
        signed_in(first).post(redeem_path(gift))
    again = signed_in(second).post(redeem_path(gift), follow=True)
    page = again.content.decode()
    assert "This gift was already redeemed on 7 Dec 2026." in page
    assert "This gift has been redeemed" in page
    assert not ComplimentaryAccess.objects.filter(user=second).exists()
    # The one who redeemed it trying again is told the same, and keeps what they have.
    before = access_until(first)
    signed_in(first).post(redeem_path(gift))
    assert access_until(first) == before


@pytest.mark.django_db(transaction=True)
def test_two_redeems_at_once_give_the_gift_once(client, fake_stripe, post_event) -> None:
    giver = UserFactory()
    gift = Gift.objects.create(
        giver=giver,
        recipient_email="friend@example.com",
        months=3,
        amount=5700,
        state=Gift.State.PAID,
        form_token="a" * 32,
        paid_at=timezone.now(),
    )
    ada, bob = UserFactory(), UserFactory()
    outcome: dict[str, object] = {}

    def bob_redeems() -> None:
        try:
            outcome["bob"] = gift_redeem(gift_id=gift.pk, user=bob)
        except GiftNotRedeemable as refused:
            outcome["bob"] = refused
        finally:
            connection.close()

    def waiting_on_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

    # Ada's redeem has locked the gift and read it; Bob's starts meanwhile and waits.
    bob_thread = threading.Thread(target=bob_redeems)
    with held_after_query(lambda: gift_redeem(gift_id=gift.pk, user=ada), "FOR UPDATE") as ada_:
        bob_thread.start()
        wait_for(waiting_on_a_lock, timeout=10)
    bob_thread.join(timeout=30)
    assert ada_["result"].redeemed_by == ada
    assert isinstance(outcome["bob"], GiftNotRedeemable)
    assert "already redeemed" in str(outcome["bob"])
    assert ComplimentaryAccess.objects.filter(user=ada).exists()
    assert not ComplimentaryAccess.objects.filter(user=bob).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        lambda token: "9999" + token[token.index(":") :],  # another gift's id, same signature
        lambda token: token.split(":")[0],  # no signature
        lambda token: "garbage",
    ],
)
def test_a_tampered_link_is_a_clear_404(buy, change) -> None:
    gift = buy()
    token = redeem_path(gift).split("/")[3]
    response = signed_in(UserFactory()).get(f"/gift/redeem/{change(token)}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This gift link is not valid" in response.content.decode()
    post = signed_in(UserFactory()).post(f"/gift/redeem/{change(token)}/")
    assert post.status_code == HTTPStatus.NOT_FOUND
    assert Gift.objects.get().state == "paid"


@pytest.mark.django_db
def test_the_link_of_a_gift_not_paid_for_is_not_valid(client, giver, fake_stripe) -> None:
    client.post("/gift/", gift_form())
    gift = Gift.objects.get()
    response = signed_in(UserFactory()).post(redeem_path(gift))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Gift.objects.get().state == "pending"
