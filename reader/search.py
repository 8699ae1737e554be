"""Guide search: Postgres full-text search with ranking and highlighted snippets, and a plain
substring fallback on SQLite. Non-readers search only the text they may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Guide

MAX_RESULTS = 20
CANDIDATES = 500
MAX_QUERY_LENGTH = 200
# Control characters cannot occur in guide text, so they mark highlights safely through escaping.
START, STOP = "\x02", "\x03"


@dataclass
class SearchResult:
    guide: Guide
    snippet: SafeString


def _highlighted(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


def search_guides(query: str, *, full_access: bool) -> list[SearchResult]:
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    field = "full_text" if full_access else "preview_text"
    base = (
        Guide.objects.published()
        .select_related("track")
        .defer("preview_text", "full_text", "search_preview", "search_full", "intro")
    )
    if connection.vendor == "postgresql":
        vector = "search_full" if full_access else "search_preview"
        return _search_postgres(base, query, field, vector)
    return _search_fallback(base, query, field)


def _search_postgres(base, query: str, field: str, vector: str) -> list[SearchResult]:
    search_query = SearchQuery(query, search_type="websearch", config="english")
    # The stored, GIN-indexed vector finds and ranks; only the page of hits gets a headline.
    # Ranking reads every matching document; for a very common word that is most of the
    # library. Rank the newest CANDIDATES matches only, found through the GIN index.
    candidates = (
        Guide.objects.published()
        .filter(**{vector: search_query})
        .order_by("-published_at")
        .values("pk")[:CANDIDATES]
    )
    guides = (
        base.filter(pk__in=Subquery(candidates))
        .annotate(
            rank=SearchRank(F(vector), search_query),
            snippet=SearchHeadline(
                field,
                search_query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at")[:MAX_RESULTS]
    )
    return [SearchResult(guide=g, snippet=_highlighted(g.snippet)) for g in guides]


def _search_fallback(base, query: str, field: str) -> list[SearchResult]:
    terms = [t for t in query.split() if t][:8]
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term) | Q(dek__icontains=term) | Q(**{f"{field}__icontains": term})
        )
    guides = base.filter(condition).annotate(text=F(field))[:MAX_RESULTS]
    results = []
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    for guide in guides:
        text = " ".join(guide.text.split())
        match = pattern.search(text)
        start = max(0, match.start() - 90) if match else 0
        window = text[start : start + 240]
        marked = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
        prefix = "… " if start else ""
        results.append(SearchResult(guide=guide, snippet=_highlighted(f"{prefix}{marked} …")))
    return results
