"""Actions on saved searches, and the digests that tell their owners what is new.

One function per user action; each takes the acting user explicitly, checks
permission (``rules.py``) and runs in one transaction. ``send_digests`` is run by
the system (``distretto digests send``, the ``send_digests_task`` task, cron).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distretto.accounts import privacy
from distretto.accounts.enums import ConsentPurpose
from distretto.alerts import domain
from distretto.alerts.enums import PERIODS, Frequency
from distretto.alerts.models import NAME_MAX, SavedSearch
from distretto.alerts.queries import calls_for, search_page_path
from distretto.alerts.rules import can_manage, can_save_searches
from distretto.calls import fit
from distretto.matching import services as matching
from distretto.matching.params import query_from_params, query_to_params
from distretto.registry.models import Organisation

logger = logging.getLogger(__name__)

# How many saved searches one person may keep.
MAX_SAVED_SEARCHES = 20


# --- saving and changing --------------------------------------------------------------


def _frequency_errors(frequency: str) -> dict[str, list[str]]:
    if frequency in Frequency.values:
        return {}
    return {
        "frequency": [
            _("Choose how often: %(choices)s.") % {"choices": ", ".join(Frequency.values)}
        ]
    }


def _clean_name(name: str, errors: dict[str, list[str]]) -> str:
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        errors["name"] = [
            _("Ensure the name has at most %(limit)d characters (it has %(length)d).")
            % {"limit": NAME_MAX, "length": len(name)}
        ]
    return name


def _result_keys(results: Iterable[matching.SearchResult]) -> list[str]:
    return [domain.result_key(r.type, r.id) for r in results]


@transaction.atomic
def save_search(
    user: Any, params: Mapping[str, Any], frequency: str = Frequency.WEEKLY, name: str = ""
) -> SavedSearch:
    """Save the search of ``params`` (the search page's query parameters) for ``user``.

    The search is checked as the search page checks it: bad input raises
    ValidationError naming the parameter (``q``, ``kind``, ``lat``...), and nothing
    is saved. The results it has now count as already seen: digests tell only
    what matches later. At most ``MAX_SAVED_SEARCHES`` per person.
    """
    if not can_save_searches(user):
        raise PermissionDenied(_("Log in to save searches."))
    errors = _frequency_errors(frequency)
    name = _clean_name(name, errors)
    results: list[matching.SearchResult] = []
    query = None
    try:
        query = query_from_params(params)
        results = matching.search(user, query)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors or query is None:
        raise ValidationError(errors)
    # Lock the owner's row, so that two saves at once cannot both pass the limit.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    if SavedSearch.objects.filter(owner_id=user.pk).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _(
                        "You already have %(limit)d saved searches, the most allowed: "
                        "delete one to save another."
                    )
                    % {"limit": MAX_SAVED_SEARCHES}
                ]
            }
        )
    query = replace(query, text=" ".join(query.text.split()))
    _consent_to_digests(user)
    return SavedSearch.objects.create(
        owner_id=user.pk,
        name=name or query.text[:NAME_MAX],
        params=query_to_params(query),
        frequency=frequency,
        seen=domain.remember([], _result_keys(results)),
    )


@transaction.atomic
def save_calls_alert(
    user: Any, organisation: Organisation, frequency: str = Frequency.WEEKLY
) -> SavedSearch:
    """Alert ``user`` of new open funding calls that fit ``organisation`` (one of theirs).

    Saved as a saved search with ``params = {"calls_for": ["<id>"]}``: members of
    the organisation (and facilitators) only, at most ``MAX_SAVED_SEARCHES`` per
    person, one such alert per organisation. A bad frequency raises ValidationError
    on ``frequency`` and nothing is saved. The calls that fit now count as seen.
    """
    if not can_save_searches(user):
        raise PermissionDenied(_("Log in to save searches."))
    errors = _frequency_errors(frequency)
    if errors:
        raise ValidationError(errors)
    fits = fit.fitting_calls(user, organisation)  # PermissionDenied for non-members
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    own = list(SavedSearch.objects.filter(owner_id=user.pk))
    if any(calls_for(saved.params) == organisation.pk for saved in own):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("You already have an alert of new calls for %(name)s.")
                    % {"name": organisation.name}
                ]
            }
        )
    if len(own) >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _(
                        "You already have %(limit)d saved searches, the most allowed: "
                        "delete one to save another."
                    )
                    % {"limit": MAX_SAVED_SEARCHES}
                ]
            }
        )
    name = _("Calls for %(name)s") % {"name": organisation.name}
    _consent_to_digests(user)
    return SavedSearch.objects.create(
        owner_id=user.pk,
        name=name[:NAME_MAX],
        params={"calls_for": [str(organisation.pk)]},
        frequency=frequency,
        seen=domain.remember([], [_call_key(f) for f in fits]),
    )


def _consent_to_digests(user: Any) -> None:
    """Saving a search asks for its digests by e-mail: record that consent, unless it is
    the current one already (a withdrawal on the account page stops every digest)."""
    if not privacy.current_consent_granted(user, ConsentPurpose.DIGESTS):
        privacy.record_consent(user, user=user, purpose=ConsentPurpose.DIGESTS, granted=True)


def _call_key(found: fit.CallFit) -> str:
    return domain.result_key("call", found.call.pk)


def _check_manage(user: Any, saved: SavedSearch) -> None:
    if not can_manage(user, saved):
        raise PermissionDenied(_("Only its owner may change a saved search."))


@transaction.atomic
def update_saved_search(
    user: Any,
    saved: SavedSearch,
    *,
    frequency: str | None = None,
    active: bool | None = None,
    name: str | None = None,
) -> SavedSearch:
    """Change how often a saved search is sent, pause or resume it, or rename it."""
    _check_manage(user, saved)
    errors = _frequency_errors(frequency) if frequency is not None else {}
    clean_name = _clean_name(name, errors) if name is not None else ""
    if name is not None and not clean_name:
        errors["name"] = [_("Give the saved search a name.")]
    if errors:
        raise ValidationError(errors)
    changed = []
    if frequency is not None:
        saved.frequency = frequency
        changed.append("frequency")
    if active is not None:
        saved.active = active
        changed.append("active")
    if name is not None:
        saved.name = clean_name
        changed.append("name")
    if changed:
        saved.save(update_fields=changed)
    return saved


@transaction.atomic
def delete_saved_search(user: Any, saved: SavedSearch) -> None:
    """Delete a saved search: no more digests for it."""
    _check_manage(user, saved)
    saved.delete()


# --- digests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    key: str
    type: str
    type_label: str
    name: str
    summary: str
    url: str


@dataclass(frozen=True)
class DigestSection:
    saved: SavedSearch
    items: list[DigestItem]
    search_url: str


def absolute_url(path: str) -> str:
    """``path`` on the site's public address (``DISTRETTO_SITE_URL``)."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def _type_label(result: matching.SearchResult) -> str:
    """How a result is introduced: an organisation, or an offer or request and its owner."""
    if result.type == "profile":
        if result.owner:
            return _("Offer or request, of %(owner)s") % {"owner": result.owner}
        return _("Offer or request")
    return _("Organisation")


def _calls_section(saved: SavedSearch, organisation_id: int) -> DigestSection | None:
    """New open calls that fit the organisation of an alert of calls (None when nothing, or
    when the organisation is gone or the owner is no longer one of its members)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return None
    try:
        fits = fit.fitting_calls(saved.owner, organisation)
    except PermissionDenied:
        return None
    fresh = set(domain.new_keys([_call_key(f) for f in fits], saved.seen))
    items = [
        DigestItem(
            key=_call_key(f),
            type="call",
            type_label=_("Funding call"),
            name=f.call.title,
            summary=_call_summary(f),
            url=absolute_url(reverse("calls:detail", kwargs={"slug": f.call.slug})),
        )
        for f in fits
        if _call_key(f) in fresh
    ]
    if not items:
        return None
    return DigestSection(
        saved=saved, items=items, search_url=absolute_url(search_page_path(saved.params))
    )


def _call_summary(found: fit.CallFit) -> str:
    """The programme, the deadline and why the call fits, in one line."""
    call = found.call
    if call.closes_on:
        deadline = _("deadline %(date)s") % {"date": date_format(call.closes_on)}
    else:
        deadline = _("no deadline given")
    return " · ".join([call.programme, deadline, fit.fit_phrase(found.score), *found.reasons])


def _section(saved: SavedSearch) -> DigestSection | None:
    """What is new for one saved search (None when nothing, or when it no longer runs)."""
    organisation_id = calls_for(saved.params)
    if organisation_id is not None:
        return _calls_section(saved, organisation_id)
    try:
        results = matching.search(saved.owner, query_from_params(saved.params))
    except ValidationError as error:
        # A code may have left the taxonomy since: the owner sees it on the page.
        logger.warning("Saved search %s no longer runs: %s", saved.pk, error.messages)
        return None
    fresh = set(domain.new_keys(_result_keys(results), saved.seen))
    items = [
        DigestItem(
            key=domain.result_key(r.type, r.id),
            type=r.type,
            type_label=_type_label(r),
            name=r.name,
            summary=r.summary,
            url=absolute_url(r.url),
        )
        for r in results
        if domain.result_key(r.type, r.id) in fresh
    ]
    if not items:
        return None
    return DigestSection(
        saved=saved,
        items=items,
        search_url=absolute_url(search_page_path(saved.params)),
    )


def _message(owner: Any, sections: list[DigestSection]) -> EmailMultiAlternatives:
    count = sum(len(s.items) for s in sections)
    subject = ngettext(
        "%(count)d new result for your saved searches",
        "%(count)d new results for your saved searches",
        count,
    ) % {"count": count}
    context = {
        "owner": owner,
        "sections": sections,
        "count": count,
        "manage_url": absolute_url(reverse("alerts:list")),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("alerts/email/digest.txt", context),
        to=[owner.email],
    )
    message.attach_alternative(render_to_string("alerts/email/digest.html", context), "text/html")
    return message


def _language_of(user: Any) -> str:
    language = getattr(user, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def due_searches(now: datetime, frequency: str | None = None) -> list[SavedSearch]:
    """Active saved searches whose period has passed, of active owners with an e-mail address
    who have not withdrawn their consent to digests."""
    candidates = (
        SavedSearch.objects.filter(active=True, owner__is_active=True)
        .exclude(owner__email="")
        .annotate(digests_consent=privacy.latest_user_consent(ConsentPurpose.DIGESTS, "owner"))
        .filter(Q(digests_consent__isnull=True) | Q(digests_consent=True))
        .select_related("owner")
        .order_by("owner_id", "created_at", "pk")
    )
    if frequency is not None:
        candidates = candidates.filter(frequency=frequency)
    return [
        saved
        for saved in candidates
        if domain.is_due(saved.last_sent_at, PERIODS[Frequency(saved.frequency)], now)
    ]


def _mark_sent(sections: list[DigestSection], now: datetime) -> None:
    with transaction.atomic():
        for section in sections:
            SavedSearch.objects.filter(pk=section.saved.pk).update(
                seen=domain.remember(section.saved.seen, [i.key for i in section.items]),
                last_sent_at=now,
            )


def send_digests(now: datetime, frequency: str | None = None, *, dry_run: bool = False) -> int:
    """E-mail each person one digest of what is new for their due saved searches.

    Returns how many e-mails went out (with ``dry_run``, would go out; nothing is
    sent or changed). A search is due when never sent, or sent a day (daily) or
    a week (weekly) before ``now``; a person with nothing new gets no e-mail. A
    search remembers its results only once the e-mail has gone: after a failure
    (SMTP down) the next run tries the same digest again.
    """
    if frequency is not None and frequency not in Frequency.values:
        raise ValidationError(_frequency_errors(frequency))
    due = due_searches(now, frequency)
    if not due:
        return 0
    matching.prepare_index()
    sent = 0
    for _owner_id, group in groupby(due, key=lambda saved: saved.owner_id):
        searches = list(group)
        owner = searches[0].owner
        with translation.override(_language_of(owner)):
            sections = [s for s in map(_section, searches) if s is not None]
            if not sections:
                continue
            if dry_run:
                sent += 1
                continue
            message = _message(owner, sections)
            try:
                message.send()
            except (smtplib.SMTPException, OSError):
                logger.exception("The digest for user %s could not be sent", owner.pk)
                continue
        _mark_sent(sections, now)
        sent += 1
    return sent
