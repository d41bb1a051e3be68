"""Edit forms and optimistic concurrency: the version a form was opened with, and what the
editor sees when someone else saved the record first (``distretto.concurrency``).

The form carries the record's version in a hidden field. When the service refuses
the save with ``EditConflict``, the form keeps the editor's input, says what
happened, shows the current stored values of the fields where they differ from the
input, and now carries the current version: saving again applies the input over
the current version on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from distretto.concurrency import EditConflict


@dataclass(frozen=True)
class CurrentValue:
    label: str
    value: str


def add_version_field(form: forms.BaseForm, instance: Any) -> None:
    """A hidden field with the version of ``instance`` the form was opened with."""
    form.fields["version"] = forms.IntegerField(
        label=_("Version"),
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        initial=getattr(instance, "version", None),
    )


def seen_version(form: forms.BaseForm) -> int | None:
    """The version the form was opened with (None if the form did not carry one)."""
    value = form.cleaned_data.get("version")
    return int(value) if value is not None else None


def _shown(instance: models.Model, name: str) -> str:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if getattr(field, "choices", None) and not isinstance(value, list):
        return str(getattr(instance, f"get_{name}_display")())
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _same(current: Any, submitted: Any) -> bool:
    if isinstance(submitted, models.Model):
        submitted = submitted.pk
        current = getattr(current, "pk", current)
    empty: tuple[Any, ...] = (None, "", [])
    if current in empty and submitted in empty:
        return True
    if isinstance(current, list) and isinstance(submitted, list):
        return sorted(map(str, current)) == sorted(map(str, submitted))
    return bool(current == submitted)


def show_conflict(
    form: forms.BaseForm, conflict: EditConflict, current: models.Model, names: list[str]
) -> list[CurrentValue]:
    """Put the conflict on ``form`` (keeping the input) and return the current stored values
    of the fields in ``names`` where they differ from the input."""
    form.add_error(None, conflict.message)
    data = QueryDict(mutable=True)
    for key, values in form.data.lists():  # type: ignore[attr-defined]  # request.POST
        data.setlist(key, values)
    data["version"] = str(conflict.current_version or "")
    form.data = data
    differing = []
    for name in names:
        if name not in form.fields or name not in form.cleaned_data:
            continue
        if _same(getattr(current, name), form.cleaned_data[name]):
            continue
        differing.append(CurrentValue(str(form.fields[name].label), _shown(current, name)))
    return differing
