"""The home page: the district, its key figures and facts, counts, and links into the directory."""

from __future__ import annotations

from distretto.registry.models import District, DistrictFact, DistrictFigure
from tests import factories
from tests.web.html import parse


def make_district(**fields):
    values = {
        "slug": "mirandola",
        "name_it": "Distretto biomedicale di Mirandola",
        "name_en": "Mirandola biomedical district",
        "description_it": "Il distretto biomedicale.",
        "description_en": "The biomedical district.",
        "source": "OpportunItaly (2025)",
    }
    values.update(fields)
    return District.objects.create(**values)


def test_home_without_district_explains_how_to_load_data(client, db):
    page = parse(client.get("/en/").content)
    assert page.texts("h1") == ["Welcome to Distretto"]
    assert page.texts(".lead p") == [
        "No district has been loaded yet, so there is nothing to show here.",
        "A facilitator can load the default dataset with the command distretto load mirandola, "
        "or add organisations in the back office.",
    ]
    assert page.texts(".stat dd") == ["0", "0", "0"]


def test_home_with_organisations_but_no_district_points_to_the_directory(client, db):
    factories.OrganisationFactory(name="Alpha")
    page = parse(client.get("/en/").content)
    assert page.texts("h1") == ["Welcome to Distretto"]
    assert page.texts(".lead p")[0] == (
        "The profile of the district (its name, key figures and history) has not been loaded "
        "yet, but the directory already lists its organisations."
    )
    assert page.texts(".stat dd") == ["1", "0", "0"]


def test_home_shows_district_featured_figures_and_facts_with_sources(client, db):
    district = make_district()
    DistrictFigure.objects.create(
        district=district,
        label_it="Esportazioni",
        label_en="Exports",
        number=479,
        unit="eur_million",
        period="2022",
        source="Intesa Sanpaolo study (2024)",
        featured=True,
    )
    DistrictFigure.objects.create(
        district=district,
        label_it="Nascosta",
        label_en="Not featured",
        number=1,
        unit="count",
        period="2020",
        source="x",
    )
    DistrictFact.objects.create(
        district=district,
        topic="history",
        text_it="Mario Veronesi fonda Miraset.",
        text_en="Mario Veronesi founds Miraset.",
        period="1962",
        source="distrettobiomedicale.it",
    )
    DistrictFact.objects.create(
        district=district,
        topic="region",
        territory="ITH5",
        text_it="Gruppo Strong.",
        text_en="Innovation group Strong.",
        period="2021",
        source="RIS 2021",
    )
    page = parse(client.get("/en/").content)
    assert page.texts("h1") == ["Mirandola biomedical district"]
    assert page.texts(".hero .lead") == ["The biomedical district."]
    assert page.texts(".figure-card .figure-value") == ["EUR 479 million"]
    assert page.texts(".figure-card .figure-label") == ["Exports"]
    assert page.texts(".figure-card .figure-meta") == ["2022"]
    assert page.texts(".figure-card .source") == ["Source: Intesa Sanpaolo study (2024)"]
    assert page.texts(".fact p") == [
        "1962 Mario Veronesi founds Miraset.",
        "Source: distrettobiomedicale.it",
        "2021 Innovation group Strong.",
        "Source: RIS 2021",
    ]
    assert page.texts("h2") == [
        "The registry in numbers",
        "Key figures",
        "About the district",
        "The region",
    ]
    assert page.texts(".brand-district") == ["Mirandola biomedical district"]


def test_home_counts_published_organisations_municipalities_and_ties(client, db):
    make_district()
    a = factories.OrganisationFactory(name="Alpha")
    b = factories.OrganisationFactory(name="Beta")
    hidden = factories.OrganisationFactory(name="Hidden", status="draft")
    factories.SiteFactory(organisation=a)
    factories.SiteFactory(
        organisation=b,
        municipality=factories.MunicipalityFactory(istat_code="036021", name="Medolla"),
    )
    factories.TieFactory(from_organisation=a, to_organisation=b)
    factories.TieFactory(from_organisation=a, to_organisation=hidden)
    page = parse(client.get("/en/").content)
    assert page.texts(".stat") == ["Organisations 2", "Municipalities 2", "Ties between them 1"]


