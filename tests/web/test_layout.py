"""The page frame: header, navigation by role, language switch, footer, escaping."""

from __future__ import annotations

import json

from tests import factories
from tests.web.html import parse


def test_visitor_header_has_navigation_and_login_link(client, db):
    page = parse(client.get("/en/organisations/").content)
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
    assert page.one(".main-nav a[aria-current=page]").text == "Organisations"
    login = page.one(".header-tools a")
    assert (login.text, login.attrs["href"]) == (
        "Log in",
        "/en/accounts/login/?next=/en/organisations/",
    )
    assert page.select("form.account") == []


def test_logged_in_header_shows_name_and_logout_form(client, member):
    member.first_name, member.last_name = "Maria", "Rossi"
    member.save()
    client.force_login(member)
    page = parse(client.get("/en/").content)
    form = page.one("form.account")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/en/accounts/logout/")
    assert form.select("input[name=csrfmiddlewaretoken]") != []
    assert form.texts(".account-name") == ["Maria Rossi"]
    assert page.texts(".main-nav a") == [
        "Home",
        "Search",
        "Organisations",
        "Offers and requests",
        "Events",
        "Calls",
        "Network",
        "Monitor",
        "Saved searches",
    ]


def test_facilitator_header_links_the_back_office(client, facilitator):
    client.force_login(facilitator)
    page = parse(client.get("/en/").content)
    assert [(a.text, a.attrs["href"]) for a in page.select(".main-nav a")] == [
        ("Home", "/en/"),
        ("Search", "/en/search/"),
        ("Organisations", "/en/organisations/"),
        ("Offers and requests", "/en/profiles/"),
        ("Events", "/en/events/"),
        ("Calls", "/en/calls/"),
        ("Network", "/en/network/"),
        ("Monitor", "/en/monitor/"),
        ("Saved searches", "/en/alerts/"),
        ("Back office", "/en/admin/"),
    ]


def test_logout_is_a_post_that_returns_home(client, member):
    client.force_login(member)
    response = client.post("/en/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/en/")
    assert parse(client.get("/en/").content).one(".header-tools a").text == "Log in"


def test_language_switch_posts_the_same_page_in_the_other_language(client, db):
    page = parse(client.get("/en/organisations/?kind=sme").content)
    forms = page.select(".language-switch form")
    assert [(f.attrs["method"], f.attrs["action"]) for f in forms] == [
        ("post", "/i18n/setlang/"),
        ("post", "/i18n/setlang/"),
    ]
    assert all(f.select("input[name=csrfmiddlewaretoken]") for f in forms)
    assert [
        (
            f.one("input[name=language]").attrs["value"],
            f.one("input[name=next]").attrs["value"],
            f.one("button").attrs.get("aria-current"),
        )
        for f in forms
    ] == [("it", "/organisations/?kind=sme", None), ("en", "/en/organisations/?kind=sme", "true")]


def test_language_switch_goes_to_the_page_it_names(client, db):
    response = client.post("/i18n/setlang/", {"language": "it", "next": "/organisations/"})
    assert (response.status_code, response["Location"]) == (302, "/organisations/")
    assert response.cookies["django_language"].value == "it"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/en/organisations/"})
    assert (response.status_code, response["Location"]) == (302, "/en/organisations/")


def test_english_pages_have_english_labels_and_italian_is_the_default(client, db):
    english = parse(client.get("/en/organisations/").content)
    assert english.one("html").attrs["lang"] == "en"
    assert english.texts("h1") == ["Organisations"]
    assert english.texts("details.facet summary")[0] == "Kind of organisation"
    assert english.texts(".filter-actions button") == ["Apply filters"]
    italian = parse(client.get("/organisations/").content)
    assert italian.one("html").attrs["lang"] == "it"
    assert italian.one(".language-switch button[aria-current=true]").attrs["lang"] == "it"


def test_footer_names_sources_and_links_the_api_docs(client, db):
    page = parse(client.get("/en/").content)
    assert page.texts(".site-footer p")[0] == "Data sources are shown on each record."
    assert ("API documentation", "/api/v1/docs") in [
        (a.text, a.attrs["href"]) for a in page.select(".site-footer a")
    ]


def test_every_page_has_a_skip_link_and_a_main_landmark(client, db):
    page = parse(client.get("/en/").content)
    assert page.one("a.skip-link").attrs["href"] == "#main"
    assert page.one("main").attrs["id"] == "main"


HOSTILE = '<script>alert("x")</script>'


def test_hostile_text_is_escaped_everywhere(client, db):
    org = factories.OrganisationFactory(
        name=f"Evil {HOSTILE}",
        slug="evil",
        summary_en=HOSTILE,
        description_en='<img src=x onerror="alert(1)">',
        website="javascript:alert(1)",
        source=HOSTILE,
    )
    factories.SiteFactory(organisation=org, name=HOSTILE, address=HOSTILE)
    factories.PersonFactory(organisation=org, full_name=HOSTILE, consent_public=True)
    for url in ("/en/organisations/", "/en/organisations/evil/", "/en/"):
        content = client.get(url).content.decode()
        assert HOSTILE not in content
        assert "<img src=x" not in content
        assert "javascript:" not in content
    page = parse(client.get("/en/organisations/evil/").content)
    assert page.texts("h1") == [f"Evil {HOSTILE}"]
    assert page.texts(".person-name") == [HOSTILE]
    assert page.texts(".prose") == ['<img src=x onerror="alert(1)">']
    data = json.loads(page.one("script#site-map-data").text)
    assert data["sites"][0]["name"] == HOSTILE
    assert page.select(".key-data a") == []
