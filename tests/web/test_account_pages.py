"""Log in, log out and reset a forgotten password through the styled pages."""

from __future__ import annotations

import re

from django.core import mail

from tests.web.html import parse


def test_login_page_has_labelled_fields_and_reset_link(client, db):
    page = parse(client.get("/en/accounts/login/?next=/en/organisations/").content)
    assert page.texts("h1") == ["Log in"]
    assert page.texts("form label") == ["Username:", "Password:"]
    assert page.one(".auth-card input[name=next]").attrs["value"] == "/en/organisations/"
    reset = page.one(".auth-links a")
    assert (reset.text, reset.attrs["href"]) == (
        "Forgot your password?",
        "/en/accounts/password-reset/",
    )


def test_login_with_a_wrong_password_says_so(client, member):
    response = client.post("/en/accounts/login/", {"username": "member", "password": "nope"})
    page = parse(response.content)
    assert page.texts(".errorlist.nonfield li") == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    ]


def test_login_goes_to_next(client, member):
    response = client.post(
        "/en/accounts/login/",
        {
            "username": "member",
            "password": "correct horse battery staple",
            "next": "/en/organisations/",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/en/organisations/")


def test_password_reset_sends_a_link_that_sets_a_new_password(client, member):
    response = client.post("/en/accounts/password-reset/", {"email": "member@example.org"})
    assert response["Location"] == "/en/accounts/password-reset/sent/"
    done = parse(client.get(response["Location"]).content)
    assert done.texts("h1") == ["Check your e-mail"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your password on testserver"
    assert message.body.splitlines()[0] == "Hello member,"
    link = re.search(r"http://testserver(/en/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    page = parse(form_page.content)
    assert page.texts("h1") == ["Choose a new password"]
    assert page.texts("form label") == ["New password:", "New password confirmation:"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert response["Location"] == "/en/accounts/reset/done/"
    assert parse(client.get(response["Location"]).content).texts("h1") == ["Password changed"]
    assert client.login(username="member", password="a new long passphrase")


def test_password_reset_with_a_bad_link_explains(client, db):
    page = parse(client.get("/en/accounts/reset/MQ/bad-token/").content)
    assert page.texts("h1") == ["This link no longer works"]
