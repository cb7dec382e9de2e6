"""The secrets a profile section declares, for redaction: each with its profile key and its shell variable."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileSecret:
    """A secret value of a profile.

    ``signing_key``: a base64 HS256 key; reports show the JWTs signed with it as commands that mint them again, and
    its decoded forms are redacted (no near misses: the suite attacks signatures, not the key). ``basic_user``: the
    value is the password of HTTP Basic credentials with this user, whose header forms are redacted too.
    """

    key: str  # the dotted profile key, section first
    value: str
    variable: str  # the shell variable that stands for it, unless the profile took it from one
    signing_key: bool = False
    basic_user: str | None = None


def variable_name(prefix: str, *parts: str) -> str:
    """The shell variable of a secret: ``variable_name("ACME", "active", "registrationCode[1]")`` is
    ``ACME_ACTIVE_REGISTRATION_CODE_2`` (camelCase split, '-' as '_', a first item unnumbered)."""
    words = [prefix]
    for part in parts:
        name, _, index = part.partition("[")
        words.append(re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).replace("-", "_").upper())
        if index and index.rstrip("]") != "0":
            words.append(str(int(index.rstrip("]")) + 1))
    return "_".join(words)
