"""makemessages that also extracts ``N_("...")``: the no-op marker used by pure domain code."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
