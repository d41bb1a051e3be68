"""Actions on cooperation profiles and expressions of interest.

One function per user action; each takes the acting user explicitly (the CLI
passes ``accounts.services.SYSTEM``) and today's date where expiry matters,
checks permission (``rules.py``) and runs in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distretto.accounts import audit
from distretto.accounts.enums import MembershipRole
from distretto.concurrency import claim_version
from distretto.opportunities.domain import validation, workflow
from distretto.opportunities.enums import DeclineReason, InterestStatus, ProfileStatus
from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
from distretto.opportunities.rules import (
    can_answer_interest,
    can_create_profile_for,
    can_edit_profile,
    can_move_profile,
    can_send_interest,
)
from distretto.registry.models import Organisation, Person
from distretto.taxonomy.models import Code

# How many days before its expiry date the owner is reminded.
REMINDER_DAYS = 14

# Fields a user may set through create_profile / update_profile.
EDITABLE_FIELDS = (
    "profile_type",
    "title",
    "summary",
    "description",
    "advantages",
    "stage",
    "ipr_status",
    "partner_role",
    "partnership_types",
    "partner_kinds",
    "partner_sizes",
    "target_countries",
    "target_regions",
    "language",
    "expires_on",
    "contact",
    *validation.CALL_FIELDS,
)


def _raise(problems: Iterable[validation.Problem]) -> None:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(_(problem.message))
    if errors:
        raise ValidationError(errors)


def _apply_fields(profile: CooperationProfile, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name == "contact" and value is not None and not isinstance(value, Person):
            raise ValidationError({"contact": _("Choose a contact person.")})
        setattr(profile, name, value)


def _check(profile: CooperationProfile, today: date, expiry_changed: bool) -> None:
    """Field limits (named by Django's validators), then the profile's own rules."""
    errors: dict[str, list[str]] = {}
    try:
        profile.full_clean(exclude=["owner", "status"])
    except ValidationError as error:
        errors.update(error.message_dict)
    values = {name: getattr(profile, name) for name in validation.CALL_FIELDS}
    problems = validation.check_call_fields(profile.profile_type, values)
    if expiry_changed and "expires_on" not in errors:
        problems += validation.check_expiry(profile.expires_on, today)
    for problem in problems:
        errors.setdefault(problem.field, []).append(_(problem.message))
    if profile.contact is not None and profile.contact.organisation_id != profile.owner_id:
        errors.setdefault("contact", []).append(
            _("The contact person must belong to the owner organisation.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_profile(
    user: Any,
    owner: Organisation,
    data: Mapping[str, Any],
    codes: Iterable[Code] = (),
    *,
    today: date,
) -> CooperationProfile:
    """Write a new offer or request as a draft of ``owner``; its administrators and facilitators."""
    if not can_create_profile_for(user, owner.pk):
        raise PermissionDenied(_("Only the organisation's administrators may write its profiles."))
    profile = CooperationProfile(owner=owner, status=ProfileStatus.DRAFT)
    _apply_fields(profile, data)
    _check(profile, today, expiry_changed=True)
    profile.save()
    profile.codes.set(list(codes))
    return profile


@transaction.atomic
def update_profile(
    user: Any,
    profile: CooperationProfile,
    data: Mapping[str, Any],
    codes: Iterable[Code] | None = None,
    *,
    today: date,
    version: int | None = None,
) -> CooperationProfile:
    """Change a profile's fields (and, if given, replace its codes).

    Owners change drafts and expired profiles; facilitators change any profile.
    ``version`` is the version the editor read (default: the one ``profile`` was read
    with): if someone else saved the profile since, nothing is saved and
    ``EditConflict`` says so (no lost update).
    """
    if not can_edit_profile(user, profile):
        raise PermissionDenied(_("You may not change this profile."))
    before = profile.expires_on
    _apply_fields(profile, data)
    _check(profile, today, expiry_changed=profile.expires_on != before)
    claim_version(profile, version, conflict_message())
    fields = [*EDITABLE_FIELDS, "version", "updated_at"]
    if profile.expires_on != before:
        # A new expiry date earns a new reminder.
        profile.reminded_on = None
        fields.append("reminded_on")
    # Only what an editor changes: a status moved meanwhile (publication) is left alone.
    profile.save(update_fields=fields)
    if codes is not None:
        profile.codes.set(list(codes))
    return profile


def conflict_message() -> str:
    return _(
        "Someone else saved this offer or request after you opened it; your changes were not "
        "saved. Here is the current version: check it, then apply your changes again."
    )


@transaction.atomic
def move_profile(
    user: Any, profile: CooperationProfile, status: str, *, today: date | None = None
) -> CooperationProfile:
    """Move a profile along the workflow: the owner submits it for review (or withdraws it);
    a facilitator publishes it, sends it back, puts it on hold or archives it.
    """
    if status not in ProfileStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not can_move_profile(user, profile, status):
        raise PermissionDenied(
            _("This profile cannot go from “%(current)s” to “%(target)s”.")
            % {
                "current": ProfileStatus(profile.status).label,
                "target": ProfileStatus(status).label,
            }
        )
    if status in (ProfileStatus.REVIEW, ProfileStatus.PUBLISHED):
        # A profile past its expiry date would be published only to expire again.
        _raise(validation.check_expiry(profile.expires_on, today or timezone.localdate()))
    profile.status = status
    profile.save(update_fields=["status", "updated_at"])
    return profile


def submit_profile(user: Any, profile: CooperationProfile) -> CooperationProfile:
    """The owner asks a facilitator to review and publish the profile."""
    return move_profile(user, profile, ProfileStatus.REVIEW)


def _local_date(now: datetime) -> date:
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


@transaction.atomic
def expire_profiles(now: datetime) -> int:
    """Mark published and on-hold profiles past their expiry date as expired; returns how many.

    Run by the system (the CLI or a scheduled task); expired profiles leave the search
    but are kept, and their owners may renew them.
    """
    today = _local_date(now)
    expiring = CooperationProfile.objects.filter(
        status__in=[
            s
            for s in ProfileStatus.values
            if workflow.may_move(s, workflow.EXPIRED, workflow.Actor.CLOCK)
        ],
        expires_on__lt=today,
    )
    # One audit entry per profile (a bulk update sends no signals).
    return audit.update_recorded(expiring, status=ProfileStatus.EXPIRED, updated_at=now)


def remind_expiring_profiles(now: datetime, days: int = REMINDER_DAYS) -> int:
    """E-mail the owner's administrators of each published profile expiring within ``days``
    days, once per expiry date; returns how many profiles were reminded.

    Run by the system (the CLI or a scheduled task), like ``expire_profiles``.
    """
    today = _local_date(now)
    due = CooperationProfile.objects.filter(
        status=ProfileStatus.PUBLISHED,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=days),
        reminded_on__isnull=True,
    ).select_related("owner")
    reminded = 0
    for profile in due:
        with transaction.atomic():
            admins = (
                get_user_model()
                .objects.filter(
                    is_active=True,
                    memberships__organisation=profile.owner,
                    memberships__role=MembershipRole.ADMIN,
                )
                .exclude(email="")
            )
            for admin in admins:
                with translation.override(admin.language or settings.LANGUAGE_CODE):
                    send_mail(
                        _("Your profile “%(title)s” expires on %(date)s")
                        % {"title": profile.title, "date": formats.date_format(profile.expires_on)},
                        _(
                            "The offer or request “%(title)s” of %(organisation)s leaves the "
                            "search on %(date)s. To keep it, ask a facilitator to extend it, or "
                            "once it has expired give it a later date and submit it again."
                        )
                        % {
                            "title": profile.title,
                            "organisation": profile.owner.name,
                            "date": formats.date_format(profile.expires_on),
                        },
                        None,
                        [admin.email],
                    )
            profile.reminded_on = today
            profile.save(update_fields=["reminded_on"])
            reminded += 1
    return reminded


# --- expressions of interest --------------------------------------------------------


@transaction.atomic
def send_interest(
    user: Any,
    profile: CooperationProfile,
    organisation: Organisation,
    message: str,
    *,
    today: date,
) -> ExpressionOfInterest:
    """Express ``organisation``'s interest in a published profile of another organisation.

    Refused for one's own profile, and while the organisation has one open already.
    """
    if not can_send_interest(user, profile, organisation.pk, today):
        raise PermissionDenied(
            _("You may express interest only in published profiles of other organisations.")
        )
    # Lock the profile row so two simultaneous sends cannot both pass the check.
    CooperationProfile.objects.select_for_update().filter(pk=profile.pk).first()
    if ExpressionOfInterest.objects.filter(
        profile=profile, from_organisation=organisation, status=InterestStatus.SENT
    ).exists():
        raise ValidationError(
            {
                "profile": _(
                    "Your organisation has already expressed interest in this profile; "
                    "wait for the answer."
                )
            }
        )
    interest = ExpressionOfInterest(
        profile=profile,
        from_organisation=organisation,
        from_user=user if getattr(user, "pk", None) else None,
        message=message.strip(),
    )
    interest.full_clean(validate_constraints=False)
    interest.save()
    return interest


def _check_answer(user: Any, interest: ExpressionOfInterest) -> None:
    if interest.status != InterestStatus.SENT:
        raise ValidationError({"status": _("This expression of interest has been answered.")})
    if not can_answer_interest(user, interest):
        raise PermissionDenied(
            _("Only the administrators of the profile's organisation may answer.")
        )


@transaction.atomic
def accept_interest(user: Any, interest: ExpressionOfInterest) -> ExpressionOfInterest:
    """The profile's owner accepts: the two organisations go on to talk."""
    _check_answer(user, interest)
    interest.status = InterestStatus.ACCEPTED
    interest.answered_at = timezone.now()
    interest.save(update_fields=["status", "answered_at", "updated_at"])
    return interest


@transaction.atomic
def decline_interest(
    user: Any, interest: ExpressionOfInterest, reason: str, text: str = ""
) -> ExpressionOfInterest:
    """The profile's owner declines, with a reason from the list and, for "other", a text."""
    _check_answer(user, interest)
    if reason not in DeclineReason.values:
        raise ValidationError(
            {
                "decline_reason": _("Choose a reason: %(choices)s.")
                % {"choices": ", ".join(DeclineReason.values)}
            }
        )
    if reason == DeclineReason.OTHER and not text.strip():
        raise ValidationError({"decline_text": _("Say why, as the reason is “other”.")})
    interest.status = InterestStatus.DECLINED
    interest.decline_reason = reason
    interest.decline_text = text.strip()
    interest.answered_at = timezone.now()
    interest.full_clean(validate_constraints=False)
    interest.save()
    return interest


def get_profile_for_edit(user: Any, profile: CooperationProfile) -> CooperationProfile:
    """Refuse (403) a profile ``user`` may see but not change."""
    if not can_edit_profile(user, profile):
        raise PermissionDenied(_("You may not change this profile."))
    return profile
