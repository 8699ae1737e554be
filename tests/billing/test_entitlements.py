"""The entitlement truth table: who may read premium guides in full."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from billing.entitlements import can_read, can_read_premium
from billing.models import ComplimentaryAccess, Subscription
from billing.subscriptions import subscription_sync

from ..conftest import held_after_query, new_subscription, signed_in
from ..factories import UserFactory, make_guide, subscribe

NOW = timezone.now
DAY = dt.timedelta(days=1)

STATUS_TABLE = [
    ("active", True),
    ("trialing", True),
    ("past_due", True),
    ("canceled", False),
    ("unpaid", False),
    ("incomplete", False),
    ("incomplete_expired", False),
    ("paused", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "allowed"), STATUS_TABLE)
def test_every_stripe_status(status: str, allowed: bool) -> None:
    user = UserFactory()
    subscribe(user, status=status)
    premium = make_guide(access="premium")
    assert can_read_premium(user) is allowed
    assert can_read(user, premium) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failed", "grace_days", "allowed"),
    [(-6 * DAY, 7, True), (-8 * DAY, 7, False), (-2 * DAY, 1, False), (None, 7, False)],
    ids=["within the grace period", "after it", "after a shorter one", "failure time unknown"],
)
def test_past_due_gives_access_only_during_the_grace_period(
    failed, grace_days, allowed, settings
) -> None:
    settings.BILLING_GRACE_DAYS = grace_days
    user = UserFactory()
    subscribe(user, status="past_due", payment_failed_at=None if failed is None else NOW() + failed)
    assert can_read_premium(user) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period_end", "allowed"),
    [(20 * DAY, True), (-DAY, False)],
    ids=["before period end", "after period end"],
)
def test_cancel_at_period_end_keeps_access_until_the_period_ends(period_end, allowed) -> None:
    user = UserFactory()
    subscribe(
        user, status="active", cancel_at_period_end=True, current_period_end=NOW() + period_end
    )
    assert can_read_premium(user) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expires_in", "allowed"), [(DAY, True), (-DAY, False)], ids=["before expiry", "after expiry"]
)
def test_complimentary_access_until_it_expires(expires_in, allowed) -> None:
    user = UserFactory()
    ComplimentaryAccess.objects.create(user=user, expires_at=NOW() + expires_in)
    assert can_read_premium(user) is allowed


@pytest.mark.django_db
def test_staff_read_everything_and_anonymous_read_only_free() -> None:
    staff = UserFactory(is_staff=True)
    premium, free = make_guide(access="premium"), make_guide(access="free")
    assert can_read(staff, premium)
    anonymous = AnonymousUser()
    assert not can_read(anonymous, premium)
    assert can_read(anonymous, free)
    assert not can_read_premium(None)


@pytest.mark.django_db
def test_a_user_without_anything_reads_only_free_guides() -> None:
    user = UserFactory()
    assert not can_read(user, make_guide(access="premium"))
    assert can_read(user, make_guide(access="free"))


@pytest.mark.django_db
def test_an_old_canceled_subscription_does_not_hide_a_new_active_one() -> None:
    user = UserFactory()
    subscribe(user, status="canceled", ended_at=NOW() - 40 * DAY)
    Subscription.objects.create(
        user=user,
        stripe_subscription_id="sub_new",
        stripe_customer_id="cus_x",
        status="active",
        current_period_end=NOW() + 20 * DAY,
    )
    assert can_read_premium(user)


@pytest.mark.django_db
def test_a_deactivated_user_reads_nothing_premium() -> None:
    user = UserFactory(is_active=False)
    subscribe(user, status="active")
    assert not can_read_premium(user)


@pytest.mark.django_db
def test_another_users_subscription_gives_no_access() -> None:
    subscriber, other = UserFactory(), UserFactory()
    subscribe(subscriber, status="active")
    assert can_read_premium(subscriber)
    assert not can_read_premium(other)


@pytest.mark.django_db(transaction=True)
def test_a_page_view_racing_a_cancellation_cannot_keep_access(fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    subscription_sync(stripe_subscription_id=sub["id"])
    guide = make_guide(
        slug="race", access="premium", sections=[[("paragraph", f"Part {i}.")] for i in range(3)]
    )
    reader = signed_in(user)
    # The reader's page has read their (paid) access from the database when the cancellation
    # commits; then it goes on to cache what it read.
    with held_after_query(lambda: reader.get(guide.get_absolute_url()), "billing_subscription"):
        fake_stripe.cancel_subscription(sub["id"])
        subscription_sync(stripe_subscription_id=sub["id"])
    assert Subscription.objects.get().status == "canceled"
    page = reader.get(guide.get_absolute_url()).content.decode()
    assert 'id="paywall"' in page
    assert "Part 2." not in page
    assert not can_read_premium(User.objects.get(pk=user.pk))


def access_now(user: User) -> bool:
    """What a new request would decide: a fresh user object, the cached answer in Redis."""
    return can_read_premium(User.objects.get(pk=user.pk))


@pytest.mark.django_db
def test_complimentary_access_granted_and_revoked_through_the_service_changes_access_at_once(
    django_capture_on_commit_callbacks,
) -> None:
    from billing.complimentary import complimentary_grant, complimentary_revoke

    user, staff = UserFactory(), UserFactory(is_staff=True)
    assert not access_now(user)  # the answer is now cached
    with django_capture_on_commit_callbacks(execute=True):
        access = complimentary_grant(
            user=user, expires_at=NOW() + DAY, reason="speaker", granted_by=staff
        )
    assert access_now(user)
    assert (access.reason, access.granted_by) == ("speaker", staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert complimentary_revoke(user=user)
    assert not access_now(user)
    assert not complimentary_revoke(user=user)  # nothing left to revoke


@pytest.mark.django_db
def test_complimentary_access_written_from_a_shell_changes_access_at_once(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    assert not access_now(ada)
    assert not access_now(bob)
    with django_capture_on_commit_callbacks(execute=True):
        access = ComplimentaryAccess.objects.create(user=ada, expires_at=NOW() + DAY)
    assert access_now(ada)
    with django_capture_on_commit_callbacks(execute=True):
        access.user = bob  # the grant moves to another reader
        access.save()
    assert access_now(bob)
    assert not access_now(ada)
    with django_capture_on_commit_callbacks(execute=True):
        ComplimentaryAccess.objects.filter(user=bob).delete()
    assert not access_now(bob)
