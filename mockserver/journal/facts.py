"""A request as the journal keeps it: secrets withheld, the facts a client verdict needs kept, all bounded."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from mockserver.redaction import ECHO_LIMIT, cut, is_sensitive

# Bounds of what one entry keeps, whatever the request held: at most this many headers, and this many values in
# a body or a JWT's claims, at most this deep (strings are cut to redaction.ECHO_LIMIT characters).
MAX_HEADERS = 64
MAX_VALUES = 256
MAX_DEPTH = 8
# A bearer token longer than this is not decoded as a JWT: a client's JWTs are a few hundred characters.
MAX_JWT_CHARS = 4096
T = TypeVar("T")
# Headers that carry credentials but that redaction's field names do not cover.
_CREDENTIAL_HEADERS = frozenset({"cookie", "proxy-authorization"})

Sensitive = Callable[[object], bool]  # True for a field or header name whose value is withheld

# The header whose value a remembered record leaves out, and what stands for it: a NUL byte, which no header value
# the HTTP layer accepts can hold, so the placeholder's JSON member cannot come from a client.
CORRELATION_HEADER = b"x-correlation-id"
_PLACEHOLDER = b"\x00"  # encoded as CORRELATION_SLOT
# The largest request (path, query, headers and body, in bytes) whose encoded record is remembered.
MAX_REMEMBERED = 4096
# One encoder for every record and entry of the journal: json.dumps with options builds a new one per call.
encode_compact = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}


def withheld(value: Any) -> dict[str, Any]:
    """What stands for a secret value: its JSON type, and its length when it is text."""
    described: dict[str, Any] = {"withheld": True, "type": _JSON_TYPES.get(type(value), "null")}
    if isinstance(value, str):
        described["length"] = len(value)
    return described


class _Budget:
    """Counts the values kept in one entry; beyond MAX_VALUES the rest is summarised."""

    def __init__(self) -> None:
        self.left = MAX_VALUES

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _kept(value: Any, budget: _Budget, sensitive: Sensitive, depth: int = 0) -> Any:
    """A JSON value, bounded: secrets under sensitive keys withheld, strings cut, non-finite numbers as text."""
    if not budget.take():
        return "(omitted: too many values)"
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return "(omitted: nested too deep)"
        return {
            cut(str(key)): withheld(item) if sensitive(key) else _kept(item, budget, sensitive, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            return "(omitted: nested too deep)"
        return [_kept(item, budget, sensitive, depth + 1) for item in value]
    if isinstance(value, str):
        return cut(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # json.loads reads NaN and Infinity, which no JSON document may hold
    return value


def credentials(authorization: str | None, sensitive: Sensitive = is_sensitive) -> dict[str, Any] | None:
    """What an ``Authorization`` header held, without the secret."""
    if authorization is None:
        return None
    scheme, _, secret = authorization.strip().partition(" ")
    secret = secret.strip()
    facts: dict[str, Any] = {"scheme": cut(scheme.lower(), 32)}
    if scheme.lower() == "basic":
        try:
            user, colon, password = base64.b64decode(secret, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            facts["malformed"] = True
            return facts
        facts["user"] = cut(user)
        facts["password_length"] = len(password) if colon else None
        return facts
    facts["length"] = len(secret)
    if scheme.lower() == "bearer":
        facts["jwt"] = _jwt_facts(secret, sensitive)
    return facts


_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _jwt_facts(token: str, sensitive: Sensitive) -> dict[str, Any] | None:
    """A JWT's decoded header and claims, never its signature; None when the token is not a JWT.

    Decoded here rather than with PyJWT, whose segment checks cost a hundred microseconds a token: the facts are
    what the token says, and the journal's writer shares the interpreter with the requests being served.
    """
    if len(token) > MAX_JWT_CHARS or not _JWT.fullmatch(token):
        return None
    try:
        header, claims = (
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) for part in token.split(".")[:2]
        )
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    budget = _Budget()
    return {"header": _kept(header, budget, sensitive), "claims": _kept(claims, budget, sensitive)}


def _remembered(function: Callable[..., T], *, max_key: int, entries: int) -> Callable[..., T]:
    """``function`` with its results kept for keys (first argument) of at most ``max_key`` characters or bytes.

    A client repeats its requests: the same credentials, query strings, header values and small bodies come back,
    and the writer shares the interpreter with the requests being served. The keys hold secrets in this process's
    memory only, as the requests did; the cache is bounded in entries and in key size.
    """
    kept = functools.lru_cache(maxsize=entries)(function)

    def call(key: Any, *rest: Any) -> T:
        return kept(key, *rest) if len(key) <= max_key else function(key, *rest)

    return call


def _query_facts(query_string: bytes, sensitive: Sensitive) -> tuple[dict[str, Any], list[str]]:
    budget = _Budget()
    values: dict[str, Any] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)[:MAX_VALUES]:
        kept = withheld(value) if sensitive(name) else _kept(value, budget, sensitive)
        name = cut(name)
        if name in values:
            earlier = values[name]
            values[name] = [*earlier, kept] if isinstance(earlier, list) else [earlier, kept]
        else:
            values[name] = kept
    return values, list(values)


def _header_facts(raw_value: bytes, raw_name: bytes, sensitive: Sensitive) -> tuple[str, str | dict[str, Any]]:
    name, value = cut(raw_name.decode("latin-1").lower()), raw_value.decode("latin-1")
    if sensitive(name) or name in _CREDENTIAL_HEADERS:
        return name, withheld(value)
    return name, cut(value)


def _body_facts(body: bytes, sensitive: Sensitive) -> tuple[Any, list[str]]:
    try:
        parsed = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return {"omitted": "not UTF-8 text", "length": len(body)}, []
    except ValueError:
        return {"omitted": "not JSON", "length": len(body)}, []
    fields = [cut(str(name)) for name in parsed][:MAX_VALUES] if isinstance(parsed, dict) else []
    return _kept(parsed, _Budget(), sensitive), fields


class RequestFacts:
    """Makes the journal's record of a request (see the admin spec's ``RecordedRequest``). One per journal writer: it
    remembers the facts of recent query strings, headers, small bodies and credentials, whose results are shared
    between entries (nothing may change them)."""

    def __init__(self, identity_fields: frozenset[str] = frozenset()) -> None:
        """``identity_fields``: the field names (folded as redaction.folded does) that identify a person, withheld
        beside the secrets redaction knows by name."""
        # The same few field and header names come again and again; a client choosing new ones only fills the cache.
        sensitive = functools.lru_cache(maxsize=1024)(functools.partial(is_sensitive, identity_fields=identity_fields))
        self._query = _remembered(functools.partial(_query_facts, sensitive=sensitive), max_key=1024, entries=256)
        self._header = _remembered(functools.partial(_header_facts, sensitive=sensitive), max_key=256, entries=1024)
        self._small_body = _remembered(functools.partial(_body_facts, sensitive=sensitive), max_key=1024, entries=256)
        self._credentials = _remembered(functools.partial(credentials, sensitive=sensitive), max_key=2048, entries=256)
        self._encoded = functools.lru_cache(maxsize=256)(self._encode_uncached)

    def __call__(
        self,
        method: str,
        path: str,
        query_string: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        body_complete: bool = True,
    ) -> dict[str, Any]:
        query, query_fields = self._query(query_string)
        authorization = next((value for name, value in headers if name == b"authorization"), None)
        if not body:
            kept_body, body_fields = None, list[str]()
        elif not body_complete:
            kept_body, body_fields = {"omitted": "larger than the journal keeps", "length": len(body)}, []
        else:
            kept_body, body_fields = self._small_body(body)
        return {
            "method": cut(method, 16),
            "path": cut(path, 2 * ECHO_LIMIT),
            "query": query,
            "query_fields": query_fields,
            "headers": self._headers(headers),
            "credentials": self._credentials(authorization.decode("latin-1")) if authorization is not None else None,
            "body": kept_body,
            "body_fields": body_fields,
        }

    def encoded(
        self,
        method: str,
        path: str,
        query_string: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        body_complete: bool = True,
        size: int | None = None,
    ) -> str:
        """The record of a request as JSON text. A client sends the same request again and again (the same
        credentials, path and body): each distinct small request is encoded once, which is most of an entry's cost.
        Only its ``X-Correlation-ID`` changes from one request to the next (Valkyrie's callers send a new one each
        time): a request with one has it as CORRELATION_SLOT in its record, which is then the same text, the same
        object even, for every repeat; the entry holds the value apart (state.store.JournalRow). ``size``: the bytes
        of path, query, headers and body, when the caller knows them already.
        """
        if size is None:
            size = len(path) + len(query_string) + len(body) + sum(len(n) + len(v) for n, v in headers)
        if size > MAX_REMEMBERED:
            return self._encode_uncached((method, path, query_string, tuple(headers), body, body_complete))
        at = [index for index, (name, _) in enumerate(headers) if name == CORRELATION_HEADER]
        if len(at) != 1:
            return self._encoded((method, path, query_string, tuple(headers), body, body_complete))
        index = at[0]
        keyed = (*headers[:index], (CORRELATION_HEADER, _PLACEHOLDER), *headers[index + 1 :])
        return self._encoded((method, path, query_string, keyed, body, body_complete))

    def _encode_uncached(self, key: tuple[str, str, bytes, tuple[tuple[bytes, bytes], ...], bytes, bool]) -> str:
        method, path, query_string, headers, body, body_complete = key
        return encode_compact(self(method, path, query_string, list(headers), body, body_complete))

    def _headers(self, headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str | dict[str, Any]]:
        kept: dict[str, str | dict[str, Any]] = {}
        for raw_name, raw_value in headers:
            if len(kept) >= MAX_HEADERS:
                kept["(omitted)"] = "more headers"
                break
            name, fact = self._header(raw_value, raw_name)
            earlier = kept.get(name)
            kept[name] = cut(f"{earlier}, {fact}") if isinstance(earlier, str) and isinstance(fact, str) else fact
        return kept
