"""Near misses: values one implementation bug away from a real credential, derived from it deterministically.

Real servers rarely accept a random token; they fail on comparisons (a prefix compared, the last character
ignored, case folded) and encodings. Each near miss below is what one such bug lets through. Derivations are
deterministic, so a report can name each as a shell expansion of the real value's variable instead of showing it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Rotation within a character class: a digit stays a digit and a letter a letter of the same case, so a near miss
# keeps the form a server's input validation expects. Anything else is left as it is.
_ROTATE_FROM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ROTATE_TO = "1234567890bcdefghijklmnopqrstuvwxyzaBCDEFGHIJKLMNOPQRSTUVWXYZA"
_ROTATION = str.maketrans(_ROTATE_FROM, _ROTATE_TO)
# The same rotation as a tr(1) command, for shell expansions.
_TR = "tr 0-9a-zA-Z 1-90b-zaB-ZA"

CHANGED, TRUNCATED, EXTENDED, OTHER_SUFFIX, UPPER_CASE = (
    "last character changed",
    "one character less",
    "one character more",
    "same first half, another second half",
    "upper-cased",
)


def rotate(text: str) -> str:
    """Each letter and digit of ``text`` replaced by the next of its class (9 by 0, z by a, Z by A)."""
    return text.translate(_ROTATION)


@dataclass(frozen=True)
class NearMiss:
    kind: str
    value: str

    def expansion(self, variable: str) -> str:
        """A bash expansion that yields this near miss from ``$variable``, to be placed inside double quotes."""
        v = variable
        if self.kind == CHANGED:
            return f'${{{v}%?}}$(printf %s "${{{v}: -1}}" | {_TR})'
        if self.kind == TRUNCATED:
            return f"${{{v}%?}}"
        if self.kind == EXTENDED:
            return f'${{{v}}}$(printf %s "${{{v}: -1}}" | {_TR})'
        if self.kind == UPPER_CASE:
            return f"${{{v}^^}}"
        half = _half(self.value)  # OTHER_SUFFIX: the near miss has the original's length
        return f'${{{v}:0:{half}}}$(printf %s "${{{v}:{half}}}" | {_TR})'


def _half(text: str) -> int:
    return max(1, len(text) // 2)


def near_misses(value: str, *, upper_case: bool = False) -> list[NearMiss]:
    """The near misses of ``value`` that differ from it: last character changed, one less, one more, another
    second half, and with ``upper_case`` the value upper-cased (for tokens a server might compare case-blind)."""
    if not value:
        return []
    half = _half(value)
    candidates = [
        NearMiss(CHANGED, value[:-1] + rotate(value[-1])),
        NearMiss(TRUNCATED, value[:-1]),
        NearMiss(EXTENDED, value + rotate(value[-1])),
        NearMiss(OTHER_SUFFIX, value[:half] + rotate(value[half:])),
    ]
    if upper_case:
        candidates.append(NearMiss(UPPER_CASE, value.upper()))
    seen = {value}
    kept = []
    for candidate in candidates:
        # A truncated one-character value is empty: that is a missing credential, checked on its own.
        if candidate.value and candidate.value not in seen:
            seen.add(candidate.value)
            kept.append(candidate)
    return kept


def signature_near_misses(signature: str) -> list[NearMiss]:
    """Near misses of a JWT's base64url signature that decode to other bytes.

    The last character of an HS256 signature carries two padding bits that decoders ignore: rotating it could
    give the same bytes, which a correct server accepts. The changed near miss flips a data bit of it instead.
    """
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) ^ 0b100000]
    half = _half(signature)
    return [
        NearMiss(CHANGED, signature[:-1] + last),
        NearMiss(TRUNCATED, signature[:-1]),
        NearMiss(EXTENDED, signature + "A"),
        NearMiss(OTHER_SUFFIX, signature[:half] + rotate(signature[half:])),
    ]
