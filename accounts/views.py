"""The reader's own page: email, plan, billing status, Manage billing, their team, the
gifts they gave, sign out."""

from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.status import billing_summary
from gifts.selectors import gifts_given
from mailings.services import wants
from teams.selectors import managed_team, membership

from .requests import AuthenticatedRequest


@login_required
@require_GET
def account(request: AuthenticatedRequest) -> HttpResponse:
    emails = {kind: wants(request.user, kind) for kind in ("announcements", "digest")}
    # "Saved" from the email form is shown in that form's panel, where the reader is.
    pending = list(get_messages(request))
    context = {
        "page_messages": [m for m in pending if "email-preferences" not in m.tags.split()],
        "email_messages": [m for m in pending if "email-preferences" in m.tags.split()],
        "billing": billing_summary(request.user),
        "emails": emails,
        "gifts": gifts_given(request.user),
        # A team's seats are not the member's own plan: shown beside it.
        "managed": managed_team(request.user),
        "membership": membership(request.user),
    }
    return render(request, "account/account.html", context)
