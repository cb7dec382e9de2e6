"""connexion's stack as the sandbox runs it: documentation still served everywhere, the admin API routed last."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from connexion.middleware.request_validation import RequestValidationMiddleware, RequestValidationOperation
from connexion.middleware.response_validation import ResponseValidationMiddleware, ResponseValidationOperation
from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from support import API_NAMES

from mockserver import create_app
from mockserver.admin.location import ADMIN_PREFIX
from mockserver.connexion_stack import (
    AdminRoutesLast,
    DocsOnTheirPaths,
    QuickRequestValidation,
    QuickResponseValidation,
    may_be_documentation,
)

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


def test_validation_runs_in_the_quick_layers_in_connexions_places(built: tuple[TestClient, list[Any]]) -> None:
    _, layers = built
    kinds = [type(layer) for layer in layers]
    assert RequestValidationMiddleware not in kinds and ResponseValidationMiddleware not in kinds
    assert kinds.index(QuickRequestValidation) < kinds.index(QuickResponseValidation)
    for layer in (_layer(layers, QuickRequestValidation), _layer(layers, QuickResponseValidation)):
        operations = [
            operation for api in layer.apis.values() for each in api for operation in each.operations.values()
        ]
        assert operations and all(
            type(operation).__module__ == "mockserver.connexion_stack" for operation in operations
        )


class _Operation:
    """What connexion's content-type extraction reads of an operation: the media types it takes and gives."""

    def __init__(self, media: list[str]) -> None:
        self.consumes = self.produces = media


_NAMES = st.sampled_from([b"content-type", b"Content-Type", b"CONTENT-TYPE", b"content-length", b"x-content-type"])
_VALUES = st.one_of(
    st.sampled_from([b"", b"application/json", b"text/plain; charset=latin-1", b"a/b;charset=x;q=1", b";charset="]),
    st.binary(max_size=24),
)


@given(
    headers=st.lists(st.tuples(_NAMES, _VALUES), max_size=4),
    media=st.sampled_from([[], ["application/json"], ["text/plain", "application/json"]]),
)
def test_the_quick_layers_read_a_content_type_as_connexion_does(
    headers: list[tuple[bytes, bytes]], media: list[str]
) -> None:
    # The operation classes the quick layers make, against connexion's own, on any header list.
    request = _layer_operation(QuickRequestValidation)
    response = _layer_operation(QuickResponseValidation)
    for quick, theirs in ((request, RequestValidationOperation), (response, ResponseValidationOperation)):
        expected = theirs(None, operation=_Operation(media)).extract_content_type(headers)
        assert quick(None, operation=_Operation(media)).extract_content_type(headers) == expected


def _layer_operation(layer: type) -> Any:
    """The operation class a quick layer's API makes (it names it in make_operation)."""
    made = layer.api_cls.make_operation(_Maker(), _Operation([]))  # type: ignore[attr-defined]
    return type(made)


class _Maker:
    """Just what make_operation reads of its API."""

    next_app = None
    strict_validation = True
    validator_map = None
    validate_responses = True
