"""The audit log: every change to a record, who made it, when, and its values before and after.

Signals write it (docs/adr/0020): a ``pre_save`` receiver reads the row as it is
(one SELECT, only the fields being saved), ``post_save``, ``post_delete`` and
``m2m_changed`` write one ``AuditEntry`` each, inside the transaction of the
change, so a change that is rolled back leaves no entry.

Who: a context variable holds the current actor. ``AuditMiddleware`` puts the
request there and the user is read from ``request.user`` only when an entry is
written (the API's bearer token sets ``request.user`` after the middleware has
run). Management commands act as ``command: <name>``, background tasks as
``task: <name>``; ``acting_as`` sets the actor for anything else. With none of
these the actor is ``system``.

What: every concrete model of Distretto's apps (and ``auth``'s groups), except the
log itself and derived data (``EXCLUDED_MODELS``). Values are stored as JSON (a
foreign key as the id, dates in ISO 8601 in UTC, decimals as strings); secrets
are never stored (``SECRET_FIELDS``). An update records only the fields that
changed, and nothing when none did; bookkeeping fields (``IGNORED_FIELDS``,
``auto_now`` times) are not changes.

Bulk writes (``bulk_create``, ``bulk_update``, ``QuerySet.update``) send no
signals; the services that make user-visible ones call ``record_bulk``,
``update_recorded`` or ``bulk_update_recorded``. ``QuerySet.delete`` sends the
signals (Django fetches the rows when a model has receivers), so deletes need nothing.
"""

from __future__ import annotations

import datetime
import functools
import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.functional import Promise

from distretto.accounts.enums import AuditAction

HIDDEN = "[hidden]"
ERASED = "[erased]"
ERASED_ACTOR = "erased"
SYSTEM_LABEL = "system"
ANONYMOUS_LABEL = "anonymous"

# Models whose rows are derived data (rebuilt from others) or the log itself.
EXCLUDED_MODELS = frozenset(
    {
        "accounts.auditentry",
        "matching.embedding",  # search vectors, recomputed from the records' texts
        "matching.indexversion",  # the search index's version counter
        "matching.indexchange",  # the search index's queue of changed records
        "monitor.snapshot",  # the monthly counts of the platform, computed from the records
        "events.slot",  # a session's meeting slots, computed from its times and breaks
    }
)
# Models of Django's own apps that are logged too (the others are sessions, caches, logs).
EXTRA_MODELS = frozenset({"auth.group"})
# Fields whose values never reach the log: the entry says only that they changed.
SECRET_FIELDS: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"password"}),
    "accounts.apitoken": frozenset({"key_hash"}),
}
# Bookkeeping fields: a save that changes only these is no change to the record.
IGNORED_FIELDS: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"last_login"}),  # each login; not a change to the account
    "accounts.apitoken": frozenset({"last_used_at"}),  # each use of the token
}


# --- who ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who is changing records now: a request (its user read when needed), a user or a label."""

    request: Any = None
    user: Any = None
    label: str = ""


_current: ContextVar[Actor | None] = ContextVar("distretto_audit_actor", default=None)


def _actor_for(who: Any) -> Actor:
    if isinstance(who, Actor):
        return who
    if isinstance(who, str):
        return Actor(label=who)
    return Actor(user=who)


@contextmanager
def acting_as(who: Any) -> Iterator[None]:
    """Record the changes made inside the block as made by ``who``: a user or a label
    (``"command: import organisations"``, ``"task: send_digests_task"``)."""
    token = _current.set(_actor_for(who))
    try:
        yield
    finally:
        _current.reset(token)


def begin(who: Any) -> Token[Actor | None]:
    """Set the actor until ``end(token)``: for hooks that cannot wrap a block."""
    return _current.set(_actor_for(who))


def end(token: Token[Actor | None]) -> None:
    _current.reset(token)


def has_actor() -> bool:
    """Whether a request, user or label is set (an inner command keeps the request's user)."""
    current = _current.get()
    return current is not None and (current.request is not None or current.user is not None)


