"""Digests: due searches, only new results, one e-mail per person in their language, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from distretto.alerts import services
from distretto.alerts.models import SavedSearch
from distretto.alerts.tasks import send_digests_task
from tests import factories
from tests.alerts.conftest import organisation, params

DAY = timedelta(days=1)


@pytest.fixture
def now():
    return timezone.now()


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def test_a_digest_lists_only_what_is_new_since_the_search_was_saved(alice, now):
    old = organisation("Old Oxy", "Oxygenators for ECMO")
    saved = services.save_search(alice, params("oxygenators"), "daily")
    assert services.send_digests(now) == 0
    assert mail.outbox == []

    new = organisation("New Oxy", "Oxygenators for heart surgery")
    assert services.send_digests(now) == 1
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "1 new result for your saved searches"
    assert "New Oxy" in message.body
    assert "Old Oxy" not in message.body
    assert f"https://district.example/en/organisations/{new.slug}/" in message.body
    assert f'href="https://district.example/en/organisations/{new.slug}/"' in html_of(message)
    assert "All results of this search: https://district.example/en/search/?q=oxygenators" in (
        message.body
    )
    saved.refresh_from_db()
    assert saved.last_sent_at == now
    assert saved.seen == [f"organisation:{old.pk}", f"organisation:{new.pk}"]

    # The next day nothing is new: no e-mail; a newer match is sent alone.
    assert services.send_digests(now + DAY) == 0
    newest = organisation("Newest Oxy", "Oxygenators, paediatric")
    assert services.send_digests(now + DAY) == 1
    assert "Newest Oxy" in mail.outbox[1].body
    assert "New Oxy\n" not in mail.outbox[1].body
    assert f"organisation:{newest.pk}" in SavedSearch.objects.get().seen


def test_new_offers_and_requests_are_listed_with_links_to_their_pages(alice, now):
    services.save_search(alice, params("oxygenator"), "daily")
    profile = factories.CooperationProfileFactory(title="Oxygenator licence")
    assert services.send_digests(now) == 1
    [message] = mail.outbox
    assert "Oxygenator licence (Offer or request, of " in message.body
    assert f"https://district.example/en/profiles/{profile.pk}/" in message.body
    assert f"profile:{profile.pk}" in SavedSearch.objects.get().seen


def test_one_email_per_person_groups_all_their_due_searches(alice, bob, now):
    services.save_search(alice, params("oxygenators"), "daily", "Oxygenators")
    services.save_search(alice, params("dialysis"), "weekly", "Dialysis")
    services.save_search(alice, params("robots"), "daily", "Robots")  # nothing new
    services.save_search(bob, params("dialysis"), "daily")
    organisation("Oxy", "Oxygenators")
    organisation("Dia", "Dialysis filters")
    assert services.send_digests(now) == 2
    by_person = {m.to[0]: m for m in mail.outbox}
    alice_mail = by_person["alice@example.org"]
    assert alice_mail.subject == "2 new results for your saved searches"
    assert "== Oxygenators ==" in alice_mail.body
    assert "== Dialysis ==" in alice_mail.body
    assert "Robots" not in alice_mail.body
    assert "Dia" in by_person["bob@example.org"].body
    assert "Oxy" not in by_person["bob@example.org"].body
    # Only the searches that were in the e-mail count as sent.
    sent = dict(SavedSearch.objects.filter(owner=alice).values_list("name", "last_sent_at"))
    assert sent == {"Oxygenators": now, "Dialysis": now, "Robots": None}


def test_the_email_is_in_the_recipients_language(alice, bob, now):
    bob.language = "it"
    bob.save()
    org = organisation("Oxy", "Oxygenators")
    services.save_search(alice, params("oxygenators"), "daily")
    services.save_search(bob, params("oxygenators"), "daily")
    org.delete()
    new = organisation("Oxy Two", "Oxygenators")
    services.send_digests(now)
    by_person = {m.to[0]: m for m in mail.outbox}
    english, italian = by_person["alice@example.org"], by_person["bob@example.org"]
    assert f"https://district.example/en/organisations/{new.slug}/" in english.body
    assert '<html lang="en">' in html_of(english)
    assert "https://district.example/en/alerts/" in english.body
    # Italian pages have no language prefix.
    assert f"https://district.example/organisations/{new.slug}/" in italian.body
    assert '<html lang="it">' in html_of(italian)
    assert "https://district.example/alerts/" in italian.body


def test_daily_searches_are_due_after_a_day_and_weekly_after_a_week(alice, now):
    daily = services.save_search(alice, params("oxygenators"), "daily", "Daily")
    weekly = services.save_search(alice, params("oxygenators"), "weekly", "Weekly")
    SavedSearch.objects.update(last_sent_at=now)
    organisation("Oxy", "Oxygenators")

    assert services.send_digests(now + timedelta(hours=12)) == 0
    # A clock firing a few seconds early still finds yesterday's daily digest due.
    later = now + DAY - timedelta(seconds=5)
    assert services.send_digests(later) == 1
    assert "== Daily ==" in mail.outbox[0].body
    assert "Weekly" not in mail.outbox[0].body
    daily.refresh_from_db()
    weekly.refresh_from_db()
    assert daily.last_sent_at == later
    assert weekly.last_sent_at == now

    assert services.send_digests(now + 6 * DAY) == 0
    assert services.send_digests(now + 7 * DAY) == 1
    assert "== Weekly ==" in mail.outbox[1].body


def test_the_frequency_option_sends_only_that_frequency(alice, now):
    services.save_search(alice, params("oxygenators"), "daily", "Daily")
    services.save_search(alice, params("oxygenators"), "weekly", "Weekly")
    organisation("Oxy", "Oxygenators")
    assert services.send_digests(now, "weekly") == 1
    assert "Daily" not in mail.outbox[0].body
    assert SavedSearch.objects.get(name="Daily").last_sent_at is None


def test_paused_searches_and_people_without_email_or_inactive_get_nothing(alice, bob, now):
    paused = services.save_search(alice, params("oxygenators"), "daily")
    services.update_saved_search(alice, paused, active=False)
    services.save_search(bob, params("oxygenators"), "daily")
    bob.email = ""
    bob.save()
    carol = factories.UserFactory(username="carol", is_active=False)
    services.save_search(carol, params("oxygenators"), "daily")
    organisation("Oxy", "Oxygenators")
    assert services.send_digests(now) == 0
    assert mail.outbox == []


def test_a_dry_run_counts_and_changes_nothing(alice, now):
    services.save_search(alice, params("oxygenators"), "daily")
    organisation("Oxy", "Oxygenators")
    assert services.send_digests(now, dry_run=True) == 1
    assert mail.outbox == []
    assert SavedSearch.objects.get().last_sent_at is None
    assert services.send_digests(now) == 1


def test_a_failed_send_leaves_the_state_so_the_next_run_retries(alice, now, settings):
    saved = services.save_search(alice, params("oxygenators"), "daily")
    seen = list(saved.seen)
    organisation("Oxy", "Oxygenators")
    # No SMTP server listens on port 1: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1
    settings.EMAIL_TIMEOUT = 5
    assert services.send_digests(now) == 0
    saved.refresh_from_db()
    assert (saved.last_sent_at, saved.seen) == (None, seen)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_digests(now + timedelta(minutes=5)) == 1
    assert "Oxy" in mail.outbox[0].body


def test_a_search_that_no_longer_runs_is_skipped(alice, now):
    code = factories.CodeFactory(code="dialysis")
    organisation("Dia", "Dialysis").codes.add(code)
    broken = services.save_search(alice, params("dialysis", segment=["dialysis"]), "daily")
    services.save_search(alice, params("oxygenators"), "daily", "Oxygenators")
    code.delete()
    organisation("Oxy", "Oxygenators")
    assert services.send_digests(now) == 1
    assert "== Oxygenators ==" in mail.outbox[0].body
    broken.refresh_from_db()
    assert broken.last_sent_at is None


def test_the_task_sends_the_digests(alice):
    services.save_search(alice, params("oxygenators"), "daily")
    organisation("Oxy", "Oxygenators")
    result = send_digests_task.enqueue()
    assert result.return_value == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_task_from_the_database_queue(alice, settings):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.save_search(alice, params("oxygenators"), "daily")
    organisation("Oxy", "Oxygenators")
    result = send_digests_task.enqueue("daily")
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--max-tasks", "1", verbosity=0)
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 1
    assert len(mail.outbox) == 1


def test_names_are_escaped_in_the_html_and_kept_in_the_text(alice, now):
    services.save_search(alice, params("oxygenators"), "daily", "Oxy <search>")
    organisation("Oxy <b>&</b>", "Oxygenators", slug="oxy-bold")
    services.send_digests(now)
    [message] = mail.outbox
    assert "Oxy <b>&</b>" in message.body
    assert "== Oxy <search> ==" in message.body
    assert "Oxy &lt;b&gt;&amp;&lt;/b&gt;" in html_of(message)
    assert "Oxy &lt;search&gt;" in html_of(message)
