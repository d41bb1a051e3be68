"""distretto backup and restore: every record comes back; bad files are refused, changing nothing.

Run on the suite's engine: SQLite by default, PostgreSQL with DATABASE_URL. The
service tests work on the test database (``transactional_db``: a restore replaces
tables, which no test transaction may hold); the command tests on a database of
their own, through the ``distretto`` command in a subprocess.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from distretto.registry.dataset import load_dataset
from distretto.web import backup as service
from tests import factories
from tests.file_database import digests, file_database, suite_vendor

# A table nothing refers to, dropped to damage the database.
LEAF_TABLE = "monitor_observation"


@pytest.fixture
def district(transactional_db, settings, tmp_path):
    """The Mirandola dataset, plus people, memberships, offers and interest from the factories."""
    settings.DATA_DIR = tmp_path
    # The embeddings of the search index are not what is tested: their tasks wait.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    load_dataset("mirandola")
    for number in range(3):
        user = factories.UserFactory(username=f"user{number}", email=f"user{number}@example.org")
        organisation = factories.OrganisationFactory(name=f"Backup Firm {number}")
        factories.MembershipFactory(user=user, organisation=organisation, role="admin")
        factories.PersonFactory(organisation=organisation)
        profile = factories.CooperationProfileFactory(owner=organisation)
        factories.ExpressionOfInterestFactory(profile=profile)
    factories.TieFactory()


def everything() -> dict[str, tuple[int, str]]:
    with connection.cursor() as cursor:
        return digests(cursor, connection.introspection.table_names(cursor))


def damage() -> None:
    """Delete rows of several tables, change values, drop a table."""
    get_user_model().objects.filter(username="user0").delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_organisationfact")
        cursor.execute("DELETE FROM registry_districtfact")
        cursor.execute("UPDATE registry_organisation SET name = 'Vandalised', summary_en = ''")
        cursor.execute("UPDATE taxonomy_code SET label_it = 'x' WHERE code LIKE '3%%'")
        cursor.execute(f"DROP TABLE {LEAF_TABLE}")


def test_a_backup_restores_every_record_of_every_table(district, tmp_path):
    before = everything()
    assert before[LEAF_TABLE][0] > 0
    assert before["registry_organisation"][0] > 20

    report = service.backup()

    assert report.path.parent == tmp_path / "backups"
    assert re.fullmatch(r"distretto-\d{8}-\d{6}\.(sqlite3|dump)", report.path.name)
    assert stat.S_IMODE(report.path.stat().st_mode) == 0o600
    assert report.tables == len(before)
    if report.backend == "sqlite":
        assert report.rows == sum(count for count, _ in before.values())
    assert [p.name for p in report.path.parent.iterdir()] == [report.path.name]  # no leftovers

    damage()
    damaged = everything()
    assert LEAF_TABLE not in damaged
    assert damaged["registry_organisation"] != before["registry_organisation"]

    restored = service.restore(report.path)

    assert everything() == before
    assert restored.needs_migrate is False
    assert restored.leftover == ()
    # The database as it was just before (damaged) was kept, to undo the restore.
    assert LEAF_TABLE not in service.inspect_backup(restored.safety.path).tables
    # Keys go on where they were: a new record does not collide with a restored one.
    assert factories.UserFactory(username="after-restore").pk > max(
        get_user_model().objects.exclude(username="after-restore").values_list("pk", flat=True)
    )


def test_a_backup_never_overwrites_a_file(district, tmp_path):
    existing = tmp_path / "precious.sqlite3"
    existing.write_bytes(b"mine")
    with pytest.raises(service.BackupError, match="exists already"):
        service.backup(existing)
    assert existing.read_bytes() == b"mine"


def corrupt(report: service.BackupReport, tmp_path: Path) -> Path:
    """A copy of the backup with bytes in its middle overwritten (SQLite) or cut off (pg_dump)."""
    data = bytearray(report.path.read_bytes())
    copy = tmp_path / f"corrupt{report.path.suffix}"
    if report.backend == "sqlite":
        middle = len(data) // 2
        data[middle : middle + 65536] = os.urandom(65536)
        copy.write_bytes(bytes(data))
    else:
        # The archive's table of contents is whole; the data of the last tables is missing.
        copy.write_bytes(bytes(data[: len(data) * 2 // 3]))
    return copy


def test_a_corrupted_backup_is_refused_and_nothing_changes(district, tmp_path):
    report = service.backup()
    broken = corrupt(report, tmp_path)
    damage()
    damaged = everything()

    with pytest.raises(service.BackupError) as raised:
        service.restore(broken)

    assert str(broken) in str(raised.value) or "pg_restore failed" in str(raised.value)
    assert everything() == damaged
    service.restore(report.path)  # the good one still does
    assert LEAF_TABLE in everything()


def test_files_that_are_not_backups_are_refused(district, tmp_path):
    before = everything()
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as database:
        database.execute("CREATE TABLE recipes (name TEXT)")
    database.close()

    with pytest.raises(service.BackupError, match="is not a Distretto backup"):
        service.restore(text)
    with pytest.raises(service.BackupError) as raised:
        service.restore(other)
    if suite_vendor() == "sqlite":
        assert "is not a Distretto database: it has no table accounts_user" in str(raised.value)
    else:
        assert "is a SQLite backup, but this Distretto runs on PostgreSQL" in str(raised.value)
    with pytest.raises(service.BackupError, match="Cannot read"):
        service.restore(tmp_path / "nowhere.dump")
    assert everything() == before
    assert not (tmp_path / "backups").exists()  # refused before anything was written


@pytest.mark.skipif(suite_vendor() != "sqlite", reason="edits a SQLite backup file")
def test_a_backup_of_a_newer_version_is_refused_and_an_older_one_needs_migrate(district, tmp_path):
    report = service.backup()
    with sqlite3.connect(report.path) as database:
        database.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('registry', '9999_from_the_future', '2030-01-01')"
        )
    database.close()
    with pytest.raises(service.BackupError, match="newer version of Distretto"):
        service.restore(report.path)

    with sqlite3.connect(report.path) as database:
        database.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
        database.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)"
        )
    database.close()
    assert len(service.inspect_backup(report.path).pending) == 1


@pytest.mark.skipif(suite_vendor() != "postgresql", reason="pg_dump is for PostgreSQL")
def test_without_pg_dump_the_backup_says_so_and_writes_nothing(
    transactional_db, settings, tmp_path, monkeypatch
):
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(service.BackupError, match="pg_dump was not found: install the PostgreSQL"):
        service.backup()
    assert list((tmp_path / "backups").iterdir()) == []


# --- the commands ----------------------------------------------------------------------------


def test_the_commands_back_up_and_restore_a_database(tmp_path):
    with file_database(tmp_path) as database:
        database.run("migrate", "-v", "0")
        database.run("load", "mirandola")
        before = database.digests()

        made = database.run("backup")
        path = Path(made.stdout.strip().rsplit(" to ", 1)[1])
        assert path.parent == database.data_dir / "backups"
        assert "Backed up the" in made.stdout
        with database.connect() as connection:
            connection.cursor().execute("DELETE FROM registry_site")
            connection.cursor().execute("UPDATE registry_organisation SET name = 'Gone'")
        damaged = database.digests()
        assert damaged != before

        unconfirmed = database.run("restore", str(path), check=False)
        assert unconfirmed.returncode == 1
        assert "confirm with --yes" in unconfirmed.stderr
        assert database.digests() == damaged

        restored = database.run("restore", str(path), "--yes")
        assert f"Restored {path}." in restored.stdout
        assert "before-restore-" in restored.stdout
        assert database.digests() == before

        # Into a new, empty database (no tables yet) as well.
        with file_database(tmp_path / "new") as new:
            new.run("restore", str(path), "--yes")
            assert new.digests() == before
