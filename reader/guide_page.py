"""The guide page as served from shells (pages.shells): what is cached of it per guide and access
level (`GuidePage`, in Redis), the shell per kind of reader built from it (`GuideShell`, in the
process), and how a reader's ticks and finish form fill its holes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe

from alphacode.context_processors import site_context
from articles.models import Guide
from articles.rendering import RenderedBody, guide_body
from articles.templatetags.machine_dates import machine_datetime
from pages.cache import GUIDE_BODY
from pages.shells import Filler, Fragment, Shell, build_shell, render_fragment, serve
from study.services import ReaderState

JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


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
    has_code: bool


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
    paywall: bool  # the page ends with the paywall (a premium guide's preview)


def guide_page(
    guide: Guide,
    *,
    full: bool,
    preview: bool,
    cached: bool = True,
    warnings: Sequence[str] = (),
) -> GuidePage:
    """The guide's page parts for this access level; its body is kept (pages.cache.GUIDE_BODY)
    unless `cached` is False (the Markdown editor's preview, whose version number a real save
    will reuse). `warnings` ("line N: what") are shown in a preview's banner."""
    level = "full" if full or guide.cut is None else "preview"

    def render() -> RenderedBody:
        return guide_body(guide, full=level == "full")

    # The access settings are in the key, so no race between a save and a refresh can serve a
    # rendering made under a wider preview to a reader without access; and whether the guide is
    # public, which the images' addresses say (a scheduled guide goes public with no save).
    public = "public" if guide.is_public else "hidden"
    parts = (guide.pk, f"v{guide.version}", guide.access, guide.preview_sections, level, public)
    body = GUIDE_BODY.kept(parts, render) if cached else render()
    context = {
        "guide": guide,
        "body": body,
        "full": level == "full",
        "is_preview": preview,
        "preview_warnings": list(warnings) if preview else [],
        "json_ld": _json_ld(guide),
        "canonical": f"{settings.SITE_URL}{guide.get_absolute_url()}",
        "checklist_total": sum(len(ids) for ids in body.checklists.values()),
        "patterns": list(guide.patterns.all()),
        **site_context(),
    }
    return GuidePage(
        guide_id=guide.pk,
        url=guide.get_absolute_url(),
        title=guide.title,
        dek=guide.dek,
        level=level,
        head=render_fragment("reader/includes/guide_head.html", context),
        article=render_fragment(
            "reader/includes/guide_article.html", context, fragments={"body_html": body.html}
        ),
        locked=body.locked_count,
        checklists=body.checklists,
        has_code=body.has_code,
    )


READER_PARTS = "reader/includes/reader_parts.html"


def guide_shell(request: HttpRequest, page: GuidePage, kind: str) -> GuideShell:
    """The page for this kind of reader: the holes that depend only on it (the checklist's form
    parts, the finish form, the paywall) are filled from templates now."""
    # Rendered with the request: the site context comes from its context processor.
    parts = {"kind": kind, "guide_url": page.url, "guide_id": page.guide_id}

    def part(name: str, **extra: object) -> Fragment:
        return render_fragment(f"{READER_PARTS}#{name}", {**parts, **extra}, request=request)

    has_paywall = page.level == "preview"
    paywall = (
        render_fragment(
            "includes/paywall.html",
            {"locked_count": page.locked, "guide_id": page.guide_id},
            request=request,
        )
        if has_paywall
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
        "reader/guide_detail.html",
        {"page": page},
        request=request,
        fragments={"head": page.head, "article": page.article},
        fixed=fixed,
    )
    return GuideShell(
        shell=shell,
        # A visitor's shell has these holes filled already.
        unticked=shell if kind == "visitor" else shell.filled(unticked),
        guide_id=page.guide_id,
        checklists=page.checklists,
        items=frozenset(item for ids in page.checklists.values() for item in ids),
        checked=part("checkbox", checked=True),
        finish_forms=(part("finish", finished=False), part("finish", finished=True)),
        paywall=has_paywall,
    )


def _checkout_token(_: int | str) -> str:
    return uuid.uuid4().hex


def serve_guide(request: HttpRequest, entry: GuideShell, state: ReaderState | None) -> HttpResponse:
    """The guide page with this reader's ticks: each checkbox, each section's count and the
    guide's count; and a member's paywall form its own token (billing.views.checkout: a form
    submitted twice is one checkout)."""
    ticks = state.ticks if state else frozenset()
    finished = state is not None and entry.guide_id in state.finished
    fillers: dict[str, Filler] = {
        "finish": entry.finish_forms[finished],
        "checkout_token": _checkout_token,
    }
    if ticks.isdisjoint(entry.items):
        return serve(entry.unticked, request, fillers)

    def checkbox(item: int | str) -> Fragment | str:
        return entry.checked if item in ticks else ""

    def section_ready(section: int | str) -> str:
        return str(len(ticks.intersection(entry.checklists.get(int(section), ()))))

    def guide_ready(_: int | str) -> str:
        return str(len(ticks & entry.items))

    fillers |= {"checkbox": checkbox, "section_ready": section_ready, "guide_ready": guide_ready}
    return serve(entry.shell, request, fillers)