def _user_label(user: Any) -> tuple[Any, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ANONYMOUS_LABEL
    name = user.get_username() if hasattr(user, "get_username") else str(user)
    if getattr(user, "pk", None) is None or not isinstance(user, models.Model):
        return None, str(name)[:150]  # e.g. the shell's system operator
    return user, str(name)[:150]


def current_actor() -> tuple[Any, str]:
    """The user (or None) and the label an entry written now records."""
    current = _current.get()
    if current is None:
        return None, SYSTEM_LABEL
    if current.request is not None:
        return _user_label(getattr(current.request, "user", None))
    if current.user is not None:
        user, name = _user_label(current.user)
        return user, current.label[:150] or name
    return None, current.label[:150] or SYSTEM_LABEL


def command_label(name: str) -> str:
    """``command: import organisations`` for the management command ``import_organisations``."""
    from distretto.cli import ALIASES

    words = {command: " ".join(typed) for typed, command in ALIASES.items()}
    return f"command: {words.get(name, name)}"


def _command_user(username: Any) -> Any:
    """The account a command acts as with ``--as USERNAME`` (see ``terminal.py``), if any."""
    if not username:
        return None
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return user_model._default_manager.filter(username=username).first()


def install_command_hook() -> None:
    """Make every management command act as ``command: <name>`` (once, at start-up).

    A command run inside a request or a block with a user keeps that actor; one run
    with ``--as USERNAME`` records that user beside the command's name.
    """
    from django.core.management.base import BaseCommand

    original = BaseCommand.execute
    if getattr(original, "_distretto_audit", False):
        return

    @functools.wraps(original)
    def execute(self: BaseCommand, *args: Any, **options: Any) -> Any:
        if has_actor():
            return original(self, *args, **options)
        name = type(self).__module__.rsplit(".", 1)[-1]
        actor = Actor(user=_command_user(options.get("as_user")), label=command_label(name))
        with acting_as(actor):
            return original(self, *args, **options)

    execute._distretto_audit = True  # type: ignore[attr-defined]
    BaseCommand.execute = execute  # type: ignore[method-assign]


_task_tokens: dict[str, Token[Actor | None]] = {}


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    task = task_result.task
    name = getattr(task, "name", "") or str(task.module_path).rsplit(".", 1)[-1]
    _task_tokens[str(task_result.id)] = begin(f"task: {name}")


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _task_tokens.pop(str(task_result.id), None)
    if token is not None:
        with suppress(ValueError):  # set in another context: nothing of ours to undo here
            end(token)


# --- what -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What of a model the log records."""

    label: str
    fields: tuple[models.Field[Any, Any], ...]
    secret: frozenset[str]

    def field_subset(self, names: Iterable[str] | None) -> tuple[models.Field[Any, Any], ...]:
        if names is None:
            return self.fields
        wanted = set(names)
        return tuple(f for f in self.fields if f.name in wanted or f.attname in wanted)


def model_label(model: type[models.Model]) -> str:
    return str(model._meta.concrete_model._meta.label_lower)  # type: ignore[union-attr]


def is_audited(model: type[models.Model]) -> bool:
    meta = model._meta
    if meta.abstract or meta.auto_created or not meta.managed:
        return False
    label = model_label(model)
    if label in EXCLUDED_MODELS:
        return False
    app_config = apps.get_app_config(meta.app_label)
    return app_config.name.startswith("distretto.") or label in EXTRA_MODELS


@functools.cache
def spec_for(model: type[models.Model]) -> Spec:
    label = model_label(model)
    ignored = IGNORED_FIELDS.get(label, frozenset())
    fields = tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in ignored
        and not getattr(f, "auto_now", False)  # "when it last changed": the entry says so
    )
    return Spec(label=label, fields=fields, secret=SECRET_FIELDS.get(label, frozenset()))


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | Promise):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "[binary]"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    name = getattr(value, "name", None)  # a stored file
    if isinstance(name, str) and hasattr(value, "storage"):
        return name
    return str(value)


def field_value(field: models.Field[Any, Any], value: Any) -> Any:
    """A field's value as the log stores it, the same whether read from the row or the object."""
    if value is not None and not isinstance(field, models.JSONField):
        with suppress(ValidationError, TypeError, ValueError):
            value = field.to_python(value)
    if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        places = field.decimal_places
        if places is not None and value.is_finite():
            value = value.quantize(Decimal(1).scaleb(-places))
    return plain(value)


def snapshot(spec: Spec, instance: models.Model, fields: Sequence[Any] | None = None) -> dict:
    """The fields' values of an object (deferred fields left out: reading them would query)."""
    deferred = instance.get_deferred_fields()
    values = {}
    for field in spec.fields if fields is None else fields:
        if field.attname in deferred:
            continue
        if field.name in spec.secret:
            values[field.name] = HIDDEN
        else:
            values[field.name] = field_value(field, getattr(instance, field.attname))
    return values


NAME_FIELDS = ("name", "title", "full_name", "username", "acronym", "slug", "code")


