"""How an email's parts are rendered (its HTML through the CSS inliner), and its stable
Message-ID. The sending is mail.transport's, the record mail.outbox's."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac

# The <style> stays (its dark-mode rules are for the mail clients that read them); everything it
# can say to an element is also written into the element's style attribute.
_inliner = css_inline.CSSInliner(keep_style_tags=True)


def inline_css(html: str) -> str:
    """An HTML email (templates/emails/base.html) with its stylesheet inlined, for mail clients
    that drop <style>."""
    return _inliner.inline(html)


def render_parts(
    prefix: str, context: dict[str, Any], html_context: dict[str, Any] | None = None
) -> tuple[str, str, str]:
    """An email's subject (on one line), text and HTML (its CSS inlined), from the templates
    `<prefix>_subject.txt`, `<prefix>.txt` and `<prefix>.html`; `html_context` adds to the
    context for the HTML only."""
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    text = render_to_string(f"{prefix}.txt", context)
    html = inline_css(render_to_string(f"{prefix}.html", context | (html_context or {})))
    return subject, text, html


def stable_message_id(salt: str, key: str, kind: str) -> str:
    """A Message-ID made from what the email is for (`key`, keyed with the secret key so it
    names no one): every send of one email carries the same one, so a resend after a crash
    shows as one message in mail systems that merge by Message-ID."""
    digest = salted_hmac(salt, key, algorithm="sha256").hexdigest()
    domain = urlsplit(settings.SITE_URL).hostname or "alphacode.local"
    return f"<{kind}.{digest[:32]}@{domain}>"
