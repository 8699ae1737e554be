from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from articles.models import Track

from .models import Plan
from .planner import MAX_DAILY_MINUTES, MIN_DAILY_MINUTES

MAX_DAYS_AHEAD = 365


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
