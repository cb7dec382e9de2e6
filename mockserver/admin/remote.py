"""A client of a running sandbox's admin API over HTTP; it loads none of the server's libraries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockserver.admin.location import ADMIN_PREFIX


class AdminCallError(Exception):
    """An admin call the sandbox refused, or could not answer. The message is one line; for a refused change it
    carries the admin API's own message, and ``key``, ``expected`` and ``found`` name the problem."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        key: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status  # None when no answer came
        self.key = key
        self.expected = expected
        self.found = found


class AdminClient:
    """Calls the admin API of the sandbox at ``url`` (its base URL, without ``/__admin``), with the admin token when
    one is given. The token is sent and never shown: not in the repr, not in an error."""

    def __init__(self, url: str, *, admin_token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
    ) -> Any:
        """The JSON answer of ``method /__admin<path>`` (None for an answer without a body); AdminCallError when the
        sandbox cannot be reached or answers an error."""
        # Under pytest, a failing call is reported at the caller's line, without this frame's arguments (a body may
        # hold a credential).
        __tracebackhide__ = True
        try:
            # A connection per call: the sandbox closes idle connections, and a call must not race that close.
            response = httpx.request(
                method,
                self.url + ADMIN_PREFIX + path,
                json=body,
                params=params,
                headers=self._headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as problem:
            raise AdminCallError(f"cannot reach the sandbox at {self.url}: {problem}") from None
        try:
            answer = response.json() if response.content else None
        except ValueError:
            answer = None
        if response.status_code >= 400:
            error = answer.get("error") if isinstance(answer, dict) else None
            details = error if isinstance(error, dict) else {}
            message = details.get("message") or response.reason_phrase
            raise AdminCallError(
                f"the sandbox at {self.url} answered {response.status_code}: {message}",
                status=response.status_code,
                key=details.get("key"),
                expected=details.get("expected"),
                found=details.get("found"),
            )
        return answer
