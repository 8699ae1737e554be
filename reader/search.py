"""Guide search: full-text search of whole (stemmed) words, ranked by relevance with a title
match first, with highlighted snippets; Postgres's search vectors in production, SQLite's FTS5
index on the embedded default. Non-readers search only the text they may see."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import DatabaseError, connection
from django.db.models import F, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import SQLITE_SEARCH_TABLE, Guide

logger = logging.getLogger(__name__)

MAX_RESULTS = 20
CANDIDATES = 500
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# A word as FTS5's unicode61 tokenizer reads one: letters and digits.
WORD_RE = re.compile(r"[^\W_]+")
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
    return _search_sqlite(base, query, field)


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


def _fts5_query(query: str) -> str:
    """The query as FTS5 syntax that cannot fail: every word a quoted string (so quotes, *,
    AND, NEAR, parentheses and '-' are plain text), all required, as websearch's plain words
    are on Postgres; whole (stemmed) words, no prefixes, as Postgres matches them."""
    words = WORD_RE.findall(query)[:MAX_TERMS]
    return " ".join(f'"{word}"' for word in words)


def _search_sqlite(base, query: str, field: str) -> list[SearchResult]:
    match = _fts5_query(query)
    if not match:
        return []
    # Search title, dek and only the text this reader may see; bm25 weighs a title hit above
    # a dek hit above one in the text (Postgres's weights A, B, C). Columns: title, dek,
    # preview_text, full_text.
    if field == "full_text":
        columns, weights, text_column = "{title dek full_text}", "10.0, 4.0, 0.0, 1.0", 3
    else:
        columns, weights, text_column = "{title dek preview_text}", "10.0, 4.0, 1.0, 0.0", 2
    published_sql, published_params = base.values("pk").query.sql_with_params()
    sql = (
        f"SELECT rowid, snippet({SQLITE_SEARCH_TABLE}, {text_column}, %s, %s, '…', 32) "
        f"FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH %s "
        f"AND rowid IN ({published_sql}) "
        f"ORDER BY bm25({SQLITE_SEARCH_TABLE}, {weights}) LIMIT {MAX_RESULTS}"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [START, STOP, f"{columns} : ({match})", *published_params])
            hits = cursor.fetchall()
    except DatabaseError:
        # The query is quoted word by word and should always parse; if FTS5 still refuses
        # it, the reader sees no results rather than an error page.
        logger.warning("SQLite search refused %r", query, exc_info=True)
        return []
    guides = base.in_bulk([pk for pk, _ in hits])
    return [
        SearchResult(guide=guides[pk], snippet=_highlighted(" ".join(snippet.split())))
        for pk, snippet in hits
        if pk in guides
    ]
