"""`{% hole "name" number %}`: where a page served from a shell gets what differs per reader or
per request (see pages.shells)."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from pages.shells import HOLE_NAME, TOKEN_KEY

register = template.Library()
# Letters and underscores only: a hole's number follows its name in the page.
NAME = re.compile(HOLE_NAME)


@register.simple_tag(takes_context=True)
def hole(context: template.Context, name: str, number: int | str = "") -> SafeString:
    token = context.get(TOKEN_KEY)
    if token is None:
        # Rendered any other way, the hole would be plain text in the page.
        raise template.TemplateSyntaxError(
            "{% hole %} belongs in templates rendered by pages.shells.render_fragment"
        )
    if not NAME.fullmatch(name):
        raise template.TemplateSyntaxError(f"a hole's name is lower-case words: {name!r}")
    return mark_safe(f"{token}{name}{number}{token}")