def _readable_without_queries(instance: models.Model, depth: int = 2) -> bool:
    """Whether the related objects ``__str__`` may follow are loaded (two steps deep)."""
    for field in instance._meta.concrete_fields:
        if not field.is_relation or getattr(instance, field.attname) is None:
            continue
        if not field.is_cached(instance):  # type: ignore[attr-defined]
            return False
        related = field.get_cached_value(instance)  # type: ignore[attr-defined]
        if depth > 1 and related is not None and not _readable_without_queries(related, depth - 1):
            return False
    return not instance.get_deferred_fields()


def describe(instance: models.Model) -> str:
    """The record as people read it (its ``str``) when that needs no query, else its name."""
    if _readable_without_queries(instance):
        try:
            return str(instance)[:200]
        except Exception:  # noqa: S110 - a __str__ that fails must not stop the write
            pass
    for name in NAME_FIELDS:
        value = instance.__dict__.get(name)
        if isinstance(value, str) and value:
            return value[:200]
    return f"{instance._meta.verbose_name} {instance.pk}"[:200]


def _entry(
    action: str,
    label: str,
    object_id: Any,
    object_repr: str,
    before: dict | None,
    after: dict | None,
    *,
    actor: Any,
    actor_label: str,
    at: datetime.datetime,
) -> Any:
    from distretto.accounts.models import AuditEntry

    return AuditEntry(
        at=at,
        actor=actor,
        actor_label=actor_label,
        action=action,
        model=label,
        object_id=str(object_id)[:64],
        object_repr=object_repr,
        before=before,
        after=after,
    )


def _write(
    using: str,
    action: str,
    label: str,
    instance: models.Model,
    before: dict | None,
    after: dict | None,
) -> None:
    actor, actor_label = current_actor()
    entry = _entry(
        action,
        label,
        instance.pk,
        describe(instance),
        before,
        after,
        actor=actor,
        actor_label=actor_label,
        at=timezone.now(),
    )
    entry.save(using=using)


# Marks on an object between pre_save and post_save.
_BEFORE = "_distretto_audit_before"
_NOTHING = object()  # no field of the log is being saved


def _pre_save(
    sender: type[models.Model],
    instance: models.Model,
    using: str,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    spec = spec_for(sender)
    fields = spec.field_subset(update_fields)
    if not fields:
        instance.__dict__[_BEFORE] = _NOTHING
        return
    if instance.pk is None:
        instance.__dict__[_BEFORE] = None
        return
    row = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*(f.attname for f in fields))
        .first()
    )
    instance.__dict__[_BEFORE] = row


def _post_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    using: str,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    row = instance.__dict__.pop(_BEFORE, None)
    if row is _NOTHING:
        return
    spec = spec_for(sender)
    if created or row is None:
        _write(using, AuditAction.CREATE, spec.label, instance, None, snapshot(spec, instance))
        return
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field in spec.field_subset(update_fields):
        if field.attname not in row:
            continue
        old = field_value(field, row[field.attname])
        new = field_value(field, getattr(instance, field.attname))
        if old == new:
            continue
        if field.name in spec.secret:
            old = new = HIDDEN
        before[field.name] = old
        after[field.name] = new
    if before:
        _write(using, AuditAction.UPDATE, spec.label, instance, before, after)


