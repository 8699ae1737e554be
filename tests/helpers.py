"""Constants and small helpers shared by test modules (fixtures live in conftest.py, factories
in factories.py): test modules import these from here, never from one another."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.core.mail import EmailMessage
from PIL import Image

# The CSRF token of a form on a page, as the page writes it.
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def csrf_token(html: str) -> str:
    """The first form's CSRF token on the page ("" when it has none)."""
    found = CSRF_TOKEN.search(html)
    return found.group(1) if found else ""


# A premium guide in the Markdown authoring format with every block kind.
VALID = """---
title: "Heaps for interviews"
slug: heaps-for-interviews
track: coding
dek: "When a heap is the answer."
access: premium
preview_sections: 1
status: published
published_at: 2026-10-01T09:00:00Z
---
First intro paragraph with *emphasis*.

Second intro paragraph.

## Why heaps

A paragraph with `code` and a [link](https://example.com).

> A quote that spans
> two lines.
> — A coach

- [ ] First item
- [ ] Second item

## Scripts {#scripts}

| Moment | What to say |
| --- | --- |
| Start | I'll restate the goal. |
| End | I'll test the edges. |
"""

# The password every test account signs up with.
PASSWORD = "a-long unguessable passphrase"
CODE_RE = re.compile(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", re.M)

# Words that appear only in a premium guide's locked sections (SENTINEL) or in its open
# preview (PREVIEW_MARK): the paywall tests look for them in every response.
SENTINEL = "zqxsentinelword"
PREVIEW_MARK = "openpreviewword"

# Headers of a request from the guide page's script, which asks for JSON.
JSON = {"HTTP_ACCEPT": "application/json"}


def code_from(message: EmailMessage) -> str:
    """The sign-in or confirmation code in an email."""
    match = CODE_RE.search(message.body)
    assert match, message.body
    return match.group(1)


# A premium guide with every new block; the second section is past the cut, and everything in it
# (code, image, alt text, caption) must stay with the server for a reader without access.
RICH = """---
title: "Sliding windows in code"
slug: sliding-windows-in-code
track: coding
dek: "The template, in Python."
access: premium
preview_sections: 1
status: published
published_at: 2026-10-01T09:00:00Z
---
Windows, with code.

## The template

### Grow, then shrink

The loop in full:

```python title="window.py"
def longest(items, limit):
    # Expand on the right; shrink from the left while the window is invalid; keep the widest.
    best = left = 0
    for right, item in enumerate(items):
        best = max(best, right - left + 1)
    return best
```

![A window sliding over an array](images/window.png "The window at step three")

- Expand on the right
  - one step at a time
- Shrink on the left

1. Read the prompt
2. Name the invariant

> [!TIP]
> Say the invariant out loud.

| Shape | Signal | Pointers |
| --- | --- | --- |
| Fixed window | `k` given | same direction |
| Longest valid | breaks as it grows | same direction |

## Past the cut

### Premium subheading zqxsubheading

```sql
SELECT zqxpremiumcode FROM windows;
```

![zqxpremiumalt diagram](images/premium.png "zqxpremiumcaption")

> [!WARNING]
> zqxpremiumcallout text.
"""

PREMIUM_WORDS = (
    "zqxpremiumcode",
    "zqxpremiumalt",
    "zqxpremiumcaption",
    "zqxpremiumcallout",
    "zqxsubheading",
)


def png(width: int, height: int, colour: str = "#3366cc") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def rich_folder_in(folder: Path) -> Path:
    """RICH as rich.md in this folder, with its two images beside it."""
    (folder / "images").mkdir()
    (folder / "images" / "window.png").write_bytes(png(1600, 800))
    (folder / "images" / "premium.png").write_bytes(png(300, 200, "#cc3366"))
    (folder / "rich.md").write_text(RICH)
    return folder
