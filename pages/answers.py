"""Answers for the actions a page's script may send (study's ticks, practice's runner): JSON for
the script, which says so in its Accept header, and a plain answer for a form sent without it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The action is refused with `status`: `{"error": message}` for the script, else the
    message as text (a 404 as the site's not-found page)."""
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    if status == 404:
        raise Http404(message)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
