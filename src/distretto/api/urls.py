"""The REST API at /api/v1/: one NinjaAPI, each app adding its router."""

from ninja import NinjaAPI, Swagger

from distretto.api import calls as calls_api
from distretto.api import errors
from distretto.api import events as events_api
from distretto.api import monitor as monitor_api
from distretto.api import network as network_api
from distretto.api import opportunities as opportunities_api
from distretto.api import registry as registry_api
from distretto.api import saved_searches as saved_searches_api
from distretto.api import search as search_api
from distretto.api import taxonomy as taxonomy_api
from distretto.api.language import in_request_language
from distretto.api.throttling import ClientThrottle

DESCRIPTION = """\
The innovation district: its registry (organisations, taxonomies, municipalities), offers
and requests, search and saved searches, brokerage events, funding calls with the
eligibility check of a consortium, the district's network (its graph, metrics, link
suggestions and disruption scenarios), and the district monitor's indicators with every
value's source and licence (open data, JSON or CSV).

**Reading** is public for published records. Logged in, facilitators also see drafts,
and an organisation's members see their own organisation's drafts and contact people.

**Writing** needs a login: either an API token in the header
`Authorization: Bearer dst_...` (issued with
`distretto createapitoken USERNAME --name NAME --scope write` or in the back office), or the
web app's session plus the `X-CSRFToken` header. A token has a scope (`read`, the default,
or `write`) and an expiry date, and can be revoked; a read-only token writing gets 403.
Facilitators add organisations; facilitators and an organisation's administrators change it.

**Lists** are paginated with `limit` (default 50, at most 200) and `offset`, and answer
`{"count": N, "items": [...], "next_offset": N or null}`.

**Errors** always have the shape
`{"detail": [{"field": "vat_number", "message": "..."}]}`: `field` names the request
field at fault, or is null when the problem is the whole request. Messages are in the
language of the `Accept-Language` header (Italian or English). 400: the body is not
JSON; 401: not logged in, or a wrong or revoked token; 403: not allowed; 404: no such
record, or a draft the caller may not see; 422: invalid data (nothing is changed);
429: too many requests (the `Retry-After` header says how many seconds to wait).

**Rate limits**: each user (token or session) and each anonymous address may send a
limited number of requests a minute (by default 600 and 120).
"""

api = NinjaAPI(
    title="Distretto API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    # ninja is an installed app, so the docs page loads Swagger UI from ninja's own
    # static files, never from a CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
    throttle=[ClientThrottle()],
)
errors.install(api)
api.add_decorator(in_request_language, mode="view")
api.add_router("/", registry_api.router)
api.add_router("/", taxonomy_api.router)
api.add_router("/", opportunities_api.router)
api.add_router("/", search_api.router)
api.add_router("/", saved_searches_api.router)
api.add_router("/", events_api.router)
api.add_router("/", calls_api.router)
api.add_router("/", network_api.router)
api.add_router("/", monitor_api.router)
