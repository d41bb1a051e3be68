"""distretto serve: serve the web app with waitress (static files through WhiteNoise)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


def start_worker() -> subprocess.Popen[bytes] | None:
    """A task worker beside the server (database task backend only), stopped with it."""
    if not settings.SERVE_WORKER or "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return None
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "distretto.settings"}
    return subprocess.Popen(
        [sys.executable, "-m", "django", "db_worker", "--interval", "2", "--no-startup-delay"],
        env=environment,
    )


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_server(host: str, port: int, threads: int, stdout: Any) -> None:
    """Serve the WSGI application until interrupted, with a task worker beside it."""
    from waitress import serve

    from distretto.wsgi import application

    worker = start_worker()
    if worker is not None:
        # A service manager stops the server with SIGTERM: stop the worker with it.
        signal.signal(signal.SIGTERM, _interrupt)

    stdout.write(
        _("Distretto is running on %(url)s  (Ctrl+C to stop)") % {"url": f"http://{host}:{port}/"}
    )
    stdout.flush()
    try:
        serve(application, host=host, port=port, threads=threads, ident="distretto")
    except KeyboardInterrupt:
        stdout.write(_("Stopped."))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


class Command(BaseCommand):
    help = (
        "Serve the web app. Listens on DISTRETTO_HOST:DISTRETTO_PORT (default "
        "127.0.0.1:8000), with a background task worker beside it. For several processes "
        "behind a reverse proxy, see the admin guide."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.SERVE_HOST, help="address to listen on")
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT, help="port")
        parser.add_argument("--threads", type=int, default=8, help="worker threads")

    def handle(self, *args: Any, **options: Any) -> None:
        run_server(options["host"], options["port"], options["threads"], self.stdout)
