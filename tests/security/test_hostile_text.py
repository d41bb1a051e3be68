"""Hostile text in every field a user can write: it is shown escaped everywhere, links
never carry a ``javascript:`` or ``data:`` address, NUL characters are refused with a
message (never a server error, which PostgreSQL would give), and nothing crashes.

Two parts here (the doors that write text are in test_hostile_doors):

- every Django form of the project is found by walking the packages, and each one is
  named below with where its text goes; each field that takes text refuses NUL, each
  URL field refuses ``javascript:`` and ``data:`` addresses;
- the authorisation tests' world (every kind of record: organisations, people, offers,
  interests, events, meetings, calls, drafts, saved searches, scenarios, indicators) has
  every user-written text replaced with the payloads, and every page, drawing, export,
  PDF, calendar and API answer that shows them is fetched as several roles.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import pkgutil
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.test.utils import override_settings
from openpyxl import load_workbook

import distretto
from distretto.monitor.models import Indicator, Observation
from distretto.network.models import Scenario
from distretto.network.services import run_scenario
from tests.api.conftest import bearer
from tests.security.conftest import ADMIN, FACILITATOR, MEMBER, World

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}"
SQL = "'; DROP TABLE x;--"
RTL = "\u202egnp.exe"
PAYLOAD = f"{SCRIPT}{IMG}{TEMPLATE}{SQL}{RTL}"
# What must never appear in an HTML or SVG answer, and what the escaped payload looks like.
RAW = ("<script>alert", "<img src=x")
ESCAPED = "&lt;script&gt;alert("
BAD_URLS = (
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
)


# --- every form -----------------------------------------------------------------------------

# Every form of the project, with where the text it takes is shown and tested (below;
# "doors": test_hostile_doors).
FORMS = {
    "accounts.admin.ApiTokenAddForm": "admin only; token name: field checks",
    "accounts.views.EraseForm": "a password, never shown; field checks",
    "accounts.views.TokenForm": "token name, shown to its owner only; field checks",
    "calls.admin.CallAdminForm": "call title/programme/link: world pages (call detail)",
    "calls.forms.BuilderForm": "idea text: not stored (builder input); field checks",
    "calls.forms.DraftForm": "draft title/idea: world pages (drafts)",
    "calls.forms.EligibilityForm": "filters only; field checks",
    "events.forms.AnswerForm": "answer note: world pages (meetings)",
    "events.forms.EventForm": "event name/venue/description: world pages, iCal, PDF",
    "events.forms.MeetingRequestForm": "reason: world pages (participation, manage)",
    "events.forms.OrganiserMeetingForm": "reason: world pages (manage)",
    "events.forms.ParticipationTypeForm": "name: world pages (register, setup)",
    "events.forms.RegistrationForm": "people, profiles: world pages (marketplace)",
    "events.forms.ReportForm": "meeting report note: world pages (outcomes)",
    "events.forms.ScheduleForm": "numbers only; field checks",
    "events.forms.SessionForm": "session name: world pages, agenda PDF/iCal",
    "monitor.admin.ObservationForm": "source, notes, link: world pages, open data; doors",
    "network.forms.GraphFilterForm": "filters only; field checks",
    "network.forms.ScenarioForm": "scenario name/note: world pages (scenarios)",
    "opportunities.admin.ProfileAdminForm": "the profile fields: world pages (profiles)",
    "opportunities.forms.DeclineForm": "decline text: world pages (interests)",
    "opportunities.forms.InterestForm": "message: world pages (interests, pipeline)",
    "opportunities.forms.ProfileFilterForm": "filters only; field checks",
    "opportunities.forms.ProfileForm": "the profile fields: doors (profile form)",
    "registry.admin.OrganisationForm": "organisation fields: world pages",
    "registry.forms.ImportConfirmForm": "a token; field checks",
    "registry.forms.ImportUploadForm": "files: test_hostile_uploads, doors (imports)",
    "web.edit_forms.OrganisationProfileForm": "organisation fields: doors (organisation form)",
    "web.edit_forms.PersonForm": "person fields: doors (person form)",
    "web.forms.DirectoryFilterForm": "filters; reflected: test_search_reflects_the_query_escaped",
    "web.forms.SearchForm": "query; reflected: test_search_reflects_the_query_escaped",
}


def project_forms() -> dict[str, type[forms.BaseForm]]:
    """Every form class defined in the project's packages, by "app.module.Class"."""
    found: dict[str, type[forms.BaseForm]] = {}
    for module_info in pkgutil.walk_packages(distretto.__path__, "distretto."):
        name = module_info.name
        if ".migrations" in name or ".management" in name or name.endswith(".wsgi"):
            continue
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == name
                and cls not in (forms.BaseForm,)
            ):
                found[f"{name.removeprefix('distretto.')}.{cls.__name__}"] = cls
    return found


