"""connexion's stack as the sandbox runs it: documentation still served everywhere, the admin API routed last."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from support import API_NAMES

from mockserver import create_app
from mockserver.admin.location import ADMIN_PREFIX
from mockserver.connexion_stack import AdminRoutesLast, DocsOnTheirPaths, may_be_documentation

PREFIXES = [*(f"/{api}" for api in API_NAMES), ADMIN_PREFIX]


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[TestClient, list[Any]]]:
    """A client of the mock, and its middleware stack as connexion built it (on the first request)."""
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        layers = []
        layer = client.app.middleware.app  # type: ignore[attr-defined]
        while layer is not None:
            layers.append(layer)
            layer = getattr(layer, "app", None)
        yield client, layers


def _layer(layers: list[Any], kind: type) -> Any:
    (found,) = [layer for layer in layers if isinstance(layer, kind)]
    return found


def _documentation_paths(docs: DocsOnTheirPaths) -> Iterator[str]:
    """A concrete path for every route connexion's Swagger UI layer registered, under every base path."""
    for mount in docs.router.routes:
        assert isinstance(mount, Mount)
        for route in mount.routes:
            if isinstance(route, Mount):  # Swagger UI's static files
                yield f"{mount.path}{route.path}/swagger-ui.css"
            else:
                assert isinstance(route, Route)
                yield mount.path + route.path


def test_every_documentation_route_connexion_registered_is_consulted(built: tuple[TestClient, list[Any]]) -> None:
    _, layers = built
    paths = list(_documentation_paths(_layer(layers, DocsOnTheirPaths)))
    assert {path.split("/")[1] for path in paths} == {prefix.strip("/") for prefix in PREFIXES}
    assert [path for path in paths if not may_be_documentation(path)] == []


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_api_and_the_admin_api_still_serve_their_documentation(
    built: tuple[TestClient, list[Any]], prefix: str
) -> None:
    client, _ = built
    assert client.get(f"{prefix}/openapi.json").json()["openapi"].startswith("3.")
    assert "openapi:" in client.get(f"{prefix}/openapi.yaml").text
    assert "swagger-ui" in client.get(f"{prefix}/ui/").text
    assert client.get(f"{prefix}/ui/swagger-ui.css").status_code == 200
    redirect = client.get(f"{prefix}/ui", follow_redirects=False)
    assert (redirect.status_code, redirect.headers["location"]) == (307, f"{prefix}/ui/")


@pytest.mark.parametrize(
    "path",
    ["/valkyrie/players/p/balance", "/vip-connect/api/patronsession/accountlookup", "/paytronix/x", "/__admin/journal"],
)
def test_api_paths_skip_the_documentation_routes(path: str) -> None:
    assert not may_be_documentation(path)


def test_the_admin_api_is_routed_after_the_apis_in_their_order(built: tuple[TestClient, list[Any]]) -> None:
    _, layers = built
    mounts = [route.path for route in _layer(layers, AdminRoutesLast).router.routes]
    assert mounts == [*sorted(f"/{api}" for api in API_NAMES), ADMIN_PREFIX]
