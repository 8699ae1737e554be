"""Editor text cannot make a hole: whatever an editor writes, in any field and in any spelling of
U+E000 (the character, or an HTML entity that renders as it), a reader's page holds their CSRF
token and CSP nonce only where the site puts them, and never the character itself."""

from __future__ import annotations

import re

import pytest
from django.db.models import Model
from django.test import Client

from articles.models import Block, Guide, Item, Section, Track
from articles.services import guide_files, guides_import
from pages.cache import content_changed

from ..conftest import signed_in
from ..factories import UserFactory
from ..helpers import CSRF_TOKEN

MARK = "\ue000"
# The character itself and the ways HTML can spell it: hexadecimal (a leading zero, an
# upper-case X) and decimal.
SPELLINGS = {
    "raw": MARK,
    "hex": "&#xE000;",
    "padded-hex": "&#x0E000;",
    "upper-x": "&#XE000;",
    "decimal": "&#57344;",
}
NONCE_ATTRIBUTE = re.compile(r'nonce="([^"]*)"')

GUIDE = """---
title: "{title}"
slug: marks
track: marks
track_title: "{track_title}"
dek: "{dek}"
access: {access}
preview_sections: 1
status: published
published_at: 2026-01-01T09:00:00Z
---

{intro}

## {heading}

{paragraph} [a link](https://example.com/ "{link_title}")

> {quote}
> \u2014 {attribution}

- [ ] {item}
- [ ] A plain item

| {label} | What to say |
| --- | --- |
| {left} | {right} |

## A second section

Text past the cut.
"""
FIELDS = (
    "title",
    "track_title",
    "dek",
    "intro",
    "heading",
    "paragraph",
    "link_title",
    "quote",
    "attribution",
    "item",
    "label",
    "left",
    "right",
)


def payload(mark: str) -> str:
    """Text that, if its marks survived, would print the reader's CSRF token and nonce."""
    return f"x{mark}csrf{mark} y{mark}nonce{mark} z"


def import_guide(tmp_path, *, field: str, text: str, access: str = "free") -> Guide:
    values = {name: f"Plain {name.replace('_', ' ')}" for name in FIELDS}
    values[field] = text
    path = tmp_path / "marks.md"
    path.write_text(GUIDE.format(access=access, **values), encoding="utf-8")
    guides_import(guide_files([path]))
    return Guide.objects.get(slug="marks")


def assert_no_hole_made(page: str) -> None:
    """The page holds no U+E000, and the reader's CSRF token and nonce appear only in the
    places the site puts them (the forms' hidden inputs, the script's nonce attribute)."""
    assert MARK not in page
    tokens = CSRF_TOKEN.findall(page)
    assert tokens, "a signed-in reader's guide page has forms"
    for token in set(tokens):
        assert page.count(token) == tokens.count(token)
    nonces = NONCE_ATTRIBUTE.findall(page)
    assert nonces, "a signed-in reader's guide page has a script with a nonce"
    for nonce in set(nonces):
        assert page.count(nonce) == nonces.count(nonce)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("field", FIELDS)
def test_no_imported_field_makes_a_hole_in_a_readers_guide_page(
    db, tmp_path, field: str, spelling: str
) -> None:
    guide = import_guide(tmp_path, field=field, text=payload(SPELLINGS[spelling]))
    client = signed_in(UserFactory())
    for _ in range(2):  # the first reader builds the page shell, the second is served from it
        response = client.get(guide.get_absolute_url())
        assert response.status_code == 200
        assert_no_hole_made(response.content.decode())


@pytest.mark.parametrize("spelling", ["raw", "hex", "decimal"])
@pytest.mark.parametrize("field", ["title", "track_title", "intro", "paragraph", "item"])
def test_no_field_makes_a_hole_in_the_paywall_page_or_the_editors_preview(
    db, tmp_path, staff_client: Client, field: str, spelling: str
) -> None:
    guide = import_guide(tmp_path, field=field, text=payload(SPELLINGS[spelling]), access="premium")
    # A signed-in reader without a subscription: the preview and the paywall's subscribe form.
    assert_no_hole_made(signed_in(UserFactory()).get(guide.get_absolute_url()).content.decode())
    for query in ("", "?as=visitor"):
        page = staff_client.get(f"/guides/{guide.slug}/preview/{query}").content.decode()
        assert MARK not in page
        tokens = set(CSRF_TOKEN.findall(page))
        assert all(page.count(t) == CSRF_TOKEN.findall(page).count(t) for t in tokens)