def test_every_form_is_covered():
    assert sorted(project_forms()) == sorted(FORMS)


def text_fields(cls: type[forms.BaseForm]) -> Iterator[tuple[str, forms.Field]]:
    for name, field in cls.base_fields.items():
        # A JSON field's NUL is an escape inside JSON text: the middleware refuses it.
        if isinstance(field, forms.CharField) and not isinstance(field, forms.JSONField):
            yield name, field


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_text_fields_refuse_nul_and_url_fields_bad_schemes(name):
    cls = project_forms()[name]
    for field_name, field in text_fields(cls):
        with pytest.raises(ValidationError) as refused:
            field.clean("Alpha\x00Beta")
        assert "Null characters are not allowed." in refused.value.messages, field_name
        if isinstance(field, forms.URLField):
            for url in BAD_URLS:
                with pytest.raises(ValidationError) as refused:
                    field.clean(url)
                assert refused.value.messages == ["Enter a valid URL."], (field_name, url)


def test_model_url_fields_refuse_bad_schemes():
    from django.apps import apps

    for model in apps.get_app_configs():
        if not model.name.startswith("distretto."):
            continue
        for cls in model.get_models():
            for field in cls._meta.get_fields():
                if isinstance(field, models.URLField):
                    for url in BAD_URLS:
                        with pytest.raises(ValidationError):
                            field.clean(url, None)


# --- the world, with hostile text everywhere -------------------------------------------------

# Model -> the fields left alone: not free text a user writes (identifiers the code parses,
# reference data) or checked elsewhere (a VAT number is validated at every door).
NOT_USER_TEXT = {"vat_number", "period", "territory_code", "password", "username"}
USER_MODELS = (
    "registry.Organisation",
    "registry.OrganisationFact",
    "registry.Site",
    "registry.Person",
    "registry.Tie",
    "opportunities.CooperationProfile",
    "opportunities.ExpressionOfInterest",
    "alerts.SavedSearch",
    "events.Event",
    "events.Session",
    "events.ParticipationType",
    "events.Meeting",
    "events.MeetingReport",
    "calls.Call",
    "calls.ConsortiumDraft",
    "calls.ConsortiumPartner",
    "network.Scenario",
    "monitor.Indicator",
    "monitor.Observation",
    "accounts.User",
)


def hostile_value(field: models.Field, suffix: str) -> str:
    if isinstance(field, models.URLField):
        return BAD_URLS[0]  # stored behind the validators' back: never rendered as a link
    value = f"{PAYLOAD} {suffix}"
    return value[: field.max_length] if field.max_length else value


def fill_with_payloads() -> int:
    """Replace every user-written text of the world with the payloads; the fields changed."""
    from django.apps import apps

    changed = 0
    for label in USER_MODELS:
        model = apps.get_model(label)
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
            and not f.choices
            and not isinstance(f, (models.SlugField, models.EmailField))
            and f.name not in NOT_USER_TEXT
            and (f.max_length is None or f.max_length >= 20)
        ]
        for instance in model.objects.all():
            for field in fields:
                setattr(
                    instance, field.attname, hostile_value(field, f"{model.__name__}{instance.pk}")
                )
                changed += 1
            instance.save()
    return changed


