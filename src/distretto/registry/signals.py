"""Signals of the registry for other apps.

``dataset_loaded`` is sent at the end of loading a dataset file, inside its
transaction, so that an app can load its own part of the same dataset (the
funding calls of a district, say) without the registry knowing about it.
Receivers get ``path`` (the dataset file) and ``report`` (a LoadReport to add
their counts to), and may raise to undo the whole load.
"""

from __future__ import annotations

from django.dispatch import Signal

dataset_loaded = Signal()
