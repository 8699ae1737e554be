"""Accounts: email-only sign-up confirmed by a code, sign-in by password or emailed code,
password reset, no account enumeration, and the site's own design on every page."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User

from ..conftest import held_after_query
from ..factories import UserFactory
from ..helpers import PASSWORD, code_from


def sign_up(client: Client, email: str = "new@example.com"):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


@pytest.mark.django_db
def test_sign_up_then_confirm_the_email_with_the_code_signs_in(client: Client) -> None:
    response = sign_up(client)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/confirm-email/"
    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    assert message.subject.startswith("Alpha Code: ")
    assert "Hello from Alpha Code" in message.body
    # Not signed in before the email is confirmed.
    assert client.get("/account/").status_code == HTTPStatus.FOUND
    confirm = client.post("/accounts/confirm-email/", {"code": code_from(message)})
    assert confirm.status_code == HTTPStatus.FOUND
    page = client.get("/account/")
    assert page.status_code == HTTPStatus.OK
    assert "new@example.com" in page.content.decode()
    user = User.objects.get(email="new@example.com")
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_a_wrong_code_is_a_clear_error(client: Client) -> None:
    sign_up(client)
    response = client.post("/accounts/confirm-email/", {"code": "ZZZZ-ZZZZ"})
    assert response.status_code == HTTPStatus.OK
    assert "Incorrect code" in response.content.decode()
    assert client.get("/account/").status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_password_sign_in_requires_a_verified_email(client: Client) -> None:
    sign_up(client)
    other = Client()
    response = other.post("/accounts/login/", {"login": "new@example.com", "password": PASSWORD})
    # Unverified: not signed in (sent to confirm the email instead).
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    assert other.get("/account/").status_code == HTTPStatus.FOUND


def verified_user(email: str = "member@example.com") -> User:
    from allauth.account.models import EmailAddress

    user = UserFactory(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.mark.django_db
def test_password_sign_in_and_wrong_password_message(client: Client) -> None:
    verified_user()
    bad = client.post("/accounts/login/", {"login": "member@example.com", "password": "nope"})
    assert bad.status_code == HTTPStatus.OK
    assert "The email address and/or password you specified are not correct." in (
        bad.content.decode()
    )
    good = client.post("/accounts/login/", {"login": "member@example.com", "password": PASSWORD})
    assert good["Location"] == "/account/"


@pytest.mark.django_db
def test_sign_in_with_an_emailed_code(client: Client) -> None:
    verified_user()
    response = client.post("/accounts/login/code/", {"email": "member@example.com"})
    assert response["Location"] == "/accounts/login/code/confirm/"
    (message,) = mail.outbox
    confirm = client.post("/accounts/login/code/confirm/", {"code": code_from(message)})
    assert confirm.status_code == HTTPStatus.FOUND
    assert client.get("/account/").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_password_reset_by_code(client: Client) -> None:
    verified_user()
    client.post("/accounts/password/reset/", {"email": "member@example.com"})
    (message,) = mail.outbox
    response = client.post("/accounts/password/reset/confirm/", {"code": code_from(message)})
    assert response.status_code == HTTPStatus.FOUND
    new = "another long passphrase 42"
    done = client.post(response["Location"], {"password1": new, "password2": new})
    assert done.status_code == HTTPStatus.FOUND
    assert User.objects.get(email="member@example.com").check_password(new)


@pytest.mark.django_db
def test_accounts_cannot_be_enumerated(client: Client) -> None:
    verified_user("taken@example.com")
    # Signing up with a taken address looks exactly like a new sign-up...
    taken = sign_up(client, "taken@example.com")
    fresh = Client().post(
        "/accounts/signup/",
        {"email": "free@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert taken.status_code == fresh.status_code == HTTPStatus.FOUND
    assert taken["Location"] == fresh["Location"]
    # ...and the owner of the taken address is told by email instead.
    assert any("taken@example.com" in m.to for m in mail.outbox)
    # Password reset answers the same for unknown addresses.
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    known = Client().post("/accounts/password/reset/", {"email": "taken@example.com"})
    assert unknown.status_code == known.status_code
    assert unknown["Location"] == known["Location"]


@pytest.mark.django_db
def test_failed_sign_ins_are_rate_limited(client: Client) -> None:
    verified_user()
    pages = [
        client.post(
            "/accounts/login/", {"login": "member@example.com", "password": "x"}
        ).content.decode()
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    right = client.post("/accounts/login/", {"login": "member@example.com", "password": PASSWORD})
    assert right.status_code == HTTPStatus.OK


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/password/reset/",
    ],
)
def test_allauth_pages_use_the_site_design(client: Client, url: str) -> None:
    html = client.get(url).content.decode()
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    assert '<main id="main" tabindex="-1" class="auth-page">' in html
    assert "css/site.css" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/password/change/", "/accounts/email/"])
def test_signed_in_account_pages_use_the_site_design(client: Client, url: str) -> None:
    client.force_login(verified_user())
    html = client.get(url).content.decode()
    assert 'class="site-header"' in html
    assert "auth-page" in html


@pytest.mark.django_db
def test_sign_out(client: Client) -> None:
    client.force_login(verified_user())
    response = client.post("/accounts/logout/")
    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/account/").status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_welcome_email_once_after_the_email_is_confirmed(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from mail.models import Email

    sign_up(client, "ada@example.com")
    assert not Email.objects.filter(kind="welcome").exists()  # not before the address is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/confirm-email/", {"code": code_from(mail.outbox[-1])})
    welcome = [m for m in mail.outbox if m.subject == "Welcome to Alpha Code"]
    assert len(welcome) == 1
    assert welcome[0].to == ["ada@example.com"]
    assert "/guides/" in welcome[0].body
    # A second confirmed address does not welcome the same person twice.
    from allauth.account.models import EmailAddress

    second = EmailAddress.objects.create(
        user=User.objects.get(email="ada@example.com"), email="ada2@example.com", verified=False
    )
    from allauth.account.adapter import get_adapter
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().get("/accounts/email/")
    request.user, request.session = second.user, client.session
    request._messages = FallbackStorage(request)
    with django_capture_on_commit_callbacks(execute=True):
        assert get_adapter(request).confirm_email(request, second)
    assert Email.objects.filter(kind="welcome").count() == 1


@pytest.mark.django_db
def test_a_password_change_signs_out_other_sessions_despite_the_user_cache() -> None:
    user = verified_user()
    other = Client()
    other.post("/accounts/login/", {"login": "member@example.com", "password": PASSWORD})
    assert other.get("/account/").status_code == HTTPStatus.OK  # the user is now cached
    user.set_password("a brand new passphrase 99")
    user.save()
    assert other.get("/account/").status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_a_deactivated_user_is_signed_out_at_once(client: Client) -> None:
    user = verified_user()
    client.force_login(user)
    assert client.get("/account/").status_code == HTTPStatus.OK
    user.is_active = False
    user.save()
    assert client.get("/account/").status_code == HTTPStatus.FOUND


def change_password(user: User) -> None:
    user.set_password("a brand new passphrase 99")


def deactivate(user: User) -> None:
    user.is_active = False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", [change_password, deactivate])
def test_a_request_racing_a_password_change_or_deactivation_cannot_keep_the_session(
    change,
) -> None:
    user = verified_user()
    other = Client()
    other.post("/accounts/login/", {"login": "member@example.com", "password": PASSWORD})
    # The other device's request has read the user from the database when the change commits;
    # then it goes on to cache the user it read.
    with held_after_query(lambda: other.get("/account/"), '"accounts_user"'):
        change(user)
        user.save()
    assert other.get("/account/").status_code == HTTPStatus.FOUND


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "signed_in", "wanted"),
    [
        ("/accounts/login/", False, ["Sign in · Alpha Code", ">Sign in<", "Remember me"]),
        ("/accounts/signup/", False, ["Sign up · Alpha Code", ">Sign up<"]),
        ("/accounts/password/reset/", False, ["Password reset · Alpha Code", "Reset my password"]),
        ("/accounts/login/code/", False, ["Sign in · Alpha Code", ">Request a code<"]),
        ("/accounts/logout/", True, ["Sign out · Alpha Code", ">Sign out<"]),
    ],
)
def test_sign_in_pages_speak_in_sentence_case_as_the_header_does(
    client: Client, path: str, signed_in: bool, wanted: list[str]
) -> None:
    if signed_in:
        client.force_login(UserFactory())
    page = client.get(path)
    assert page.status_code == HTTPStatus.OK
    text = re.sub(r"\s*([<>])\s*", r"\1", " ".join(page.content.decode().split()))
    for words in wanted:
        assert words in text
    for title_case in (
        "Sign In",
        "Sign Up",
        "Signup",
        "Sign Out",
        "Remember Me",
        "Password Reset",
        "My Password",
        "Request Code",
    ):
        assert title_case not in text


@pytest.mark.django_db
def test_a_superuser_from_createsuperuser_signs_in_with_the_code_and_gets_no_welcome(
    client: Client, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from django.core.management import call_command

    from mail.models import Email

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, email="owner@example.com", verbosity=0)
    # The first sign-in asks for the code emailed (on `make run`, printed on the console).
    response = client.post("/accounts/login/", {"login": "owner@example.com", "password": PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    asking = client.get("/accounts/confirm-email/").content.decode()
    assert "Enter the email verification code" in asking
    assert "Enter Email Verification Code" not in asking
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post("/accounts/confirm-email/", {"code": code_from(mail.outbox[-1])})
    assert confirm.status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK
    assert [m.subject for m in mail.outbox if "Welcome" in m.subject] == []
    assert not Email.objects.filter(kind="welcome").exists()
