"""The ``distretto`` command: a thin front over Django management commands.

Multi-word commands (``import organisations``, ``taxonomy import emdn``) map to
one management command each; any other Django command passes through unchanged.
"""

from __future__ import annotations

import os
import sys

# (words typed after "distretto") -> management command
ALIASES: dict[tuple[str, ...], str] = {
    ("load",): "load_dataset",
    ("import", "organisations"): "import_organisations",
    ("import", "ties"): "import_ties",
    ("export", "organisations"): "export_organisations",
    ("taxonomy", "import", "emdn"): "import_emdn",
    ("index", "rebuild"): "index_rebuild",
    ("worker",): "db_worker",
    ("digests", "send"): "send_digests",
    ("profiles", "remind"): "remind_profiles",
    ("profiles", "expire"): "expire_profiles",
    ("events", "schedule"): "events_schedule",
    ("events", "run"): "events_run",
    ("events", "expire"): "events_expire",
    ("events", "follow-ups"): "events_follow_ups",
    ("consortium", "build"): "consortium_build",
    ("calls", "check"): "calls_check",
    ("network", "export"): "network_export",
    ("network", "scenario"): "network_scenario",
    ("network", "metrics"): "network_metrics",
    ("indicators", "import"): "indicators_import",
    ("indicators", "snapshot"): "indicators_snapshot",
    ("report",): "report",
    ("audit", "prune"): "audit_prune",
    ("privacy", "purge"): "privacy_purge",
    ("privacy", "export"): "privacy_export",
    ("privacy", "erase"): "privacy_erase",
}

OVERVIEW = """usage: distretto COMMAND [options]

The innovation-district platform.

commands:
  demo                          migrate, load the Mirandola dataset if the database is
                                empty, create a facilitator (password printed once), serve
  serve                         serve the web app (DISTRETTO_HOST:DISTRETTO_PORT)
  migrate                       create or update the database tables
  backup                        back up the database to a file, while the app runs
                                [--output PATH]
  restore PATH                  replace the database with a backup [--yes]
  load mirandola                load the embedded Mirandola dataset (safe to repeat)
  import organisations FILE     import organisations from CSV or XLSX [--dry-run]
  import ties FILE              import ties (network edges) from CSV or XLSX [--dry-run]
  export organisations          export the directory [--format csv|xlsx|json]
  taxonomy import emdn FILE     load the official EMDN nomenclature (tab-separated)
  search TEXT                   search organisations and offers/requests, with reasons
                                [--kind organisation|profile|all] [--limit N] [--json]
                                [--batch FILE: one query per line]
  index rebuild                 rebuild the search index (lexical and embeddings)
  worker                        run background tasks (embeddings, digests, reminders)
  digests send                  e-mail the digests of saved searches that are due
                                [--frequency daily|weekly] [--dry-run]
  profiles remind               e-mail owners of offers and requests about to expire
                                [--days N]
  profiles expire               take offers and requests past their expiry date offline
  events schedule               schedule meetings from a JSON file (file mode)
                                --input EVENT.json --output SCHEDULE.json [--time-limit S]
  events run SLUG               schedule an event's accepted meetings [--time-limit S]
  events expire                 expire meeting requests left unanswered past their date
  events follow-ups             e-mail the 3- and 6-month follow-ups of past events
  calls check SLUG              check a consortium against a call's rules
                                --partners A,B --coordinator A [--json]
  consortium build              propose consortia for a call and an idea of the registry
                                --call ID --idea IDEA.json [--json] [--time-limit S];
                                file mode: --input PROBLEM.json --output RESULT.json
  network export                the network as GraphML, GEXF or CSV
                                [--format graphml|gexf|csv] [--output FILE]
  network scenario              what the district loses when an area stops
                                --radius-km R --lat LAT --lon LON | --municipalities
                                ISTAT,... | --organisations A,B [--save NAME] [--json]
  network metrics               the network's figures, central organisations, brokers
                                and single-supplier dependencies [--json]
  indicators import FILE        import indicator values from CSV or XLSX [--dry-run]
  indicators snapshot           keep the platform's own counts (monthly) [--scheduled]
  report                        the district's report [--format html|pdf] --output FILE
  createfacilitator             create a facilitator account
  createapitoken USERNAME       issue an API token for a user (key printed once)
                                --name NAME [--scope read|write] [--days N]
  revokeapitoken dst_PREFIX     revoke an API token at once
  audit prune                   delete audit-log entries past DISTRETTO_AUDIT_RETENTION_DAYS
                                [--dry-run]
  privacy purge                 erase accounts and contacts kept past
                                DISTRETTO_PRIVACY_RETENTION_DAYS [--dry-run]
  privacy export                everything held about a person, as JSON
                                --user USERNAME | --person ID [--output FILE]
  privacy erase                 erase a person's personal data
                                --user USERNAME | --person ID [--yes]

Every command takes --help. Other Django management commands (shell, dbshell,
check, collectstatic, ...) are available under the same name.
"""


def translate(argv: list[str]) -> list[str]:
    """Turn ``distretto`` words into a management-command argument list."""
    for words, command in sorted(ALIASES.items(), key=lambda item: -len(item[0])):
        if tuple(argv[: len(words)]) == words:
            return [command, *argv[len(words) :]]
    return argv


def terminal_language(environ: dict[str, str]) -> str | None:
    """The language for messages at the terminal: DISTRETTO_LANGUAGE, else the locale's.

    ``it_IT.UTF-8`` gives Italian, ``en_GB.UTF-8`` English; anything else (or
    nothing) leaves the site's default language (Italian).
    """
    for name in ("DISTRETTO_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip().lower()
        if value[:2] in {"it", "en"}:
            return value[:2]
        if value and name != "DISTRETTO_LANGUAGE" and value not in {"c", "posix"}:
            return None
    return None


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        sys.stdout.write(OVERVIEW)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    language = terminal_language(dict(os.environ))
    if language:
        translation.activate(language)
    execute_from_command_line(["distretto", *translate(args)])


if __name__ == "__main__":
    main()
