from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "distretto.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from distretto.accounts import audit, audit_admin  # noqa: F401 - registers the admin

        audit.connect()
