"""The guide page renders the seed guide faithfully, with semantic HTML and metadata."""

from __future__ import annotations

import json
import re
from html import unescape
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client

SEED_TEXT = Path(__file__).resolve().parent.parent / "data" / "seed-fine-tuning-vs-prompting.txt"


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def seed_lines() -> list[str]:
    lines = [line.strip() for line in SEED_TEXT.read_text().splitlines() if line.strip()]
    # The header line ("… · 18 min read") and the word count are computed by the site, and the
    # two-column table rows are run together in the text export; they are checked separately.
    skip = ("ML & AI Engineering Interviews ·", "3,631 words", "MomentWhat to say")
    rows = ("Start", "Midpoint", "Stuck", "End")
    return [
        line.lstrip("• ").strip()
        for line in lines
        if not line.startswith(skip) and not re.match(rf"^({'|'.join(rows)})[A-Z]", line)
    ]


@pytest.fixture
def full_page(seed_guide, staff_client: Client) -> str:
    response = staff_client.get(seed_guide.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_every_line_of_the_seed_guide_is_on_the_page(full_page: str) -> None:
    text = visible_text(full_page)
    missing = [line for line in seed_lines() if " ".join(line.split()) not in text]
    assert missing == []


def test_seed_guide_has_its_header_elements(full_page: str, seed_guide) -> None:
    text = visible_text(full_page)
    assert "ML & AI Engineering Interviews" in text
    assert '<h1 id="guide-title">Fine-Tuning vs Prompting: Economic and Operational Tradeoffs' in (
        full_page
    )
    assert "Pick a lane based on data volume, latency, and maintenance — not hype." in text
    assert f"{seed_guide.read_minutes} min read · {seed_guide.word_count:,} words" in text
    assert seed_guide.word_count > 3000  # the whole text is counted, not just the preview
    assert seed_guide.read_minutes == round(seed_guide.word_count / 200)
    assert "Updated" in text
    assert "<time datetime=" in full_page


def test_seed_guide_sections_are_h2_with_anchors_linked_from_the_toc(full_page: str) -> None:
    headings = re.findall(r'<section class="guide-section" id="([^"]+)"', full_page)
    assert len(headings) == 6
    for anchor in headings:
        assert f'href="#{anchor}"' in full_page
    assert full_page.count('<h2 id="h-') == 6
    assert "<article" in full_page


def test_seed_guide_blocks_use_semantic_html(full_page: str) -> None:
    assert full_page.count('<figure class="pull-quote">') == 2
    quotes = re.findall(
        r"<figure class=\"pull-quote\">\s*<blockquote>.*?</blockquote>\s*"
        r"<figcaption>(.*?)</figcaption>",
        full_page,
        flags=re.S,
    )
    assert quotes == ["Composite feedback from mock interview coaches"] * 2
    assert full_page.count('<form class="checklist"') == 6
    checklists = re.findall(r'<form class="checklist".*?</form>', full_page, flags=re.S)
    assert all(block.count('<li><input type="checkbox"') == 5 for block in checklists)
    assert full_page.count('<table class="phrases">') == 2
    table = re.search(r'<table class="phrases">.*?</table>', full_page, flags=re.S).group(0)
    assert '<th scope="col">Moment</th><th scope="col">What to say</th>' in table
    rows = re.findall(r'<th scope="row">(\w+)</th><td>(.*?)</td>', table)
    assert [r[0] for r in rows] == ["Start", "Midpoint", "Stuck", "End"]
    assert unescape(rows[0][1]) == (
        "I'll restate the goal, then propose a baseline I can complete in time."
    )


def test_seed_guide_ends_with_the_call_to_action(full_page: str) -> None:
    text = visible_text(full_page)
    assert "Stop grinding. Start patterning." in text
    assert "all under one $19/mo subscription" in text


def test_guide_page_has_open_graph_twitter_and_json_ld(full_page: str, seed_guide) -> None:
    assert '<meta property="og:type" content="article">' in full_page
    assert f'<meta property="og:title" content="{seed_guide.title}">' in full_page
    assert '<meta name="twitter:card" content="summary">' in full_page
    raw = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', full_page, re.S)
    data = json.loads(raw.group(1))
    assert data["@type"] == "Article"
    assert data["headline"] == seed_guide.title
    assert data["isAccessibleForFree"] is False
    assert data["wordCount"] == seed_guide.word_count


def test_free_guide_json_ld_says_accessible_for_free(db, client: Client) -> None:
    from ..factories import make_guide

    guide = make_guide(access="free")
    html = client.get(guide.get_absolute_url()).content.decode()
    raw = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert json.loads(raw.group(1))["isAccessibleForFree"] is True


def test_inline_markdown_is_rendered_and_html_is_sanitized(db, client: Client) -> None:
    from ..factories import make_guide

    guide = make_guide(
        sections=[
            [
                ("paragraph", "Use *care* and `code` and [docs](https://example.com/x)."),
                ("paragraph", "<script>alert(1)</script> [bad](javascript:alert(1)) <b>bold</b>"),
            ]
        ]
    )
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "<em>care</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.com/x" rel="noopener nofollow">docs</a>' in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    assert "<b>bold</b>" not in html
