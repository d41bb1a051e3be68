from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Organisation administrator")
    MEMBER = "member", _("Member")


class TokenScope(models.TextChoices):
    """What an API token may do: read only, or read and write."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ConsentPurpose(models.TextChoices):
    """The purposes a person's consent is asked for (docs/privacy.md lists each)."""

    VISIBLE_MEMBERS = "visible_members", _("Show my name and role to members of the district")
    VISIBLE_PUBLIC = "visible_public", _("Show my name and role publicly")
    CONTACT = "contact", _("Let members contact me by e-mail or phone")
    DIGESTS = "digests", _("Send me e-mail digests of my saved searches and call alerts")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