# Text written any way at all (a queryset update, a data migration): content is stored as written,
# and the page itself must still hold no mark (pages.shells.render_fragment strips it).
STORED = [
    (Guide, "title"),
    (Guide, "dek"),
    (Guide, "intro"),
    (Track, "title"),
    (Section, "heading"),
    (Block, "text"),
    (Block, "attribution"),
    (Item, "text"),
]


@pytest.mark.parametrize(("model", "field"), STORED, ids=lambda v: getattr(v, "__name__", v))
def test_text_stored_around_the_models_makes_no_hole(
    db, tmp_path, django_capture_on_commit_callbacks, model: type[Model], field: str
) -> None:
    guide = import_guide(tmp_path, field="title", text="Marks")
    rows = {
        Guide: Guide.objects.filter(pk=guide.pk),
        Track: Track.objects.filter(slug="marks"),
        Section: Section.objects.filter(guide=guide),
        Block: Block.objects.filter(section__guide=guide),
        Item: Item.objects.filter(block__section__guide=guide),
    }[model]
    rows.update(**{field: payload(MARK)})
    with django_capture_on_commit_callbacks(execute=True):
        content_changed()
    client = signed_in(UserFactory())
    assert_no_hole_made(client.get(guide.get_absolute_url()).content.decode())


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_track_titles_and_descriptions_hold_no_mark_on_listings(db, tmp_path, spelling) -> None:
    guide = import_guide(tmp_path, field="track_title", text=payload(SPELLINGS[spelling]))
    track = Track.objects.get(slug="marks")
    track.description = payload(SPELLINGS[spelling])
    track.save()
    client = signed_in(UserFactory())
    for url in ("/", "/guides/", track.get_absolute_url(), "/search/?q=plain"):
        page = client.get(url).content.decode()
        assert MARK not in page, url
    assert guide.title in client.get("/guides/").content.decode()


# One block of every kind, with the payload in each of its text fields (code, a code title, alt
# text and a caption, list items, a subheading, a callout, table cells).
EVERY_KIND = """---
title: "Every kind"
slug: every-kind
track: coding
dek: "Marks in every block."
access: free
status: published
published_at: 2026-01-01T09:00:00Z
---
Intro.

## Blocks

{p} paragraph.

> {p} quote.
> \u2014 {p} source

- [ ] {p} item

| {p} moment | What to say |
| --- | --- |
| {p} left | {p} right |

```python title="{p} title"
print("{p} code")
```

![{p} alt](images/marks.png "{p} caption")

- {p} list item
  - {p} nested

### {p} subheading

> [!NOTE]
> {p} callout.

| {p} a | b | c |
| --- | --- | --- |
| {p} 1 | 2 | 3 |
"""


@pytest.mark.parametrize("spelling", ["raw", "hex", "decimal"])
def test_no_text_of_any_block_kind_makes_a_hole(db, tmp_path, spelling: str) -> None:
    from articles.blocks import registry

    from ..helpers import png

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "marks.png").write_bytes(png(40, 20))
    # Alt text and code are shown as written: the entity spellings stay text there.
    text = EVERY_KIND.replace("{p}", payload(SPELLINGS[spelling]))
    (tmp_path / "every.md").write_text(text, encoding="utf-8")
    (guide,) = guides_import(guide_files([tmp_path]))
    kinds = set(Block.objects.filter(section__guide=guide).values_list("kind", flat=True))
    assert kinds == {kind.name for kind in registry}, "add a block of the new kind above"
    client = signed_in(UserFactory())
    for _ in range(2):
        assert_no_hole_made(client.get(guide.get_absolute_url()).content.decode())
