"""Reader pages: fetch, ask billing.entitlements, serve from a shell (pages.shells)."""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.requests import signed_in_user
from alphacode.context_processors import site_context
from articles.images import image_bytes, image_is_public
from articles.models import Guide, GuideImage, Pattern, Track, TrackGuideCount, image_access
from billing.entitlements import can_read, can_read_premium
from pages.cache import GUIDE_PAGE, GUIDE_SHELL, HOME, LISTING, PATTERN, SEARCH
from pages.shells import Fragment, Shell, build_shell, reader_kind, render_fragment, serve
from practice.models import Problem
from stats.counting import count, counted
from study.services import continue_reading, has_plan, open_guide

from .guide_page import GuidePage, guide_page, guide_shell, serve_guide
from .search import MAX_QUERY_LENGTH, search_guides

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

# The big text columns: a guide page reads them only when its body is not cached either.
HEAVY_FIELDS = ("preview_text", "full_text", "search_preview", "search_full")


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
        return build_shell("reader/home.html", context, request=request, fixed=fixed)

    shell = HOME.kept((kind,), build)
    reader = signed_in_user(request)
    return serve(
        shell,
        request,
        {"continue_reading": lambda _: _continue_reading(reader) if reader else ""},
    )


def _continue_reading(user: User) -> Fragment | str:
    last = continue_reading(user)
    if last is None:
        return ""
    context = {"last": last, "has_plan": has_plan(user), **site_context()}
    return render_fragment("reader/includes/continue_reading.html", context)


def _listing(request: HttpRequest, template: str, slug: str | None) -> HttpResponse:
    """The library or a track page, one page number, from a shell per kind of reader. Building
    it reads the guide counts once (the menu shows them, the paginator needs the total)."""
    page_number = _page_number(request)
    kind = reader_kind(request.user)

    def build() -> Shell:
        tracks = _tracks_with_counts()
        track = None
        if slug is not None:
            track = next((t for t in tracks if t.slug == slug), None)
            if track is None:
                raise Http404("No such track.")
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

    return serve(LISTING.kept((kind, slug or "", page_number), build), request)


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, "reader/guide_list.html", None)


@require_GET
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _listing(request, "reader/track_detail.html", slug)


@require_GET
def pattern_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A coding pattern, the published guides that teach it and the problems that drill it (those
    it leads first), from a shell per kind of reader."""

    def build() -> Shell:
        pattern = Pattern.objects.filter(slug=slug).first()
        if pattern is None:
            raise Http404("No such pattern.")
        guides = list(Guide.objects.published().for_listing().filter(patterns=pattern))
        problems = sorted(
            Problem.objects.published().filter(patterns=pattern).select_related("pattern"),
            key=lambda problem: (problem.pattern_id != pattern.pk, problem.title),
        )
        context = {"pattern": pattern, "guides": guides, "problems": problems}
        return build_shell("reader/pattern_detail.html", context, request=request)

    return serve(PATTERN.kept((reader_kind(request.user), slug), build), request)


@require_GET
def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Served from the shell for this guide, this audience (readers with premium access, or
    everyone else) and this kind of reader (reader.guide_page), kept as pages.cache says; a
    missing guide is never cached, so a scheduled one appears on time. A signed-in reader's
    opening of the guide is recorded (with the paywall, if it was shown) and their ticks filled
    in; a visitor's view and a paywall shown are counted for the dashboard (stats.counting: no
    round trip)."""
    audience = "reader" if can_read_premium(request.user) else "visitor"
    kind = reader_kind(request.user)

    def page() -> GuidePage:
        guide = get_object_or_404(
            Guide.objects.published().select_related("track").defer(*HEAVY_FIELDS), slug=slug
        )
        return guide_page(guide, full=can_read(request.user, guide), preview=False)

    entry = GUIDE_SHELL.kept(
        (slug, audience, kind),
        lambda: guide_shell(request, GUIDE_PAGE.kept((slug, audience), page), kind),
    )
    reader = signed_in_user(request)
    state = (
        open_guide(reader, entry.guide_id, paywall=entry.paywall) if reader is not None else None
    )
    view, paywall = kind == "visitor", entry.paywall  # staff read everything: no paywall
    if (view or paywall) and counted(request):
        count(entry.guide_id, view=view, paywall=paywall)
    return serve_guide(request, entry, state)


@staff_member_required
@require_GET
def guide_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff see any guide, draft or scheduled, exactly as readers will; ?as=visitor shows what
    a reader without access gets."""
    guide = get_object_or_404(Guide.objects.select_related("track"), slug=slug)
    as_visitor = request.GET.get("as") == "visitor"
    page = guide_page(guide, full=not as_visitor, preview=True)
    entry = guide_shell(request, page, "visitor" if as_visitor else "staff")
    response = serve_guide(request, entry, None)
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
        return build_shell("reader/search.html", context, request=request)

    digest = hashlib.sha256(query.encode()).hexdigest()
    return serve(SEARCH.kept((audience, reader_kind(request.user), digest), build), request)


IMAGE_VARIANTS = ("1x.webp", "2x.webp", "original")
# What an image's address says of its access (articles.models.image_access); none in the address
# an image had before addresses said it.
IMAGE_ACCESS = (image_access(True), image_access(False), "")


@require_GET
def guide_image(
    request: HttpRequest, pk: int, digest: str, variant: str, access: str = ""
) -> HttpResponse:
    """A guide's image. One shown in a part of a published guide that everyone may read is
    public and cached for a year (its address changes with the file, and with its access); any
    other is sent only to a reader who may read the guide (billing.entitlements), privately, and
    to no one else. An address whose access is not the image's now (a page rendered before the
    guide went premium, an address from before addresses carried it) is sent on to the current
    one, and that answer is never stored: a shared cache keeps no now-private image under a
    public address, and no redirect that would loop once the image is public again."""
    image = GuideImage.objects.select_related("guide").filter(pk=pk).first()
    if (
        image is None
        or variant not in IMAGE_VARIANTS
        or access not in IMAGE_ACCESS
        or image.digest[:16] != digest
    ):
        raise Http404("No such image.")
    if variant == "original" and not request.user.is_staff:
        # The file as uploaded may carry metadata (a camera's location); pages use renditions.
        raise Http404("No such image.")
    public = image_is_public(image)
    if access != image_access(public):
        moved = HttpResponseRedirect(image.url(variant, public=public))
        moved["Cache-Control"] = "no-store"
        return moved
    if not public:
        guide = image.guide
        readable = guide.is_public or request.user.is_staff
        if not (readable and can_read(request.user, guide)):
            return HttpResponse(
                "This image is for subscribers.",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
    found = image_bytes(image, variant)
    if found is None:
        raise Http404("No such image.")
    data, content_type = found
    response = HttpResponse(data, content_type=content_type)
    if public:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "private, max-age=600"
        patch_vary_headers(response, ["Cookie"])
    return response


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