@pytest.fixture(scope="module")
def hostile(world: World, django_db_blocker: Any) -> World:
    with django_db_blocker.unblock(), override_settings(SEARCH_EMBEDDER="none"):
        indicator = Indicator.objects.get(slug=world.indicator)
        for period in ("2023", "2024"):
            Observation.objects.create(
                indicator=indicator,
                territory_kind="district",
                territory_code="mirandola",
                period=period,
                period_start=date(int(period), 1, 1),
                value=10,
                source="ISTAT",
            )
        # A scenario as the service saves it (the world's has no result to show).
        result, _network = run_scenario(world.users[FACILITATOR], {"organisations": [world.org_c]})
        Scenario.objects.filter(pk=world.scenario).update(
            area=result.area.to_dict(), result=result.to_dict()
        )
        assert fill_with_payloads() > 100
    return world


def client_for(world: World, role: str | None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if role is not None:
        client.force_login(world.users[role])
    return client


def pages(w: World) -> list[str]:
    event, reg = f"/en/events/{w.event}", w.reg_a
    return [
        "/en/",
        "/en/organisations/",
        f"/en/organisations/{w.org_a}/",
        f"/en/organisations/{w.org_c}/",
        f"/en/organisations/{w.org_a}/edit/",
        f"/en/search/?q={SCRIPT}",
        "/en/search/?q=alfa",
        "/en/profiles/",
        "/en/profiles/mine/",
        f"/en/profiles/{w.profile_public}/",
        f"/en/profiles/{w.profile_draft}/",
        f"/en/profiles/{w.profile_c}/",
        f"/en/profiles/{w.profile_public}/edit/",
        f"/en/profiles/{w.profile_public}/partners/",
        "/en/profiles/interests/",
        "/en/profiles/pipeline/",
        "/en/alerts/",
        "/en/events/",
        f"{event}/",
        f"{event}/edit/",
        f"{event}/setup/",
        f"{event}/register/",
        f"{event}/participants/",
        f"{event}/outcomes/",
        f"{event}/r/{reg}/",
        f"{event}/r/{reg}/edit/",
        f"{event}/r/{reg}/meet/{w.reg_c}/",
        f"{event}/r/{reg}/agenda/",
        f"{event}/r/{reg}/agenda.ics",
        f"{event}/r/{reg}/agenda.pdf",
        f"{event}/manage/",
        f"{event}/manage/meetings/",
        f"{event}/manage/schedule/",
        f"{event}/manage/runs/{w.run}/",
        f"{event}/manage/grid/",
        f"{event}/manage/files/grid.pdf",
        f"{event}/manage/files/tables.pdf",
        f"{event}/manage/files/programme.xlsx",
        f"{event}/manage/files/statistics.csv",
        f"{event}/manage/files/statistics.xlsx",
        "/en/calls/",
        f"/en/calls/{w.call}/",
        f"/en/calls/{w.call}/build/",
        "/en/calls/drafts/",
        f"/en/calls/drafts/{w.consortium}/",
        f"/en/calls/drafts/{w.consortium}/partners.csv",
        f"/en/calls/drafts/{w.consortium}/partners.xlsx",
        f"/en/calls/drafts/{w.consortium}/partners.pdf",
        "/en/network/",
        "/en/network/map/",
        "/en/network/analysis/",
        f"/en/network/organisations/{w.org_a}/",
        "/en/network/scenarios/",
        f"/en/network/scenarios/{w.scenario}/",
        "/en/network/export.csv",
        "/en/network/export.graphml",
        "/en/network/export.gexf",
        "/en/monitor/",
        "/en/monitor/compare/",
        f"/en/monitor/indicators/{w.indicator}/",
        f"/en/monitor/indicators/{w.indicator}/data.csv",
        f"/en/monitor/indicators/{w.indicator}/data.json",
        "/en/monitor/report/",
        "/en/registry/export/?format=csv",
        "/en/registry/export/?format=xlsx",
        "/en/registry/export/?format=json",
        "/api/v1/organisations",
        f"/api/v1/organisations/{w.org_a}",
        "/api/v1/profiles",
        f"/api/v1/events/{w.event}",
        "/api/v1/search?q=alfa",
        "/api/v1/saved-searches",
    ]


MARKUP = ("text/html", "image/svg", "application/xhtml", "application/graphml", "application/gexf")


def check_answer(url: str, response: Any) -> None:
    assert response.status_code < 500, url
    content_type = response.get("Content-Type", "")
    body = response.content
    if content_type.startswith(MARKUP):
        text = body.decode()
        for raw in RAW:
            assert raw not in text, (url, raw)
        # No link to a javascript: or data: address, however it was stored.
        assert 'href="javascript:' not in text.lower(), url
        assert 'href="data:' not in text.lower(), url
    elif content_type.startswith("application/pdf"):
        assert body.startswith(b"%PDF"), url
    elif content_type.startswith("application/json"):
        json.loads(body)  # well-formed: the payload's quotes are escaped
    elif "spreadsheetml" in content_type:
        workbook = load_workbook(io.BytesIO(body))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (url, cell.coordinate)
        assert b"<f>" not in b"".join(
            zipfile.ZipFile(io.BytesIO(body)).read(name)
            for name in zipfile.ZipFile(io.BytesIO(body)).namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize("role", [None, MEMBER, ADMIN, FACILITATOR])
def test_every_page_shows_the_payloads_escaped(db, hostile, role):
    client = client_for(hostile, role)
    answered = 0
    for url in pages(hostile):
        if url.startswith("/api/") and role is not None:
            response = client.get(url, headers=bearer(hostile.users[role]))
        else:
            response = client.get(url)
        check_answer(url, response)
        answered += response.status_code == 200
    assert answered > (10 if role is None else 30)


@pytest.mark.parametrize(
    "url_of",
    [
        lambda w: f"/en/organisations/{w.org_a}/",
        lambda w: f"/en/profiles/{w.profile_public}/",
        lambda w: f"/en/events/{w.event}/",
        lambda w: f"/en/calls/drafts/{w.consortium}/",
        lambda w: f"/en/network/scenarios/{w.scenario}/",
        lambda w: f"/en/monitor/indicators/{w.indicator}/",
        lambda w: f"/en/network/organisations/{w.org_a}/",
    ],
)
def test_the_payload_is_there_escaped(db, hostile, url_of):
    response = client_for(hostile, FACILITATOR).get(url_of(hostile))
    assert response.status_code == 200
    text = response.content.decode()
    assert ESCAPED in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_network_drawing_escapes_titles_and_labels(db, hostile):
    text = client_for(hostile, FACILITATOR).get(f"/en/network/organisations/{hostile.org_a}/")
    svg = text.content.decode().split('<svg class="network-graph', 1)[1].split("</svg>", 1)[0]
    assert "<title>&lt;script&gt;alert(" in svg
    for raw in RAW:
        assert raw not in svg


def test_map_data_is_escaped_json(db, hostile):
    text = client_for(hostile, FACILITATOR).get("/en/network/map/").content.decode()
    script = text.split('id="district-map-data"', 1)[1].split("</script>", 1)[0]
    assert "\\u003Cscript\\u003Ealert(" in script


def test_ical_and_pdf_carry_the_text_as_text(db, hostile):
    client = client_for(hostile, ADMIN)
    ics = client.get(f"/en/events/{hostile.event}/r/{hostile.reg_a}/agenda.ics")
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in ics.content
    pdf = client.get(f"/en/events/{hostile.event}/r/{hostile.reg_a}/agenda.pdf")
    assert (pdf.status_code, pdf.content[:4]) == (200, b"%PDF")


def test_search_reflects_the_query_escaped(db, client):
    for url in (f"/en/search/?q={IMG}", f"/en/organisations/?q={IMG}", f"/en/profiles/?q={IMG}"):
        response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert "<img src=x" not in text
        assert "&lt;img src=x" in text or "&quot;&gt;&lt;img" in text


def test_ical_text_cannot_add_lines_of_its_own(db, hostile):
    from distretto.events.models import Event

    Event.objects.filter(slug=hostile.event).update(
        name="Day\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:evil", venue="a;b,c\\d\nATTACH:x"
    )
    ics = client_for(hostile, ADMIN).get(f"/en/events/{hostile.event}/r/{hostile.reg_a}/agenda.ics")
    assert ics.status_code == 200
    text = ics.content.decode()
    assert "X-WR-CALNAME:Day END:VCALENDAR BEGIN:VEVENT SUMMARY:evil" in text  # one line
    lines = text.replace("\r\n ", "").split("\r\n")  # unfolded
    assert lines.count("END:VCALENDAR") == 1
    assert not any(line.startswith(("SUMMARY:evil", "ATTACH:")) for line in lines)
