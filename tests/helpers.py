"""Constants and small helpers shared by test modules (fixtures live in conftest.py, factories
in factories.py): test modules import these from here, never from one another."""

from __future__ import annotations

import re

from django.core.mail import EmailMessage

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
