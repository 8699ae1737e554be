"""Reader pages: fetch, ask billing.entitlements, render."""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from alphacode.cache import prefetch
from alphacode.context_processors import site_context, site_urls
from billing.entitlements import can_read, can_read_premium
from study.services import ReaderState, continue_reading, has_plan, open_guide

from . import holes
from .holes import Parts, fill, for_kind, hole, split
from .models import Guide, Track, TrackGuideCount
from .rendering import guide_body
from .search import MAX_QUERY_LENGTH, search_guides
from .services import GUIDE_ENTRY_SECONDS, content_version, guide_entry_key
from .templatetags.machine_dates import machine_datetime

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


# Listings are cached for a minute under the content version: an edit shows at once, and a
# scheduled guide appears within a minute of its publish time (never before it).
LISTING_SECONDS = 60


def _page_number(request: HttpRequest) -> str:
    raw = request.GET.get("page", "1")
    return raw if raw.isdigit() and len(raw) < 7 else "1"


def _cached(key: str, build) -> SafeString:
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, LISTING_SECONDS)
    return mark_safe(html)


def _published_counts() -> dict[int, int]:
    """Published guides per track (those scheduled for later left out)."""
    if connection.vendor != "postgresql":
        return dict(
            Guide.objects.published()
            .order_by()
            .values_list("track_id")
            .annotate(n=Count("*"))
            .values_list("track_id", "n")
        )
    # The trigger-kept totals, minus the guides scheduled for later (read from the
    # (track, status, published_at) index: a handful of rows, however big the library).
    later = (
        Guide.objects.filter(
            track=OuterRef("track"), status=Guide.Status.PUBLISHED, published_at__gt=timezone.now()
        )
        .order_by()
        .values("track")
        .annotate(n=Count("*"))
        .values("n")
    )
    return dict(
        TrackGuideCount.objects.annotate(later=Coalesce(Subquery(later), 0)).values_list(
            "track_id", F("published") - F("later")
        )
    )


def _tracks_with_counts() -> list[Track]:
    """Tracks in the editors' order, each with its number of published guides."""
    counts = _published_counts()
    tracks = list(Track.objects.all())  # the editors' order (Meta.ordering)
    for track in tracks:
        track.guide_count = counts.get(track.pk, 0)
    return tracks


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    def build() -> str:
        tracks = _tracks_with_counts()
        latest = list(Guide.objects.published().for_listing()[:6])
        return render_to_string(
            "articles/includes/home_body.html",
            {"tracks": tracks, "latest": latest, **site_context()},
        )

    body = _cached(f"home:{content_version()}", build)
    last = continue_reading(request.user) if request.user.is_authenticated else None
    return render(
        request,
        "articles/home.html",
        {"body": body, "last": last, "has_plan": last is not None and has_plan(request.user)},
    )


def _listing(request: HttpRequest, template: str, track: Track | None) -> HttpResponse:
    """The library or a track page: the track menu and one page of cards, each cached under the
    content version and fetched together; when neither is cached, the guide counts are read
    once for both (the menu shows them, the paginator needs the total)."""
    version = content_version()
    page_number = _page_number(request)
    nav_key = f"track-nav:{version}:{track.slug if track else ''}"
    cards_key = f"cards:{version}:{f'track-{track.pk}' if track else 'all'}:{page_number}"
    prefetch([nav_key, cards_key])
    tracks = functools.cache(_tracks_with_counts)
    guides = Guide.objects.published().for_listing()
    if track is not None:
        guides = guides.filter(track=track)

    def cards() -> str:
        paginator = Paginator(guides, settings.GUIDES_PER_PAGE)
        # Paginator.count is a cached property: the menu's counts give it without a query.
        paginator.count = sum(t.guide_count for t in tracks() if track is None or t == track)
        # get_page turns junk (?page=9999) into a valid page, never an error.
        page = paginator.get_page(page_number)
        return render_to_string("articles/includes/card_page.html", {"page": page})

    return render(
        request,
        template,
        {
            "track": track,
            "track_nav": _cached(
                nav_key,
                lambda: render_to_string(
                    "includes/track_nav.html", {"tracks": tracks(), "track": track}
                ),
            ),
            "cards": _cached(cards_key, cards),
        },
    )


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, "articles/guide_list.html", None)


