"""The OpenAPI description and the docs page (served without any CDN)."""

from __future__ import annotations


def test_openapi_lists_every_endpoint_and_both_logins(api, db):
    schema = api.get("/api/v1/openapi.json").json()

    assert {path: sorted(ops) for path, ops in schema["paths"].items()} == {
        "/api/v1/organisations": ["get", "post"],
        "/api/v1/organisations/{slug}": ["get", "patch"],
        "/api/v1/organisations/{slug}/status": ["post"],
        "/api/v1/taxonomies": ["get"],
        "/api/v1/taxonomies/{slug}/codes": ["get"],
        "/api/v1/municipalities": ["get"],
        "/api/v1/profiles": ["get", "post"],
        "/api/v1/profiles/{profile_id}": ["get", "patch"],
        "/api/v1/profiles/{profile_id}/status": ["post"],
        "/api/v1/profiles/{profile_id}/interests": ["post"],
        "/api/v1/interests/{interest_id}/answer": ["post"],
        "/api/v1/search": ["get"],
        "/api/v1/saved-searches": ["get", "post"],
        "/api/v1/saved-searches/{saved_id}": ["delete", "patch"],
        "/api/v1/events": ["get"],
        "/api/v1/events/{slug}": ["get"],
        "/api/v1/events/{slug}/participants": ["get"],
        "/api/v1/events/{slug}/registrations": ["post"],
        "/api/v1/events/{slug}/registrations/{registration_id}/meetings": ["get"],
        "/api/v1/events/{slug}/registrations/{registration_id}/recommendations": ["get"],
        "/api/v1/events/{slug}/meetings": ["post"],
        "/api/v1/event-meetings/{meeting_id}/answer": ["post"],
        "/api/v1/event-meetings/{meeting_id}/cancel": ["post"],
        "/api/v1/events/{slug}/schedule": ["post"],
        "/api/v1/events/{slug}/runs/{run_id}": ["get"],
        "/api/v1/events/{slug}/statistics": ["get"],
        "/api/v1/calls": ["get"],
        "/api/v1/calls/fitting": ["get"],
        "/api/v1/calls/{slug}": ["get"],
        "/api/v1/calls/{slug}/eligibility": ["post"],
        "/api/v1/calls/{slug}/consortia": ["post"],
        "/api/v1/calls/{slug}/drafts": ["post"],
        "/api/v1/drafts": ["get"],
        "/api/v1/drafts/{draft_id}": ["get"],
        "/api/v1/drafts/{draft_id}/invitations": ["post"],
        "/api/v1/drafts/{draft_id}/partners/{place_id}/answer": ["post"],
        "/api/v1/network/graph": ["get"],
        "/api/v1/network/metrics": ["get"],
        "/api/v1/network/suggestions": ["get"],
        "/api/v1/network/scenarios/run": ["post"],
        "/api/v1/network/scenarios": ["get", "post"],
        "/api/v1/network/scenarios/{scenario_id}": ["get"],
        "/api/v1/indicators": ["get"],
        "/api/v1/indicators/snapshots/latest": ["get"],
        "/api/v1/indicators/{slug}": ["get"],
        "/api/v1/indicators/{slug}/data": ["get"],
    }
    assert schema["components"]["securitySchemes"] == {
        "BearerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer dst_...`.",
        },
        "Session": {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": (
                "The web app's login session; writes also need the `X-CSRFToken` header."
            ),
        },
    }
    assert schema["paths"]["/api/v1/organisations"]["post"]["security"] == [
        {"BearerToken": []},
        {"Session": []},
    ]
    assert schema["paths"]["/api/v1/organisations"]["get"]["security"] == [
        {},
        {"BearerToken": []},
        {"Session": []},
    ]


def test_openapi_documents_the_error_shape_and_pagination(api, db):
    schema = api.get("/api/v1/openapi.json").json()

    error_ref = schema["paths"]["/api/v1/organisations"]["post"]["responses"]["422"]
    assert error_ref["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert sorted(schema["components"]["schemas"]["OrganisationPage"]["properties"]) == [
        "count",
        "items",
        "next_offset",
    ]
    assert (
        '{"detail": [{"field": "vat_number", "message": "..."}]}' in schema["info"]["description"]
    )


def test_docs_page_loads_swagger_from_the_app_not_a_cdn(api, db):
    page = api.get("/api/v1/docs").content.decode()

    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in page
    assert 'href="/static/ninja/swagger-ui.css"' in page
    assert "cdn" not in page.lower()
    assert "https://" not in page


def test_docs_page_assets_are_served_by_the_app(api, db):
    response = api.get("/static/ninja/swagger-ui-bundle.js")
    body = b"".join(response.streaming_content)
    response.close()

    assert (response.status_code, response["Content-Type"].split(";")[0]) == (
        200,
        "text/javascript",
    )
    assert b"SwaggerUIBundle" in body
