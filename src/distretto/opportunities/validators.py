"""Django field validators for profiles: thin wrappers over ``domain.validation``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from distretto.opportunities.domain import validation


@deconstructible
class ChoiceList:
    """Validates a JSON field holding a list of values from ``allowed``."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = list(allowed)

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("Enter a list of choices."), code="invalid_list")
        unknown = validation.unknown_choices(value, self.allowed)
        if unknown:
            raise ValidationError(
                _("Unknown choices: %(values)s. Choose from: %(choices)s.")
                % {"values": ", ".join(unknown), "choices": ", ".join(self.allowed)},
                code="invalid_choice",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceList) and other.allowed == self.allowed
