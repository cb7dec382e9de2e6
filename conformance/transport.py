"""The suite's HTTP client: every request bounded in time and size, every exchange kept as evidence.

A system under test may hang, trickle its headers, answer ``100 Continue`` forever, reset connections, answer bytes
that are not HTTP, stream a huge body or a compressed bomb. Each of these ends one request by its deadline (the
timeout from connect to last byte, or the budget's end if sooner) and becomes a ``TransportError`` (no verdict),
or a ``BudgetSpentError`` when the budget ran out; never a crash, never more than the body cap in memory.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from balancekit.safe_text import one_line
from conformance.deadline import DeadlineTransport, request_deadline
from conformance.decoding import ACCEPT_ENCODING, BoundedDecoder, DecodingError

# Documented answers are a few kilobytes; anything past this (decoded) is read no further.
MAX_BODY_BYTES = 1024 * 1024


class TransportError(Exception):
    """No HTTP answer came back: the system hung, refused, reset or spoke something that is not HTTP."""


class BudgetSpentError(Exception):
    """The run's budget ran out before or during a request: what the request was for has no verdict.

    Not a ``TransportError``: the system is not to blame for the budget, so it is not marked down for it.
    """


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as shown in reports."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False
    _json: Any = field(default=None, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        """The parsed body, or None when it is not JSON (callers check the content type and shape)."""
        if self.truncated:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def is_json(self) -> bool:
        media_type = self.content_type.split(";", 1)[0].strip().lower()
        return media_type == "application/json" or media_type.endswith("+json")

    def body_text(self, limit: int = 600) -> str:
        """The start of the body on one line: line breaks, controls, bidi overrides and non-characters are shown
        escaped, so that no answer can drive a terminal, forge a line of a report or break its XML."""
        text = one_line(self.body[:limit].decode("utf-8", errors="replace"))
        more = len(self.body) > limit or self.truncated
        return text + (" ..." if more else "")

    def received(self) -> str:
        """What came back, for a failure message."""
        size = f", body over {MAX_BODY_BYTES} bytes, not read to the end" if self.truncated else ""
        media_type = one_line(self.content_type) or "(no content type)"
        return f"{self.status} {media_type}{size}: {self.body_text(300)}"

    def argv(self) -> list[str]:
        """The request as the words of a curl command."""
        parts = ["curl", "-sS", "-X", self.method]
        for name, value in self.request_headers.items():
            parts += ["-H", f"{name}: {value}"]
        if self.request_body is not None:
            parts += ["--data-binary", self.request_body.decode("utf-8", errors="replace")]
        parts.append(self.url)
        return parts

    def curl(self) -> str:
        """The request as a curl command, values as sent (reports render it through conformance.repro instead)."""
        return " ".join(shlex.quote(part) for part in self.argv())


class Client:
    """Sends requests to one system under test, each within its deadline and read up to the body cap.

    ``ends_at`` (time.monotonic) is the end of the run's budget: no request outlives it. ``transport`` replaces
    the network (tests); the default one enforces each request's deadline on every socket operation.
    """

    def __init__(
        self, timeout: float, *, ends_at: float | None = None, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.timeout = timeout
        self.ends_at = ends_at
        self._http = httpx.Client(
            transport=transport or DeadlineTransport(),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            # Only the encodings decoded in bounded steps; another one the system sends anyway stays undecoded.
            headers={"Accept-Encoding": ACCEPT_ENCODING},
        )

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
    ) -> Exchange:
        headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        request = self._http.build_request(method, url, headers=headers, content=content, params=params)
        now = time.monotonic()
        deadline, cut_by_budget = now + self.timeout, False
        if self.ends_at is not None and self.ends_at < deadline:
            deadline, cut_by_budget = self.ends_at, True
            if deadline <= now:
                raise BudgetSpentError(f"the budget ran out before {method} {request.url.path} was sent")
        try:
            # From connect to last byte: headers, interim answers and body all count against the one deadline.
            with request_deadline(deadline):
                response = self._http.send(request, stream=True)
                try:
                    body, truncated = _read_bounded(response, deadline)
                finally:
                    response.close()
        except httpx.TimeoutException:
            if cut_by_budget:
                raise BudgetSpentError(f"the budget ran out during {method} {request.url.path}") from None
            raise TransportError(f"no answer within {self.timeout:g} s ({method} {request.url})") from None
        except httpx.ConnectError as exc:
            if "reset" in str(exc).lower():
                # Accepted, then reset before the request went out: the same as a reset later on.
                raise TransportError(
                    f"the connection broke ({method} {request.url}): {_connect_problem(exc)}"
                ) from None
            raise TransportError(
                f"cannot connect to {request.url.scheme}://{request.url.netloc.decode()}: {_connect_problem(exc)}"
            ) from None
        except (httpx.RemoteProtocolError, DecodingError) as exc:
            if _closed_unanswered(exc):
                raise TransportError(f"the connection broke ({method} {request.url}): {exc}") from None
            raise TransportError(f"the answer is not valid HTTP ({method} {request.url}): {exc}") from None
        except (httpx.ReadError, httpx.WriteError, httpx.NetworkError) as exc:
            raise TransportError(
                f"the connection broke ({method} {request.url}): {exc or type(exc).__name__}"
            ) from None
        return Exchange(
            method=method,
            url=str(request.url),
            request_headers={key: value for key, value in headers.items()},
            request_body=content,
            status=response.status_code,
            headers={key.lower(): value for key, value in response.headers.items()},
            body=body,
            truncated=truncated,
        )


def _connect_problem(exc: httpx.ConnectError) -> str:
    """What a reader needs of a connection error: "connection refused", not "[Errno 111] Connection refused"."""
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)) or type(exc).__name__
    return text[:1].lower() + text[1:]


def _read_bounded(response: httpx.Response, deadline: float) -> tuple[bytes, bool]:
    """The decoded body, cut at MAX_BODY_BYTES: decoding stops there too, so a bomb never expands past it."""
    body = bytearray()
    for piece in _decoded(response, deadline):
        body += piece
        if len(body) > MAX_BODY_BYTES:
            return bytes(body[:MAX_BODY_BYTES]), True
    return bytes(body), False


def _decoded(response: httpx.Response, deadline: float) -> Iterator[bytes]:
    decoder = BoundedDecoder(response.headers.get("content-encoding", ""))
    for chunk in response.iter_raw():
        yield from decoder.decode(chunk)
        # The network enforces the deadline; this holds it for a transport that does not (tests inject one).
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the body kept arriving past the deadline")
    yield from decoder.flush()


def _closed_unanswered(exc: Exception) -> bool:
    """True for httpx's protocol error for a connection closed before any byte of an answer: no answer at all,
    like a reset (which the kernel reports as either, depending on when it lands), rather than an answer that is
    not HTTP."""
    return isinstance(exc, httpx.RemoteProtocolError) and "without sending a response" in str(exc)
