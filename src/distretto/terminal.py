"""What the management commands share at the server's shell: who acts, and the console.

Someone at the server's shell is trusted: without ``--as`` a command acts as
the system operator (``accounts.services.SYSTEM``, a facilitator for every
role check). With ``--as USERNAME`` it acts as that account, and the services
check its role like they would on the web.
"""

from __future__ import annotations

import textwrap
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, DjangoHelpFormatter, OutputWrapper
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distretto.accounts.services import SYSTEM

# Wide enough that a table of errors written to a file or a pipe is not wrapped.
FILE_WIDTH = 160


class RawDescriptionHelpFormatter(DjangoHelpFormatter):
    """Django's help layout, keeping the line breaks (and column layout) of description and epilog.

    Long lines are still wrapped to the terminal, continuing under their own indentation.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            own = " " * (len(line) - len(line.lstrip()))
            lines.append(
                textwrap.fill(
                    line,
                    width,
                    initial_indent=indent,
                    subsequent_indent=indent + own,
                    break_on_hyphens=False,  # keep file names and option names whole
                    break_long_words=False,
                )
                if line.strip()
                else ""
            )
        return "\n".join(lines)


ACTING_USER_HELP = "act as this facilitator account (default: the system operator)"


def add_acting_user_argument(parser: ArgumentParser, help_text: str = ACTING_USER_HELP) -> None:
    """The ``--as USERNAME`` option every command that changes or reads records has."""
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help=help_text)


def acting_user(username: str | None) -> Any:
    """The user a command acts as: the named account, or the system operator."""
    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No account named %(username)s.") % {"username": repr(username)})
    return user


def read_input_file(name: str) -> bytes:
    """The bytes of the file a command was given, or a CommandError saying why it cannot be read."""
    path = Path(name)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror or exc}
        ) from exc


class _RawStream:
    """Lets rich write through Django's OutputWrapper without an added line ending."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> int:
        self.wrapper.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return self.wrapper.isatty()


def console_for(stream: OutputWrapper) -> Console:
    """A rich console on a command's stdout or stderr (plain, wide text when not a terminal)."""
    raw = _RawStream(stream)
    if raw.isatty():
        return Console(file=raw)  # type: ignore[arg-type]
    return Console(file=raw, width=FILE_WIDTH, no_color=True, highlight=False)  # type: ignore[arg-type]


@contextmanager
def progress_bar(console: Console) -> Iterator[Any]:
    """A progress callback ``(phase label, done, total)`` drawing a bar on a terminal."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    tasks: dict[str, Any] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = progress.add_task(label, total=total)
        progress.update(tasks[label], completed=done, total=total)

    with progress:
        yield update
