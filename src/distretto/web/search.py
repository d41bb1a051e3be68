"""The search page and the partner lists: what a result card shows, in plain words.

The search engine (``matching.services``) returns results with their reasons as
data; this module turns them into what a cluster manager reads on a card: the
words that matched (highlighted in the summary), the codes shared, what a
partner covers that one lacks, the distance, and how much of the score came
from the words, the meaning and the codes. It also says, for the acting user,
whether a profile card offers "Send expression of interest".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from distretto.accounts.roles import member_organisation_ids
from distretto.bilingual import pick
from distretto.matching import services
from distretto.matching.domain.text import fold, is_stopword, stem
from distretto.matching.params import query_from_params, query_to_params
from distretto.matching.services import SearchQuery, SearchResult, SharedCode
from distretto.opportunities.enums import ProfileType
from distretto.opportunities.models import CooperationProfile
from distretto.registry.enums import OrganisationKind
from distretto.taxonomy.models import Taxonomy
from distretto.web.forms import SEARCH_LIMITS, SearchForm

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LANGUAGES = ("it", "en")

# How a shared code names its taxonomy inside a reason ("Cardiac surgery (segment)");
# empty: the label says it by itself ("ISO 13485").
TAXONOMY_NOUNS = {
    "segment": gettext_lazy("segment"),
    "process_step": gettext_lazy("process step"),
    "value_chain": gettext_lazy("value chain"),
    "certification": "",
}
SIGNALS = (
    ("lexical", gettext_lazy("Words")),
    ("semantic", gettext_lazy("Meaning")),
    ("codes", gettext_lazy("Codes")),
)


@dataclass(frozen=True)
class CodeReason:
    label: str
    taxonomy: str
    exact: bool = True


@dataclass(frozen=True)
class Share:
    signal: str
    label: str
    percent: int
    offset: int = 0  # where its segment starts in the bar, in percent


@dataclass(frozen=True)
class ResultCard:
    """One result as its card shows it."""

    result: SearchResult
    badge: str
    summary: SafeString
    matches: list[str]
    shared: list[CodeReason]
    complementary: list[CodeReason]
    distance_km: float | None
    shares: list[Share]
    interest_url: str = ""

    @property
    def is_profile(self) -> bool:
        return self.result.type == "profile"

    @property
    def meaning_only(self) -> bool:
        """Found by the meaning of the text alone: no word, code or complement in common."""
        return not (self.matches or self.shared or self.complementary) and any(
            s.signal == "semantic" for s in self.shares
        )

    @property
    def has_reasons(self) -> bool:
        return bool(
            self.matches or self.shared or self.complementary or self.distance_km is not None
        )


def _word_stems(word: str) -> set[str]:
    folded = fold(word)
    return {stem(folded, lang) for lang in _LANGUAGES}


def highlight(text: str, words: Iterable[str]) -> SafeString:
    """``text`` escaped, its words sharing a stem with one of ``words`` in ``<mark>``."""
    wanted: set[str] = set()
    for phrase in words:
        for word in _WORD.findall(phrase):
            if not is_stopword(fold(word)):
                wanted |= _word_stems(word)
    if not wanted:
        return SafeString(escape(text))
    parts: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        word = match.group()
        if is_stopword(fold(word)) or not (_word_stems(word) & wanted):
            continue
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(word)}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def _matches(terms: list[str], phrases: list[str]) -> list[str]:
    """Phrases first (not those inside a longer one), then the words outside them, each once."""
    folded = [" ".join(fold(w) for w in _WORD.findall(p)) for p in phrases]
    kept = [
        phrase
        for phrase, text in zip(phrases, folded, strict=True)
        if not any(text != other and f" {text} " in f" {other} " for other in folded)
    ]
    inside = {fold(w) for p in kept for w in _WORD.findall(p)}
    shown: list[str] = []
    seen: set[str] = set()
    for item in [*kept, *(t for t in terms if fold(t) not in inside)]:
        key = " ".join(fold(w) for w in _WORD.findall(item))
        if key not in seen:
            seen.add(key)
            shown.append(item)
    return shown


class _TaxonomyNames:
    """Taxonomy nouns for reasons; other taxonomies by their name (looked up once)."""

    def __init__(self) -> None:
        self._names: dict[str, str] | None = None

    def __call__(self, slug: str) -> str:
        if slug in TAXONOMY_NOUNS:
            return str(TAXONOMY_NOUNS[slug])
        if self._names is None:
            self._names = {t.slug: pick(t, "name")[0] for t in Taxonomy.objects.all()}
        return self._names.get(slug, slug)


def _codes(codes: list[SharedCode], names: _TaxonomyNames) -> list[CodeReason]:
    return [CodeReason(c.label or c.code, names(c.taxonomy), c.exact) for c in codes]


def _shares(shares: dict[str, float]) -> list[Share]:
    """The signals' shares of the score in whole percents that add up to 100 (none if no score)."""
    values = [
        (signal, label, max(0.0, float(shares.get(signal, 0.0)))) for signal, label in SIGNALS
    ]
    total = sum(v for _s, _l, v in values)
    if total <= 0:
        return []
    exact = [v / total * 100 for _s, _l, v in values]
    percents = [int(x) for x in exact]
    # Largest remainders get the points lost to rounding down.
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - percents[i], reverse=True)[
        : 100 - sum(percents)
    ]:
        percents[i] += 1
    result: list[Share] = []
    offset = 0
    for (signal, label, _v), percent in zip(values, percents, strict=True):
        if percent > 0:
            result.append(Share(signal, str(label), percent, offset))
            offset += percent
    return result


