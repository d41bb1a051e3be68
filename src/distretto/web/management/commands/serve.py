"""distretto serve: serve the web app with waitress (static files through WhiteNoise)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


def run_server(host: str, port: int, threads: int, stdout: Any) -> None:
    """Serve the WSGI application until interrupted."""
    from waitress import serve

    from distretto.wsgi import application

    stdout.write(
        _("Distretto is running on %(url)s  (Ctrl+C to stop)") % {"url": f"http://{host}:{port}/"}
    )
    stdout.flush()
    try:
        serve(application, host=host, port=port, threads=threads, ident="distretto")
    except KeyboardInterrupt:
        stdout.write(_("Stopped."))


class Command(BaseCommand):
    help = (
        "Serve the web app. Listens on DISTRETTO_HOST:DISTRETTO_PORT (default "
        "127.0.0.1:8000). For several processes behind a reverse proxy, see the admin guide."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.SERVE_HOST, help="address to listen on")
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT, help="port")
        parser.add_argument("--threads", type=int, default=8, help="worker threads")

    def handle(self, *args: Any, **options: Any) -> None:
        run_server(options["host"], options["port"], options["threads"], self.stdout)
