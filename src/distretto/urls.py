"""URL wiring. Pages are under a language prefix for English (/en/...); Italian has none."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from distretto.api.urls import api

admin.site.site_header = "Distretto"
admin.site.site_title = "Distretto"
admin.site.index_title = _("Back office")

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("distretto.accounts.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("registry/", include("distretto.registry.urls")),
    path("profiles/", include("distretto.opportunities.urls")),
    path("alerts/", include("distretto.alerts.urls")),
    path("events/", include("distretto.events.urls")),
    path("calls/", include("distretto.calls.urls")),
    path("network/", include("distretto.network.urls")),
    path("monitor/", include("distretto.monitor.urls")),
    path("", include("distretto.web.urls")),
    prefix_default_language=False,
)
