"""The declarative rules of a funding call: JSON document, validation, eligibility check.

``parse_rules`` reads the JSON document stored with a call (format in
``docs/call-rules-format.md``) into a ``model.RuleSet``, collecting every problem
(``RulesError``); ``validate_rules`` finds the contradictions of a rule set that are
certain (no consortium could ever meet it); ``rules_to_json`` writes a rule set back;
``check_eligibility`` says, for every rule of the call, whether a consortium meets
it and why, in Italian and English. Pure Python, no Django.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar

from distretto.calls.domain.model import (
    ENTERPRISE_KINDS,
    RESEARCH_KINDS,
    Candidate,
    CofundingRate,
    Consortium,
    CountRule,
    CustomRule,
    RegionRule,
    RuleSet,
    ShareRule,
    counts_as,
    in_regions,
)

# The organisation kinds ``kind:<kind>`` may name (registry.enums.OrganisationKind values).
KINDS = (
    "large_company",
    "sme",
    "startup",
    "research_centre",
    "university",
    "hospital",
    "training",
    "technology_transfer",
    "association",
    "public_authority",
    "investor",
    "patient_association",
)
CATEGORIES = ("all", "enterprises", "smes", "research")
OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
APPLIES_TO = ("all", "coordinator", "at_least")

# Shares are compared with this tolerance: budgets are floats and 0.1 + 0.2 != 0.3.
EPSILON = 1e-9

_NUTS_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")


def is_nuts_code(code: str) -> bool:
    """Whether ``code`` has the shape of a NUTS code (country, then up to three levels)."""
    return bool(_NUTS_CODE.match(code))


_CUSTOM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# (Italian singular, Italian plural, English singular, English plural) of each ``what``.
_LABELS: dict[str, tuple[str, str, str, str]] = {
    "all": ("partner", "partner", "partner", "partners"),
    "enterprises": ("impresa", "imprese", "enterprise", "enterprises"),
    "smes": ("PMI", "PMI", "SME", "SMEs"),
    "research": (
        "organizzazione di ricerca o università",
        "organizzazioni di ricerca o università",
        "research organisation or university",
        "research organisations or universities",
    ),
    "kind:large_company": ("grande impresa", "grandi imprese", "large company", "large companies"),
    "kind:sme": ("PMI (per tipo)", "PMI (per tipo)", "SME (by kind)", "SMEs (by kind)"),
    "kind:startup": ("start-up", "start-up", "start-up", "start-ups"),
    "kind:research_centre": (
        "centro di ricerca",
        "centri di ricerca",
        "research centre",
        "research centres",
    ),
    "kind:university": ("università", "università", "university", "universities"),
    "kind:hospital": (
        "ospedale o struttura sanitaria",
        "ospedali o strutture sanitarie",
        "hospital or health facility",
        "hospitals or health facilities",
    ),
    "kind:training": (
        "ente di formazione",
        "enti di formazione",
        "training institution",
        "training institutions",
    ),
    "kind:technology_transfer": (
        "centro di trasferimento tecnologico",
        "centri di trasferimento tecnologico",
        "technology-transfer centre",
        "technology-transfer centres",
    ),
    "kind:association": (
        "cluster o associazione di categoria",
        "cluster o associazioni di categoria",
        "cluster or trade association",
        "clusters or trade associations",
    ),
    "kind:public_authority": (
        "ente pubblico",
        "enti pubblici",
        "public authority",
        "public authorities",
    ),
    "kind:investor": ("investitore", "investitori", "investor", "investors"),
    "kind:patient_association": (
        "associazione di pazienti",
        "associazioni di pazienti",
        "patient association",
        "patient associations",
    ),
}

# Names of the NUTS 2021 regions the sentences name (Italy down to level 2, Emilia-Romagna's
# provinces, the EU countries); other codes are shown as they are.
NUTS_NAMES: dict[str, tuple[str, str]] = {
    "IT": ("Italia", "Italy"),
    "ITC": ("Nord-Ovest", "North-West"),
    "ITF": ("Sud", "South"),
    "ITG": ("Isole", "Islands"),
    "ITH": ("Nord-Est", "North-East"),
    "ITI": ("Centro", "Centre"),
    "ITC1": ("Piemonte", "Piedmont"),
    "ITC2": ("Valle d'Aosta", "Aosta Valley"),
    "ITC3": ("Liguria", "Liguria"),
    "ITC4": ("Lombardia", "Lombardy"),
    "ITF1": ("Abruzzo", "Abruzzo"),
    "ITF2": ("Molise", "Molise"),
    "ITF3": ("Campania", "Campania"),
    "ITF4": ("Puglia", "Apulia"),
    "ITF5": ("Basilicata", "Basilicata"),
    "ITF6": ("Calabria", "Calabria"),
    "ITG1": ("Sicilia", "Sicily"),
    "ITG2": ("Sardegna", "Sardinia"),
    "ITH1": ("Provincia autonoma di Bolzano", "Autonomous Province of Bolzano"),
    "ITH2": ("Provincia autonoma di Trento", "Autonomous Province of Trento"),
    "ITH3": ("Veneto", "Veneto"),
    "ITH4": ("Friuli-Venezia Giulia", "Friuli-Venezia Giulia"),
    "ITH5": ("Emilia-Romagna", "Emilia-Romagna"),
    "ITH51": ("Piacenza", "Piacenza"),
    "ITH52": ("Parma", "Parma"),
    "ITH53": ("Reggio nell'Emilia", "Reggio nell'Emilia"),
    "ITH54": ("Modena", "Modena"),
    "ITH55": ("Bologna", "Bologna"),
    "ITH56": ("Ferrara", "Ferrara"),
    "ITH57": ("Ravenna", "Ravenna"),
    "ITH58": ("Forlì-Cesena", "Forlì-Cesena"),
    "ITH59": ("Rimini", "Rimini"),
    "ITI1": ("Toscana", "Tuscany"),
    "ITI2": ("Umbria", "Umbria"),
    "ITI3": ("Marche", "Marche"),
    "ITI4": ("Lazio", "Lazio"),
    "AT": ("Austria", "Austria"),
    "BE": ("Belgio", "Belgium"),
    "BG": ("Bulgaria", "Bulgaria"),
    "CY": ("Cipro", "Cyprus"),
    "CZ": ("Cechia", "Czechia"),
    "DE": ("Germania", "Germany"),
    "DK": ("Danimarca", "Denmark"),
    "EE": ("Estonia", "Estonia"),
    "EL": ("Grecia", "Greece"),
    "ES": ("Spagna", "Spain"),
    "FI": ("Finlandia", "Finland"),
    "FR": ("Francia", "France"),
    "HR": ("Croazia", "Croatia"),
    "HU": ("Ungheria", "Hungary"),
    "IE": ("Irlanda", "Ireland"),
    "LT": ("Lituania", "Lithuania"),
    "LU": ("Lussemburgo", "Luxembourg"),
    "LV": ("Lettonia", "Latvia"),
    "MT": ("Malta", "Malta"),
    "NL": ("Paesi Bassi", "Netherlands"),
    "PL": ("Polonia", "Poland"),
    "PT": ("Portogallo", "Portugal"),
    "RO": ("Romania", "Romania"),
    "SE": ("Svezia", "Sweden"),
    "SI": ("Slovenia", "Slovenia"),
    "SK": ("Slovacchia", "Slovakia"),
}


# --- problems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem of a rules document: where (``counts[1].min``; "" for the whole document)
    and what is wrong, in Italian and English."""

    path: str
    message_it: str
    message_en: str

    def describe(self, lang: str = "en") -> str:
        message = self.message_it if lang == "it" else self.message_en
        return f"{self.path}: {message}" if self.path else message


