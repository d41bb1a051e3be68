from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "distretto.calls"
    verbose_name = _("Funding calls and consortia")