def test_home_links_segments_into_the_directory(client, db):
    make_district()
    segment = factories.TaxonomyFactory(slug="segment", name_en="Market segments")
    dialysis = factories.CodeFactory(
        taxonomy=segment, code="dialysis", label_it="Dialisi", label_en="Dialysis"
    )
    factories.CodeFactory(taxonomy=segment, code="unused", label_en="Unused")
    for name in ("Alpha", "Beta"):
        factories.OrganisationFactory(name=name).codes.add(dialysis)
    factories.OrganisationFactory(name="Draft", status="draft").codes.add(dialysis)
    page = parse(client.get("/en/").content)
    assert page.texts("#browse-title") == ["Market segments"]
    assert [(a.attrs["href"], a.text) for a in page.select("a.browse-link")] == [
        ("/en/organisations/?segment=dialysis", "Dialysis 2 organisations")
    ]


def test_home_in_italian_shows_italian_record_texts(client, db):
    make_district()
    page = parse(client.get("/").content)
    assert page.one("html").attrs["lang"] == "it"
    assert page.texts("h1") == ["Distretto biomedicale di Mirandola"]
    assert page.texts(".hero .lead") == ["Il distretto biomedicale."]


def test_home_marks_text_shown_in_the_other_language(client, db):
    make_district(description_en="")
    lead = parse(client.get("/en/").content).one(".hero .lead")
    assert (lead.attrs["lang"], lead.text) == ("it", "Il distretto biomedicale.")


def test_home_query_count_does_not_depend_on_figures(client, db, django_assert_num_queries):
    district = make_district()
    client.get("/en/")  # warm caches (content types, etc.)
    with django_assert_num_queries(8):
        client.get("/en/")
    for n in range(3):
        DistrictFigure.objects.create(
            district=district,
            label_it=f"F{n}",
            label_en=f"F{n}",
            number=n,
            unit="count",
            period="2020",
            source="s",
            featured=True,
        )
    with django_assert_num_queries(8):
        client.get("/en/")


def test_home_shows_figures_and_periods_in_each_language(client, db):
    district = make_district()
    figures = [
        ("eur_million", "591", "", "22.5", "2023"),
        ("count", "5000", "about", None, "2025-Q1"),
        ("change_percent", "29.1", "", None, "2024-H1"),
        ("percent", "51.6", "", None, ""),
    ]
    for n, (unit, number, qualifier, change, period) in enumerate(figures):
        DistrictFigure.objects.create(
            district=district,
            label_it=f"F{n}",
            label_en=f"F{n}",
            number=number,
            unit=unit,
            qualifier=qualifier,
            change_percent=change,
            period=period,
            source="s",
            featured=True,
            sort_order=n,
        )
    DistrictFact.objects.create(
        district=district, topic="history", text_it="t", text_en="t", period="2014/", source="s"
    )
    english = parse(client.get("/en/").content)
    assert english.texts(".figure-card .figure-value") == [
        "EUR 591 million (+22.5% on the previous period)",
        "about 5,000",
        "+29.1%",
        "51.6%",
    ]
    assert english.texts(".figure-card .period") == [
        "2023",
        "Q1 2025",
        "H1 2024",
        "period not stated",
    ]
    assert english.texts(".fact .period") == ["since 2014"]
    italian = parse(client.get("/", HTTP_ACCEPT_LANGUAGE="it").content)
    assert italian.texts(".figure-card .figure-value") == [
        "591 milioni di euro (+22,5% sul periodo precedente)",
        "circa 5.000",
        "+29,1%",
        "51,6%",
    ]
    assert italian.texts(".figure-card .period") == [
        "2023",
        "1° trimestre 2025",
        "1° semestre 2024",
        "periodo non indicato",
    ]
    assert italian.texts(".fact .period") == ["dal 2014"]


def test_period_filter_writes_dates_in_each_language():
    from django.utils import translation

    from distretto.web.templatetags.distretto_figures import period

    with translation.override("it"):
        assert [period(p) for p in ("1991-11-11", "2012-05", "2017/2021")] == [
            "11 novembre 1991",
            "maggio 2012",
            "2017–2021",
        ]
    with translation.override("en"):
        assert [period(p) for p in ("1991-11-11", "2012-05", "free text")] == [
            "11 November 1991",
            "May 2012",
            "free text",
        ]
