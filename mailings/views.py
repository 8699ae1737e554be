"""Preferences for members' email, and the unsubscribe link every such email carries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.requests import AuthenticatedRequest

from .services import preferences_save, token_reader, wants

KIND_NAMES = {"announcements": "new-guide emails", "digest": "the weekly study digest"}


@login_required
@require_POST
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    """The form on /account/: each kind of members' email on or off."""
    preferences_save(
        user=request.user,
        announcements=request.POST.get("announcements") == "on",
        digest=request.POST.get("digest") == "on",
    )
    # Tagged so the account page shows it inside the form's panel, where the reader lands
    # (#email-preferences), not at the top of the page, out of view.
    messages.success(request, "Your email preferences are saved.", extra_tags="email-preferences")
    return HttpResponseRedirect(reverse("accounts:account") + "#email-preferences")


# The token in the address is the authority: a mail client's one-click POST (RFC 8058) carries
# no session and no CSRF token. So it can only unsubscribe: anyone holding a forwarded email can
# do that much, and nothing else (subscribing again is on the account page, behind sign-in and
# its CSRF-protected form).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with the one button (a link in an email may be fetched by a scanner, so a
    GET changes nothing). POST: unsubscribed at once from the kind the link names."""
    found = token_reader(token)
    if found is None:
        return render(request, "mailings/unsubscribe.html", {"invalid": True}, status=404)
    user, kind = found
    if request.method == "POST":
        preferences_save(user=user, **{kind: False})
    context = {
        "kind": KIND_NAMES[kind],
        "subscribed": wants(user, kind),
        "done": request.method == "POST",
        "email": user.email,
    }
    return render(request, "mailings/unsubscribe.html", context)
