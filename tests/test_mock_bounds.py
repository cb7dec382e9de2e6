"""Memory the mock keeps across requests is bounded in bytes, whatever size of value a client chooses."""

from __future__ import annotations

import time

import pytest
from connexion.exceptions import OAuthProblem
from starlette.testclient import TestClient
from support import VIP_LOOKUP, assert_api_error, vip_token

from mockserver import load_fixtures
from mockserver.apis.vip_connect.operator_jwt import MAX_JWT_CHARS, OperatorJwtVerifier
from mockserver.bounded_cache import BoundedCache
from mockserver.validators import JsonResponseValidator, ValidationMemory, for_app


def test_a_bounded_cache_drops_the_least_recently_used_by_bytes_and_by_count() -> None:
    cache: BoundedCache[str, int] = BoundedCache(max_entries=3, max_bytes=100, max_item_bytes=60)
    cache.put("a", 1, 40)
    cache.put("b", 2, 40)
    assert cache.get("a") == 1  # now the most recently used
    cache.put("c", 3, 40)  # 120 bytes: "b" goes
    assert (cache.get("b"), cache.get("a"), cache.get("c")) == (None, 1, 3)
    assert cache.size_bytes == 80
    cache.put("big", 4, 61)  # over the per-item bound: never kept
    assert cache.get("big") is None and cache.size_bytes == 80
    for key in "defg":
        cache.put(key, 0, 1)
    assert len(cache) == 3 and cache.size_bytes == 3


def _verifier() -> OperatorJwtVerifier:
    vip = load_fixtures()["vip-connect"]
    return OperatorJwtVerifier(vip.operator_keys(), vip.audiences, clock=time.time)


@pytest.mark.slow
def test_the_verified_token_cache_is_bounded_in_bytes() -> None:
    verify = _verifier()
    # Each token just under the length limit, each with its own claim: far more bytes than the cache may hold.
    padding = "x" * (MAX_JWT_CHARS * 3 // 4 - 300)  # base64 makes 4 characters of 3 bytes
    count = 3 * verify.CACHE_BYTES // MAX_JWT_CHARS
    for index in range(count):
        assert verify(vip_token(pad=f"{index}{padding}"))["sub"]
    assert verify._verified.size_bytes <= verify.CACHE_BYTES
    assert len(verify._verified) < count


def test_a_token_over_the_length_limit_is_refused_before_it_is_decoded() -> None:
    verify = _verifier()
    token = vip_token(pad="x" * MAX_JWT_CHARS)
    with pytest.raises(OAuthProblem, match="longer than"):
        verify(token)
    assert len(verify._verified) == 0


def test_a_jwt_with_a_megabyte_claim_is_the_apis_401(client: TestClient) -> None:
    token = vip_token(pad="x" * (1 << 20))
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert "longer than" in assert_api_error(response, VIP_LOOKUP)["operatorDeclineDescription"]


def test_the_memory_of_valid_answers_is_bounded_in_bytes() -> None:
    memory = ValidationMemory()
    remembered = memory.valid_answers
    assert remembered.max_bytes <= 1024 * 1024 and remembered.max_item_bytes <= remembered.max_bytes
    schema = {"type": "object"}
    validator_class = for_app(JsonResponseValidator, memory)
    for index in range(2000):
        validator = validator_class({"type": "http"}, schema=schema, encoding="utf-8")
        body = validator._parse(chunk for chunk in [b'{"n": %d, "pad": "%s"}' % (index, b"p" * 2000)])
        validator._validate(body)
    assert remembered.size_bytes <= remembered.max_bytes
    assert len(remembered) <= remembered.max_entries
