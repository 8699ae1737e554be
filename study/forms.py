"""The forms behind every study POST. Each one checks the whole submission before anything is
written: bad input gets its error message (shown, or sent back as JSON to the guide page's
script) and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from articles.models import Guide, Section, Track

from .models import Plan
from .planner import MAX_DAILY_MINUTES, MIN_DAILY_MINUTES
from .sm2 import QUALITY

MAX_DAYS_AHEAD = 365
MAX_ID = 2**63 - 1  # ids are bigints (DEFAULT_AUTO_FIELD)


class RowIdField(forms.IntegerField):
    """A row's id as posted: ASCII digits only. Python reads "١٢" as 12, but no page of ours
    posts it; and within a bigint, so the lookup never overflows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


def _id_errors(message: str) -> dict[str, str]:
    """Every way an id can be wrong says the same thing: there is no such row."""
    return dict.fromkeys(("required", "invalid", "min_value", "max_value"), message)


class RowIdsField(forms.Field):
    """Several row ids under one name (the checked boxes of a checklist)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> set[int]:
        ids = RowIdField(required=False, error_messages=self.error_messages)
        return {ids.clean(one) for one in value or []} - {None}


def _flag(name: str) -> forms.TypedChoiceField:
    """A yes or no sent as "1" or "0", as the guide page and its script send it; missing is
    "0"."""
    return forms.TypedChoiceField(
        choices=[("1", "yes"), ("0", "no")],
        coerce=lambda value: value == "1",
        required=False,
        empty_value=False,  # type: ignore[arg-type] # a missing yes-or-no means no
        error_messages={"invalid_choice": f"{name} must be 1 or 0."},
    )


class StudyForm(forms.Form):
    """A form refused as a whole: its first error is the one message the reader gets."""

    def first_error(self) -> str:
        return str(next(iter(self.errors.values()))[0])

    def refusal_status(self) -> int:
        """404 when an id names no row (the pages only post ids that exist), else 400."""
        field = next(iter(self.errors))
        return 404 if isinstance(self.fields.get(field), RowIdField | RowIdsField) else 400


class TickForm(StudyForm):
    """One checklist item ticked or unticked (the guide page's script)."""

    item = RowIdField(error_messages=_id_errors("No such checklist item."))
    checked = _flag("Checked")


class ChecklistForm(StudyForm):
    """A whole checklist saved at once (the form without JavaScript): the checked items."""

    block = RowIdField(error_messages=_id_errors("No such checklist."))
    item = RowIdsField(required=False, error_messages=_id_errors("No such checklist item."))


class GuideField(RowIdField):
    """A published guide, by id."""

    def clean(self, value: Any) -> Guide:
        pk = super().clean(value)
        guide = Guide.objects.published().filter(pk=pk).first()
        if guide is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return guide


class FinishForm(StudyForm):
    """A guide marked finished, or not finished any more."""

    guide = GuideField(error_messages=_id_errors("No such guide."))
    finished = _flag("Finished")


class PositionForm(StudyForm):
    """The section a reader reached in a guide (sent as they leave the page)."""

    guide = GuideField(error_messages=_id_errors("No such guide."))
    section = forms.SlugField(
        max_length=Section._meta.get_field("anchor").max_length,
        error_messages=dict.fromkeys(("required", "invalid", "max_length"), "No such section."),
    )


class GradeForm(StudyForm):
    """One drill card graded; `seen` names the state the card was shown in. The messages follow
    "That answer could not be recorded: "."""

    item = RowIdField(error_messages=_id_errors("no such card."))
    grade = forms.ChoiceField(
        choices=[(grade, grade) for grade in QUALITY],
        error_messages=dict.fromkeys(("required", "invalid_choice"), "choose a grade."),
    )
    seen = forms.CharField(
        required=False,
        max_length=64,
        strip=False,
        error_messages={"max_length": "the card was shown in another state."},
    )


class PlanForm(forms.ModelForm):
    interview_date = forms.DateField(
        label="Interview date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The plan runs from today to the day before.",
    )
    daily_minutes = forms.IntegerField(
        label="Minutes a day",
        min_value=MIN_DAILY_MINUTES,
        max_value=MAX_DAILY_MINUTES,
        help_text=f"Between {MIN_DAILY_MINUTES} and {MAX_DAILY_MINUTES}.",
    )
    tracks = forms.ModelMultipleChoiceField(
        label="Tracks to cover",
        queryset=Track.objects.order_by("position", "title"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one track."},
    )

    class Meta:
        model = Plan
        fields = ("interview_date", "daily_minutes", "tracks")

    def clean_interview_date(self) -> dt.date:
        date = self.cleaned_data["interview_date"]
        today = timezone.localdate()
        if date < today:
            raise forms.ValidationError("The interview date has passed: choose today or later.")
        if date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError("Choose a date within a year.")
        return date
