from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "distretto.monitor"
    label = "monitor"
    verbose_name = _("District monitor")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from distretto.monitor.dataset import load_monitor
        from distretto.registry.signals import dataset_loaded

        dataset_loaded.connect(load_monitor, dispatch_uid="monitor.load_monitor")
