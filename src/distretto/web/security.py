"""Security headers beyond Django's own: the Content Security Policy and the Permissions Policy.

The policy itself is ``CONTENT_SECURITY_POLICY`` in the settings (django-csp). This
middleware adds what depends on other settings: the map tile server, when one is
configured, may serve images. Django's admin (the back office) and the API's docs page
(Swagger UI) set styles inline, so those two, and only those, may use inline styles;
scripts stay restricted everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

# Pages that are not Distretto's own templates and set style attributes inline.
INLINE_STYLE_PREFIXES = ("/admin/", "/api/v1/docs")

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def tile_origin(template: str) -> str | None:
    """The origin a Leaflet tile URL template loads from, ``{s}`` standing for any subdomain."""
    if not template:
        return None
    parts = urlsplit(template)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        update: dict[str, list[str]] = {}
        origin = tile_origin(settings.MAP_TILES_URL)
        if origin:
            update["img-src"] = [origin]
        path = request.path_info
        if any(path.startswith(prefix) for prefix in INLINE_STYLE_PREFIXES):
            update["style-src"] = ["'unsafe-inline'"]
        if update:
            parts.update = {**(parts.update or {}), **update}
        return parts


class PermissionsPolicyMiddleware:
    """Turn off browser features Distretto never uses (camera, microphone, location…)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
