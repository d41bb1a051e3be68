from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "distretto.calls"
    verbose_name = _("Funding calls and consortia")

    def ready(self) -> None:
        from distretto.calls.dataset import load_calls
        from distretto.registry.signals import dataset_loaded

        dataset_loaded.connect(load_calls, dispatch_uid="calls.load_calls")
