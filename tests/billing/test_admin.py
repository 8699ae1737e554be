"""Operators' billing admin: re-processing events takes its own permission, which Editors lack."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from billing.models import StripeEvent

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory


def failed_event(fake_stripe) -> StripeEvent:
    sub = new_subscription(fake_stripe, UserFactory())
    return StripeEvent.objects.create(
        id="evt_failed",
        type="customer.subscription.updated",
        payload=fake_stripe.event("x", sub),
        state="failed",
        error="boom",
    )


@pytest.mark.django_db
def test_reprocessing_from_the_admin_takes_the_reprocess_permission(fake_stripe) -> None:
    failed_event(fake_stripe)
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_stripeevent"))
    action = {"action": "reprocess", "_selected_action": ["evt_failed"]}

    page = signed_in(operator).get("/admin/billing/stripeevent/").content.decode()
    assert 'value="reprocess"' not in page
    signed_in(operator).post("/admin/billing/stripeevent/", action)
    assert StripeEvent.objects.get().state == "failed"

    operator.user_permissions.add(Permission.objects.get(codename="reprocess_stripeevent"))
    operator = type(operator).objects.get(pk=operator.pk)  # permissions are cached per object
    signed_in(operator).post("/admin/billing/stripeevent/", action)
    assert StripeEvent.objects.get().state == "processed"


@pytest.mark.django_db
def test_editors_hold_content_permissions_only(editor) -> None:
    editors = Group.objects.get(name="Editors")
    held = set(editors.permissions.values_list("content_type__app_label", "codename"))
    # Content (guides, and practice problems, which they never delete), and watching the
    # campaigns that announce it; nothing of billing or users.
    assert {app for app, _ in held} == {"articles", "mailings", "practice"}
    assert {codename for app, codename in held if app == "mailings"} == {"view_campaign"}
    assert {codename for app, codename in held if app == "practice"} == {
        "add_problem",
        "change_problem",
        "view_problem",
    }
    assert editor.has_perm("articles.change_guide")
    assert not editor.has_perm("mailings.change_campaign")
    assert not editor.has_perm("billing.reprocess_stripeevent")