@require_GET
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _listing(request, "articles/track_detail.html", get_object_or_404(Track, slug=slug))


def _json_ld(guide: Guide) -> SafeString:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": guide.title,
        "description": guide.dek,
        "articleSection": guide.track.title,
        "wordCount": guide.word_count,
        "timeRequired": f"PT{guide.read_minutes}M",
        "datePublished": machine_datetime(guide.published_at) or None,
        "dateModified": machine_datetime(guide.updated_at),
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


# This process's copy of the guide pages it served last (see settings.CACHES["local"]).
local_cache = caches["local"]
HEAVY_FIELDS = ("preview_text", "full_text", "search_preview", "search_full")


def _guide_page(guide: Guide, *, full: bool, preview: bool) -> dict:
    """Everything of a guide page that does not depend on who asks: the head, the article (with
    a hole where a visitor's paywall goes, and holes for a reader's progress), the page title
    and the checklist items a reader's ticks are counted against."""
    level = "full" if full or guide.cut is None else "preview"
    body = guide_body(guide, full=level == "full")
    context = {
        "guide": guide,
        "body": body,
        "full": level == "full",
        "is_preview": preview,
        "json_ld": _json_ld(guide),
        "canonical": f"{settings.SITE_URL}{guide.get_absolute_url()}",
        "checklist_total": sum(len(ids) for ids in body.checklists.values()),
        **site_context(),
    }
    return {
        "guide_id": guide.pk,
        "url": guide.get_absolute_url(),
        "title": guide.title,
        "dek": guide.dek,
        "level": level,
        "head": holes.render("articles/includes/guide_head.html", context),
        "article": holes.render(
            "articles/includes/guide_article.html", context, fragments={"body_html": body.html}
        ),
        "locked": body.locked_count,
        "checklists": body.checklists,
    }


# A guide page is served from a shell: the whole page as rendered for one kind of reader
# (visitor, member, staff) under one content version, with holes (articles.holes) for what
# differs per request: the CSRF token, the CSP nonce, flash messages and the reader's ticks.
# Shells are kept per process in the local cache; filling the holes is one pass over the page
# instead of a template render.
def _shell(request: HttpRequest, page: dict, kind: str) -> str:
    paywall = (
        holes.render("includes/paywall.html", {"locked_count": page["locked"]}, request=request)
        if page["level"] == "preview"
        else ""
    )
    html = holes.render(
        "articles/guide_detail.html",
        {"page": page},
        request=request,
        fragments={"head": page["head"], "article": page["article"]},
    )
    return for_kind(
        html, kind, login_url=site_urls()["login"], guide_url=page["url"], paywall=paywall
    )


def _fill(
    request: HttpRequest, parts: Parts, page: dict, state: ReaderState | None
) -> HttpResponse:
    ticks = state.ticks if state else frozenset()
    if ticks.isdisjoint(page["items"]):
        parts = page["unticked"]  # nothing ticked here: the checkbox holes are filled already
    checklists: dict[int, list[int]] = page["checklists"]
    token = ""

    def csrf() -> str:
        nonlocal token  # one (masked) token for every form on the page
        token = token or get_token(request)
        return token

    def messages() -> str:
        pending = get_messages(request)
        if not len(pending):
            return ""
        return render_to_string("includes/messages.html", {"messages": pending})

    def finish() -> str:
        finished = state is not None and page["guide_id"] in state.finished
        return FINISH_FORM.format(
            action=site_urls()["finish"],
            csrf=csrf(),
            guide=page["guide_id"],
            **(FINISHED if finished else UNFINISHED),
        )

    def value(name: str, number: int | str) -> str:
        if name == "ck":
            return " checked" if number in ticks else ""
        if name == "sc":
            return str(sum(1 for item in checklists.get(number, ()) if item in ticks))
        if name == "gp":
            return str(sum(1 for ids in checklists.values() for item in ids if item in ticks))
        if name == "csrf":
            return csrf()
        if name == "nonce":
            return str(get_nonce(request))
        if name == "messages":
            return messages()
        if name == "fin":
            return finish()
        return ""

    return HttpResponse(fill(parts, value))


