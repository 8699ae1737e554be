"""Sign-in limits count per real client. Behind the TLS proxy every request arrives from the
proxy's address, and the client's own is in X-Forwarded-For (overwritten by the proxy); the
admin's sign-in goes through the same limited form."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from ..factories import UserFactory
from ..helpers import PASSWORD

PROXY = "172.30.0.10"  # what REMOTE_ADDR is for every request behind the proxy


def verified(email: str, **extra: object):
    user = UserFactory(email=email, password=PASSWORD, **extra)
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    return user


def sign_in(client: Client, client_ip: str, email: str, password: str, url: str):
    return client.post(
        url,
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


@pytest.fixture
def behind_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.mark.django_db
def test_failed_sign_ins_from_one_client_do_not_lock_out_another(behind_proxy) -> None:
    verified("member@example.com")
    attacker, customer = Client(), Client()
    for number in range(30):
        response = sign_in(
            attacker, "203.0.113.7", f"guess{number}@example.com", "wrong", "/accounts/login/"
        )
        assert response.status_code == HTTPStatus.OK  # the form again, with its error

    refused = sign_in(attacker, "203.0.113.7", "guess@example.com", "wrong", "/accounts/login/")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = refused.content.decode()
    assert 'class="site-header"' in page
    assert "css/site.css" in page
    assert "Too many attempts" in page

    welcome = sign_in(customer, "198.51.100.9", "member@example.com", PASSWORD, "/accounts/login/")
    assert welcome.status_code == HTTPStatus.FOUND
    assert customer.get("/account/").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_forwarded_address_gains_nothing() -> None:
    # The embedded defaults (no proxy): the header is anyone's to send, so it is ignored.
    attacker = Client()
    for number in range(30):
        sign_in(attacker, f"203.0.113.{number}", "x@example.com", "wrong", "/accounts/login/")
    refused = sign_in(attacker, "203.0.113.99", "x@example.com", "wrong", "/accounts/login/")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.django_db
def test_the_admin_sign_in_is_the_limited_site_sign_in(behind_proxy) -> None:
    verified("ops@example.com", is_staff=True, is_superuser=True)
    attacker = Client()
    # The admin's own form is gone: a POST to it signs no one in, it sends them to ours.
    response = sign_in(attacker, "203.0.113.7", "ops@example.com", PASSWORD, "/admin/login/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/?next=")
    assert attacker.get("/admin/").status_code == HTTPStatus.FOUND

    for number in range(30):
        sign_in(attacker, "203.0.113.7", f"ops{number}@example.com", "wrong", "/accounts/login/")
    # Even the right password is refused to the address that guessed.
    refused = sign_in(
        attacker, "203.0.113.7", "ops@example.com", PASSWORD, "/accounts/login/?next=/admin/"
    )
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert attacker.get("/admin/").status_code == HTTPStatus.FOUND

    staff = Client()
    signed_in = sign_in(
        staff, "198.51.100.9", "ops@example.com", PASSWORD, "/accounts/login/?next=/admin/"
    )
    assert signed_in.status_code == HTTPStatus.FOUND
    assert signed_in["Location"] == "/admin/"
    assert staff.get("/admin/").status_code == HTTPStatus.OK
