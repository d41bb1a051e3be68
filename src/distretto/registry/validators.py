"""Django field validators: thin wrappers turning domain checks into ValidationError."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.registry.domain import periods, validation


def validate_vat_number(value: str) -> None:
    problem = validation.check_vat_number(value)
    if problem:
        raise ValidationError(_(problem), code="invalid_vat")


def validate_founded_year(value: int | None) -> None:
    if value is None:
        return
    problem = validation.check_founded_year(value, timezone.now().year)
    if problem:
        raise ValidationError(_(problem), code="invalid_founded")


def validate_period(value: str) -> None:
    problem = periods.check_period(value)
    if problem:
        raise ValidationError(_(problem), code="invalid_period")
