"""A person's own account page (consents, their data, erasure) and the privacy notice.

Thin: parse the request, call one ``privacy`` service, render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from distretto.accounts import privacy, services
from distretto.accounts.enums import ConsentPurpose, TokenScope
from distretto.accounts.models import ApiToken
from distretto.registry.models import Person


def _consent_rows(
    current: dict[str, Any], implied: dict[str, bool] | None = None
) -> list[dict[str, Any]]:
    """One row per purpose; ``implied``: the state of a purpose nothing was recorded for."""
    implied = implied or {}
    return [
        {
            "purpose": purpose,
            "label": ConsentPurpose(purpose).label,
            "text": privacy.consent_text(purpose),
            "record": record,
            "granted": record.granted if record else implied.get(purpose, False),
        }
        for purpose, record in current.items()
    ]


@login_required
def account(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """My account: my consents, my contact records, my data, erasing my account."""
    user = request.user
    people = list(user.contact_records.select_related("organisation"))  # type: ignore[union-attr]
    return render(
        request,
        "accounts/account.html",
        {
            "account": user,
            # Saved searches from before consents were recorded asked for their digests.
            "user_consents": _consent_rows(
                privacy.current_consents(user=user),  # type: ignore[arg-type]
                {ConsentPurpose.DIGESTS: user.saved_searches.exists()},  # type: ignore[union-attr]
            ),
            "contact_records": [
                (person, _consent_rows(privacy.current_consents(person=person)))
                for person in people
            ],
            "memberships": list(
                user.memberships.select_related("organisation")  # type: ignore[union-attr]
            ),
            "text_version": privacy.CONSENT_TEXT_VERSION,
            "tokens": _token_rows(user),
            "token_form": kwargs.get("token_form") or TokenForm(),
        },
        status=kwargs.get("status", 200),
    )


class TokenForm(forms.Form):
    """A new API token of my own: what it is for, what it may do, how long it lives."""

    name = forms.CharField(
        label=gettext_lazy("What it is for"),
        max_length=100,
        help_text=gettext_lazy("For example the script or service that uses it."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("It may"), choices=TokenScope.choices, initial=TokenScope.READ
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days until it expires"),
        min_value=1,
        max_value=services.MAX_TOKEN_DAYS,
        initial=settings.API_TOKEN_DAYS or 365,
    )


def _token_rows(user: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {"token": token, "state": token.state(now)}
        for token in ApiToken.objects.filter(user=user).order_by("-created_at").defer("key_hash")
    ]


@login_required
@require_POST
def issue_token(request: HttpRequest) -> HttpResponse:
    """Issue an API token for myself; its key is shown once, in a message."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = services.issue_api_token(
                request.user,
                request.user.get_username(),
                form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.warning(
                request,
                _("The key of the token “%(name)s”, shown only this once; copy it now: %(key)s")
                % {"name": token.name, "key": raw},
            )
            return redirect("accounts:account")
    return account(request, token_form=form, status=422)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of my API tokens at once; anyone else's is not found."""
    token = ApiToken.objects.filter(pk=pk, user__in=[request.user.pk]).first()
    if token is None:
        raise Http404
    services.revoke_api_token(request.user, token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:account")


@login_required
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    """Give or withdraw one consent: of the account, or of one of my contact records."""
    purpose = request.POST.get("purpose", "")
    granted = request.POST.get("granted") == "1"
    person_id = request.POST.get("person", "")
    subject: dict[str, Any] = {"user": request.user}
    if person_id:
        # Only the user's own contact records: anyone else's is not found.
        person = Person.objects.filter(
            pk=int(person_id) if person_id.isdigit() else 0, user_id=int(request.user.pk or 0)
        ).first()
        if person is None:
            raise Http404(_("No such contact record."))
        subject = {"person": person}
    try:
        privacy.record_consent(request.user, purpose=purpose, granted=granted, **subject)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if granted:
            messages.success(request, _("Consent given."))
        else:
            messages.success(request, _("Consent withdrawn: it takes effect at once."))
    return redirect("accounts:account")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Download my data, as JSON."""
    data = privacy.export_personal_data(request.user, user=request.user)  # type: ignore[arg-type]
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = privacy.export_filename(user=request.user)  # type: ignore[arg-type]
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class EraseForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("To make sure it is you."),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="password_incorrect")
        return password


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """Erase my account, after I confirm with my password; logs me out."""
    form = EraseForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        privacy.erase_personal_data(request.user, user=request.user)  # type: ignore[arg-type]
        logout(request)
        messages.success(request, _("Your account and your personal data have been erased."))
        return redirect("web:home")
    return render(request, "accounts/erase.html", {"form": form})


def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice (GDPR Art. 13 and 14): public."""
    return render(
        request,
        "accounts/privacy.html",
        {
            "controller": settings.PRIVACY_CONTROLLER,
            "contact": settings.PRIVACY_CONTACT,
            "retention_days": settings.PRIVACY_RETENTION_DAYS,
            "consents": [
                {
                    "purpose": purpose,
                    "label": ConsentPurpose(purpose).label,
                    "text": privacy.consent_text(purpose),
                }
                for purpose in ConsentPurpose.values
            ],
            "text_version": privacy.CONSENT_TEXT_VERSION,
        },
    )
