"""The facilitators' import page: upload, preview (nothing written), confirm, and who may use it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from distretto.registry import staged_uploads
from distretto.registry.imports import RowError
from distretto.registry.models import Organisation
from tests import factories

URL = "/en/registry/import/"
GOOD = b"name,kind,municipality,segments\nAlpha Medical,sme,036022,dialysis;cardiac_surgery\n"
ONE_BAD = b"name,kind,municipality\nAlpha Medical,sme,036022\nBeta Lab,company,\n"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Each test keeps its staged uploads in its own folder."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def reference(db):
    factories.import_reference_data()


@pytest.fixture
def second_facilitator_client(db):
    client = Client()
    client.force_login(factories.UserFactory(username="facilitator2", is_facilitator=True))
    return client


@pytest.fixture
def facilitator_client(client, facilitator, reference):
    client.force_login(facilitator)
    return client


def upload(client, content: bytes, name: str = "orgs.csv", **extra: str):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra}
    return client.post(URL, data)


def staged_files() -> list[Path]:
    return sorted((Path(settings.DATA_DIR) / "imports").glob("*.upload"))


def test_import_page_shows_the_upload_form(facilitator_client):
    response = facilitator_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="skip_bad_rows"' in html
    assert "<code>vat_number</code>" in html
    assert 'href="/en/registry/export/?format=xlsx"' in html


def test_import_preview_then_confirm(facilitator_client):
    preview = upload(facilitator_client, GOOD)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.dry_run is True
    assert [(p.row, p.name, p.municipality_name, p.code_count) for p in result.organisations] == [
        (2, "Alpha Medical", "Mirandola", 2)
    ]
    html = preview.content.decode()
    assert "1 organisation would be created." in html
    assert "<td>Mirandola (036022)</td>" in html
    assert Organisation.objects.count() == 0
    token = preview.context["confirm_form"].initial["upload"]
    assert staged_files() == [Path(settings.DATA_DIR) / "imports" / f"{token}.upload"]

    done = facilitator_client.post(URL, {"upload": token})
    assert done.status_code == 200
    assert done.context["done"] is True
    assert "Imported 1 organisation." in done.content.decode()
    alpha = Organisation.objects.get()
    assert (alpha.name, alpha.sites.get().municipality.istat_code, alpha.codes.count()) == (
        "Alpha Medical",
        "036022",
        2,
    )
    assert f'href="/en/organisations/{alpha.slug}/"' in done.content.decode()
    assert staged_files() == []
    # Sending the confirmation again imports nothing twice.
    again = facilitator_client.post(URL, {"upload": token})
    assert again.context["expired"] == "This upload is no longer available; choose the file again."
    assert Organisation.objects.count() == 1


def test_import_preview_lists_errors_and_confirm_imports_nothing(facilitator_client):
    preview = upload(facilitator_client, ONE_BAD)
    expected = RowError(
        3,
        "kind",
        'Unknown kind "company". Use one of: large_company, sme, startup, research_centre, '
        "university, hospital, training, technology_transfer, association, public_authority, "
        "investor, patient_association.",
    )
    assert preview.context["result"].errors == [expected]
    html = preview.content.decode()
    assert "<td>3</td><td><code>kind</code></td><td>Unknown kind &quot;company&quot;." in html
    token = preview.context["confirm_form"].initial["upload"]
    refused = facilitator_client.post(URL, {"upload": token})
    assert refused.context["result"].errors == [expected]
    assert refused.context["result"].written is False
    assert Organisation.objects.count() == 0
    # Ticking "skip bad rows" at the confirmation imports the good row only.
    done = facilitator_client.post(URL, {"upload": token, "skip_bad_rows": "on"})
    assert done.context["done"] is True
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Alpha Medical"]


def test_import_preview_of_an_unreadable_file_offers_no_import(facilitator_client):
    preview = upload(facilitator_client, b"name,colour\nAlpha,red\n")
    assert preview.context["result"].fatal is True
    assert preview.context["confirm_form"] is None
    assert "This file cannot be imported." in preview.content.decode()


def test_import_upload_must_be_csv_or_xlsx(facilitator_client):
    response = upload(facilitator_client, GOOD, name="orgs.pdf")
    assert response.context["form"].errors == {"file": ["Choose a .csv or .xlsx file."]}
    assert "result" not in response.context


def test_import_confirm_with_someone_elses_upload_is_refused(
    facilitator_client, second_facilitator_client
):
    preview = upload(facilitator_client, GOOD)
    token = preview.context["confirm_form"].initial["upload"]
    stranger = second_facilitator_client.post(URL, {"upload": token})
    assert stranger.context["expired"] == (
        "This upload is no longer available; choose the file again."
    )
    assert Organisation.objects.count() == 0


def test_import_page_refused_to_a_member(client, member, reference):
    client.force_login(member)
    assert client.get(URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert Organisation.objects.filter(name="Alpha Medical").count() == 0


def test_import_page_sends_visitors_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/registry/import/"


def test_staged_upload_belongs_to_its_session(data_dir):
    session: dict[str, str] = {}
    token = staged_uploads.stage(session, b"content")
    assert staged_uploads.load(session, token) == b"content"
    assert staged_uploads.load({}, token) is None
    assert staged_uploads.load(session, "../../etc/passwd") is None
    second = staged_uploads.stage(session, b"newer")
    assert staged_uploads.load(session, token) is None
    assert sorted(p.name for p in (data_dir / "imports").iterdir()) == [f"{second}.upload"]