FINISH_FORM = (
    '<form class="finish-form" method="post" action="{action}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="guide" value="{guide}">'
    '<input type="hidden" name="finished" value="{value}">'
    '<p>{text} <button class="button button-small{quiet}" type="submit">{label}</button></p>'
    "</form>"
)
FINISHED = {
    "value": "0",
    "text": "You marked this guide finished.",
    "quiet": " button-quiet",
    "label": "Mark it unfinished",
}
UNFINISHED = {
    "value": "1",
    "text": "Done with this guide?",
    "quiet": "",
    "label": "Mark it finished",
}


UNTICKED = {"ck": "", "sc": "0", "gp": "0"}


def _page_facts(page: dict, parts: Parts) -> dict:
    """What serving a shell needs of its page (not the rendered strings, already in it), and the
    shell with every checkbox hole filled for a reader with nothing ticked in this guide."""
    return {
        "guide_id": page["guide_id"],
        "checklists": page["checklists"],
        "items": frozenset(item for ids in page["checklists"].values() for item in ids),
        "unticked": split(fill(parts, lambda name, number: UNTICKED.get(name, hole(name)))),
    }


def _reader_kind(user) -> str:
    if not user.is_authenticated:
        return "visitor"
    return "staff" if user.is_staff else "member"


@require_GET
def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Served from the cached entry for this guide and this audience (readers with premium
    access, or everyone else) under the content version, which every committed change to any
    guide or track moves on; a missing guide is never cached, so a scheduled one appears on
    time. A signed-in reader's opening of the guide is recorded and their ticks filled in."""
    audience = "reader" if can_read_premium(request.user) else "visitor"
    key = guide_entry_key(slug, audience, content_version())
    kind = _reader_kind(request.user)
    shell_key = f"{key}:{kind}"
    cached = local_cache.get(shell_key)
    if cached is None:
        page = cache.get(key)
        if page is None:
            guide = get_object_or_404(
                # The big text columns are only read if the body is not cached either.
                Guide.objects.published().select_related("track").defer(*HEAVY_FIELDS),
                slug=slug,
            )
            page = _guide_page(guide, full=can_read(request.user, guide), preview=False)
            cache.set(key, page, GUIDE_ENTRY_SECONDS)
        parts = split(_shell(request, page, kind))
        cached = (parts, _page_facts(page, parts))
        local_cache.set(shell_key, cached, GUIDE_ENTRY_SECONDS)
    parts, page = cached
    state = open_guide(request.user, page["guide_id"]) if kind != "visitor" else None
    return _fill(request, parts, page, state)


@staff_member_required
@require_GET
def guide_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff see any guide, draft or scheduled, exactly as readers will; ?as=visitor shows what
    a reader without access gets."""
    guide = get_object_or_404(Guide.objects.select_related("track"), slug=slug)
    as_visitor = request.GET.get("as") == "visitor"
    page = _guide_page(guide, full=not as_visitor, preview=True)
    parts = split(_shell(request, page, "visitor" if as_visitor else "staff"))
    response = _fill(request, parts, _page_facts(page, parts), None)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    if not isinstance(query, str):
        raise Http404
    # Control characters (NUL breaks Postgres; \x02/\x03 are our highlight markers) are dropped.
    query = " ".join(CONTROL_CHARS.sub(" ", query).split())[:MAX_QUERY_LENGTH]
    results = None
    if query:
        full_access = can_read_premium(request.user)
        # Results are cached per audience: a reader's results (and snippets) may hold text
        # past the cut, so they are never shared with visitors.
        digest = hashlib.sha256(query.encode()).hexdigest()
        audience = "reader" if full_access else "visitor"
        results = _cached(
            f"search:{content_version()}:{audience}:{digest}",
            lambda: render_to_string(
                "articles/includes/search_results.html",
                {
                    "query": query,
                    "results": search_guides(query, full_access=full_access),
                    **site_context(),
                },
            ),
        )
    return render(request, "articles/search.html", {"query": query, "results_html": results})


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
