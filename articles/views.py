"""Reader pages: fetch, ask billing.entitlements, serve from a shell (pages.shells)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from alphacode.context_processors import site_context
from billing.entitlements import can_read, can_read_premium
from pages.shells import (
    Filler,
    Fragment,
    Shell,
    build_shell,
    reader_kind,
    render_fragment,
    serve,
    stored,
)
from study.services import ReaderState, continue_reading, has_plan, open_guide

from .models import Guide, Track, TrackGuideCount
from .rendering import guide_body
from .search import MAX_QUERY_LENGTH, search_guides
from .services import GUIDE_ENTRY_SECONDS, content_version, guide_entry_key
from .templatetags.machine_dates import machine_datetime

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


# Listings are served from shells kept for a minute under the content version: an edit shows at
# once, and a scheduled guide appears within a minute of its publish time (never before it).
LISTING_SECONDS = 60


def _page_number(request: HttpRequest) -> str:
    raw = request.GET.get("page", "1")
    return raw if raw.isdigit() and len(raw) < 7 else "1"


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
    """Served from a shell per kind of reader; a signed-in reader's "Continue reading" panel is
    the hole `continue_reading`."""
    kind = reader_kind(request.user)

    def build() -> Shell:
        context = {
            "tracks": _tracks_with_counts(),
            "latest": list(Guide.objects.published().for_listing()[:6]),
        }
        fixed = {"continue_reading": ""} if kind == "visitor" else None
        return build_shell("articles/home.html", context, request=request, fixed=fixed)

    shell = stored(f"home:{content_version()}:{kind}", build, LISTING_SECONDS)
    return serve(shell, request, {"continue_reading": lambda _: _continue_reading(request.user)})


def _continue_reading(user: AbstractBaseUser | AnonymousUser) -> Fragment | str:
    last = continue_reading(user)
    if last is None:
        return ""
    context = {"last": last, "has_plan": has_plan(user), **site_context()}
    return render_fragment("articles/includes/continue_reading.html", context)


def _listing(request: HttpRequest, template: str, slug: str | None) -> HttpResponse:
    """The library or a track page, one page number, from a shell per kind of reader. Building
    it reads the guide counts once (the menu shows them, the paginator needs the total)."""
    page_number = _page_number(request)
    kind = reader_kind(request.user)

    def build() -> Shell:
        track = get_object_or_404(Track, slug=slug) if slug is not None else None
        tracks = _tracks_with_counts()
        guides = Guide.objects.published().for_listing()
        if track is not None:
            guides = guides.filter(track=track)
        paginator = Paginator(guides, settings.GUIDES_PER_PAGE)
        # Paginator.count is a cached property: the menu's counts give it without a query.
        paginator.count = sum(t.guide_count for t in tracks if track is None or t == track)
        # get_page turns junk (?page=9999) into a valid page, never an error.
        page = paginator.get_page(page_number)
        context = {"track": track, "tracks": tracks, "page": page}
        return build_shell(template, context, request=request)

    key = f"listing:{content_version()}:{kind}:{slug or ''}:{page_number}"
    return serve(stored(key, build, LISTING_SECONDS), request)


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, "articles/guide_list.html", None)


@require_GET
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _listing(request, "articles/track_detail.html", slug)


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


HEAVY_FIELDS = ("preview_text", "full_text", "search_preview", "search_full")


@dataclass(frozen=True)
class GuidePage:
    """Everything of a guide page that depends on neither the request nor the kind of reader,
    cached (in Redis) per guide, access level and content version: the head, the article (with
    a hole where a visitor's paywall goes, and holes for a reader's progress), and the checklist
    items a reader's ticks are counted against (section id -> item ids)."""

    guide_id: int
    url: str
    title: str
    dek: str
    level: str  # "full" or "preview"
    head: Fragment
    article: Fragment
    locked: int
    checklists: dict[int, list[int]]


@dataclass(frozen=True)
class GuideShell:
    """A guide page's shell for one kind of reader, the same shell with every checkbox filled
    for a reader who has ticked nothing in this guide, and what a reader's ticks fill in."""

    shell: Shell
    unticked: Shell
    guide_id: int
    checklists: dict[int, list[int]]
    items: frozenset[int]
    checked: Fragment  # a ticked checkbox's attribute
    finish_forms: tuple[Fragment, Fragment]  # the form for a reader who has not finished, has


def _guide_page(guide: Guide, *, full: bool, preview: bool) -> GuidePage:
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
    return GuidePage(
        guide_id=guide.pk,
        url=guide.get_absolute_url(),
        title=guide.title,
        dek=guide.dek,
        level=level,
        head=render_fragment("articles/includes/guide_head.html", context),
        article=render_fragment(
            "articles/includes/guide_article.html", context, fragments={"body_html": body.html}
        ),
        locked=body.locked_count,
        checklists=body.checklists,
    )


READER_PARTS = "articles/includes/reader_parts.html"


