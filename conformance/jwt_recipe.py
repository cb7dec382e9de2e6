"""How a JWT in a request is minted again from the profile: its header and claims (not secret) and its key, by name.

A report never shows a JWT the suite minted (a valid one opens the system for minutes). It shows the token's
header and claims, and a command that mints an equivalent one from the key's shell variable: with the same key
(or the same near miss of a signature), the same claims, and times relative to now.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import shlex
from dataclasses import dataclass
from typing import Any

from conformance.near_miss import CHANGED, EXTENDED, OTHER_SUFFIX, TRUNCATED, signature_near_misses

# Claims that hold times; the command mints them relative to the time it runs.
_TIME_CLAIMS = ("iat", "nbf", "exp")
_DEFAULT_HEADER = {"alg": "HS256", "typ": "JWT"}
_PART = 'part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()'


@dataclass(frozen=True)
class Recipe:
    header: dict[str, Any]
    claims: dict[str, Any]
    signature: str  # how it is signed, in words
    command: str  # a bash line that sets the variable to an equivalent token

    def lines(self, variable: str) -> list[str]:
        return [
            f"# {variable} header: {json.dumps(self.header)}",
            f"# {variable} claims: {json.dumps(self.claims)}",
            f"# {variable} signature: {self.signature}",
            self.command,
        ]


def recipe(token: str, variable: str, keys: list[bytes], key_variables: list[str]) -> Recipe | None:
    """How to mint ``token`` again as ``$variable``, or None when it is not a readable JWT."""
    try:
        encoded_header, encoded_claims, signature = token.split(".")
        header, claims = _json_part(encoded_header), _json_part(encoded_claims)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    signing_input = f"{encoded_header}.{encoded_claims}"
    times = _relative_times(claims)
    claims_source = (
        "{" + ", ".join(f"{_py(name)}: {times.get(name, _py(value))}" for name, value in claims.items()) + "}"
    )
    prelude = "import base64, json, sys, time; t = int(time.time()); "
    if header.get("alg") == "none":
        code = f'{prelude}{_PART}; print(part({_py(header)}) + "." + part({claims_source}) + ".")'
        return Recipe(header, claims, "none (an unsigned token)", _assign(variable, code, []))
    extra = {name: value for name, value in header.items() if _DEFAULT_HEADER.get(name) != value}
    headers = f", headers={_py(extra)}" if extra else ""
    mint = f'jwt.encode({claims_source}, KEY, algorithm="HS256"{headers})'
    decoded_key = f"{prelude}import jwt; KEY = base64.b64decode(sys.argv[1]); "
    for key, name in zip(keys, key_variables, strict=True):
        proper = _sign(key, signing_input)
        how = f"HS256 with the key in ${name} (base64-decoded)"
        if proper == signature:
            return Recipe(header, claims, how, _assign(variable, f"{decoded_key}print({mint})", [name]))
        for near in signature_near_misses(proper):
            if near.value == signature:
                code = f'{decoded_key}h, _, s = {mint}.rpartition("."); {_SIGNATURE_CHANGES[near.kind]}'
                return Recipe(header, claims, f"{how}, then {near.kind}", _assign(variable, code, [name]))
    if key_variables and signature == _sign(base64.b64encode(keys[0]), signing_input):
        code = f"{prelude}import jwt; KEY = sys.argv[1].encode(); print({mint})"
        how = f"HS256 with the text of ${key_variables[0]} as the key, not decoded"
        return Recipe(header, claims, how, _assign(variable, code, [key_variables[0]]))
    code = f"{prelude}import jwt, secrets; KEY = secrets.token_bytes(32); print({mint})"
    return Recipe(header, claims, "HS256 with a made-up key (any other key does the same)", _assign(variable, code, []))


# Python statements that print the near miss of signature ``s`` after header and claims ``h``. Double quotes
# only: the code goes into a single-quoted shell word.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIGNATURE_CHANGES = {
    CHANGED: f'A = "{_ALPHABET}"; print(h + "." + s[:-1] + A[A.index(s[-1]) ^ 32])',
    TRUNCATED: 'print(h + "." + s[:-1])',
    EXTENDED: 'print(h + "." + s + "A")',
    OTHER_SUFFIX: (
        'n = max(1, len(s) // 2); r = str.maketrans("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", '
        '"1234567890bcdefghijklmnopqrstuvwxyzaBCDEFGHIJKLMNOPQRSTUVWXYZA"); print(h + "." + s[:n] + s[n:].translate(r))'
    ),
}


def _py(value: Any) -> str:
    """``value`` as Python source, strings in double quotes (JSON's string syntax is Python's too)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(key)}: {_py(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py(item) for item in value) + "]"
    return repr(value)


def _json_part(encoded: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode())


def _sign(key: bytes, signing_input: str) -> str:
    digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _relative_times(claims: dict[str, Any]) -> dict[str, str]:
    """Python expressions of the time claims, relative to ``t`` (now) as they were to iat when minted."""
    reference = claims.get("iat")
    if not isinstance(reference, int):
        return {}
    expressions = {}
    for name in _TIME_CLAIMS:
        value = claims.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            offset = value - reference
            expressions[name] = "t" if offset == 0 else f"t {'+' if offset > 0 else '-'} {abs(offset)}"
    return expressions


def _assign(variable: str, code: str, arguments: list[str]) -> str:
    passed = "".join(f' "${{{name}}}"' for name in arguments)
    return f'{variable}="$(python3 -c {shlex.quote(code)}{passed})"'
