"""The back office for accounts: users with their Distretto fields, API tokens."""

from __future__ import annotations

from django.urls import reverse

from distretto.accounts.models import ApiToken, User, hash_token
from tests import factories


def test_user_changelist_shows_facilitator_flag_and_filters(admin_client, member):
    response = admin_client.get(
        reverse("admin:accounts_user_changelist"), {"is_facilitator__exact": "1"}
    )

    assert [u.username for u in response.context["cl"].result_list] == ["facilitator"]
    assert "column-is_facilitator" in response.content.decode()


def test_user_change_form_has_distretto_fields_and_guards_superuser(admin_client, member):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[member.pk]))

    form = response.context["adminform"].form
    assert {"is_facilitator", "language"} <= set(form.fields)
    assert "is_superuser" not in form.fields  # read-only for a facilitator who is no superuser
    assert response.context["inline_admin_formsets"][0].formset.prefix == "memberships"


def test_api_token_add_shows_the_key_once_and_stores_its_hash(admin_client, member):
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": member.pk, "name": "CRM sync", "scope": "read", "days": "365"},
        follow=True,
    )

    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = shown[0].rsplit(" ", 1)[-1]
    assert shown[0] == f"The key of the token “CRM sync”, shown only this once; copy it now: {key}"
    assert key in response.content.decode()
    assert (token.user, token.name, token.key_hash, token.prefix) == (
        member,
        "CRM sync",
        hash_token(key),
        key[4:12],
    )
    change_page = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    list_page = admin_client.get(reverse("admin:accounts_apitoken_changelist"))
    for page in (change_page.content.decode(), list_page.content.decode()):
        assert key not in page
        assert token.key_hash not in page
    assert f'<td class="field-prefix">{token.prefix}</td>' in list_page.content.decode()


def test_api_token_add_offers_active_users_only(admin_client, member):
    factories.UserFactory(username="gone", is_active=False)

    response = admin_client.get(reverse("admin:accounts_apitoken_add"))

    choices = [label for _value, label in response.context["adminform"].form.fields["user"].choices]
    assert choices == ["---------", "facilitator", "member"]


def test_api_token_add_refuses_an_empty_name(admin_client, member):
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": member.pk, "name": "", "scope": "read", "days": "365"},
    )

    assert response.context["adminform"].form.errors == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0
    assert User.objects.filter(username="member").exists()
