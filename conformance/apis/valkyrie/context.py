"""What Valkyrie PAM's checks run in: getBalance with the profile's credentials, and judging PAM error codes."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import quote

from balancekit.clock import Clock
from conformance.api import ConformanceApi
from conformance.apis.valkyrie.section import ValkyrieSection
from conformance.context import ApiContext, Judging
from conformance.transport import Client, Exchange


class ValkyrieContext(ApiContext):
    def __init__(self, api: ConformanceApi, section: ValkyrieSection, client: Client, seed: int, clock: Clock) -> None:
        super().__init__(api, section.base_url, client, seed, clock)
        self.profile = section
        self._numbers = itertools.count(1)

    def balance(
        self,
        player_id: str,
        token: str,
        *,
        provider: str | None = "",
        api_token: str | None = "",
        correlation: bool = True,
    ) -> Judging:
        """getBalance; ``''`` sends the profile's provider or api token, ``None`` none at all."""
        headers = {"X-Player-Token": token}
        if correlation:
            headers["X-Correlation-ID"] = f"conformance-{next(self._numbers)}"
        if api_token is not None:
            headers["Authorization"] = f"Bearer {api_token or self.profile.api_token}"
        params = {} if provider is None else {"provider": provider or self.profile.provider}
        path = f"/players/{quote(player_id, safe='')}/balance"
        return (yield from self.request("GET", path, headers=headers, params=params))

    def active(self, **kwargs: Any) -> Judging:
        """getBalance of the active player with its live session."""
        player = self.profile.players["active"]
        return (yield from self.balance(player["playerId"], player["token"], **kwargs))

    def expect_code(
        self, requirement: str, check: str, exchange: Exchange, code: str, status: int | None, *, also: str = ""
    ) -> Judging:
        """An error body with ``code``; ``status`` is the HTTP status the requirement itself demands, if any.
        ``also``: a second code accepted with HTTP 401 (how a PAM whose sessions belong to a provider answers)."""
        got = error_code(exchange)
        passed = got == code and status in (None, exchange.status)
        passed = passed or (bool(also) and got == also and exchange.status == 401)
        documented = f"error.code {code}" + (f" with HTTP {status}" if status else "")
        documented += f", or HTTP 401 with {also}" if also else ""
        yield self.finding(requirement, check, passed, documented, exchange)
        if passed:
            schema = "PamErrorResponse" if exchange.status in (400, 401) else "BalanceError"
            yield from self.expect_shape(requirement, check, exchange, exchange.json(), schema)

    def expect_business_error(self, requirement: str, check: str, exchange: Exchange, code: str) -> Judging:
        yield from self.expect_code(requirement, check, exchange, code, None)
        body = exchange.json() if exchange.is_json else None
        status = body.get("status") if isinstance(body, dict) else None
        yield self.finding(
            "VALK-BUSINESS-ERRORS-200",
            check,
            exchange.status == 200 and status == "ERROR",
            "HTTP 200 with status ERROR",
            exchange,
        )


def error_code(exchange: Exchange) -> Any:
    body = exchange.json() if exchange.is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None
