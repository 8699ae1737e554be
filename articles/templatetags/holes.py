"""`{% hole "name" number %}`: where a cached guide page gets what differs per reader or per
request (see articles.holes)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from articles.holes import TOKEN_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def hole(context: template.Context, name: str, number: int | str = "") -> SafeString:
    token = context.get(TOKEN_KEY)
    if token is None:
        # Rendered any other way, the hole would be plain text in the page.
        raise template.TemplateSyntaxError(
            "{% hole %} belongs in templates rendered by articles.holes.render"
        )
    return mark_safe(f"{token}{name}{number}{token}")
