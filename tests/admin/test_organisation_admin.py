"""The back office for organisations: lists, search, filters, actions, validation, duplicates."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from distretto.registry.enums import Status
from distretto.registry.models import Organisation
from tests import factories

VALID_VAT = "03207990361"
CHANGELIST = "admin:registry_organisation_changelist"


def listed(response) -> list[str]:
    """The organisation names in a changelist page, in order."""
    return [str(obj) for obj in response.context["cl"].result_list]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(**fields) -> dict:
    """A complete add/change form for an organisation, with empty inlines."""
    data = {
        "name": "",
        "slug": "",
        "legal_name": "",
        "kind": "sme",
        "status": "draft",
        "summary_it": "",
        "summary_en": "",
        "description_it": "",
        "description_en": "",
        "website": "",
        "vat_number": "",
        "founded": "",
        "staff_band": "",
        "staff_year": "",
        "turnover_band": "",
        "turnover_year": "",
        "source": "test",
    }
    for prefix in ("sites", "people", "facts", "ties_out"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(fields)
    return data


@pytest.fixture
def registry(db):
    medolla = factories.MunicipalityFactory(istat_code="036021", name="Medolla")
    dialysis = factories.CodeFactory(code="dialysis", label_it="Dialisi", label_en="Dialysis")
    alpha = factories.OrganisationFactory(
        name="Alpha Dialysis", kind="large_company", vat_number=VALID_VAT
    )
    alpha.codes.add(dialysis)
    factories.SiteFactory(organisation=alpha)
    beta = factories.OrganisationFactory(name="Beta Lab", kind="research_centre", status="draft")
    factories.SiteFactory(organisation=beta, municipality=medolla, is_headquarters=True)
    factories.SiteFactory(organisation=beta)
    factories.OrganisationFactory(name="Gamma", summary_en="Sterilisation by e-beam")
    return {"alpha": alpha, "beta": beta}


def test_changelist_shows_name_kind_status_municipality(admin_client, registry):
    response = admin_client.get(reverse(CHANGELIST))

    page = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == ["Alpha Dialysis", "Beta Lab", "Gamma"]
    assert '<td class="field-main_municipality">Medolla</td>' in page  # headquarters first
    assert '<td class="field-main_municipality">Mirandola</td>' in page
    assert '<td class="field-kind">Research centre</td>' in page
    assert '<td class="field-status">Draft</td>' in page


def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, db, django_assert_max_num_queries
):
    factories.SiteFactory(organisation=factories.OrganisationFactory(name="One"))
    admin_client.get(reverse(CHANGELIST))
    with django_assert_max_num_queries(20) as one:
        admin_client.get(reverse(CHANGELIST))
    for name in ("Two", "Three"):
        factories.SiteFactory(organisation=factories.OrganisationFactory(name=name))
    with django_assert_max_num_queries(20) as three:
        admin_client.get(reverse(CHANGELIST))

    assert len(three.captured_queries) == len(one.captured_queries)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("alpha", ["Alpha Dialysis"]),
        (VALID_VAT, ["Alpha Dialysis"]),
        ("e-beam", ["Gamma"]),
        ("dispositivi medici", ["Alpha Dialysis", "Beta Lab", "Gamma"]),
    ],
)
def test_changelist_search_by_name_vat_and_summaries(admin_client, registry, term, expected):
    response = admin_client.get(reverse(CHANGELIST), {"q": term})

    assert listed(response) == expected


def test_changelist_filters_by_status_kind_segment_and_municipality(admin_client, registry):
    url = reverse(CHANGELIST)
    medolla = registry["beta"].sites.get(is_headquarters=True).municipality

    by_status = admin_client.get(url, {"status__exact": "draft"})
    by_kind = admin_client.get(url, {"kind__exact": "large_company"})
    by_segment = admin_client.get(url, {"segment": "dialysis"})
    by_place = admin_client.get(url, {"sites__municipality__id__exact": medolla.pk})
    page = by_segment.content.decode()

    assert listed(by_status) == ["Beta Lab"]
    assert listed(by_kind) == ["Alpha Dialysis"]
    assert listed(by_segment) == ["Alpha Dialysis"]
    assert listed(by_place) == ["Beta Lab"]
    assert "By market segment" in page
    assert '<a href="?segment=dialysis">Dialysis</a>' in page


def test_publish_action_goes_through_set_status(admin_client, registry):
    beta = registry["beta"]

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [beta.pk]},
        follow=True,
    )

    beta.refresh_from_db()
    assert beta.status == Status.PUBLISHED
    assert "1 organisation published." in [str(m) for m in response.context["messages"]]


def test_submit_and_archive_actions(admin_client, registry):
    alpha, beta = registry["alpha"], registry["beta"]
    url = reverse(CHANGELIST)

    admin_client.post(url, {"action": "submit_for_review", "_selected_action": [beta.pk]})
    response = admin_client.post(
        url, {"action": "archive", "_selected_action": [alpha.pk, beta.pk]}, follow=True
    )

    assert sorted(Organisation.objects.values_list("name", "status")) == [
        ("Alpha Dialysis", "archived"),
        ("Beta Lab", "archived"),
        ("Gamma", "published"),
    ]
    assert "2 organisations archived." in [str(m) for m in response.context["messages"]]


def test_add_form_renders_with_inlines(admin_client, db):
    response = admin_client.get(reverse("admin:registry_organisation_add"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="sites-group"' in page
    assert 'id="people-group"' in page
    assert 'id="facts-group"' in page
    assert 'id="ties_out-group"' in page
    assert "Ties to other organisations" in page


def test_add_form_saves_a_valid_organisation_with_canonical_vat(admin_client, db):
    response = admin_client.post(
        reverse("admin:registry_organisation_add"),
        form_data(name="Nuova", slug="nuova", vat_number=f"IT {VALID_VAT}", founded="1990"),
    )

    created = Organisation.objects.get(slug="nuova")
    assert response.status_code == 302
    assert (created.vat_number, created.founded, created.status) == (VALID_VAT, 1990, "draft")


def test_add_form_status_is_set_through_the_service(admin_client, db):
    admin_client.post(
        reverse("admin:registry_organisation_add"),
        form_data(name="Published Now", slug="published-now", status="published"),
    )

    assert Organisation.objects.get(slug="published-now").status == "published"


def test_add_form_shows_model_validation_on_the_fields(admin_client, db):
    response = admin_client.post(
        reverse("admin:registry_organisation_add"),
        form_data(name="Bad", slug="bad", vat_number="12345678901", founded="2999"),
    )

    errors = response.context["adminform"].form.errors
    assert response.status_code == 200
    assert errors == {
        "vat_number": ["Not a valid Italian VAT number: check digit or office code is wrong."],
        "founded": ["The founding year is in the future."],
    }
    assert Organisation.objects.count() == 0


def test_add_form_duplicate_vat_is_reported_on_the_field(admin_client, registry):
    response = admin_client.post(
        reverse("admin:registry_organisation_add"),
        form_data(name="Copy", slug="copy", vat_number=f"IT{VALID_VAT}"),
    )

    assert response.context["adminform"].form.errors == {
        "vat_number": ["An organisation with this VAT number already exists: Alpha Dialysis."]
    }
    assert "An organisation with this VAT number already exists" in response.content.decode()
    assert Organisation.objects.filter(slug="copy").count() == 0


def test_change_form_duplicate_name_in_same_municipality_is_reported_on_name(
    admin_client, registry
):
    gamma = Organisation.objects.get(name="Gamma")
    factories.SiteFactory(organisation=gamma)  # Mirandola, like Alpha Dialysis

    response = admin_client.post(
        reverse("admin:registry_organisation_change", args=[gamma.pk]),
        form_data(
            name="alpha  DIALYSIS",
            slug="gamma",
            status="published",
            **{
                "sites-TOTAL_FORMS": "1",
                "sites-INITIAL_FORMS": "1",
                "sites-0-id": str(gamma.sites.get().pk),
                "sites-0-organisation": str(gamma.pk),
                "sites-0-name": "Plant",
                "sites-0-municipality": str(gamma.sites.get().municipality_id),
            },
        ),
    )

    assert response.context["adminform"].form.errors == {
        "name": [
            "An organisation with this name already exists in this municipality: Alpha Dialysis."
        ]
    }
    assert Organisation.objects.get(pk=gamma.pk).name == "Gamma"


def test_add_form_site_making_a_duplicate_is_refused(admin_client, registry):
    mirandola = registry["alpha"].sites.get().municipality

    response = admin_client.post(
        reverse("admin:registry_organisation_add"),
        form_data(
            name="Alpha Dialysis",
            slug="alpha-2",
            **{
                "sites-TOTAL_FORMS": "1",
                "sites-0-name": "Plant",
                "sites-0-municipality": str(mirandola.pk),
            },
        ),
    )

    site_formset = response.context["inline_admin_formsets"][0].formset
    assert site_formset.non_form_errors() == [
        "An organisation with this name already exists in this municipality: Alpha Dialysis."
    ]
    assert Organisation.objects.filter(name="Alpha Dialysis").count() == 1


def test_change_form_records_when_consent_changes(admin_client, organisation):
    person = factories.PersonFactory(organisation=organisation, full_name="Pia")

    admin_client.post(
        reverse("admin:registry_organisation_change", args=[organisation.pk]),
        form_data(
            name="Acme Medical",
            slug=organisation.slug,
            status="published",
            **{
                "people-TOTAL_FORMS": "1",
                "people-INITIAL_FORMS": "1",
                "people-0-id": str(person.pk),
                "people-0-organisation": str(organisation.pk),
                "people-0-full_name": "Pia",
                "people-0-role": person.role,
                "people-0-email": person.email,
                "people-0-consent_public": "on",
            },
        ),
    )

    person.refresh_from_db()
    assert (person.consent_public, person.consent_recorded_at is not None) == (True, True)


def test_code_autocomplete_for_a_tie_offers_process_steps_only(admin_client, db):
    factories.CodeFactory(code="moulding-seg", label_it="Stampaggio", label_en="Moulding")
    step = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="process_step"),
        code="moulding",
        label_it="Stampaggio",
        label_en="Moulding",
    )

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "moulding",
            "app_label": "registry",
            "model_name": "tie",
            "field_name": "process_step",
        },
    )

    assert response.json()["results"] == [{"id": str(step.pk), "text": "moulding · Moulding"}]


def test_back_office_save_over_a_newer_version_is_refused_then_allowed_on_purpose(
    admin_client, registry
):
    alpha = registry["alpha"]
    url = reverse("admin:registry_organisation_change", args=[alpha.pk])
    opened = alpha.version
    common = {"name": alpha.name, "slug": alpha.slug, "kind": alpha.kind, "status": alpha.status}
    # Meanwhile, someone saves the organisation through the web form or the API.
    Organisation.objects.filter(pk=alpha.pk).update(summary_en="Their summary", version=opened + 1)

    refused = admin_client.post(
        url, form_data(**common, summary_en="My summary", seen_version=str(opened))
    )

    alpha.refresh_from_db()
    assert refused.status_code == 200
    assert "Someone else saved this organisation" in refused.content.decode()
    assert (alpha.summary_en, alpha.version) == ("Their summary", opened + 1)
    # The form now carries the stored version: saving again overwrites, on purpose.
    again = refused.context["adminform"].form.data["seen_version"]
    assert again == str(opened + 1)
    saved = admin_client.post(url, form_data(**common, summary_en="My summary", seen_version=again))
    alpha.refresh_from_db()
    assert saved.status_code == 302
    assert (alpha.summary_en, alpha.version) == ("My summary", opened + 2)


def test_back_office_save_advances_the_version_the_web_form_checks(admin_client, registry):
    alpha = registry["alpha"]
    opened = alpha.version

    admin_client.post(
        reverse("admin:registry_organisation_change", args=[alpha.pk]),
        form_data(
            name=alpha.name,
            slug=alpha.slug,
            kind=alpha.kind,
            status=alpha.status,
            summary_en="Changed in the back office",
            seen_version=str(opened),
        ),
    )

    alpha.refresh_from_db()
    assert (alpha.summary_en, alpha.version) == ("Changed in the back office", opened + 1)
