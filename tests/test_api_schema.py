"""The OpenAPI schema, the offline API docs, and the health check."""

import re

import pytest
import yaml
from django.core.management import call_command

from safecampus.config.api_urls import router
from tests.api_helpers import api, api_setup  # noqa: F401

EXTRA_PATHS = {
    "/api/v1/auth/token/",
    "/api/v1/users/me/",
    "/api/v1/users/{id}/reset-password/",
    "/api/v1/users/{id}/disable/",
    "/api/v1/users/{id}/enable/",
    "/api/v1/hazards/{id}/actions/",
}
# Derived lists with no records of their own, hence no detail path.
LIST_ONLY = {"due-inspections"}


@pytest.mark.django_db
def test_schema_is_openapi_3_with_every_resource():
    response = api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/v1/{prefix}/" in paths
        if prefix not in LIST_ONLY:
            assert any(p.startswith(f"/api/v1/{prefix}/{{") for p in paths), prefix
    assert paths >= EXTRA_PATHS


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/people/" in target.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_docs_load_only_local_assets():
    response = api().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+""", html)
    assert external == []
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html)


@pytest.mark.django_db
def test_healthz():
    response = api().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
