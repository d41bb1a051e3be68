"""distretto digests send, profiles remind, profiles expire: counts printed, bad options refused."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from distretto import cli
from distretto.alerts import services
from distretto.alerts.models import SavedSearch
from distretto.opportunities.models import CooperationProfile
from tests import factories
from tests.alerts.conftest import organisation, params


def run(*words: str) -> str:
    out = StringIO()
    call_command(*cli.translate(list(words)), stdout=out)
    return out.getvalue()


def test_the_commands_are_in_the_overview_and_mapped(capsys):
    assert cli.translate(["digests", "send", "--dry-run"]) == ["send_digests", "--dry-run"]
    assert cli.translate(["profiles", "remind", "--days", "3"]) == [
        "remind_profiles",
        "--days",
        "3",
    ]
    assert cli.translate(["profiles", "expire"]) == ["expire_profiles"]
    cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("digests send", "profiles remind", "profiles expire"):
        assert command in out


def test_digests_send_prints_how_many_emails(alice, bob):
    services.save_search(alice, params("oxygenators"), "daily")
    services.save_search(bob, params("oxygenators"), "weekly")
    organisation("Oxy", "Oxygenators")
    assert run("digests", "send", "--dry-run") == (
        "2 e-mails would be sent (dry run: nothing sent).\n"
    )
    assert mail.outbox == []
    assert run("digests", "send", "--frequency", "daily") == "1 e-mail sent.\n"
    assert mail.outbox[0].to == ["alice@example.org"]
    assert run("digests", "send") == "1 e-mail sent.\n"
    assert run("digests", "send") == "0 e-mails sent.\n"
    assert SavedSearch.objects.filter(last_sent_at__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("words", "error"),
    [
        (("digests", "send", "--frequency", "monthly"), "invalid choice: 'monthly'"),
        (("profiles", "remind", "--days", "soon"), "invalid int value: 'soon'"),
        (("profiles", "remind", "--days", "-1"), "--days must be 0 or more."),
        (("digests", "send", "--frequency"), "expected one argument"),
    ],
)
def test_bad_options_are_refused(db, words, error):
    with pytest.raises(CommandError) as raised:
        run(*words)
    assert error in str(raised.value)


def test_profiles_remind_emails_the_owners_and_prints_the_count(org_admin, organisation):
    factories.CooperationProfileFactory(
        owner=organisation, title="Soon", expires_on=date.today() + timedelta(days=3)
    )
    factories.CooperationProfileFactory(
        owner=organisation, title="Later", expires_on=date.today() + timedelta(days=10)
    )
    assert run("profiles", "remind", "--days", "7") == "1 profile reminded.\n"
    assert [m.to for m in mail.outbox] == [[org_admin.email]]
    assert run("profiles", "remind", "--days", "7") == "0 profiles reminded.\n"
    assert run("profiles", "remind") == "1 profile reminded.\n"  # 14 days by default


def test_profiles_expire_prints_the_count(organisation):
    past = factories.CooperationProfileFactory(
        owner=organisation, expires_on=date.today() - timedelta(days=2)
    )
    factories.CooperationProfileFactory(owner=organisation)
    assert run("profiles", "expire") == "1 profile expired.\n"
    assert CooperationProfile.objects.get(pk=past.pk).status == "expired"
    assert run("profiles", "expire") == "0 profiles expired.\n"
