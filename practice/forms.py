"""The front matter of a problem file, validated as a Django form (its messages are what an
import shows, with the key's line)."""

from __future__ import annotations

from django import forms

from articles.forms import (
    MomentField,
    SlugListField,
    WholeNumberField,
    access_field,
    slug_field,
    status_field,
    text_field,
)


class ProblemFrontMatterForm(forms.Form):
    title = text_field(200)
    slug = slug_field(120, "must be lowercase letters, digits and hyphens")
    patterns = SlugListField(required=False)
    difficulty = forms.ChoiceField(
        choices=[("easy", "easy"), ("medium", "medium"), ("hard", "hard")],
        error_messages={
            "required": "is required: easy, medium or hard",
            "invalid_choice": "%(value)r must be easy, medium or hard",
        },
    )
    access = access_field()
    status = status_field()
    published_at = MomentField(required=False)
    time_limit_seconds = WholeNumberField(
        required=False,
        min_value=1,
        max_value=60,
        error_messages={
            "invalid": "must be a whole number of seconds from 1 to 60",
            "min_value": "must be a whole number of seconds from 1 to 60",
            "max_value": "must be a whole number of seconds from 1 to 60",
        },
    )

    def clean_time_limit_seconds(self) -> int:
        value = self.cleaned_data["time_limit_seconds"]
        return 5 if value is None else value
