"""Reader pages: fetch, ask billing.entitlements, render."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from billing.entitlements import can_read, can_read_premium

from .models import Guide, Track
from .rendering import guide_body
from .search import MAX_QUERY_LENGTH, search_guides

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _page(request: HttpRequest, queryset) -> Page:
    paginator = Paginator(queryset, settings.GUIDES_PER_PAGE)
    # get_page turns junk (?page=abc, ?page=-1, ?page=9999) into a valid page, never an error.
    return paginator.get_page(request.GET.get("page"))


def _tracks_with_counts():
    now = timezone.now()
    published = Q(guides__status=Guide.Status.PUBLISHED, guides__published_at__lte=now)
    # Meta.ordering is not applied to aggregate queries: order explicitly.
    return Track.objects.annotate(guide_count=Count("guides", filter=published)).order_by(
        "position", "title"
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    latest = list(Guide.objects.published().for_listing()[:6])
    return render(
        request,
        "articles/home.html",
        {"tracks": _tracks_with_counts(), "latest": latest},
    )


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "articles/guide_list.html",
        {
            "tracks": _tracks_with_counts(),
            "page": _page(request, Guide.objects.published().for_listing()),
        },
    )


@require_GET
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(Track, slug=slug)
    guides = Guide.objects.published().for_listing().filter(track=track)
    return render(
        request,
        "articles/track_detail.html",
        {"track": track, "tracks": _tracks_with_counts(), "page": _page(request, guides)},
    )


def _json_ld(request: HttpRequest, guide: Guide) -> SafeString:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": guide.title,
        "description": guide.dek,
        "articleSection": guide.track.title,
        "wordCount": guide.word_count,
        "timeRequired": f"PT{guide.read_minutes}M",
        "datePublished": guide.published_at.isoformat() if guide.published_at else None,
        "dateModified": guide.updated_at.isoformat(),
        "url": f"{settings.SITE_URL}{guide.get_absolute_url()}",
        "author": {"@type": "Organization", "name": "Alpha Code"},
        "publisher": {"@type": "Organization", "name": "Alpha Code"},
        "isAccessibleForFree": not guide.is_premium,
    }
    if guide.is_premium:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".premium-body",
        }
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))


def _render_guide(request: HttpRequest, guide: Guide, *, full: bool, preview: bool = False):
    body = guide_body(guide, full=full)
    return render(
        request,
        "articles/guide_detail.html",
        {
            "guide": guide,
            "body": body,
            "full": full or guide.cut is None,
            "json_ld": _json_ld(request, guide),
            "is_preview": preview,
            "canonical": f"{settings.SITE_URL}{guide.get_absolute_url()}",
        },
    )


@require_GET
def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    guide = get_object_or_404(Guide.objects.published().select_related("track"), slug=slug)
    return _render_guide(request, guide, full=can_read(request.user, guide))


@staff_member_required
@require_GET
def guide_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff see any guide, draft or scheduled, exactly as readers will; ?as=visitor shows what
    a reader without access gets."""
    guide = get_object_or_404(Guide.objects.select_related("track"), slug=slug)
    as_visitor = request.GET.get("as") == "visitor"
    response = _render_guide(request, guide, full=not as_visitor, preview=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    if not isinstance(query, str):
        raise Http404
    # Control characters (NUL breaks Postgres; \x02/\x03 are our highlight markers) are dropped.
    query = CONTROL_CHARS.sub(" ", query).strip()[:MAX_QUERY_LENGTH]
    results = search_guides(query, full_access=can_read_premium(request.user)) if query else []
    return render(request, "articles/search.html", {"query": query, "results": results})


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "robots.txt",
        {"SITE_URL": settings.SITE_URL},
        content_type="text/plain; charset=utf-8",
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; report, don't raise
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: no read-back"
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
