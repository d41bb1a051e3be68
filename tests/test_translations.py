"""The Italian and English catalogues: complete, compiled, in step with the code, and used.

The catalogues live in ``src/distretto/locale``; ``make messages`` regenerates and
compiles them. A string added to the code without a translation fails here by name.
"""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

import polib
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from distretto.registry.validators import validate_vat_number
from tests.web.html import parse

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "src" / "distretto"
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("it", "en")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def entry_key(entry: polib.POEntry) -> tuple[str | None, str, str | None]:
    return entry.msgctxt, entry.msgid, entry.msgid_plural or None


def describe(keys: set[tuple[str | None, str, str | None]]) -> list[str]:
    return sorted(f"{msgctxt}|{msgid}" if msgctxt else msgid for msgctxt, msgid, _ in keys)


def test_every_italian_entry_is_translated_and_none_is_fuzzy():
    po = catalogue("it")
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert (untranslated, fuzzy) == ([], []), (
        f"it/django.po: untranslated {untranslated}, fuzzy {fuzzy}"
    )
    assert po.metadata["Language"] == "it"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    incomplete_plurals = [
        entry.msgid for entry in po if entry.msgid_plural and sorted(entry.msgstr_plural) != [0, 1]
    ]
    assert incomplete_plurals == []


def test_english_catalogue_fills_only_plurals_and_contexts():
    po = catalogue("en")
    assert po.fuzzy_entries() == []
    filled_plain = [
        entry.msgid for entry in po if entry.msgstr and not entry.msgid_plural and not entry.msgctxt
    ]
    assert filled_plain == [], "English is the source language; leave these msgstr empty"
    plurals = [entry for entry in po if entry.msgid_plural]
    assert [
        entry.msgid
        for entry in plurals
        if entry.msgstr_plural != {0: entry.msgid, 1: entry.msgid_plural}
    ] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_po_file(language, tmp_path):
    directory = LOCALE_DIR / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    catalogue(language).save_as_mofile(str(fresh))
    with fresh.open("rb") as handle:
        expected = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    with (directory / "django.mo").open("rb") as handle:
        committed = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected.pop("", None)
    committed.pop("", None)
    stale = sorted(
        str(key)
        for key in expected.keys() | committed.keys()
        if expected.get(key) != committed.get(key)
    )
    assert stale == [], f"{language}/django.mo is out of date; run `make messages`: {stale}"


def test_catalogues_hold_exactly_the_strings_of_the_code(tmp_path, settings, monkeypatch):
    """Extract the strings again into a scratch copy of the package and compare."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed")
    copy = tmp_path / "distretto"
    shutil.copytree(
        PACKAGE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "static", "data"),
    )
    settings.LOCALE_PATHS = [str(copy / "locale")]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["it"], no_obsolete=True, no_location=True, verbosity=0)
    extracted = {
        entry_key(entry)
        for entry in polib.pofile(str(copy / "locale" / "it" / "LC_MESSAGES" / "django.po"))
    }
    for language in LANGUAGES:
        committed = {entry_key(entry) for entry in catalogue(language)}
        missing = describe(extracted - committed)
        obsolete = describe(committed - extracted)
        assert missing == [], f"not in {language}/django.po; run `make messages`: {missing}"
        assert obsolete == [], f"no longer in the code, in {language}/django.po: {obsolete}"


def test_domain_strings_marked_with_the_no_op_marker_are_in_the_catalogue():
    msgids = {entry.msgid for entry in catalogue("it")}
    assert {
        "The parent groups form a circle.",  # registry/domain/dataset.py
        "name of the organisation",  # registry/domain/import_rows.py
        "Not a valid Italian VAT number: check digit or office code is wrong.",  # validation.py
        '"%(code)s" is not an EMDN code (a letter followed by pairs of digits).',  # taxonomy
    } <= msgids


def test_italian_home_page_speaks_italian(client, db):
    page = parse(client.get("/").content)
    assert page.one("html").attrs["lang"] == "it"
    assert page.texts(".main-nav a") == [
        "Home",
        "Cerca",
        "Organizzazioni",
        "Offerte e richieste",
        "Eventi",
        "Bandi",
        "Rete",
        "Monitor",
    ]
    assert page.texts("h1") == ["Benvenuti su Distretto"]
    assert page.texts(".stat dt") == ["Organizzazioni", "Comuni", "Relazioni tra loro"]
    assert page.one("a.skip-link").text == "Vai al contenuto"


def test_english_home_page_keeps_the_source_strings(client, db):
    page = parse(client.get("/en/").content)
    assert page.one("html").attrs["lang"] == "en"
    assert page.texts(".main-nav a") == [
        "Home",
        "Search",
        "Organisations",
        "Offers and requests",
        "Events",
        "Calls",
        "Network",
        "Monitor",
    ]
    assert page.texts("h1") == ["Welcome to Distretto"]


def test_italian_directory_has_italian_filters_and_counts(client, db):
    page = parse(client.get("/organisations/").content)
    assert page.texts("h1") == ["Organizzazioni"]
    assert page.texts("details.facet summary")[0] == "Tipologia di organizzazione"
    assert page.texts(".filter-actions button") == ["Applica i filtri"]
    assert page.texts("#result-count") == ["0 organizzazioni"]


def test_domain_validation_message_is_translated():
    with pytest.raises(ValidationError) as italian, translation.override("it"):
        validate_vat_number("12345678901")
    assert italian.value.messages == [
        "Partita IVA italiana non valida: la cifra di controllo o il codice dell'ufficio "
        "provinciale è errato."
    ]
    with pytest.raises(ValidationError) as english, translation.override("en"):
        validate_vat_number("12345678901")
    assert english.value.messages == [
        "Not a valid Italian VAT number: check digit or office code is wrong."
    ]


def test_italian_plurals_follow_the_count():
    with translation.override("it"):
        assert [
            translation.ngettext(
                "%(count)d organisation published.", "%(count)d organisations published.", n
            )
            % {"count": n}
            for n in (1, 2)
        ] == ["1 organizzazione pubblicata.", "2 organizzazioni pubblicate."]
