"""A small client of two balance APIs: a Valkyrie PAM player's balance and a VIP Connect patron account inquiry."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx


class BalanceError(Exception):
    """The partner refused the request; ``code`` is its error code (a ``PAM_ERR_*`` or a VIP ``errorCode``)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class PartnerUnavailableError(BalanceError):
    """No answer to use: the partner timed out, closed the connection on every try, or failed (5xx)."""


class NotAuthorizedError(BalanceError):
    """The partner refused our credentials (HTTP 401)."""


class SessionExpiredError(BalanceError):
    """Valkyrie: the player's session has expired; the player must log in again."""


class PlayerNotFoundError(BalanceError):
    """Valkyrie: no such player."""


class AccountNotFoundError(BalanceError):
    """VIP Connect: no account matches (errorCode 12)."""


class AccountClosedError(BalanceError):
    """VIP Connect: the account is closed (errorCode 13)."""


@dataclass(frozen=True)
class PlayerBalance:
    cash: Decimal
    bonus: Decimal
    promo: Decimal


@dataclass(frozen=True)
class VipAccount:
    name: str
    in_good_standing: bool
    available_amount: Decimal | None  # VIP Online accounts give it per bank account instead


_VALKYRIE_ERRORS: dict[str, type[BalanceError]] = {
    "PAM_ERR_SESSION_EXPIRED": SessionExpiredError,
    "PAM_ERR_PLAYER_NOT_FOUND": PlayerNotFoundError,
}
_VIP_ERRORS: dict[str, type[BalanceError]] = {"12": AccountNotFoundError, "13": AccountClosedError}


class BalanceClient:
    """Calls Valkyrie and VIP Connect with a timeout per request, and retries a request whose connection was closed
    before an answer came (balance reads change nothing, so a retry is safe); a timeout is not retried."""

    def __init__(
        self,
        *,
        valkyrie_url: str,
        valkyrie_api_token: str,
        vip_url: str,
        vip_token: str,
        timeout: float = 5.0,
        attempts: int = 3,
        correlation_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._valkyrie_url, self._vip_url = valkyrie_url.rstrip("/"), vip_url.rstrip("/")
        self._valkyrie_api_token, self._vip_token = valkyrie_api_token, vip_token
        self._timeout, self._attempts, self._correlation_id = timeout, attempts, correlation_id
        self._http = httpx.Client(timeout=timeout)

    def __enter__(self) -> BalanceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def player_balance(self, player_id: str, session_token: str, provider: str) -> PlayerBalance:
        response = self._send(
            "GET",
            f"{self._valkyrie_url}/players/{player_id}/balance",
            params={"provider": provider},
            headers={"Authorization": f"Bearer {self._valkyrie_api_token}", "X-Player-Token": session_token},
        )
        body = _json(response)
        # Valkyrie answers its business errors with HTTP 200 and `status: ERROR`.
        if response.status_code == 200 and body.get("status") == "OK":
            amounts = body["balance"]
            return PlayerBalance(*(Decimal(amounts[key]) for key in ("cashAmount", "bonusAmount", "promoAmount")))
        error = body.get("error") or {}
        code, message = error.get("code"), error.get("message") or f"HTTP {response.status_code}"
        raise _VALKYRIE_ERRORS.get(code or "", _by_status(response))(f"Valkyrie: {message}", code)

    def vip_account(self, vip_account_number: str, product_type: str = "preferred") -> VipAccount:
        response = self._send(
            "POST",
            f"{self._vip_url}/api/patronsession/accountlookup",
            json={"VipAccountNumber": vip_account_number, "ProductType": product_type},
            headers={"Authorization": f"Bearer {self._vip_token}"},
        )
        if response.status_code == 200:
            account = _json(response)
            return VipAccount(account["name"], account["isInGoodStanding"], account.get("availableAmount"))
        try:
            body = _json(response)
        except PartnerUnavailableError:
            body = {}  # a 401's body is not documented
        code = body.get("errorCode") if isinstance(body, dict) else None
        message = (body.get("operatorErrorMessage") if code else None) or f"HTTP {response.status_code}"
        raise _VIP_ERRORS.get(code or "", _by_status(response))(f"VIP Connect: {message}", code)

    def _send(self, method: str, url: str, **options: Any) -> httpx.Response:
        options["headers"] = {**options["headers"], "X-Correlation-ID": self._correlation_id()}
        for attempt in range(1, self._attempts + 1):
            try:
                return self._http.request(method, url, **options)
            except httpx.TimeoutException:
                raise PartnerUnavailableError(f"{url}: no answer within {self._timeout:g} s") from None
            except (httpx.RemoteProtocolError, httpx.NetworkError) as dropped:
                if attempt == self._attempts:
                    raise PartnerUnavailableError(
                        f"{url}: connection closed on all {attempt} tries ({dropped})"
                    ) from None
        raise AssertionError("unreachable: at least one attempt is made")


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content, parse_float=Decimal)  # money stays exact
    except ValueError:
        raise PartnerUnavailableError(f"HTTP {response.status_code} without a JSON body") from None


def _by_status(response: httpx.Response) -> type[BalanceError]:
    if response.status_code == 401:
        return NotAuthorizedError
    return PartnerUnavailableError if response.status_code >= 500 else BalanceError