class RulesError(ValueError):
    """A rules document that cannot be used, with every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(problem.describe() for problem in self.problems))


def is_category(what: Any) -> bool:
    """Whether ``what`` is a partner category a rule may count ("all", "kind:sme", ...)."""
    if not isinstance(what, str):
        return False
    return what in CATEGORIES or (what.startswith("kind:") and what.removeprefix("kind:") in KINDS)


# --- parsing ------------------------------------------------------------------------------------

_TOP_KEYS = (
    "partners",
    "counts",
    "coordinator",
    "regions",
    "independence",
    "shares",
    "cofunding",
    "custom",
)


T = TypeVar("T")


class _Reader:
    """Reads the parts of a rules document, collecting problems instead of stopping at one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message_it: str, message_en: str) -> None:
        self.problems.append(Problem(path, message_it, message_en))

    def obj(self, value: Any, path: str, keys: Sequence[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, "deve essere un oggetto JSON ({...})", "must be a JSON object ({...})")
            return None
        allowed = ", ".join(keys)
        for key in value:
            if key not in keys:
                where = f"{path}.{key}" if path else str(key)
                self.add(
                    where,
                    f"chiave sconosciuta «{key}»; ammesse: {allowed}",
                    f"unknown key '{key}'; allowed: {allowed}",
                )
        return value

    def array(self, value: Any, path: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.add(path, "deve essere una lista JSON ([...])", "must be a JSON list ([...])")
            return None
        return value

    def integer(self, value: Any, path: str, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "deve essere un numero intero", "must be a whole number")
            return None
        if value < minimum:
            if minimum == 0:
                self.add(path, "non può essere negativo", "must not be negative")
            else:
                self.add(path, f"deve essere almeno {minimum}", f"must be at least {minimum}")
            return None
        return value

    def fraction(self, value: Any, path: str) -> float | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= 1  # also false for NaN
        ):
            self.add(
                path,
                "deve essere un numero da 0 a 1 (ad es. 0.5 per il 50%)",
                "must be a number from 0 to 1 (e.g. 0.5 for 50%)",
            )
            return None
        return float(value)

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.add(path, "deve essere true o false", "must be true or false")
            return None
        return value

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.add(path, "deve essere un testo", "must be a string")
            return None
        return value

    def what(self, value: Any, path: str) -> str | None:
        if is_category(value):
            return str(value)
        shown = value if isinstance(value, str) else json.dumps(value)
        allowed = ", ".join([*CATEGORIES, "kind:<kind>"])
        kinds = ", ".join(KINDS)
        self.add(
            path,
            f"categoria sconosciuta «{shown}»; ammesse: {allowed} (tipi: {kinds})",
            f"unknown partner category '{shown}'; allowed: {allowed} (kinds: {kinds})",
        )
        return None

    def required(self, data: dict[str, Any], key: str, path: str) -> bool:
        if key not in data:
            self.add(f"{path}.{key}", "obbligatorio", "required")
            return False
        return True


def parse_rules(data: Any) -> RuleSet:
    """The rule set of a call from its JSON document; ``RulesError`` lists every problem,
    those of the document and the contradictions ``validate_rules`` finds."""
    reader = _Reader()
    document = reader.obj(data, "", _TOP_KEYS)
    if document is None:
        raise RulesError(reader.problems)
    min_partners, max_partners = _parse_partners(reader, document)
    max_per_group = _parse_independence(reader, document)
    rules = RuleSet(
        min_partners=min_partners,
        max_partners=max_partners,
        counts=_parse_list(reader, document, "counts", _parse_count),
        coordinator=_parse_coordinator(reader, document),
        regions=_parse_list(reader, document, "regions", _parse_region),
        max_per_group=max_per_group,
        shares=_parse_list(reader, document, "shares", _parse_share),
        cofunding=_parse_list(reader, document, "cofunding", _parse_cofunding),
        custom=_parse_custom_rules(reader, document),
    )
    if reader.problems:
        raise RulesError(reader.problems)
    problems = validate_rules(rules)
    if problems:
        raise RulesError(problems)
    return rules


def _parse_partners(reader: _Reader, document: dict[str, Any]) -> tuple[int | None, int | None]:
    if "partners" not in document:
        return None, None
    part = reader.obj(document["partners"], "partners", ("min", "max"))
    if part is None:
        return None, None
    low = reader.integer(part["min"], "partners.min") if "min" in part else None
    high = reader.integer(part["max"], "partners.max") if "max" in part else None
    if "min" not in part and "max" not in part:
        reader.add("partners", "indicare min, max o entrambi", "give min, max or both")
    return low, high


def _parse_independence(reader: _Reader, document: dict[str, Any]) -> int | None:
    if "independence" not in document:
        return None
    part = reader.obj(document["independence"], "independence", ("max_per_group",))
    if part is None or not reader.required(part, "max_per_group", "independence"):
        return None
    return reader.integer(part["max_per_group"], "independence.max_per_group", minimum=1)


def _parse_list(
    reader: _Reader,
    document: dict[str, Any],
    key: str,
    parse_one: Callable[[_Reader, Any, str], T | None],
) -> tuple[T, ...]:
    if key not in document:
        return ()
    items = reader.array(document[key], key)
    if items is None:
        return ()
    parsed = [parse_one(reader, item, f"{key}[{index}]") for index, item in enumerate(items)]
    return tuple(item for item in parsed if item is not None)


def _parse_count(reader: _Reader, item: Any, path: str) -> CountRule | None:
    part = reader.obj(item, path, ("what", "min", "max"))
    if part is None:
        return None
    what = (
        reader.what(part["what"], f"{path}.what") if reader.required(part, "what", path) else None
    )
    low = reader.integer(part["min"], f"{path}.min") if "min" in part else None
    high = reader.integer(part["max"], f"{path}.max") if "max" in part else None
    if "min" not in part and "max" not in part:
        reader.add(path, "indicare min, max o entrambi", "give min, max or both")
    if what is None or (low is None and high is None):
        return None
    return CountRule(what=what, min=low, max=high)


def _parse_coordinator(reader: _Reader, document: dict[str, Any]) -> tuple[str, ...]:
    if "coordinator" not in document:
        return ()
    items = reader.array(document["coordinator"], "coordinator")
    if items is None:
        return ()
    whats: list[str] = []
    for index, item in enumerate(items):
        what = reader.what(item, f"coordinator[{index}]")
        if what is None:
            continue
        if what in whats:
            reader.add(
                f"coordinator[{index}]",
                f"«{what}» è già nella lista",
                f"'{what}' is already in the list",
            )
            continue
        whats.append(what)
    return tuple(whats)


def _parse_region(reader: _Reader, item: Any, path: str) -> RegionRule | None:
    part = reader.obj(item, path, ("nuts", "all", "min"))
    if part is None:
        return None
    codes: list[str] = []
    codes_ok = False
    if reader.required(part, "nuts", path):
        items = reader.array(part["nuts"], f"{path}.nuts")
        if items is not None and not items:
            reader.add(
                f"{path}.nuts",
                "indicare almeno un codice NUTS (ad es. ITH5)",
                "give at least one NUTS code (e.g. ITH5)",
            )
        for index, code in enumerate(items or []):
            if isinstance(code, str) and _NUTS_CODE.match(code):
                codes.append(code)
            else:
                shown = code if isinstance(code, str) else json.dumps(code)
                reader.add(
                    f"{path}.nuts[{index}]",
                    f"«{shown}» non è un codice NUTS (ad es. IT, ITH5, ITH54)",
                    f"'{shown}' is not a NUTS code (e.g. IT, ITH5, ITH54)",
                )
        codes_ok = bool(items) and len(codes) == len(items or [])
    every = reader.boolean(part["all"], f"{path}.all") if "all" in part else False
    has_min = "min" in part
    low = reader.integer(part["min"], f"{path}.min") if has_min else None
    if every is True and has_min:
        reader.add(
            path,
            "indicare «all»: true oppure min, non entrambi",
            'give either "all": true or min, not both',
        )
    elif every is False and not has_min:
        reader.add(
            path,
            "indicare «all»: true (tutti i partner) oppure min (almeno tanti partner)",
            'give "all": true (every partner) or min (at least that many partners)',
        )
    if not codes_ok or every is None:
        return None
    if every and not has_min:
        return RegionRule(nuts=tuple(codes), all=True)
    if not every and low is not None:
        return RegionRule(nuts=tuple(codes), min=low)
    return None


def _parse_share(reader: _Reader, item: Any, path: str) -> ShareRule | None:
    part = reader.obj(item, path, ("what", "max_share", "per_partner"))
    if part is None:
        return None
    what = (
        reader.what(part["what"], f"{path}.what") if reader.required(part, "what", path) else None
    )
    share = (
        reader.fraction(part["max_share"], f"{path}.max_share")
        if reader.required(part, "max_share", path)
        else None
    )
    per_partner = (
        reader.boolean(part["per_partner"], f"{path}.per_partner")
        if "per_partner" in part
        else True
    )
    if what is None or share is None or per_partner is None:
        return None
    return ShareRule(what=what, max_share=share, per_partner=per_partner)


def _parse_cofunding(reader: _Reader, item: Any, path: str) -> CofundingRate | None:
    part = reader.obj(item, path, ("what", "rate"))
    if part is None:
        return None
    what = (
        reader.what(part["what"], f"{path}.what") if reader.required(part, "what", path) else None
    )
    rate = (
        reader.fraction(part["rate"], f"{path}.rate")
        if reader.required(part, "rate", path)
        else None
    )
    if what is None or rate is None:
        return None
    return CofundingRate(what=what, rate=rate)


_CUSTOM_KEYS = ("id", "field", "op", "value", "applies_to", "min", "text_it", "text_en")


def _parse_custom_rules(reader: _Reader, document: dict[str, Any]) -> tuple[CustomRule, ...]:
    rules = _parse_list(reader, document, "custom", _parse_custom)
    seen: dict[str, str] = {}
    for index, item in enumerate(document.get("custom") or []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        rule_id = item["id"]
        if rule_id in seen:
            reader.add(
                f"custom[{index}].id",
                f"l'id «{rule_id}» è già usato da {seen[rule_id]}",
                f"id '{rule_id}' is already used by {seen[rule_id]}",
            )
        else:
            seen[rule_id] = f"custom[{index}]"
    return rules


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int) or (
        isinstance(value, float) and math.isfinite(value)
    )


def _parse_custom(reader: _Reader, item: Any, path: str) -> CustomRule | None:
    part = reader.obj(item, path, _CUSTOM_KEYS)
    if part is None:
        return None
    ok = True
    rule_id = part.get("id")
    if not reader.required(part, "id", path):
        ok = False
    elif not isinstance(rule_id, str) or not _CUSTOM_ID.match(rule_id):
        reader.add(
            f"{path}.id",
            "deve essere un codice breve di lettere, cifre, «-», «_» o «.» "
            "(ad es. fondata-prima-2020)",
            "must be a short code of letters, digits, '-', '_' or '.' (e.g. founded-before-2020)",
        )
        ok = False
    field_name = part.get("field")
    if not reader.required(part, "field", path):
        ok = False
    elif not isinstance(field_name, str) or not field_name:
        reader.add(
            f"{path}.field",
            "deve essere il nome di un campo dell'organizzazione",
            "must be the name of an organisation field",
        )
        ok = False
    op = part.get("op")
    if not reader.required(part, "op", path):
        ok = False
    elif op not in OPS:
        shown = op if isinstance(op, str) else json.dumps(op)
        allowed = ", ".join(OPS)
        reader.add(
            f"{path}.op",
            f"operatore sconosciuto «{shown}»; ammessi: {allowed}",
            f"unknown operator '{shown}'; allowed: {allowed}",
        )
        ok = False
    value = part.get("value")
    if not reader.required(part, "value", path):
        ok = False
    elif op in ("in", "not in"):
        if not isinstance(value, list) or not all(_is_scalar(v) for v in value):
            reader.add(
                f"{path}.value",
                "con «in» e «not in» deve essere una lista di testi, numeri o true/false",
                "with 'in' and 'not in' it must be a list of strings, numbers or true/false",
            )
            ok = False
        else:
            value = tuple(value)
    elif op in ("<", "<=", ">", ">="):
        if not _is_scalar(value) or isinstance(value, bool):
            reader.add(
                f"{path}.value",
                f"con «{op}» deve essere un numero o un testo",
                f"with '{op}' it must be a number or a string",
            )
            ok = False
    elif op in OPS and not _is_scalar(value):
        reader.add(
            f"{path}.value",
            "deve essere un testo, un numero o true/false",
            "must be a string, a number or true/false",
        )
        ok = False
    applies_to = part.get("applies_to", "all")
    if applies_to not in APPLIES_TO:
        shown = applies_to if isinstance(applies_to, str) else json.dumps(applies_to)
        reader.add(
            f"{path}.applies_to",
            f"valore sconosciuto «{shown}»; ammessi: all, coordinator, at_least",
            f"unknown value '{shown}'; allowed: all, coordinator, at_least",
        )
        ok = False
    low: int | None = None
    if applies_to == "at_least":
        if reader.required(part, "min", path):
            low = reader.integer(part["min"], f"{path}.min")
        ok = ok and low is not None
    elif "min" in part:
        reader.add(
            f"{path}.min",
            "min vale solo con «applies_to»: «at_least»",
            'min only goes with "applies_to": "at_least"',
        )
        ok = False
    texts = {}
    for key in ("text_it", "text_en"):
        texts[key] = reader.text(part[key], f"{path}.{key}") if key in part else ""
        ok = ok and texts[key] is not None
    if not ok:
        return None
    return CustomRule(
        id=str(rule_id),
        field=str(field_name),
        op=str(op),
        value=value,
        applies_to=str(applies_to),
        min=low,
        text_it=texts["text_it"] or "",
        text_en=texts["text_en"] or "",
    )


# --- writing ------------------------------------------------------------------------------------


def rules_to_json(rules: RuleSet) -> dict[str, Any]:
    """The JSON document of a rule set (``parse_rules`` reads it back to an equal rule set);
    sections without rules are left out."""
    document: dict[str, Any] = {}
    partners = {}
    if rules.min_partners is not None:
        partners["min"] = rules.min_partners
    if rules.max_partners is not None:
        partners["max"] = rules.max_partners
    if partners:
        document["partners"] = partners
    if rules.counts:
        document["counts"] = [
            {"what": r.what}
            | ({"min": r.min} if r.min is not None else {})
            | ({"max": r.max} if r.max is not None else {})
            for r in rules.counts
        ]
    if rules.coordinator:
        document["coordinator"] = list(rules.coordinator)
    if rules.regions:
        document["regions"] = [
            {"nuts": list(r.nuts), "all": True} if r.all else {"nuts": list(r.nuts), "min": r.min}
            for r in rules.regions
        ]
    if rules.max_per_group is not None:
        document["independence"] = {"max_per_group": rules.max_per_group}
    if rules.shares:
        document["shares"] = [
            {"what": r.what, "max_share": r.max_share, "per_partner": r.per_partner}
            for r in rules.shares
        ]
    if rules.cofunding:
        document["cofunding"] = [{"what": r.what, "rate": r.rate} for r in rules.cofunding]
    if rules.custom:
        document["custom"] = [_custom_to_json(r) for r in rules.custom]
    return document


def _custom_to_json(rule: CustomRule) -> dict[str, Any]:
    value = list(rule.value) if isinstance(rule.value, tuple | list) else rule.value
    item: dict[str, Any] = {
        "id": rule.id,
        "field": rule.field,
        "op": rule.op,
        "value": value,
        "applies_to": rule.applies_to,
    }
    if rule.min is not None:
        item["min"] = rule.min
    if rule.text_it:
        item["text_it"] = rule.text_it
    if rule.text_en:
        item["text_en"] = rule.text_en
    return item


# --- contradictions -----------------------------------------------------------------------------


def within(what: str, other: str) -> bool:
    """Whether every partner counted by ``what`` is surely counted by ``other`` too."""
    if what == other or other == "all":
        return True
    kind = what.removeprefix("kind:") if what.startswith("kind:") else None
    if other == "enterprises":
        return kind in ENTERPRISE_KINDS
    if other == "research":
        return kind in RESEARCH_KINDS
    return False


def _nuts_overlap(codes: Sequence[str], others: Sequence[str]) -> bool:
    return any(a.startswith(b) or b.startswith(a) for a in codes for b in others)


def validate_rules(rules: RuleSet) -> list[Problem]:
    """The contradictions of a rule set that no consortium could ever meet (certain ones only:
    minimums of overlapping categories may be met by the same partners, so they are not added up).

    A consortium always has at least one partner, its coordinator. Locations, budgets and
    organisation fields are assumed known: a rule that cannot be checked is not failed."""
    problems: list[Problem] = []

    def add(path: str, message_it: str, message_en: str) -> None:
        problems.append(Problem(path, message_it, message_en))

    low, high = rules.min_partners, rules.max_partners
    if low is not None and high is not None and low > high:
        add(
            "partners.min",
            f"il minimo di partner ({low}) supera il massimo ({high})",
            f"the minimum number of partners ({low}) is above the maximum ({high})",
        )
    if high == 0:
        add(
            "partners.max",
            "un consorzio ha almeno un partner, il coordinatore: il massimo non può essere 0",
            "a consortium has at least one partner, its coordinator: the maximum cannot be 0",
        )
    _validate_counts(rules, add)
    _validate_regions(rules, add)
    if rules.max_per_group is not None and rules.max_per_group < 1:
        add(
            "independence.max_per_group",
            "con un massimo di 0 partner per gruppo nessun partner potrebbe partecipare",
            "with at most 0 partners per group no partner could take part",
        )
    for index, share in enumerate(rules.shares):
        if share.what != "all":
            continue
        pct_it, pct_en = _pct(share.max_share, "it"), _pct(share.max_share, "en")
        if share.per_partner and high is not None and high >= 1:
            if share.max_share * high + high * EPSILON < 1:
                add(
                    f"shares[{index}].max_share",
                    f"con al massimo {high} partner e {_il(pct_it)}{pct_it} del budget ciascuno, "
                    "il budget non può mai essere ripartito tutto",
                    f"with at most {high} partners and {pct_en} of the budget each, "
                    "the budget can never be split",
                )
        elif not share.per_partner and share.max_share < 1 - EPSILON:
            add(
                f"shares[{index}].max_share",
                "tutti i partner insieme hanno sempre il 100% del budget, "
                f"non al massimo {_il(pct_it)}{pct_it}",
                f"all partners together always have 100% of the budget, not at most {pct_en}",
            )
    for index, custom in enumerate(rules.custom):
        if (
            custom.applies_to == "at_least"
            and custom.min is not None
            and high is not None
            and custom.min > high
        ):
            add(
                f"custom[{index}].min",
                f"servono almeno {custom.min} partner che rispettino la regola «{custom.id}», "
                f"ma se ne ammettono al massimo {high}",
                f"at least {custom.min} partners must meet rule '{custom.id}', "
                f"but at most {high} partners are allowed",
            )
    return problems


def _validate_counts(rules: RuleSet, add: Callable[[str, str, str], None]) -> None:
    high = rules.max_partners
    for index, count in enumerate(rules.counts):
        it_plural, en_plural = _label(count.what, 2, "it"), _label(count.what, 2, "en")
        if count.min is not None and count.max is not None and count.min > count.max:
            add(
                f"counts[{index}].min",
                f"il minimo di {it_plural} ({count.min}) supera il massimo ({count.max})",
                f"the minimum number of {en_plural} ({count.min}) is above the maximum "
                f"({count.max})",
            )
        if count.min is not None and high is not None and count.min > high:
            add(
                f"counts[{index}].min",
                f"servono almeno {count.min} {it_plural}, "
                f"ma si ammettono al massimo {high} partner",
                f"at least {count.min} {en_plural} are needed, but at most {high} partners "
                "are allowed",
            )
        for other_index, other in enumerate(rules.counts):
            if (
                other_index != index
                and count.min is not None
                and other.max is not None
                and count.min > other.max
                and within(count.what, other.what)
            ):
                add(
                    f"counts[{index}].min",
                    f"servono almeno {count.min} {it_plural}, ma counts[{other_index}] ammette "
                    f"al massimo {other.max} {_label(other.what, other.max, 'it')}",
                    f"at least {count.min} {en_plural} are needed, but counts[{other_index}] "
                    f"allows at most {other.max} {_label(other.what, other.max, 'en')}",
                )
    # The coordinator is a partner: it counts as one of its allowed categories.
    allowed = rules.coordinator or ("all",)
    blocked = []
    for what in allowed:
        blocker = next(
            (
                i
                for i, count in enumerate(rules.counts)
                if count.max == 0 and within(what, count.what)
            ),
            None,
        )
        if blocker is None:
            return
        blocked.append(blocker)
    names_it = "; ".join(_label(what, 2, "it") for what in allowed)
    names_en = "; ".join(_label(what, 2, "en") for what in allowed)
    where = ", ".join(f"counts[{i}]" for i in dict.fromkeys(blocked))
    if rules.coordinator:
        add(
            "coordinator",
            f"il coordinatore deve essere tra: {names_it}, ma {where} non ne ammette nessuno",
            f"the coordinator must be one of: {names_en}, but {where} allows none of them",
        )
    else:
        add(
            f"counts[{blocked[0]}].max",
            "un consorzio ha almeno un partner, il coordinatore: il massimo non può essere 0",
            "a consortium has at least one partner, its coordinator: the maximum cannot be 0",
        )


def _validate_regions(rules: RuleSet, add: Callable[[str, str, str], None]) -> None:
    high = rules.max_partners
    for index, region in enumerate(rules.regions):
        if region.min is not None and high is not None and region.min > high and not region.all:
            add(
                f"regions[{index}].min",
                f"servono almeno {region.min} partner in {_regions(region.nuts, 'it')}, "
                f"ma se ne ammettono al massimo {high}",
                f"at least {region.min} partners in {_regions(region.nuts, 'en')} are needed, "
                f"but at most {high} partners are allowed",
            )
        for other_index, other in enumerate(rules.regions):
            if other_index == index or not other.all or _nuts_overlap(region.nuts, other.nuts):
                continue
            # Every partner must be in ``other``'s regions, and ``region`` wants some elsewhere.
            if region.all and other_index < index:
                add(
                    f"regions[{index}]",
                    f"regions[{other_index}] vuole tutti i partner in "
                    f"{_regions(other.nuts, 'it')} e questa regola tutti in "
                    f"{_regions(region.nuts, 'it')}: nessun partner può stare in entrambe",
                    f"regions[{other_index}] wants every partner in {_regions(other.nuts, 'en')} "
                    f"and this rule every partner in {_regions(region.nuts, 'en')}: "
                    "no partner can be in both",
                )
            elif not region.all and region.min is not None and region.min >= 1:
                add(
                    f"regions[{index}].min",
                    f"regions[{other_index}] vuole tutti i partner in "
                    f"{_regions(other.nuts, 'it')}: nessuno può stare in "
                    f"{_regions(region.nuts, 'it')}, dove {_need(region.min, None, 'it')}",
                    f"regions[{other_index}] wants every partner in {_regions(other.nuts, 'en')}: "
                    f"none can be in {_regions(region.nuts, 'en')}, where at least "
                    f"{_counted('all', region.min, 'en')} {'is' if region.min == 1 else 'are'} "
                    "needed",
                )


# --- the eligibility check ----------------------------------------------------------------------

Status = Literal["pass", "fail", "not_checked"]
PASS: Status = "pass"  # noqa: S105 - a status, not a password
FAIL: Status = "fail"
NOT_CHECKED: Status = "not_checked"

_PREFIX = {
    FAIL: ("Non soddisfatta: ", "Fails: "),
    NOT_CHECKED: ("Non verificata: ", "Not checked: "),
    PASS: ("", ""),
}


@dataclass(frozen=True)
class RuleCheck:
    """The outcome of one rule of a call for one consortium.

    ``binding``: the consortium is exactly at the rule's limit (one partner more or less of
    the kind it counts, or a budget share exactly at its maximum, would break it).
    ``partners``: the ids of the partners the sentences name, in consortium order."""

    id: str
    status: Status
    binding: bool
    text_it: str
    text_en: str
    partners: tuple[str, ...] = ()


def is_eligible(checks: Iterable[RuleCheck]) -> bool:
    """True when no rule fails (rules not checked for lack of data do not fail)."""
    return all(check.status != FAIL for check in checks)


def _check(
    rule_id: str,
    status: Status,
    text_it: str,
    text_en: str,
    partners: Iterable[str] = (),
    binding: bool = False,
) -> RuleCheck:
    prefix_it, prefix_en = _PREFIX[status]
    return RuleCheck(
        id=rule_id,
        status=status,
        binding=binding,
        text_it=prefix_it + text_it if prefix_it else _capital(text_it),
        text_en=prefix_en + text_en if prefix_en else _capital(text_en),
        partners=tuple(partners),
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_eligibility(
    consortium: Consortium,
    candidates: Mapping[str, Candidate],
    rules: RuleSet,
    *,
    nuts_names: Mapping[str, tuple[str, str]] | None = None,
) -> list[RuleCheck]:
    """Every rule of the call with its outcome for ``consortium`` and a sentence saying why.

    ``ValueError`` when the consortium is malformed: a partner that is not among
    ``candidates`` or is listed twice, a coordinator that is not a partner, a budget for a
    non-partner, or a negative budget. ``nuts_names`` ((Italian, English) names by NUTS
    code) adds to or replaces ``NUTS_NAMES`` in the sentences."""
    partners = _partners(consortium, candidates)
    ctx = _Context(
        consortium=consortium,
        budgets=_budgets(consortium, set(consortium.partners)),
        partners=partners,
        names=dict(NUTS_NAMES) | dict(nuts_names or {}),
        candidates=candidates,
    )
    checks: list[RuleCheck] = []
    if rules.min_partners is not None:
        checks.append(_check_partner_count(ctx, "partners.min", rules.min_partners, None))
    if rules.max_partners is not None:
        checks.append(_check_partner_count(ctx, "partners.max", None, rules.max_partners))
    checks += [_check_count(ctx, f"counts[{i}]", rule) for i, rule in enumerate(rules.counts)]
    if rules.coordinator:
        checks.append(_check_coordinator(ctx, rules.coordinator))
    checks += [_check_region(ctx, f"regions[{i}]", rule) for i, rule in enumerate(rules.regions)]
    if rules.max_per_group is not None:
        checks.append(_check_independence(ctx, rules.max_per_group))
    checks += [_check_share(ctx, f"shares[{i}]", rule) for i, rule in enumerate(rules.shares)]
    checks += [
        _check_cofunding(ctx, i, rule, rules.cofunding) for i, rule in enumerate(rules.cofunding)
    ]
    checks += [_check_custom(ctx, rule) for rule in rules.custom]
    return checks


def _partners(consortium: Consortium, candidates: Mapping[str, Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    for partner_id in consortium.partners:
        if partner_id not in candidates:
            raise ValueError(f"unknown candidate {partner_id!r} among the partners")
        if partner_id in seen:
            raise ValueError(f"partner {partner_id!r} is listed twice")
        seen.add(partner_id)
    if consortium.coordinator not in seen:
        raise ValueError(f"the coordinator {consortium.coordinator!r} is not among the partners")
    return [candidates[partner_id] for partner_id in consortium.partners]


def _budgets(consortium: Consortium, partners: set[str]) -> dict[str, float]:
    """The partners' budgets as floats (a Decimal from the database is welcome)."""
    budgets = {}
    for partner_id, budget in consortium.budgets.items():
        if partner_id not in partners:
            raise ValueError(f"budget for {partner_id!r}, which is not a partner")
        if isinstance(budget, bool) or not isinstance(budget, int | float | Decimal):
            raise ValueError(f"the budget of {partner_id!r} is not a number")
        amount = float(budget)
        if not math.isfinite(amount) or amount < 0:
            raise ValueError(f"the budget of {partner_id!r} must be a number >= 0")
        budgets[partner_id] = amount
    return budgets


@dataclass(frozen=True)
class _Context:
    consortium: Consortium
    budgets: dict[str, float]
    partners: list[Candidate]
    names: Mapping[str, tuple[str, str]]
    candidates: Mapping[str, Candidate]

    @property
    def coordinator(self) -> Candidate:
        return self.candidates[self.consortium.coordinator]


# --- sentences ----------------------------------------------------------------------------------


def _label(what: str, n: int, lang: str) -> str:
    it_one, it_many, en_one, en_many = _LABELS.get(what, (what, what, what, what))
    if lang == "it":
        return it_one if n == 1 else it_many
    return en_one if n == 1 else en_many


def _kind_label(kind: str) -> tuple[str, str]:
    """(Italian, English) name of an organisation kind, to describe one organisation."""
    if kind == "sme":
        return "PMI", "SME"
    return _label(f"kind:{kind}", 1, "it"), _label(f"kind:{kind}", 1, "en")


def _il(percent: str) -> str:
    """The Italian article before a percentage: "il 50%", "l'80%", "l'11%"."""
    whole = percent.split(",")[0].rstrip("%")
    return "l'" if whole.startswith("8") or whole in ("1", "11") else "il "


def _counted(what: str, n: int, lang: str) -> str:
    return f"{n} {_label(what, n, lang)}"


def _names(partners: Iterable[Candidate]) -> str:
    return ", ".join(p.name for p in partners)


def _with_names(text: str, partners: Sequence[Candidate]) -> str:
    return f"{text}: {_names(partners)}." if partners else f"{text}."


def _need(low: int | None, high: int | None, lang: str) -> str:
    if low is not None and low == high:
        if lang == "it":
            return f"ne serve esattamente {low}" if low == 1 else f"ne servono esattamente {low}"
        return f"exactly {low} needed"
    if lang == "it":
        if low is not None and high is not None:
            return f"ne servono da {low} a {high}"
        if low is not None:
            return f"ne serve almeno {low}" if low == 1 else f"ne servono almeno {low}"
        return (
            f"se ne ammette al massimo {high}"
            if high == 1
            else f"se ne ammettono al massimo {high}"
        )
    if low is not None and high is not None:
        return f"between {low} and {high} needed"
    if low is not None:
        return f"at least {low} needed"
    return f"at most {high} allowed"


def _pct(share: float, lang: str) -> str:
    value = round(share * 100, 1)
    text = f"{value:.1f}".removesuffix(".0")
    if lang == "it":
        text = text.replace(".", ",")
    return f"{text}%"


def _money(amount: float, lang: str) -> str:
    cents = round(amount * 100)
    whole, rest = divmod(abs(cents), 100)
    digits = f"{whole:,}"
    sign = "-" if cents < 0 else ""
    if lang == "it":
        digits = digits.replace(",", ".")
        return f"{sign}{digits}{f',{rest:02d}' if rest else ''} €"
    return f"{sign}€{digits}{f'.{rest:02d}' if rest else ''}"


def _region_name(code: str, names: Mapping[str, tuple[str, str]], lang: str) -> str:
    if code in names:
        name = names[code][0 if lang == "it" else 1]
        return f"{name} ({code})"
    return code


def _regions(
    codes: Sequence[str], lang: str, names: Mapping[str, tuple[str, str]] = NUTS_NAMES
) -> str:
    joined = [_region_name(code, names, lang) for code in codes]
    return (" o " if lang == "it" else " or ").join(joined)


def _located(partner: Candidate, lang: str) -> str:
    if partner.nuts:
        return f"{partner.name} ({partner.nuts})"
    return f"{partner.name} ({'sede sconosciuta' if lang == 'it' else 'location unknown'})"


# --- each kind of rule --------------------------------------------------------------------------


def _check_partner_count(
    ctx: _Context, rule_id: str, low: int | None, high: int | None
) -> RuleCheck:
    n = len(ctx.partners)
    ok = (low is None or n >= low) and (high is None or n <= high)
    return _check(
        rule_id,
        PASS if ok else FAIL,
        _with_names(f"{_counted('all', n, 'it')}, {_need(low, high, 'it')}", ctx.partners),
        _with_names(f"{_counted('all', n, 'en')}, {_need(low, high, 'en')}", ctx.partners),
        [p.id for p in ctx.partners],
        binding=n in (low, high),
    )


def _check_count(ctx: _Context, rule_id: str, rule: CountRule) -> RuleCheck:
    counted = [p for p in ctx.partners if counts_as(p, rule.what)]
    n = len(counted)
    ok = (rule.min is None or n >= rule.min) and (rule.max is None or n <= rule.max)
    return _check(
        rule_id,
        PASS if ok else FAIL,
        _with_names(f"{_counted(rule.what, n, 'it')}, {_need(rule.min, rule.max, 'it')}", counted),
        _with_names(f"{_counted(rule.what, n, 'en')}, {_need(rule.min, rule.max, 'en')}", counted),
        [p.id for p in counted],
        binding=n in (rule.min, rule.max),
    )


def _check_coordinator(ctx: _Context, allowed: Sequence[str]) -> RuleCheck:
    coordinator = ctx.coordinator
    matching = [what for what in allowed if counts_as(coordinator, what)]
    kind_it, kind_en = _kind_label(coordinator.kind)
    all_it = "; ".join(_label(what, 2, "it") for what in allowed)
    all_en = "; ".join(_label(what, 2, "en") for what in allowed)
    if matching:
        return _check(
            "coordinator",
            PASS,
            f"il coordinatore {coordinator.name} ({kind_it}) rientra tra: "
            f"{'; '.join(_label(w, 2, 'it') for w in matching)}.",
            f"the coordinator {coordinator.name} ({kind_en}) is among: "
            f"{'; '.join(_label(w, 2, 'en') for w in matching)}.",
            [coordinator.id],
        )
    return _check(
        "coordinator",
        FAIL,
        f"il coordinatore {coordinator.name} ({kind_it}) non rientra tra: {all_it}.",
        f"the coordinator {coordinator.name} ({kind_en}) is none of: {all_en}.",
        [coordinator.id],
    )


def _check_region(ctx: _Context, rule_id: str, rule: RegionRule) -> RuleCheck:
    where_it = _regions(rule.nuts, "it", ctx.names)
    where_en = _regions(rule.nuts, "en", ctx.names)
    inside = [p for p in ctx.partners if in_regions(p, rule.nuts)]
    unknown = [p for p in ctx.partners if not p.nuts]
    outside = [p for p in ctx.partners if p.nuts and not in_regions(p, rule.nuts)]
    unknown_it = ", ".join(_located(p, "it") for p in unknown)
    unknown_en = ", ".join(_located(p, "en") for p in unknown)
    if rule.all:
        if outside:
            k = len(outside)
            return _check(
                rule_id,
                FAIL,
                f"{k} partner fuori da {where_it}: "
                f"{', '.join(_located(p, 'it') for p in outside)}.",
                f"{_counted('all', k, 'en')} outside {where_en}: "
                f"{', '.join(_located(p, 'en') for p in outside)}.",
                [p.id for p in outside],
            )
        if unknown:
            return _check(
                rule_id,
                NOT_CHECKED,
                f"sede sconosciuta per {unknown_it}; gli altri partner sono in {where_it}.",
                f"location unknown for {unknown_en}; the other partners are in {where_en}.",
                [p.id for p in unknown],
            )
        return _check(
            rule_id,
            PASS,
            f"tutti i partner sono in {where_it}: {', '.join(_located(p, 'it') for p in inside)}.",
            f"all partners are in {where_en}: {', '.join(_located(p, 'en') for p in inside)}.",
            [p.id for p in inside],
        )
    low = rule.min or 0
    k = len(inside)
    text_it = f"{k} partner in {where_it}, {_need(low, None, 'it')}"
    text_en = f"{_counted('all', k, 'en')} in {where_en}, {_need(low, None, 'en')}"
    listed_it = f": {', '.join(_located(p, 'it') for p in inside)}" if inside else ""
    listed_en = f": {', '.join(_located(p, 'en') for p in inside)}" if inside else ""
    if k >= low:
        status: Status = PASS
    elif k + len(unknown) >= low:
        status = NOT_CHECKED
        listed_it += f"; sede sconosciuta per {unknown_it}"
        listed_en += f"; location unknown for {unknown_en}"
    else:
        status = FAIL
    involved = [p.id for p in inside] + ([p.id for p in unknown] if status == NOT_CHECKED else [])
    return _check(
        rule_id,
        status,
        f"{text_it}{listed_it}.",
        f"{text_en}{listed_en}.",
        involved,
        binding=k == low,
    )


def _check_independence(ctx: _Context, max_per_group: int) -> RuleCheck:
    groups: dict[str, list[Candidate]] = {}
    for partner in ctx.partners:
        groups.setdefault(partner.group_key, []).append(partner)
    binding = any(len(members) == max_per_group for members in groups.values())
    head_it = f"al massimo {max_per_group} partner per gruppo"
    head_en = f"at most {_counted('all', max_per_group, 'en')} per group"
    over = {key: members for key, members in groups.items() if len(members) > max_per_group}
    shared = {key: members for key, members in groups.items() if len(members) > 1}
    listed = over or shared
    text_it = "; ".join(
        f"gruppo {_group(ctx, key)}: {len(m)} partner ({_names(m)})" for key, m in listed.items()
    )
    text_en = "; ".join(
        f"group {_group(ctx, key)}: {_counted('all', len(m), 'en')} ({_names(m)})"
        for key, m in listed.items()
    )
    if not listed:
        text_it = "ogni partner è in un gruppo diverso"
        text_en = "every partner is in a different group"
    return _check(
        "independence",
        FAIL if over else PASS,
        f"{head_it}{'; ' if over else ': '}{text_it}.",
        f"{head_en}{'; ' if over else ': '}{text_en}.",
        [p.id for m in listed.values() for p in m],
        binding=binding,
    )


def _group(ctx: _Context, key: str) -> str:
    candidate = ctx.candidates.get(key)
    return candidate.name if candidate is not None else key


def _budget_gap(ctx: _Context, rule_id: str) -> RuleCheck | None:
    """A "not checked" outcome when the budgets do not allow computing shares, else None."""
    budgets = ctx.budgets
    if not budgets:
        return _check(
            rule_id,
            NOT_CHECKED,
            "il consorzio non ha ancora i budget dei partner.",
            "the consortium has no partner budgets yet.",
        )
    missing = [p for p in ctx.partners if p.id not in budgets]
    if missing:
        return _check(
            rule_id,
            NOT_CHECKED,
            f"manca il budget di {_names(missing)}.",
            f"no budget for {_names(missing)}.",
            [p.id for p in missing],
        )
    if sum(budgets[p.id] for p in ctx.partners) <= 0:
        return _check(
            rule_id,
            NOT_CHECKED,
            "il budget totale è zero.",
            "the total budget is zero.",
        )
    return None


def _check_share(ctx: _Context, rule_id: str, rule: ShareRule) -> RuleCheck:
    gap = _budget_gap(ctx, rule_id)
    if gap is not None:
        return gap
    budgets = ctx.budgets
    total = sum(budgets[p.id] for p in ctx.partners)
    counted = [p for p in ctx.partners if counts_as(p, rule.what)]
    limit = rule.max_share
    max_it, max_en = _pct(limit, "it"), _pct(limit, "en")
    total_it, total_en = _money(total, "it"), _money(total, "en")

    def at_limit(share: float) -> bool:
        return abs(share - limit) <= EPSILON

    if rule.per_partner:
        one_it, one_en = _label(rule.what, 1, "it"), _label(rule.what, 1, "en")
        head_it = f"al massimo {_il(max_it)}{max_it} del budget per {one_it}"
        head_en = f"at most {max_en} of the budget per {one_en}"
        if not counted:
            return _check(
                rule_id,
                PASS,
                f"{head_it}: nel consorzio non ci sono {_label(rule.what, 2, 'it')}.",
                f"{head_en}: no {_label(rule.what, 2, 'en')} in the consortium.",
            )
        shares = {p.id: budgets[p.id] / total for p in counted}

        def part(p: Candidate, lang: str) -> str:
            return (
                f"{p.name} {_pct(shares[p.id], lang)} "
                f"({_money(budgets[p.id], lang)} {'su' if lang == 'it' else 'of'} "
                f"{total_it if lang == 'it' else total_en})"
            )

        over = [p for p in counted if shares[p.id] > limit + EPSILON]
        binding = any(at_limit(share) for share in shares.values())
        if over:
            return _check(
                rule_id,
                FAIL,
                f"{head_it}; lo superano: {', '.join(part(p, 'it') for p in over)}.",
                f"{head_en}; above it: {', '.join(part(p, 'en') for p in over)}.",
                [p.id for p in over],
                binding=binding,
            )
        top = max(counted, key=lambda p: shares[p.id])
        return _check(
            rule_id,
            PASS,
            f"{head_it}; la quota più alta è di {part(top, 'it')}.",
            f"{head_en}; the largest share is {part(top, 'en')}.",
            [top.id],
            binding=binding,
        )
    amount = sum(budgets[p.id] for p in counted)
    share = amount / total
    many_it, many_en = _label(rule.what, 2, "it"), _label(rule.what, 2, "en")
    text_it = (
        f"al massimo {_il(max_it)}{max_it} del budget per {many_it} insieme: "
        f"{_pct(share, 'it')} ({_money(amount, 'it')} su {total_it})"
    )
    text_en = (
        f"at most {max_en} of the budget for {many_en} together: "
        f"{_pct(share, 'en')} ({_money(amount, 'en')} of {total_en})"
    )
    return _check(
        rule_id,
        PASS if share <= limit + EPSILON else FAIL,
        _with_names(text_it, counted),
        _with_names(text_en, counted),
        [p.id for p in counted],
        binding=at_limit(share),
    )


def first_rate(candidate: Candidate, rates: Sequence[CofundingRate]) -> int | None:
    """The index of the first co-funding rate (list order) that applies to ``candidate``."""
    return next((i for i, rate in enumerate(rates) if counts_as(candidate, rate.what)), None)


def _check_cofunding(
    ctx: _Context, index: int, rule: CofundingRate, rates: Sequence[CofundingRate]
) -> RuleCheck:
    """Informational: always "pass"; a partner gets the first rate of the list that applies."""
    mine = [p for p in ctx.partners if first_rate(p, rates) == index]
    earlier = [p for p in ctx.partners if counts_as(p, rule.what) and p not in mine]
    many_it, many_en = _label(rule.what, 2, "it"), _label(rule.what, 2, "en")
    head_it = f"cofinanziamento: {_pct(rule.rate, 'it')} per {many_it}"
    head_en = f"co-funding: {_pct(rule.rate, 'en')} for {many_en}"
    budgets = ctx.budgets
    if not mine:
        body_it, body_en = "nessun partner riceve questa aliquota", "no partner gets this rate"
    elif budgets:

        def funding(p: Candidate, lang: str) -> str:
            if p.id not in budgets:
                return f"{p.name} ({'budget mancante' if lang == 'it' else 'no budget'})"
            budget = budgets[p.id]
            return (
                f"{p.name} {_money(rule.rate * budget, lang)} "
                f"{'su' if lang == 'it' else 'of'} {_money(budget, lang)}"
            )

        funded = sum(rule.rate * budgets[p.id] for p in mine if p.id in budgets)
        body_it = "; ".join(funding(p, "it") for p in mine) + f" (totale {_money(funded, 'it')})"
        body_en = "; ".join(funding(p, "en") for p in mine) + f" (total {_money(funded, 'en')})"
    else:
        body_it = body_en = _names(mine)
    text_it, text_en = f"{head_it}: {body_it}", f"{head_en}: {body_en}"
    if earlier:
        text_it += f"; con un'aliquota precedente nella lista: {_names(earlier)}"
        text_en += f"; under an earlier rate of the list: {_names(earlier)}"
    return _check(f"cofunding[{index}]", PASS, f"{text_it}.", f"{text_en}.", [p.id for p in mine])


def _family(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def custom_test(value: Any, op: str, expected: Any) -> bool | None:
    """``value op expected`` for a custom rule; None when it cannot be told (no value, or a
    value of another type: numbers, strings and true/false are never compared with each other)."""
    family = _family(value)
    if family is None:
        return None
    if op in ("in", "not in"):
        found = any(_family(item) == family and item == value for item in expected)
        return found if op == "in" else not found
    if op in ("==", "!="):
        if _family(expected) != family:
            return None
        return (value == expected) if op == "==" else (value != expected)
    if _family(expected) != family or family == "bool":
        return None
    if op == "<":
        return bool(value < expected)
    if op == "<=":
        return bool(value <= expected)
    if op == ">":
        return bool(value > expected)
    if op == ">=":
        return bool(value >= expected)
    raise ValueError(f"unknown operator {op!r}")


def _shown(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def _check_custom(ctx: _Context, rule: CustomRule) -> RuleCheck:
    rule_id = f"custom:{rule.id}"
    test = f"{rule.field} {rule.op} {_shown(rule.value)}"
    desc_it = rule.text_it or rule.text_en or test
    desc_en = rule.text_en or rule.text_it or test
    scope = [ctx.coordinator] if rule.applies_to == "coordinator" else ctx.partners
    outcome = {p.id: custom_test(p.fields.get(rule.field), rule.op, rule.value) for p in scope}
    met = [p for p in scope if outcome[p.id] is True]
    unmet = [p for p in scope if outcome[p.id] is False]
    unknown = [p for p in scope if outcome[p.id] is None]

    def valued(partners: Sequence[Candidate]) -> str:
        return ", ".join(
            f"{p.name} ({rule.field} = {_shown(p.fields.get(rule.field))})" for p in partners
        )

    unknown_it = f"manca un valore confrontabile di {rule.field} per {_names(unknown)}"
    unknown_en = f"no comparable value of {rule.field} for {_names(unknown)}"
    if rule.applies_to == "at_least":
        low = rule.min or 0
        k = len(met)
        status: Status = PASS if k >= low else NOT_CHECKED if k + len(unknown) >= low else FAIL
        text_it = f"{desc_it}: rispettata da {k} partner, {_need(low, None, 'it')}"
        text_en = f"{desc_en}: met by {_counted('all', k, 'en')}, {_need(low, None, 'en')}"
        if met:
            text_it += f": {valued(met)}"
            text_en += f": {valued(met)}"
        involved = [p.id for p in met]
        if status == NOT_CHECKED:
            text_it += f"; {unknown_it}"
            text_en += f"; {unknown_en}"
            involved += [p.id for p in unknown]
        return _check(rule_id, status, f"{text_it}.", f"{text_en}.", involved, binding=k == low)
    who_it = "il coordinatore" if rule.applies_to == "coordinator" else "ogni partner"
    who_en = "the coordinator" if rule.applies_to == "coordinator" else "every partner"
    if unmet:
        return _check(
            rule_id,
            FAIL,
            f"{desc_it}: non rispettata da {valued(unmet)}.",
            f"{desc_en}: not met by {valued(unmet)}.",
            [p.id for p in unmet],
        )
    if unknown:
        return _check(
            rule_id,
            NOT_CHECKED,
            f"{desc_it}: {unknown_it}.",
            f"{desc_en}: {unknown_en}.",
            [p.id for p in unknown],
        )
    return _check(
        rule_id,
        PASS,
        f"{desc_it}: rispettata da {who_it}: {valued(met)}.",
        f"{desc_en}: met by {who_en}: {valued(met)}.",
        [p.id for p in met],
    )