def _post_delete(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    spec = spec_for(sender)
    actor, actor_label = current_actor()
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    if isinstance(instance, user_model) and actor is not None and actor.pk == instance.pk:
        actor = None  # a user deleting their own account: the row is going
    entry = _entry(
        AuditAction.DELETE,
        spec.label,
        instance.pk,
        describe(instance),
        snapshot(spec, instance),
        None,
        actor=actor,
        actor_label=actor_label,
        at=timezone.now(),
    )
    entry.save(using=using)
    if isinstance(instance, user_model):
        # Entries written earlier in this deletion (its memberships, by cascade) name the
        # user as actor; the foreign key would point at a deleted row.
        type(entry)._base_manager.using(using).filter(actor_id=instance.pk).update(actor=None)


# --- many-to-many ---------------------------------------------------------------------


@dataclass(frozen=True)
class M2M:
    """One many-to-many field as seen from its forward side."""

    model: type[models.Model]
    name: str
    source: str  # the through model's column naming the forward object
    target: str  # and the one naming the related object


@functools.cache
def m2m_fields() -> dict[type[models.Model], M2M]:
    """The audited many-to-many fields, by their automatic through model."""
    found: dict[type[models.Model], M2M] = {}
    for model in apps.get_models():
        if not is_audited(model):
            continue
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if not isinstance(through, type) or not through._meta.auto_created:
                continue  # an explicit through model is logged row by row
            found[through] = M2M(
                model=model,
                name=field.name,
                source=field.m2m_column_name(),
                target=field.m2m_reverse_name(),
            )
    return found


_M2M_BEFORE = "_distretto_audit_m2m"


def _m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    using: str,
    **kwargs: Any,
) -> None:
    field = m2m_fields().get(sender)
    if field is None:
        return
    stage, _underscore, kind = action.partition("_")
    if stage == "pre":
        if reverse:
            if kind == "clear":
                ids = set(
                    sender._base_manager.using(using)
                    .filter(**{field.target: instance.pk})
                    .values_list(field.source, flat=True)
                )
            else:
                ids = set(pk_set or ())
        else:
            ids = {instance.pk}
        current: dict[Any, set[Any]] = {pk: set() for pk in ids}
        rows = (
            sender._base_manager.using(using)
            .filter(**{f"{field.source}__in": ids})
            .values_list(field.source, field.target)
        )
        for source, target in rows:
            current[source].add(target)
        instance.__dict__.setdefault(_M2M_BEFORE, {})[(sender, kind)] = current
        return
    stash = instance.__dict__.get(_M2M_BEFORE, {})
    current = stash.pop((sender, kind), None)
    if current is None:
        return
    changed = set(pk_set or ())
    objects = (
        {instance.pk: instance}
        if not reverse
        else field.model._base_manager.using(using).in_bulk(list(current))
    )
    for pk, before in current.items():
        if not reverse:
            after = (
                before | changed
                if kind == "add"
                else (before - changed if kind == "remove" else set())
            )
        else:
            after = before | {instance.pk} if kind == "add" else before - {instance.pk}
        if after == before or pk not in objects:
            continue
        _write(
            using,
            AuditAction.UPDATE,
            model_label(field.model),
            objects[pk],
            {field.name: sorted(plain(before), key=str)},
            {field.name: sorted(plain(after), key=str)},
        )


# --- bulk writes ----------------------------------------------------------------------


def record_bulk(
    action: str,
    objects: Iterable[models.Model],
    *,
    before: dict[Any, dict[str, Any]] | None = None,
    fields: Sequence[str] | None = None,
    using: str = "default",
) -> int:
    """Record the entries for objects written in bulk (signals do not see bulk writes).

    ``create``: each object's values (call after ``bulk_create``, so the objects have
    their ids). ``delete``: the values the objects had. ``update``: ``before`` maps each
    id to the raw values (by attribute name, as ``.values()`` gives) of ``fields``
    before the write; only changed fields are recorded. Returns the entries written.
    """
    objects = [o for o in objects if o.pk is not None]
    if not objects:
        return 0
    model = type(objects[0])
    if not is_audited(model):
        return 0
    spec = spec_for(model)
    chosen = spec.field_subset(fields)
    actor, actor_label = current_actor()
    at = timezone.now()
    entries = []
    for obj in objects:
        if action == AuditAction.UPDATE:
            row = (before or {}).get(obj.pk)
            if row is None:
                continue
            old_values: dict[str, Any] = {}
            new_values: dict[str, Any] = {}
            for field in chosen:
                if field.attname not in row:
                    continue
                old = field_value(field, row[field.attname])
                new = field_value(field, getattr(obj, field.attname))
                if old != new:
                    hidden = field.name in spec.secret
                    old_values[field.name] = HIDDEN if hidden else old
                    new_values[field.name] = HIDDEN if hidden else new
            if not old_values:
                continue
            old_snapshot, new_snapshot = old_values, new_values
        elif action == AuditAction.CREATE:
            old_snapshot, new_snapshot = None, snapshot(spec, obj, chosen)
        else:
            old_snapshot, new_snapshot = snapshot(spec, obj, chosen), None
        entries.append(
            _entry(
                action,
                spec.label,
                obj.pk,
                describe(obj),
                old_snapshot,
                new_snapshot,
                actor=actor,
                actor_label=actor_label,
                at=at,
            )
        )
    if entries:
        from distretto.accounts.models import AuditEntry

        AuditEntry.objects.using(using).bulk_create(entries, batch_size=500)
    return len(entries)


def stored_values(objects: Sequence[models.Model], fields: Sequence[str]) -> dict[Any, dict]:
    """The stored values of ``fields`` of ``objects`` (one SELECT), by id: the ``before`` of
    ``record_bulk`` for objects about to be updated in bulk."""
    if not objects or not is_audited(type(objects[0])):
        return {}
    model = type(objects[0])
    attnames = [f.attname for f in spec_for(model).field_subset(fields)]
    if not attnames:
        return {}
    rows = model._base_manager.filter(pk__in=[o.pk for o in objects]).values("pk", *attnames)
    return {row["pk"]: row for row in rows}


