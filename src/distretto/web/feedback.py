"""Putting a service's ValidationError in front of the person: on the form, or as messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest


def show_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form)."""
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def flash_errors(request: HttpRequest, error: ValidationError) -> None:
    """A service's ValidationError as error messages on the next page (buttons without a form)."""
    for messages_ in error.message_dict.values():
        for message in messages_:
            messages.error(request, message)


def flash_form_errors(request: HttpRequest, form: BaseForm) -> None:
    """A form's own errors as messages, each with its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else str(message))
