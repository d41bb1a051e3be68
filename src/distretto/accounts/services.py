"""Account actions: creating facilitators and memberships, issuing and revoking API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.enums import MembershipRole, TokenScope
from distretto.accounts.models import ApiToken, Membership, User, hash_token
from distretto.accounts.roles import administered_organisation_ids, forget_roles, is_facilitator
from distretto.registry.models import Organisation


class SystemOperator:
    """Whoever runs a command at the server's shell: trusted like a facilitator.

    The CLI passes this as the acting user, so services still receive an explicit
    actor and the audit of who did what stays possible.
    """

    is_authenticated = True
    is_active = True
    is_facilitator = True
    is_superuser = False
    is_staff = False
    pk = None
    username = "system"

    def __str__(self) -> str:
        return "system operator"


SYSTEM = SystemOperator()


def generate_password() -> str:
    """A random password for a new account, printed once to whoever created it."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_facilitator(
    actor: Any, username: str, email: str = "", password: str | None = None
) -> tuple[User, str]:
    """Create a facilitator account; returns the user and the password (generated if not given)."""
    if not is_facilitator(actor):
        raise PermissionDenied(_("Only facilitators may create facilitator accounts."))
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("A username is required.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from exc
    password = password or generate_password()
    user = User(username=username, email=email, is_facilitator=True, is_staff=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user, password


@transaction.atomic
def add_membership(
    actor: Any, user: User, organisation: Organisation, role: str = MembershipRole.MEMBER
) -> Membership:
    """Make ``user`` a member (or admin) of ``organisation``.

    Allowed to facilitators and to the organisation's own admins.
    """
    if not (is_facilitator(actor) or organisation.pk in administered_organisation_ids(actor)):
        raise PermissionDenied(_("You may not add members to this organisation."))
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    membership, _created = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    forget_roles(user)
    return membership


def facilitator_exists() -> bool:
    return User.objects.filter(is_facilitator=True).exists()


# --- API tokens -------------------------------------------------------------------

# How stale ``last_used_at`` may get: writing it at most once a minute per token keeps
# a script's stream of reads from turning each one into a database write.
TOKEN_USE_RECORD_INTERVAL = timedelta(minutes=1)


# The longest life a token may be given, in days (0 means it never expires).
MAX_TOKEN_DAYS = 3650


@transaction.atomic
def issue_api_token(
    actor: Any,
    username: str,
    name: str,
    *,
    scope: str = TokenScope.READ,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue a bearer token for ``username``; returns it with the raw key, shown once, never stored.

    Facilitators issue tokens for anyone; any other user only for themself. A token reads
    only unless ``scope`` is ``write``, and expires after ``days`` (the
    ``DISTRETTO_API_TOKEN_DAYS`` setting when None; 0: never).
    """
    owner = User.objects.filter(username=username.strip()).first()
    if owner is None:
        raise ValidationError({"username": _("There is no user with this username.")})
    if not (is_facilitator(actor) or (actor.is_authenticated and actor.pk == owner.pk)):
        raise PermissionDenied(_("You may not issue API tokens for this user."))
    if not owner.is_active:
        raise ValidationError({"username": _("This account is inactive.")})
    name = name.strip()
    if not name:
        raise ValidationError(
            {"name": _("Give the token a name, e.g. the script or service that uses it.")}
        )
    max_length = ApiToken._meta.get_field("name").max_length or 100
    if len(name) > max_length:
        raise ValidationError(
            {"name": _("The name is too long (at most %(n)d characters).") % {"n": max_length}}
        )
    if scope not in TokenScope.values:
        raise ValidationError(
            {
                "scope": _("The scope must be one of: %(choices)s.")
                % {"choices": ", ".join(TokenScope.values)}
            }
        )
    if days is None:
        days = settings.API_TOKEN_DAYS
    if not 0 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            {
                "days": _(
                    "A token lives between 1 and %(max)d days, or 0 for a token that never expires."
                )
                % {"max": MAX_TOKEN_DAYS}
            }
        )
    expires_at = timezone.now() + timedelta(days=days) if days else None
    return ApiToken.issue(owner, name, scope=scope, expires_at=expires_at)


@transaction.atomic
def revoke_api_token(actor: Any, token: ApiToken) -> bool:
    """Revoke ``token`` at once; its owner or a facilitator may. False if it already was."""
    if not (is_facilitator(actor) or (actor.is_authenticated and actor.pk == token.user_id)):
        raise PermissionDenied(_("You may not revoke this API token."))
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    return True


def token_for_key(raw: str) -> ApiToken | None:
    """The usable token with key ``raw`` (``dst_...``), its user loaded, or None; records its use.

    Only the SHA-256 hash of a key is stored, so the key is looked up by its hash. A
    revoked or expired token, or one whose user is inactive, is not usable.
    """
    if not raw.startswith("dst_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    now = timezone.now()
    if token is None or not token.user.is_active or token.state(now) != "active":
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RECORD_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def authenticate_token(raw: str) -> User | None:
    """The active user owning the usable bearer token ``raw``, or None."""
    token = token_for_key(raw)
    return None if token is None else token.user