def _guide_shell(request: HttpRequest, page: GuidePage, kind: str) -> GuideShell:
    """The page for this kind of reader: the holes that depend only on it (the checklist's form
    parts, the finish form, the paywall) are filled from templates now."""
    parts = {"kind": kind, "guide_url": page.url, "guide_id": page.guide_id, **site_context()}

    def part(name: str, **extra: object) -> Fragment:
        return render_fragment(f"{READER_PARTS}#{name}", {**parts, **extra}, request=request)

    paywall = (
        render_fragment("includes/paywall.html", {"locked_count": page.locked}, request=request)
        if page.level == "preview"
        else ""
    )
    fixed: dict[str, Filler] = {
        "checklist_csrf": part("checklist_csrf"),
        "checklist_save": part("checklist_save"),
        "paywall": paywall,
    }
    unticked: dict[str, Filler] = {
        "checkbox": part("checkbox"),
        "section_ready": "0",
        "guide_ready": "0",
    }
    if kind == "visitor":
        fixed |= unticked
    shell = build_shell(
        "articles/guide_detail.html",
        {"page": page},
        request=request,
        fragments={"head": page.head, "article": page.article},
        fixed=fixed,
    )
    return GuideShell(
        shell=shell,
        unticked=shell.filled(
            {"checkbox": part("checkbox"), "section_ready": "0", "guide_ready": "0"}
        ),
        guide_id=page.guide_id,
        checklists=page.checklists,
        items=frozenset(item for ids in page.checklists.values() for item in ids),
        checked=part("checkbox", checked=True),
        finish_forms=(part("finish", finished=False), part("finish", finished=True)),
    )


def _serve_guide(
    request: HttpRequest, entry: GuideShell, state: ReaderState | None
) -> HttpResponse:
    """The guide page with this reader's ticks: each checkbox, each section's count and the
    guide's count."""
    ticks = state.ticks if state else frozenset()
    finished = state is not None and entry.guide_id in state.finished
    fillers: dict[str, Filler] = {"finish": entry.finish_forms[finished]}
    if ticks.isdisjoint(entry.items):
        return serve(entry.unticked, request, fillers)

    def checkbox(item: int | str) -> Fragment | str:
        return entry.checked if item in ticks else ""

    def section_ready(section: int | str) -> str:
        return str(sum(1 for item in entry.checklists.get(section, ()) if item in ticks))  # type: ignore[call-overload]

    def guide_ready(_: int | str) -> str:
        return str(len(ticks & entry.items))

    fillers |= {"checkbox": checkbox, "section_ready": section_ready, "guide_ready": guide_ready}
    return serve(entry.shell, request, fillers)


@require_GET
def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Served from the shell for this guide, this audience (readers with premium access, or
    everyone else), this kind of reader and whether they finished it, under the content
    version, which every committed change to any guide or track moves on; a missing guide is
    never cached, so a scheduled one appears on time. A signed-in reader's opening of the guide
    is recorded and their ticks filled in."""
    audience = "reader" if can_read_premium(request.user) else "visitor"
    key = guide_entry_key(slug, audience, content_version())
    kind = reader_kind(request.user)

    def page() -> GuidePage:
        cached = cache.get(key)
        if cached is None:
            guide = get_object_or_404(
                # The big text columns are only read if the body is not cached either.
                Guide.objects.published().select_related("track").defer(*HEAVY_FIELDS),
                slug=slug,
            )
            cached = _guide_page(guide, full=can_read(request.user, guide), preview=False)
            cache.set(key, cached, GUIDE_ENTRY_SECONDS)
        return cached

    entry = stored(
        f"{key}:{kind}", lambda: _guide_shell(request, page(), kind), GUIDE_ENTRY_SECONDS
    )
    state = open_guide(request.user, entry.guide_id) if kind != "visitor" else None
    return _serve_guide(request, entry, state)


@staff_member_required
@require_GET
def guide_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff see any guide, draft or scheduled, exactly as readers will; ?as=visitor shows what
    a reader without access gets."""
    guide = get_object_or_404(Guide.objects.select_related("track"), slug=slug)
    as_visitor = request.GET.get("as") == "visitor"
    page = _guide_page(guide, full=not as_visitor, preview=True)
    entry = _guide_shell(request, page, "visitor" if as_visitor else "staff")
    response = _serve_guide(request, entry, None)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Served from a shell per query, audience and kind of reader: a reader's results (and
    snippets) may hold text past the cut, so they are never shared with visitors."""
    query = request.GET.get("q", "")
    if not isinstance(query, str):
        raise Http404
    # Control characters (NUL breaks Postgres; \x02/\x03 are our highlight markers) are dropped.
    query = " ".join(CONTROL_CHARS.sub(" ", query).split())[:MAX_QUERY_LENGTH]
    full_access = can_read_premium(request.user)
    audience = "reader" if full_access else "visitor"

    def build() -> Shell:
        results = search_guides(query, full_access=full_access) if query else None
        context = {"query": query, "results": results}
        return build_shell("articles/search.html", context, request=request)

    digest = hashlib.sha256(query.encode()).hexdigest()
    key = f"search:{content_version()}:{audience}:{reader_kind(request.user)}:{digest}"
    return serve(stored(key, build, LISTING_SECONDS), request)


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
