"""The request form: what kind of mock, with whom, and up to ten windows entered on the member's
own wall clock (mocks.services turns them into UTC and checks them); and a design prompt file's
front matter, validated as a form as a guide's is."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from articles.forms import slug_field, status_field, text_field

from .models import MockRequest

MAX_WINDOWS = 10
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=MockRequest.Kind.choices)
    tier = forms.ChoiceField(choices=MockRequest.Tier.choices, label="Company tier")
    level = forms.ChoiceField(choices=MockRequest.Level.choices)
    focus = forms.CharField(
        max_length=120,
        help_text="A pattern for a technical mock (your weak-set's first, to begin with), a "
        "topic for system design.",
    )
    time_zone = forms.ChoiceField(
        choices=[(name, name) for name in TIME_ZONES],
        help_text="The windows below are in this time zone. On the night the clocks go back, "
        "a time that happens twice means the first time.",
    )


class WallClockField(forms.DateTimeField):
    """A date and time as the member's clock shows it: naive, placed in their zone later."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            result = timezone.make_naive(result, dt.UTC)
        return result


class WindowForm(forms.Form):
    start = WallClockField(label="From")
    end = WallClockField(label="Until")


class BaseWindowFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError("Give at least one window you are free in.")


WindowFormSet = forms.formset_factory(
    WindowForm,
    formset=BaseWindowFormSet,
    extra=3,
    max_num=MAX_WINDOWS,
    absolute_max=MAX_WINDOWS,
    validate_max=True,
)


class DesignPromptFrontMatterForm(forms.Form):
    """The keys between a design prompt file's `---` lines (mocks.prompts): others are refused."""

    title = text_field(200)
    slug = slug_field(120, "must be lowercase letters, digits and hyphens")
    topic = slug_field(
        120, "must be a topic in lowercase letters, digits and hyphens, like rate-limiting"
    )
    status = status_field()
