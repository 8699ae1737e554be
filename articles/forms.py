"""The front matter of a guide file, validated as a Django form: its error messages are what an
import and the Markdown editor show (articles.markdown names the file and the key's line)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_EXAMPLE = "a date and time like 2026-11-01T09:00:00Z"


class TextField(forms.CharField):
    """Text as YAML gives it: a number or a list where text belongs is an error, not str()."""

    def to_python(self, value: Any) -> str | None:
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class WholeNumberField(forms.IntegerField):
    """A whole number as YAML gives it (`true` is not 1, "3" is not 3)."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class MomentField(forms.Field):
    """A date and time in UTC: YAML's timestamp or date, or ISO 8601 text (`Z` for UTC); a time
    without a zone is UTC."""

    default_error_messages = {"invalid": f"must be {DATE_EXAMPLE}"}

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        elif isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(f"{value!r} is not {DATE_EXAMPLE}", code="invalid") from None
        else:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError("is out of range", code="invalid") from None


class SlugListField(forms.Field):
    """A YAML list of slugs (`[two-pointers, sliding-window]`), each named once."""

    item = "pattern"  # what each slug names, in the errors
    default_error_messages = {
        "invalid": "must be a list of slugs like [two-pointers, sliding-window]",
    }

    def to_python(self, value: Any) -> list[str]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        slugs = [item.strip() for item in value]
        for slug in slugs:
            if not SLUG_RE.match(slug) or len(slug) > 60:
                raise ValidationError(f"{slug!r} is not a {self.item}'s slug", code="invalid")
        if len(set(slugs)) != len(slugs):
            raise ValidationError(f"names a {self.item} twice", code="invalid")
        return slugs


class AxisListField(SlugListField):
    """A YAML list of the mock rubric's axes (`[communication, framing]`), each named once."""

    item = "rubric axis"
    default_error_messages = {"invalid": "must be a list of axes like [communication, framing]"}


def text_field(limit: int, *, required: bool = True) -> TextField:
    return TextField(
        required=required,
        max_length=limit,
        strip=True,
        error_messages={
            "required": "is required and must be text",
            "invalid": "must be text",
            "max_length": f"is longer than {limit} characters",
        },
    )


def slug_field(limit: int, message: str) -> forms.RegexField:
    return forms.RegexField(
        SLUG_RE,
        max_length=limit,
        error_messages={
            "required": "is required and must be text",
            "invalid": f"%(value)r {message}",
            "max_length": f"%(value)r {message}",
        },
    )


def access_field() -> forms.TypedChoiceField:
    """`access: free` (the default) or `premium`, in a guide's or a problem's front matter."""
    return forms.TypedChoiceField(
        required=False,
        choices=[("free", "free"), ("premium", "premium")],
        empty_value="free",
        error_messages={"invalid_choice": "%(value)r must be 'free' or 'premium'"},
    )


def status_field() -> forms.TypedChoiceField:
    """`status: draft` (the default) or `published`."""
    return forms.TypedChoiceField(
        required=False,
        choices=[("draft", "draft"), ("published", "published")],
        empty_value="draft",
        error_messages={"invalid_choice": "%(value)r must be 'draft' or 'published'"},
    )


class FrontMatterForm(forms.Form):
    """The keys between a guide file's `---` lines. Keys it does not name are refused before
    (articles.markdown.front_matter_values), so a typo is never silently ignored."""

    title = text_field(200)
    slug = slug_field(120, "must be lowercase letters, digits and hyphens")
    track = slug_field(60, "is not a track slug")
    track_title = text_field(120, required=False)
    patterns = SlugListField(required=False)
    axes = AxisListField(required=False)
    dek = text_field(300)
    access = access_field()
    preview_sections = WholeNumberField(
        required=False,
        min_value=0,
        max_value=50,
        error_messages={
            "invalid": "must be a whole number from 0 to 50",
            "min_value": "must be a whole number from 0 to 50",
            "max_value": "must be a whole number from 0 to 50",
        },
    )
    status = status_field()
    published_at = MomentField(required=False)

    def clean_preview_sections(self) -> int:
        value = self.cleaned_data["preview_sections"]
        return 1 if value is None else value


def form_errors(form: forms.Form) -> list[tuple[str, str]]:
    """(key, message) of every key that is wrong, in the form's order (its first message)."""
    return [(name, str(form.errors[name][0])) for name in form.fields if name in form.errors]
