"""What Paytronix's checks run in: accountInformation with the client's credentials, and judging its results."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from balancekit.clock import Clock
from conformance.api import ConformanceApi
from conformance.apis.paytronix.section import PaytronixSection
from conformance.context import ApiContext, Judging
from conformance.results import Item
from conformance.transport import Client, Exchange

RESULTS = ("success", "failure", "invalid_status")
FIELD_RULES = {
    "balance": "PTX-DATA-DECIMALS",
    "walletCode": "PTX-DATA-DECIMALS",
    "tierCode": "PTX-DATA-DECIMALS",
    "cardTemplateCode": "PTX-DATA-DECIMALS",
    "enrollDate": "PTX-DATA-DATES",
}


class PaytronixContext(ApiContext):
    def __init__(self, api: ConformanceApi, section: PaytronixSection, client: Client, seed: int, clock: Clock) -> None:
        super().__init__(api, section.base_url, client, seed, clock)
        self.profile = section
        self.path = f"/rest/{section.release}/guest/accountInformation.json"

    def basic(self, client_id: str | None = None, secret: str | None = None) -> dict[str, str]:
        pair = f"{client_id or self.profile.client_id}:{secret or self.profile.client_secret}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def call(self, method: str, fields: dict[str, Any], headers: dict[str, str] | None = None) -> Judging:
        """accountInformation with ``fields`` as a JSON body (POST) or query (GET), with the client's credentials."""
        headers = self.basic() if headers is None else headers
        fields = {"merchantId": self.profile.merchant_id, **fields}
        if method == "POST":
            return (yield from self.request("POST", self.path, headers=headers, json_body=fields))
        return (yield from self.request("GET", self.path, headers=headers, params=fields))

    def every_answer(self, exchange: Exchange) -> Iterable[Item]:
        if exchange.status != 200:
            return
        body = exchange.json() if exchange.is_json else None
        result = body.get("result") if isinstance(body, dict) else None
        yield self.finding(
            "PTX-RESULT",
            f"{exchange.method} answer with HTTP 200",
            result in RESULTS,
            "result one of success, failure, invalid_status",
            exchange,
        )

    def expect_result(self, requirement: str, check: str, exchange: Exchange, result: str, schema: str) -> Judging:
        body = yield from self.expect_json(requirement, check, exchange, 200)
        if body is None:
            return
        got = body.get("result") if isinstance(body, dict) else None
        finding = self.finding(requirement, check, got == result, f"HTTP 200, result {result}", exchange)
        yield finding
        if finding.passed:
            rules = FIELD_RULES if result == "success" else None
            yield from self.expect_shape(requirement, check, exchange, body, schema, rules)
