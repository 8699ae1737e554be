"""Dates written for machines (a <time> element's `datetime`, OpenGraph's article times, JSON-LD):
one form everywhere, ISO 8601 to the whole second in the site's time zone."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def machine_datetime(value: object) -> str:
    """ISO 8601 to the second. HTML's `datetime` attribute allows at most three digits of a
    second's fraction, and Python's isoformat (Django's `date:'c'`) gives six; a reader-facing
    date needs none. Anything that is not a date or a datetime gives an empty string."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""