def _badge(result: SearchResult) -> str:
    choices = ProfileType if result.type == "profile" else OrganisationKind
    try:
        return str(choices(result.subtype).label)
    except ValueError:
        return result.subtype


def _interest_urls(user: Any, results: list[SearchResult]) -> dict[int, str]:
    """Profile id -> where to send an expression of interest, for those ``user`` may send one.

    The results are public profiles (the engine shows no other); a user may
    express interest on behalf of an organisation they belong to that is not the owner.
    """
    own = member_organisation_ids(user)
    ids = [r.id for r in results if r.type == "profile"]
    if not own or not ids:
        return {}
    owners = dict(CooperationProfile.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
    return {
        r.id: f"{r.url}#send-interest"
        for r in results
        if r.type == "profile" and r.id in owners and own - {owners[r.id]}
    }


def cards(user: Any, results: list[SearchResult]) -> list[ResultCard]:
    """The cards of ``results``, in order, for ``user``."""
    names = _TaxonomyNames()
    interest = _interest_urls(user, results)
    shown = []
    for result in results:
        reasons = result.reasons
        matches = _matches(list(reasons.terms), list(reasons.phrases))
        shown.append(
            ResultCard(
                result=result,
                badge=_badge(result),
                summary=highlight(result.summary, matches),
                matches=matches,
                shared=_codes(list(reasons.codes), names),
                complementary=_codes(list(getattr(reasons, "complementary", [])), names),
                distance_km=reasons.distance_km,
                shares=_shares(dict(reasons.shares)),
                interest_url=interest.get(result.id, "") if result.type == "profile" else "",
            )
        )
    return shown


@dataclass
class SearchOutcome:
    """What the search page shows: the form (with its errors), the cards, what to save."""

    form: SearchForm
    searched: bool = False
    cards: list[ResultCard] = field(default_factory=list)
    query: SearchQuery | None = None
    saved_params: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.form.errors

    @property
    def can_show_more(self) -> bool:
        return (
            self.query is not None
            and len(self.cards) >= self.query.limit
            and self.query.limit < services.MAX_LIMIT
        )

    @property
    def more_limit(self) -> int:
        limit = self.query.limit if self.query else SEARCH_LIMITS[0]
        return next((n for n in SEARCH_LIMITS if n > limit), services.MAX_LIMIT)


def run(user: Any, form: SearchForm) -> SearchOutcome:
    """Search as ``form``'s parameters ask; errors end up on the form's fields."""
    outcome = SearchOutcome(form=form)
    if not form.submitted:
        return outcome
    outcome.searched = True
    form.is_valid()
    # The valid values still go through the engine's checks, so that every
    # problem is told at once (an empty text and an unknown code alike).
    params = form.search_params()
    try:
        query = query_from_params(params)
        if form.errors:
            services.check_query(query)
            return outcome
        results = services.search(user, query)
    except ValidationError as error:
        form.show_errors(error)
        return outcome
    outcome.query = query
    outcome.cards = cards(user, results)
    outcome.saved_params = [
        (name, value) for name, values in query_to_params(query).items() for value in values
    ]
    return outcome