def bulk_update_recorded(
    objects: Sequence[models.Model], fields: Sequence[str], *, batch_size: int | None = None
) -> int:
    """``Model.objects.bulk_update(objects, fields)``, with an entry per changed object."""
    if not objects:
        return 0
    model = type(objects[0])
    with transaction.atomic():
        before = stored_values(objects, fields)
        updated = model._base_manager.bulk_update(objects, fields, batch_size=batch_size)
        record_bulk(AuditAction.UPDATE, objects, before=before, fields=fields)
    return updated


def update_recorded(queryset: models.QuerySet[Any], **values: Any) -> int:
    """``queryset.update(**values)``, with an entry per changed row.

    The changed fields of the rows are read (and locked) before the update and read
    again after it: two SELECTs in all, whatever the number of rows.
    """
    model: type[models.Model] = queryset.model
    if not is_audited(model):
        return queryset.update(**values)
    spec = spec_for(model)
    fields = spec.field_subset(values)
    attnames = [f.attname for f in fields]
    with transaction.atomic(using=queryset.db):
        # Locked until the end of the transaction (PostgreSQL; SQLite's writers take turns),
        # so the rows updated by id below are still the rows ``queryset`` selects.
        locked = queryset.select_for_update(of=("self",))
        before = {row["pk"]: row for row in locked.values("pk", *attnames)}
        if not before:
            return 0
        rows = model._base_manager.using(queryset.db).filter(pk__in=list(before))
        updated = rows.update(**values)
        objects = list(rows) if attnames else []
        record_bulk(
            AuditAction.UPDATE,
            objects,
            before=before,
            fields=[f.name for f in fields],
            using=queryset.db,
        )
    return updated


# --- privacy --------------------------------------------------------------------------


def anonymise_actor(user: Any) -> int:
    """Entries made by ``user`` keep what was done but no longer say who: actor None,
    actor label ``erased``. Returns how many entries changed."""
    from distretto.accounts.models import AuditEntry

    return AuditEntry.objects.filter(actor_id=user.pk).update(actor=None, actor_label=ERASED_ACTOR)


def scrub_record(model: str | type[models.Model], object_id: Any, fields: Iterable[str]) -> int:
    """Replace the values of ``fields`` in every entry of one record by ``[erased]`` (its
    ``object_repr`` too). Call it after the erasure's own writes, which are logged as well.
    Returns how many entries changed."""
    from distretto.accounts.models import AuditEntry

    label = model if isinstance(model, str) else model_label(model)
    names = set(fields)
    changed = []
    for entry in AuditEntry.objects.filter(model=label.lower(), object_id=str(object_id)):
        for side in ("before", "after"):
            values = getattr(entry, side)
            if isinstance(values, dict):
                for name in names & set(values):
                    if values[name] not in (None, "", HIDDEN):
                        values[name] = ERASED
        entry.object_repr = ERASED
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["before", "after", "object_repr"], batch_size=500)
    return len(changed)


# --- retention ------------------------------------------------------------------------


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Entries older than this are pruned; None when they are kept forever."""
    days = int(settings.AUDIT_RETENTION_DAYS)
    if days <= 0:
        return None
    return (now or timezone.now()) - datetime.timedelta(days=days)


def prune(*, dry_run: bool = False, now: datetime.datetime | None = None) -> int:
    """Delete the entries older than ``DISTRETTO_AUDIT_RETENTION_DAYS``; returns how many
    (with ``dry_run``, how many would be deleted)."""
    from distretto.accounts.models import AuditEntry

    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    old = AuditEntry.objects.filter(at__lt=cutoff)
    if dry_run:
        return old.count()
    deleted, _by_model = old.delete()
    return deleted


# --- wiring ---------------------------------------------------------------------------


def connect() -> None:
    """Connect the receivers to each audited model (called once from ``AccountsConfig.ready``).

    Receivers are connected per model, never for every sender: a model with a delete
    receiver loses Django's fast delete, and derived tables must keep it.
    """
    from django_tasks.signals import task_finished, task_started

    for model in apps.get_models():
        if not is_audited(model):
            continue
        uid = f"distretto-audit-{model._meta.label_lower}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
    for through in m2m_fields():
        m2m_changed.connect(
            _m2m_changed, sender=through, dispatch_uid=f"distretto-audit-{through._meta.label}"
        )
    task_started.connect(_task_started, dispatch_uid="distretto-audit-task-started")
    task_finished.connect(_task_finished, dispatch_uid="distretto-audit-task-finished")
    install_command_hook()
