"""A credential as text that shows itself withheld wherever it is printed with repr (pytest's failure reports)."""

from __future__ import annotations


class Secret(str):
    """The credential's text, for headers and bodies (``f"Bearer {token}"`` sends it); its repr names what it is and
    its length only, so a failing test's report, which shows values with repr, never shows it."""

    kind: str

    def __new__(cls, value: str, kind: str = "secret") -> Secret:
        secret = super().__new__(cls, value)
        secret.kind = kind
        return secret

    def __repr__(self) -> str:
        return f"<{self.kind} withheld, {len(self)} characters>"
