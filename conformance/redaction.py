"""Redaction: every secret of a profile, and every value derived from one, is named in reports, never shown.

Reports are handed to partners, so every secret a profile section declares (signing keys, client secrets,
registration codes, access tokens, passwords, api and session tokens), every JWT the suite mints and every near
miss derived from a secret are replaced wherever they appear, whatever key they sit under: as sent, JSON-escaped,
HTML- or XML-escaped, URL-encoded, in base64 (alone, or inside a longer base64 text such as a Basic header). A
value shorter than 8 characters is replaced only where it stands as a whole token, so that a 6-digit registration
code does not garble the card number that ends with the same digits.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape as xml_escape

from conformance.near_miss import near_misses
from conformance.profile_secrets import ProfileSecret

if TYPE_CHECKING:
    from conformance.profile import Profile

# A JWT: three base64url parts, the first a JSON object ('{"' is 'eyJ'). The suite mints them from signing keys.
# A token cut short (an answer quoted up to a length) still counts from its first dot on: its signature may be there.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")
JWT_VARIABLE = "VIP_JWT"
# Shorter values are replaced only as whole tokens.
SHORT = 8
_ALNUM = "A-Za-z0-9"


@dataclass(frozen=True)
class Variable:
    """A shell variable that stands for one secret of the profile."""

    name: str
    key: str  # the profile key whose value it holds


@dataclass(frozen=True)
class Secret:
    """A value never shown: a secret of the profile or a value derived from one."""

    value: str
    variable: Variable
    expression: str  # a bash expansion that yields the value, for use inside double quotes
    label: str  # how prose names it


class Redactor:
    """Replaces every registered secret, in every form, and every JWT, by its name."""

    def __init__(self, secrets: Sequence[Secret], keys: Sequence[bytes] = (), key_variables: Sequence[str] = ()):
        self.secrets = list(secrets)
        self.keys = list(keys)  # the decoded signing keys, to tell how a JWT was signed
        self.key_variables = list(key_variables)  # the variable of each signing key's base64 text
        self._by_value: dict[str, Secret] = {}
        forms: dict[str, str] = {}
        for secret in self.secrets:
            self._by_value.setdefault(secret.value, secret)
            for form, label in _forms(secret):
                forms.setdefault(form, label)
        self._labels = forms
        self._any_form = _alternation(forms)
        self._plain = _alternation({secret.value: "" for secret in self.secrets})

    @classmethod
    def for_profile(cls, profile: Profile) -> Redactor:
        """Every secret each section of ``profile`` declares, its near misses and the forms derived from it."""
        declared = [secret for section in profile.sections.values() for secret in section.secrets()]
        secrets: list[Secret] = []
        key_secrets: list[Secret] = []
        for declaration in declared:
            variable = Variable(profile.variables.get(declaration.key) or declaration.variable, declaration.key)
            secret = Secret(declaration.value, variable, f"${{{variable.name}}}", f"${variable.name}")
            secrets.append(secret)
            if declaration.signing_key:
                key_secrets.append(secret)
                continue
            for near in near_misses(declaration.value, upper_case=True):
                label = f"[{variable.name}, {near.kind}]"
                secrets.append(Secret(near.value, variable, near.expansion(variable.name), label))
        secrets += _basic_credentials(declared, secrets)
        secrets += _key_forms(key_secrets)
        keys = [base64.b64decode(secret.value) for secret in key_secrets]
        return cls(secrets, keys, [secret.variable.name for secret in key_secrets])

    @property
    def variables(self) -> list[Variable]:
        """The variables that stand for the profile's secrets, each once, in profile order."""
        return list(dict.fromkeys(secret.variable for secret in self.secrets))

    def text(self, text: str) -> str:
        """``text`` with every form of every secret, and every JWT, replaced by its name."""
        text = JWT.sub(f"${JWT_VARIABLE}", text)
        if self._any_form is None:
            return text
        return self._any_form.sub(lambda match: self._labels[match.group()], text)

    def pieces(self, text: str) -> Iterator[str | Secret]:
        """``text`` as literal pieces and the secrets that stand in it as sent (for building a shell word)."""
        start = 0
        for match in self._plain.finditer(text) if self._plain is not None else ():
            if match.start() > start:
                yield text[start : match.start()]
            yield self._by_value[match.group()]
            start = match.end()
        if start < len(text):
            yield text[start:]


def _basic_credentials(declared: list[ProfileSecret], secrets: list[Secret]) -> list[Secret]:
    """The Basic header values of each Basic password, and of each near miss of it, with its user."""
    users = {declaration.key: declaration.basic_user for declaration in declared if declaration.basic_user}
    derived = []
    for secret in secrets:
        user = users.get(secret.variable.key)
        if user is not None:
            pair = base64.b64encode(f"{user}:{secret.value}".encode()).decode()
            derived.append(Secret(pair, secret.variable, "", f"[Basic credentials {user}:{secret.label}]"))
    return derived


def _key_forms(key_secrets: list[Secret]) -> list[Secret]:
    """The decoded signing keys as hex and as base64url: forms a system might echo."""
    derived = []
    for secret in key_secrets:
        key = base64.b64decode(secret.value)
        label = f"[the key of {secret.label}]"
        for form in (key.hex(), base64.urlsafe_b64encode(key).decode(), base64.b64encode(key).decode().rstrip("=")):
            derived.append(Secret(form, secret.variable, "", label))
    return derived


def _forms(secret: Secret) -> Iterator[tuple[str, str]]:
    """Every form of the secret a report could carry, with how prose names it."""
    value, label = secret.value, secret.label
    yield value, label
    yield json.dumps(value)[1:-1], label
    yield json.dumps(value, ensure_ascii=False)[1:-1], label
    yield html_escape(value), label
    yield xml_escape(value, {'"': "&quot;"}), label
    for encoded in (quote(value, safe=""), quote_plus(value), quote(value, safe="/:")):
        yield encoded, f"[{label} URL-encoded]"
        yield re.sub(r"%[0-9A-F]{2}", lambda match: match.group().lower(), encoded), f"[{label} URL-encoded]"
    raw = value.encode()
    for encoded in _base64_forms(raw):
        yield encoded, f"[{label} as base64]"


def _base64_forms(raw: bytes) -> Iterator[str]:
    """The value in base64 and base64url, alone and at each of the three offsets inside a longer base64 text."""
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        yield whole
        yield whole.rstrip("=")
        if len(raw) < SHORT:
            continue
        for offset in (0, 1, 2):
            text = encode(b"\0" * offset + raw).decode().rstrip("=")
            # Drop the characters that also carry bits of what comes before or after the value.
            start = -(-offset * 8 // 6)
            end = len(text) - (1 if (offset + len(raw)) % 3 else 0)
            yield text[start:end]


def _alternation(forms: dict[str, str]) -> re.Pattern[str] | None:
    """One pattern for all forms, longest first; short ones only as whole tokens."""
    alternatives = []
    for form in sorted((form for form in forms if form), key=len, reverse=True):
        escaped = re.escape(form)
        alternatives.append(escaped if len(form) >= SHORT else f"(?<![{_ALNUM}]){escaped}(?![{_ALNUM}])")
    return re.compile("|".join(alternatives)) if alternatives else None
