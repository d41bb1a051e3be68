"""Security headers, the Content Security Policy, cookies and login protection."""

from __future__ import annotations

import pytest
from django.test import Client

from distretto.web.security import tile_origin
from tests import factories


@pytest.mark.parametrize("path", ["/", "/en/organisations/", "/accounts/login/"])
def test_pages_send_the_security_headers(client, db, path):
    response = client.get(path, follow=True)
    csp = response["Content-Security-Policy"]

    directives = dict((part.split(" ")[0], part.split(" ")[1:]) for part in csp.split("; ") if part)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_back_office_alone_may_use_inline_styles(client, facilitator):
    client.force_login(facilitator)

    admin = client.get("/admin/")
    page = client.get("/")

    assert "style-src 'self' 'unsafe-inline'" in admin["Content-Security-Policy"]
    assert "script-src 'self';" in admin["Content-Security-Policy"] + ";"
    assert "unsafe-inline" not in page["Content-Security-Policy"]


def test_map_tiles_server_may_serve_images(client, db, settings):
    settings.MAP_TILES_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"

    csp = client.get("/")["Content-Security-Policy"]

    assert "img-src 'self' data: https://*.tile.example.org" in csp


def test_tile_origin_ignores_what_is_not_a_web_address():
    assert tile_origin("") is None
    assert tile_origin("javascript:alert(1)") is None
    assert tile_origin("http://tiles.local:8080/{z}/{x}/{y}.png") == "http://tiles.local:8080"


def test_session_and_csrf_cookies_are_protected(client, db):
    user = factories.UserFactory(username="cookie")
    user.set_password("a long passphrase 42")
    user.save()

    login_page = client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/", {"username": "cookie", "password": "a long passphrase 42"}
    )

    session = response.cookies["sessionid"]
    csrf = login_page.cookies["csrftoken"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert csrf["samesite"] == "Lax"


def test_https_setting_makes_cookies_secure_and_sends_hsts(monkeypatch, tmp_path):
    """The settings module read with DISTRETTO_HTTPS on, in a fresh interpreter."""
    import json
    import subprocess
    import sys

    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
        " list(settings.SECURE_PROXY_SSL_HEADER)]))"
    )
    env = {
        "DISTRETTO_HTTPS": "1",
        "DISTRETTO_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "distretto.settings",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert json.loads(out.stdout) == [
        True,
        True,
        True,
        31536000,
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]


@pytest.fixture
def lockout_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _login(client: Client, username: str, password: str, address: str = "10.1.1.1"):
    return client.post(
        "/en/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_repeated_failed_logins_lock_the_name_out_from_that_address(db, lockout_on):
    user = factories.UserFactory(username="victim")
    user.set_password("the right passphrase 7")
    user.save()
    client = Client()

    failures = [_login(client, "victim", f"wrong{n}").status_code for n in range(3)]
    locked = _login(client, "victim", "the right passphrase 7")
    elsewhere = _login(Client(), "victim", "the right passphrase 7", address="10.2.2.2")

    assert failures == [200, 200, 429]
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The same name from another address still logs in: a stranger cannot lock a user out.
    assert elsewhere.status_code == 302


def test_a_successful_login_resets_the_failure_count(db, lockout_on):
    user = factories.UserFactory(username="forgetful")
    user.set_password("the right passphrase 7")
    user.save()
    client = Client()

    _login(client, "forgetful", "wrong")
    _login(client, "forgetful", "wrong")
    ok = _login(client, "forgetful", "the right passphrase 7")
    client.logout()
    again = [_login(client, "forgetful", "wrong").status_code for _ in range(2)]

    assert ok.status_code == 302
    assert again == [200, 200]


def test_weak_passwords_are_refused_by_the_validators(client, facilitator):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["12345678", "password", "facilitator1", "short"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user=facilitator)
